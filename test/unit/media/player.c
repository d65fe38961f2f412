/** @file test/unit/media/player.c  RTP frames without timers (header,
 *  music loop, prompts, handlers that free), then the 20 ms clock on a
 *  real libre loop (rate, grid, catch-up, gaps) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/player.h>

struct rtp {
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts, ssrc;
};

static struct rtp rtp_read(const uint8_t *b)
{
	struct rtp r;

	assert_int_equal(b[0], 0x80);
	r.marker = b[1] & 0x80;
	r.pt = b[1] & 0x7f;
	r.seq = (uint16_t)(b[2] << 8 | b[3]);
	r.ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
		(uint32_t)b[6] << 8 | b[7];
	r.ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		(uint32_t)b[10] << 8 | b[11];
	return r;
}

static int send_none(const uint8_t *rtp, size_t len, void *arg)
{
	(void)rtp;
	(void)len;
	(void)arg;
	fail_msg("no clock in frame tests");
	return 0;
}

/* A clip whose sample i is base + i (distinct after u-law: steps of 64
 * stay in one segment's resolution) */
static struct audio_clip *ramp(size_t n, int base, int step)
{
	struct audio_clip *c = NULL;

	assert_int_equal(audio_clip_alloc(&c, n), 0);
	for (size_t i = 0; i < n; i++)
		c->samplev[i] = (int16_t)(base + (int)i * step);
	return c;
}

/* The frame's payload is exactly these 160 samples, PCMU-encoded */
static void assert_payload(const uint8_t *f, const int16_t *pcm)
{
	for (size_t i = 0; i < PLAYER_SAMPLES; i++)
		assert_int_equal(f[12 + i], audio_ulaw_encode(pcm[i]));
}

struct done {
	unsigned calls;
	struct player **freep;    /* free this player when called */
	struct player *p;         /* say next on it when called */
	struct audio_clip *next;
};

static void on_done(void *arg)
{
	struct done *d = arg;

	d->calls++;
	if (d->freep)
		*d->freep = mem_deref(*d->freep);
	if (d->next)
		assert_int_equal(player_say(d->p, d->next, NULL, NULL), 0);
}

static struct player_clock *clk;

static void test_header(void **state)
{
	struct player *p = NULL, *pa = NULL;
	uint8_t f[PLAYER_FRAME_SIZE];
	struct rtp r0, r;

	(void)state;
	assert_int_equal(player_alloc(&p, clk, 0, send_none, NULL), 0);
	assert_int_equal(player_frame(p, f), PLAYER_FRAME_SIZE);
	r0 = rtp_read(f);
	assert_true(r0.marker);
	assert_int_equal(r0.pt, 0);
	for (size_t i = 0; i < PLAYER_SAMPLES; i++)
		assert_int_equal(f[12 + i], 0xff);   /* u-law silence */

	for (uint32_t n = 1; n < 100; n++) {
		assert_int_equal(player_frame(p, f), PLAYER_FRAME_SIZE);
		r = rtp_read(f);
		assert_false(r.marker);
		assert_int_equal(r.pt, 0);
		assert_int_equal(r.seq, (uint16_t)(r0.seq + n));
		assert_int_equal(r.ts, r0.ts + n * 160);
		assert_int_equal(r.ssrc, r0.ssrc);
	}

	/* a gap: the timestamp jumps, the marker is set once */
	player_skip(p, 7);
	player_frame(p, f);
	r = rtp_read(f);
	assert_true(r.marker);
	assert_int_equal(r.seq, (uint16_t)(r0.seq + 100));
	assert_int_equal(r.ts, r0.ts + (100 + 7) * 160);
	player_frame(p, f);
	assert_false(rtp_read(f).marker);

	/* PCMA: its own SSRC, A-law silence */
	assert_int_equal(player_alloc(&pa, clk, 8, send_none, NULL), 0);
	player_frame(pa, f);
	r = rtp_read(f);
	assert_int_equal(r.pt, 8);
	assert_int_not_equal(r.ssrc, r0.ssrc);
	for (size_t i = 0; i < PLAYER_SAMPLES; i++)
		assert_int_equal(f[12 + i], 0xd5);

	assert_int_equal(player_alloc(&pa, clk, 3, send_none, NULL), EINVAL);
	assert_int_equal(player_alloc(&pa, NULL, 0, send_none, NULL), EINVAL);
	assert_int_equal(player_alloc(&pa, clk, 0, NULL, NULL), EINVAL);
	assert_int_equal(player_say(p, NULL, NULL, NULL), EINVAL);
	assert_int_equal(player_frame(NULL, f), 0);

	mem_deref(pa);
	mem_deref(p);
}

