/** @file media/player.c  RTP players (music on hold, prompts) driven by one
 *  shared 20 ms clock
 *
 * A frame is 160 samples: the current prompt's next samples, then (if it
 * ends inside the frame) the next prompt's, then music from where it
 * paused, then silence. The frame is G.711-encoded behind a 12-byte RTP
 * header. Music pauses while prompts play; a prompt is never cut by the
 * clock, only by player_prompts_clear.
 *
 * The clock keeps an absolute grid (next tick = previous + 20 ms, not
 * now + 20 ms), so the packet rate stays 50/s on average whatever the
 * loop's latency. When a tick runs late it sends every frame that is due
 * (up to PLAYER_CATCHUP); frames beyond that are skipped (timestamp
 * jump, marker bit), so a stalled loop never floods the caller.
 *
 * Handlers may free players (their own or others) while the clock walks
 * its list: the walk keeps its next position in the clock, and a player's
 * destructor moves it on when it unlinks that very player. A destroyed
 * player reports it through gonep, a flag owned by whoever is running
 * handlers on its behalf.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/player.h>
#include "rtphdr.h"

struct player_clock {
	int fd;                   /* timerfd, owned: armed for the next tick
				     while players exist (not a libre timer:
				     libre 1.1.0 inserts each one into one
				     sorted list, at O(timers) a time) */
	struct list playerl;      /* struct player; not owned (they ref us) */
	struct le *cursor;        /* the walk's next player, during a tick */
	uint64_t next;            /* jiffies of the next tick on the grid */
	uint64_t tickc;           /* ticks so far */
};

struct prompt {
	struct le le;             /* in player->promptl (owned) or a done
				     list */
	struct audio_clip *clip;  /* ref */
	size_t pos;               /* next sample */
	player_done_h *doneh;
	void *arg;
};

struct player {
	struct le le;             /* in clk->playerl */
	struct player_clock *clk; /* ref */
	struct audio_clip *music; /* ref; NULL = silence */
	size_t music_pos;
	struct list promptl;      /* struct prompt, owned; the head plays */
	player_send_h *sendh;
	void *arg;
	bool *gonep;              /* borrowed: set true by the destructor */
	uint64_t first_tick;      /* clock tick that sends the first frame */
	uint32_t ssrc, ts;
	uint16_t seq;
	uint8_t pt;
	bool marker;              /* on the next packet */
};


static void clock_destructor(void *arg)
{
	struct player_clock *clk = arg;

	if (clk->fd >= 0) {
		fd_close(clk->fd);
		(void)close(clk->fd);
	}
}

/* Fire once at the grid's next tick (clk->next, jiffies), or stop */
static int clock_arm(struct player_clock *clk, bool on)
{
	struct itimerspec its = {{0, 0}, {0, 0}};
	uint64_t now = tmr_jiffies();

	if (on) {
		uint64_t ms = clk->next > now ? clk->next - now : 0;

		its.it_value.tv_sec = (time_t)(ms / 1000);
		its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
		if (!ms)
			its.it_value.tv_nsec = 1;     /* 0 would disarm */
	}
	return timerfd_settime(clk->fd, 0, &its, NULL) ? errno : 0;
}

static void clock_tick(struct player_clock *clk);

static void clock_fd_h(int flags, void *arg)
{
	struct player_clock *clk = arg;
	uint64_t expirations;

	(void)flags;
	if (read(clk->fd, &expirations, sizeof(expirations)) < 0)
		return;      /* EAGAIN: disarmed in between */
	clock_tick(mem_ref(clk));    /* released by clock_tick */
}


/** Allocate the clock all players share (release with mem_deref; players
 *  keep it alive). 0, EINVAL, ENOMEM. */
int player_clock_alloc(struct player_clock **cp)
{
	struct player_clock *clk;
	int err;

	if (!cp)
		return EINVAL;

	clk = mem_zalloc(sizeof(*clk), clock_destructor);
	if (!clk)
		return ENOMEM;

	list_init(&clk->playerl);
	clk->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	err = clk->fd < 0 ? errno : fd_listen(clk->fd, FD_READ, clock_fd_h,
					       clk);
	if (err) {
		if (clk->fd >= 0)
			(void)close(clk->fd);
		clk->fd = -1;
		mem_deref(clk);
		return err;
	}
	*cp = clk;

	return 0;
}