/* Music of 250 samples loops seamlessly across frames */
static void test_music_loops(void **state)
{
	struct audio_clip *m = ramp(250, -8000, 64);
	struct player *p = NULL;
	uint8_t f[PLAYER_FRAME_SIZE];
	int16_t want[PLAYER_SAMPLES];

	(void)state;
	assert_int_equal(player_alloc(&p, clk, 0, send_none, NULL), 0);
	player_music(p, m);
	for (size_t n = 0; n < 10; n++) {
		for (size_t i = 0; i < PLAYER_SAMPLES; i++)
			want[i] = m->samplev[(n * 160 + i) % 250];
		player_frame(p, f);
		assert_payload(f, want);
	}

	/* the same clip again keeps its place; NULL is silence */
	player_music(p, m);
	for (size_t i = 0; i < PLAYER_SAMPLES; i++)
		want[i] = m->samplev[(10 * 160 + i) % 250];
	player_frame(p, f);
	assert_payload(f, want);
	player_music(p, NULL);
	player_frame(p, f);
	for (size_t i = 0; i < PLAYER_SAMPLES; i++)
		assert_int_equal(f[12 + i], 0xff);

	/* a new clip starts from its beginning; the player holds a ref */
	player_music(p, m);
	mem_deref(m);
	player_frame(p, f);
	assert_int_equal(f[12], audio_ulaw_encode(-8000));
	mem_deref(p);
}

/* A prompt replaces the music, which then resumes where it paused, in the
 * same frame; doneh once, after the frame with the prompt's end */
static void test_prompt_over_music(void **state)
{
	struct audio_clip *m = ramp(1000, -8000, 16);
	struct audio_clip *pr = ramp(400, 2000, 8);
	struct player *p = NULL;
	struct done d = {0};
	uint8_t f[PLAYER_FRAME_SIZE];
	int16_t want[PLAYER_SAMPLES];

	(void)state;
	assert_int_equal(player_alloc(&p, clk, 0, send_none, NULL), 0);
	player_music(p, m);
	player_frame(p, f);                        /* music 0..159 */
	assert_int_equal(player_say(p, pr, on_done, &d), 0);
	mem_deref(pr);                             /* the player has a ref */

	player_frame(p, f);                        /* prompt 0..159 */
	assert_payload(f, pr->samplev);
	player_frame(p, f);                        /* prompt 160..319 */
	assert_payload(f, pr->samplev + 160);
	assert_int_equal(d.calls, 0);

	/* prompt 320..399, then music 160..239 */
	memcpy(want, pr->samplev + 320, 80 * sizeof(int16_t));
	memcpy(want + 80, m->samplev + 160, 80 * sizeof(int16_t));
	player_frame(p, f);
	assert_payload(f, want);
	assert_int_equal(d.calls, 1);

	player_frame(p, f);
	assert_payload(f, m->samplev + 240);
	assert_int_equal(d.calls, 1);

	mem_deref(m);
	mem_deref(p);
}

/* Queued prompts play back to back in order; an empty one finishes at
 * once; doneh may queue the next one, which follows without a gap */
static void test_prompt_queue(void **state)
{
	struct audio_clip *a = ramp(100, 1000, 8), *b = ramp(100, -1000, 8);
	struct audio_clip *e = ramp(0, 0, 0), *c = ramp(160, 3000, 4);
	struct player *p = NULL;
	struct done da = {0}, db = {0}, de = {0};
	uint8_t f[PLAYER_FRAME_SIZE];
	int16_t want[PLAYER_SAMPLES] = {0};

	(void)state;
	assert_int_equal(player_alloc(&p, clk, 0, send_none, NULL), 0);
	db.p = p;
	db.next = c;
	assert_int_equal(player_say(p, a, on_done, &da), 0);
	assert_int_equal(player_say(p, e, on_done, &de), 0);
	assert_int_equal(player_say(p, b, on_done, &db), 0);

	/* a 0..99, (e), b 0..59 */
	memcpy(want, a->samplev, 100 * sizeof(int16_t));
	memcpy(want + 100, b->samplev, 60 * sizeof(int16_t));
	player_frame(p, f);
	assert_payload(f, want);
	assert_int_equal(da.calls, 1);
	assert_int_equal(de.calls, 1);
	assert_int_equal(db.calls, 0);

	/* b 60..99, then silence (c is queued by b's doneh, after) */
	memset(want, 0, sizeof(want));
	memcpy(want, b->samplev + 60, 40 * sizeof(int16_t));
	player_frame(p, f);
	assert_payload(f, want);
	assert_int_equal(db.calls, 1);

	player_frame(p, f);
	assert_payload(f, c->samplev);

	mem_deref(a);
	mem_deref(b);
	mem_deref(c);
	mem_deref(e);
	mem_deref(p);
}