static void prompt_destructor(void *arg)
{
	struct prompt *pr = arg;

	list_unlink(&pr->le);
	mem_deref(pr->clip);
}


static void player_destructor(void *arg)
{
	struct player *p = arg;

	if (p->gonep)
		*p->gonep = true;
	if (p->clk->cursor == &p->le)
		p->clk->cursor = p->le.next;

	list_unlink(&p->le);
	list_flush(&p->promptl);
	mem_deref(p->music);
	mem_deref(p->clk);
}


/* 160 samples: prompts (finished ones move to donel), music, silence */
static void pcm_fill(struct player *p, int16_t *pcm, struct list *donel)
{
	size_t n = 0, k;
	struct le *le;

	while (n < PLAYER_SAMPLES) {
		le = list_head(&p->promptl);
		if (le) {
			struct prompt *pr = le->data;

			k = min(PLAYER_SAMPLES - n,
				pr->clip->samplec - pr->pos);
			memcpy(pcm + n, pr->clip->samplev + pr->pos,
			       k * sizeof(*pcm));
			pr->pos += k;
			n += k;
			if (pr->pos == pr->clip->samplec) {
				list_unlink(&pr->le);
				list_append(donel, &pr->le, pr);
			}
			continue;
		}

		if (!p->music || !p->music->samplec) {
			memset(pcm + n, 0, (PLAYER_SAMPLES - n) * sizeof(*pcm));
			break;
		}

		k = min(PLAYER_SAMPLES - n, p->music->samplec - p->music_pos);
		memcpy(pcm + n, p->music->samplev + p->music_pos,
		       k * sizeof(*pcm));
		p->music_pos = (p->music_pos + k) % p->music->samplec;
		n += k;
	}
}


static void frame_write(struct player *p, uint8_t *out, const int16_t *pcm)
{
	const struct rtphdr h = { .pt = p->pt, .marker = p->marker,
				  .seq = p->seq, .ts = p->ts,
				  .ssrc = p->ssrc };

	(void)rtphdr_write(&h, out);

	for (size_t i = 0; i < PLAYER_SAMPLES; i++)
		out[12 + i] = p->pt == 8 ? audio_alaw_encode(pcm[i]) :
			audio_ulaw_encode(pcm[i]);

	p->seq++;
	p->ts += PLAYER_SAMPLES;
	p->marker = false;
}


/* Call the finished prompts' handlers, in order, until one frees p (then
 * the rest are only released). Returns false when p is gone. */
static bool done_run(struct player *p, struct list *donel)
{
	bool gone = false, *outer = p->gonep;
	struct le *le;

	p->gonep = &gone;
	while ((le = list_head(donel))) {
		struct prompt *pr = le->data;

		list_unlink(le);
		if (!gone && pr->doneh)
			pr->doneh(pr->arg);
		mem_deref(pr);
	}

	if (gone) {
		if (outer)
			*outer = true;
		return false;
	}

	p->gonep = outer;
	return true;
}


/**
 * Produce the player's next frame: RTP header (marker, sequence number,
 * timestamp, SSRC) and 160 G.711 bytes; sequence number and timestamp
 * advance. The clock calls this every 20 ms; tests call it directly.
 *
 * @param p    The player
 * @param out  PLAYER_FRAME_SIZE bytes
 *
 * @return PLAYER_FRAME_SIZE (0 when p is NULL). Prompts that end in this
 *         frame have their doneh called after out is complete; a handler
 *         may free p, and then no further handler is called. To know
 *         whether p survived, hold a reference around the call.
 */
size_t player_frame(struct player *p, uint8_t out[PLAYER_FRAME_SIZE])
{
	int16_t pcm[PLAYER_SAMPLES];
	struct list donel = LIST_INIT;

	if (!p || !out)
		return 0;

	pcm_fill(p, pcm, &donel);
	frame_write(p, out, pcm);
	(void)done_run(p, &donel);

	return PLAYER_FRAME_SIZE;
}


/** The loop fell behind by n frames that will never be sent: the
 *  timestamp covers them, the next packet is marked. The audio position
 *  does not move. */