static void test_prompts_clear(void **state)
{
	struct audio_clip *m = ramp(1000, -8000, 16);
	struct audio_clip *a = ramp(500, 1000, 8), *b = ramp(500, 2000, 8);
	struct player *p = NULL;
	struct done da = {0}, db = {0};
	uint8_t f[PLAYER_FRAME_SIZE];

	(void)state;
	assert_int_equal(player_alloc(&p, clk, 0, send_none, NULL), 0);
	player_music(p, m);
	player_frame(p, f);                        /* music 0..159 */
	assert_int_equal(player_say(p, a, on_done, &da), 0);
	assert_int_equal(player_say(p, b, on_done, &db), 0);
	player_frame(p, f);                        /* a 0..159 */
	player_prompts_clear(p);
	player_frame(p, f);
	assert_payload(f, m->samplev + 160);
	for (int i = 0; i < 20; i++)
		player_frame(p, f);
	assert_int_equal(da.calls + db.calls, 0);

	/* the clips are released: ours are the only references left */
	assert_int_equal(mem_nrefs(a), 1);
	assert_int_equal(mem_nrefs(b), 1);
	mem_deref(a);
	mem_deref(b);
	mem_deref(m);
	mem_deref(p);
}

/* doneh frees the player: later handlers of the same frame never run */
static void test_done_frees_player(void **state)
{
	struct audio_clip *a = ramp(50, 1000, 8), *b = ramp(50, 2000, 8);
	struct player *p = NULL;
	struct done da = {0}, db = {0};
	uint8_t f[PLAYER_FRAME_SIZE];

	(void)state;
	assert_int_equal(player_alloc(&p, clk, 0, send_none, NULL), 0);
	da.freep = &p;
	assert_int_equal(player_say(p, a, on_done, &da), 0);
	assert_int_equal(player_say(p, b, on_done, &db), 0);
	mem_deref(a);
	mem_deref(b);

	assert_int_equal(player_frame(p, f), PLAYER_FRAME_SIZE);
	assert_null(p);
	assert_int_equal(da.calls, 1);
	assert_int_equal(db.calls, 0);
}

/* ---- the clock, on a real loop ---- */

struct sink {
	struct player *p;
	unsigned frames;
	uint64_t first_ms, last_ms;
	uint32_t first_ts;
	struct rtp prev;
	unsigned gaps;            /* marked packets after the first */
	uint32_t max_ts_step;     /* in frames */
	unsigned max_burst, burst;
	struct tmr burst_tmr;
	unsigned stop_after;      /* re_cancel after this many, 0 = never */
};

static void burst_end(void *arg)
{
	struct sink *s = arg;

	s->max_burst = s->burst > s->max_burst ? s->burst : s->max_burst;
	s->burst = 0;
}

static int sink_send(const uint8_t *b, size_t len, void *arg)
{
	struct sink *s = arg;
	struct rtp r = rtp_read(b);
	uint64_t now = tmr_jiffies();

	assert_int_equal(len, PLAYER_FRAME_SIZE);
	if (s->frames) {
		uint32_t step = (r.ts - s->prev.ts) / 160;

		assert_int_equal(r.seq, (uint16_t)(s->prev.seq + 1));
		assert_int_equal(r.ssrc, s->prev.ssrc);
		assert_int_equal((r.ts - s->prev.ts) % 160, 0);
		assert_int_equal(r.marker, step > 1);
		s->gaps += r.marker;
		s->max_ts_step = step > s->max_ts_step ? step : s->max_ts_step;
	}
	else {
		assert_true(r.marker);
		s->first_ms = now;
		s->first_ts = r.ts;
	}

	/* a burst: the frames sent before the loop gets control back (a
	 * zero-delay timer runs once the clock's tick has returned) */
	if (!s->burst++)
		tmr_start(&s->burst_tmr, 0, burst_end, s);
	s->prev = r;
	s->last_ms = now;
	s->frames++;
	if (s->stop_after && s->frames == s->stop_after)
		re_cancel();
	return 0;
}

static void stop_loop(void *arg)
{
	(void)arg;
	re_cancel();
}

static void run_for(uint32_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, stop_loop, NULL);
	assert_int_equal(re_main(NULL), 0);
	tmr_cancel(&t);
}

/* 50 packets a second per player, on time, in sequence */
static void test_clock_rate(void **state)
{
	struct sink a = {0}, b = {0};
	uint64_t start, elapsed;

	(void)state;
	start = tmr_jiffies();
	assert_int_equal(player_alloc(&a.p, clk, 0, sink_send, &a), 0);
	assert_int_equal(player_alloc(&b.p, clk, 8, sink_send, &b), 0);
	run_for(210);
	elapsed = tmr_jiffies() - start;

	/* first frame one tick after the start, then every 20 ms */
	assert_true(a.first_ms - start >= 19 && a.first_ms - start <= 40);
	assert_true(a.frames >= elapsed / 20 - 1 && a.frames <= elapsed / 20);
	assert_int_equal(b.frames, a.frames);
	assert_int_equal(a.gaps + b.gaps, 0);

	mem_deref(a.p);
	mem_deref(b.p);
	tmr_cancel(&a.burst_tmr);
	tmr_cancel(&b.burst_tmr);
}