void player_skip(struct player *p, uint32_t n)
{
	if (!p || !n)
		return;

	p->ts += n * PLAYER_SAMPLES;
	p->marker = true;
}


/* Send one frame; false when a handler freed p */
static bool frame_send(struct player *p)
{
	uint8_t buf[PLAYER_FRAME_SIZE];
	bool gone = false;
	size_t len;

	p->gonep = &gone;
	len = player_frame(p, buf);
	if (gone)
		return false;

	p->gonep = NULL;
	(void)p->sendh(buf, len, p->arg);
	return true;
}


/* The due frames for every player, then the next tick on the grid */
static void clock_tick(struct player_clock *clk)
{
	uint64_t now = tmr_jiffies(), due, skip;
	struct le *le;

	due = 1 + (now > clk->next ? (now - clk->next) / PLAYER_PTIME_MS : 0);
	skip = due > PLAYER_CATCHUP ? due - PLAYER_CATCHUP : 0;
	clk->next += due * PLAYER_PTIME_MS;
	clk->tickc++;

	for (le = list_head(&clk->playerl); le; le = clk->cursor) {
		struct player *p = le->data;

		clk->cursor = le->next;
		if (p->first_tick > clk->tickc)
			continue;

		player_skip(p, (uint32_t)skip);
		for (uint64_t i = skip; i < due; i++) {
			if (!frame_send(p))
				break;
		}
	}
	clk->cursor = NULL;

	(void)clock_arm(clk, !list_isempty(&clk->playerl));

	mem_deref(clk);
}


/**
 * Allocate a player; it sends from the clock's next tick on.
 *
 * @param pp     Set to the new player; mem_deref stops it (never from
 *               inside its own sendh)
 * @param clk    The shared clock (referenced)
 * @param pt     RTP payload type: 0 (PCMU) or 8 (PCMA)
 * @param sendh  Sends one packet
 * @param arg    Handler argument
 *
 * @return 0; EINVAL (NULL, other pt); ENOMEM
 */
int player_alloc(struct player **pp, struct player_clock *clk, uint8_t pt,
		 player_send_h *sendh, void *arg)
{
	struct player *p;
	int err;

	if (!pp || !clk || !sendh || (pt != 0 && pt != 8))
		return EINVAL;

	p = mem_zalloc(sizeof(*p), player_destructor);
	if (!p)
		return ENOMEM;

	p->clk = mem_ref(clk);
	p->pt = pt;
	p->sendh = sendh;
	p->arg = arg;
	p->ssrc = rand_u32();
	p->seq = rand_u16();
	p->ts = rand_u32();
	p->marker = true;
	p->first_tick = clk->tickc + 1;
	list_init(&p->promptl);

	/* an idle clock starts a new grid */
	if (list_isempty(&clk->playerl)) {
		clk->next = tmr_jiffies() + PLAYER_PTIME_MS;
		err = clock_arm(clk, true);
		if (err) {
			mem_deref(p);
			return err;
		}
	}
	list_append(&clk->playerl, &p->le, p);

	*pp = p;
	return 0;
}


/** Loop music from its start (a reference is kept); NULL = silence. The
 *  clip already playing keeps its position. */
void player_music(struct player *p, struct audio_clip *music)
{
	if (!p || p->music == music)
		return;

	mem_deref(p->music);
	p->music = mem_ref(music);
	p->music_pos = 0;
}


/** Queue a prompt after the current ones (a reference to clip is kept);
 *  doneh (may be NULL) when it has played. 0, EINVAL, ENOMEM. */
int player_say(struct player *p, struct audio_clip *clip,
	       player_done_h *doneh, void *arg)
{
	struct prompt *pr;

	if (!p || !clip)
		return EINVAL;

	pr = mem_zalloc(sizeof(*pr), prompt_destructor);
	if (!pr)
		return ENOMEM;

	pr->clip = mem_ref(clip);
	pr->doneh = doneh;
	pr->arg = arg;
	list_append(&p->promptl, &pr->le, pr);

	return 0;
}


/** Drop every queued prompt and the one playing, without their doneh. */
void player_prompts_clear(struct player *p)
{
	if (!p)
		return;

	list_flush(&p->promptl);
}