static void block_loop(void *arg)
{
	usleep(*(uint32_t *)arg * 1000);
}

/* A stalled loop: up to PLAYER_CATCHUP frames are sent at once, the rest
 * are skipped with a timestamp jump and a marker; the grid is kept */
static void test_clock_catchup(void **state)
{
	static uint32_t short_ms = 75, long_ms = 300;
	struct sink s = {0};
	struct tmr t1, t2;
	uint64_t start, elapsed;

	(void)state;
	tmr_init(&t1);
	tmr_init(&t2);
	start = tmr_jiffies();
	assert_int_equal(player_alloc(&s.p, clk, 0, sink_send, &s), 0);
	tmr_start(&t1, 105, block_loop, &short_ms);
	run_for(400);

	/* 75 ms late: 4 or 5 frames in one burst, none lost */
	elapsed = s.last_ms - start;
	assert_true(s.max_burst >= 4 && s.max_burst <= PLAYER_CATCHUP);
	assert_int_equal(s.gaps, 0);
	assert_true(s.frames >= elapsed / 20 - 1 && s.frames <= elapsed / 20);

	/* 300 ms late: 5 sent, about 10 skipped in one jump */
	s.max_burst = 0;
	tmr_start(&t2, 30, block_loop, &long_ms);
	run_for(500);
	assert_int_equal(s.max_burst, PLAYER_CATCHUP);
	assert_int_equal(s.gaps, 1);
	assert_true(s.max_ts_step >= 9 && s.max_ts_step <= 12);

	/* sent or skipped, the timestamp tracks the wall clock */
	elapsed = s.last_ms - s.first_ms;
	assert_true((s.prev.ts - s.first_ts) / 160 + 1 >= elapsed / 20);
	assert_true((s.prev.ts - s.first_ts) / 160 <= elapsed / 20 + 1);

	tmr_cancel(&t1);
	tmr_cancel(&t2);
	mem_deref(s.p);
	tmr_cancel(&s.burst_tmr);
}

/* Handlers free players (their own, a neighbour's) in a tick: the walk
 * goes on; a player made during a tick starts at the next one */
struct chaos {
	struct sink a, b, c;
	struct sink *made;
	struct done done;
};

static struct chaos ch;

static void chaos_done(void *arg)
{
	(void)arg;
	ch.a.p = mem_deref(ch.a.p);      /* itself */
	ch.b.p = mem_deref(ch.b.p);      /* the next in the walk */
	assert_int_equal(player_alloc(&ch.c.p, clk, 0, sink_send, &ch.c), 0);
	ch.done.calls++;
}

static void test_clock_handlers_free(void **state)
{
	struct audio_clip *pr = ramp(400, 100, 4);
	unsigned b_frames;

	(void)state;
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(player_alloc(&ch.a.p, clk, 0, sink_send, &ch.a), 0);
	assert_int_equal(player_alloc(&ch.b.p, clk, 0, sink_send, &ch.b), 0);
	assert_int_equal(player_say(ch.a.p, pr, chaos_done, NULL), 0);
	mem_deref(pr);

	run_for(150);
	assert_int_equal(ch.done.calls, 1);
	assert_null(ch.a.p);
	assert_null(ch.b.p);

	/* a: frames 1..2 sent, its third (the prompt's end) never was */
	assert_int_equal(ch.a.frames, 2);
	b_frames = ch.b.frames;
	assert_int_equal(b_frames, 2);
	assert_non_null(ch.c.p);
	assert_true(ch.c.frames >= 2);

	mem_deref(ch.c.p);
	run_for(60);                  /* the clock stops with no players */
	tmr_cancel(&ch.a.burst_tmr);
	tmr_cancel(&ch.b.burst_tmr);
	tmr_cancel(&ch.c.burst_tmr);
}

static int setup(void **state)
{
	(void)state;
	if (libre_init())
		return -1;
	return player_clock_alloc(&clk);
}

static int teardown(void **state)
{
	(void)state;
	clk = mem_deref(clk);
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_music_loops),
		cmocka_unit_test(test_prompt_over_music),
		cmocka_unit_test(test_prompt_queue),
		cmocka_unit_test(test_prompts_clear),
		cmocka_unit_test(test_done_frees_player),
		cmocka_unit_test(test_clock_rate),
		cmocka_unit_test(test_clock_catchup),
		cmocka_unit_test(test_clock_handlers_free),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
