/** @file sip/bqueue.c  A call in an ACD queue: answered by Hotline, hears
 *  music and announcements, is offered to agents (one SIP fork set per
 *  offer) and bridged to the one who answers first; overflow actions.
 *
 * The ACD calls us through struct acd_voice from inside the router, so
 * nothing here calls back into the ACD synchronously from those hooks:
 * offers are dialled (failures are returned), offer ends only cancel
 * legs, and overflows are carried out on the next loop turn.
 */
#include <errno.h>
#include <string.h>
#include <hotline/acd.h>
#include <hotline/audio.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include <hotline/player.h>
#include <hotline/store.h>
#include <hotline/tts.h>
#include "b2bua.h"
#include "bcall.h"
#include "registrar.h"


/* A call's queue stay; owned by its bcall (c->q) */
struct bqueue {
	struct bcall *c;              /* borrowed back-pointer */
	char queue_id[QUEUE_ID_MAX];  /* current queue */
	struct queue q;               /* its settings when joined */
	struct task task;             /* priority, skills, sticky agent */
	struct sdpdesc fmts;          /* the one codec we answered with */
	struct player *player;        /* owned; NULL once bridged */
	struct tts_req *tts;          /* owned: synthesis under way */
	struct tmr announce_tmr;
	struct tmr overflow_tmr;      /* carries out an overflow */
	enum router_reason overflow_why;
	bool queued;                  /* the router has the task */
	bool bridged;                 /* an agent answered */
	bool forked;                  /* other phones rang when it did */
	bool ending;                  /* overflow message, then hang up */
};

/* A music file loaded once (in b->mohl) */
struct moh {
	struct le le;
	char path[QUEUE_PATH_MAX];
	struct audio_clip *clip;      /* owned */
};

static void moh_destructor(void *arg)
{
	struct moh *m = arg;

	list_unlink(&m->le);
	mem_deref(m->clip);
}

static void destructor(void *arg)
{
	struct bqueue *q = arg;

	tmr_cancel(&q->announce_tmr);
	tmr_cancel(&q->overflow_tmr);
	mem_deref(q->tts);
	mem_deref(q->player);
}


/* --- media towards the caller -------------------------------------------- */

/* The queue's music: its own file, else the server's, else the built-in
 * music (path ""). Each is made once and kept in b->mohl; a file that
 * cannot be loaded falls back to the built-in music. */
static struct audio_clip *music(struct b2bua *b, const char *path)
{
	struct le *le;
	struct moh *m;
	int err = 0;

	if (!path || !path[0])
		path = b->cfg->moh_file;
	LIST_FOREACH(&b->mohl, le) {
		m = le->data;
		if (!strcmp(m->path, path))
			return mem_ref(m->clip);
	}
	m = mem_zalloc(sizeof(*m), moh_destructor);
	if (!m)
		return NULL;
	str_ncpy(m->path, path, sizeof(m->path));
	if (path[0])
		err = audio_wav_load(&m->clip, path);
	if (err)
		log_warn("b2bua: music %s: cannot load (%s); using the "
			 "built-in music\n", path, audio_wav_strerror(err));
	if (!m->clip)
		m->clip = audio_music_default();
	list_append(&b->mohl, &m->le, m);
	return mem_ref(m->clip);
}

/** Make the server's music now (the built-in one takes a while to
 *  generate), so the first caller does not wait for it. */
void bqueue_music_warm(struct b2bua *b)
{
	mem_deref(music(b, ""));
}

static void play_music(struct bqueue *q)
{
	struct audio_clip *clip = music(q->c->b, q->q.moh_file);

	player_music(q->player, clip);
	mem_deref(clip);
}

static void said_h(int err, struct audio_clip *clip, void *arg)
{
	struct bqueue *q = arg;

	q->tts = mem_deref(q->tts);
	if (err) {
		log_info("b2bua: call %s: speech failed (%m)\n", q->c->rec.id,
			 err);
		return;
	}
	if (q->player)
		(void)player_say(q->player, clip, NULL, NULL);
}

/* Speak text to the caller (one synthesis at a time; a busy speaker
 * skips, which only delays the next announcement) */
static void say(struct bqueue *q, const char *text, tts_h *h)
{
	int err;

	if (q->tts || !q->player || !text[0])
		return;
	err = tts_say(&q->tts, q->c->b->tts, text, h ? h : said_h, q);
	if (err)
		log_info("b2bua: call %s: cannot speak (%m)\n", q->c->rec.id,
			 err);
}

static void announce_h(void *arg)
{
	struct bqueue *q = arg;
	struct router_task_info info;
	char text[200];
	uint64_t min;

	if (q->q.announce_s)
		tmr_start(&q->announce_tmr, q->q.announce_s * 1000,
			  announce_h, q);
	if (acd_task_info(q->c->b->acd, q->c->rec.id, &info) ||
	    info.accepted)
		return;
	min = (info.ewt_ms + 59999) / 60000;
	if (info.ewt_ms)
		re_snprintf(text, sizeof(text), "You are number %u in the "
			    "queue. Your estimated wait time is %llu "
			    "minute%s.", info.position,
			    (unsigned long long)min, min == 1 ? "" : "s");
	else
		re_snprintf(text, sizeof(text), "You are number %u in the "
			    "queue.", info.position);
	say(q, text, NULL);
}


/* --- joining a queue ----------------------------------------------------- */

static void overflow_later(struct bqueue *q, enum router_reason why);

/* Join queue_id: 0, ENOENT (no such queue) or an acd error. */
static int join(struct bqueue *q, const char *queue_id)
{
	struct bcall *c = q->c;
	enum router_result res;
	int err;

	err = acd_enqueue(c->b->acd, queue_id, &q->task, &q->q, &res);
	if (err)
		return err;
	str_ncpy(q->queue_id, queue_id, sizeof(q->queue_id));
	str_ncpy(c->rec.queue_id, queue_id, sizeof(c->rec.queue_id));
	if (!c->rec.queued_ms)
		c->rec.queued_ms = clock_now_ms();
	if (res == ROUTER_OVERFLOW) {
		overflow_later(q, ROUTER_EMPTY);
		return 0;
	}
	q->queued = true;
	play_music(q);
	tmr_cancel(&q->announce_tmr);
	if (q->q.announce_s)
		tmr_start(&q->announce_tmr, q->q.announce_s * 1000,
			  announce_h, q);
	return 0;
}

/**
 * Queue the caller of c in queue_id with music, answering it first if
 * needed. fmts: the formats to answer with (one G.711 codec, optional
 * telephone-event), pt its audio payload type. t (NULL = default): the
 * task's priority, skills and sticky agent (its id is set here). 0;
 * ENOENT (no such queue); else the error of answering or queueing.
 */
int bqueue_join(struct bcall *c, const char *queue_id, const struct task *t,
		const struct sdpdesc *fmts, uint8_t pt)
{
	struct queue qs;
	struct bqueue *q;
	int err = 0;

	if (!c->b->acd || acd_queue_get(c->b->acd, queue_id, &qs))
		return ENOENT;
	q = mem_zalloc(sizeof(*q), destructor);
	if (!q)
		return ENOMEM;
	q->c = c;
	q->fmts = *fmts;
	if (t)
		q->task = *t;
	else
		task_init(&q->task, "");
	str_ncpy(q->task.id, c->rec.id, sizeof(q->task.id));
	err = player_alloc(&q->player, c->b->clock, pt, bcall_send_caller, c);
	if (!err)
		err = bcall_answer_caller(c, &q->fmts);
	if (err) {
		mem_deref(q);
		return err;
	}
	c->q = q;
	err = join(q, queue_id);
	if (err)
		return err;
	say(q, qs.greeting, NULL);
	return 0;
}

/**
 * Answer the caller of c and queue it in queue_id (a DID leading to a
 * queue). offer: the caller's SDP. 0; ENOENT (no such queue: refuse
 * 404); ENOTSUP (no G.711); else the error of answering or queueing.
 */
int bqueue_start(struct bcall *c, const char *queue_id,
		 const struct sdpdesc *offer)
{
	struct sdpdesc fmts;
	uint8_t pt = 0;
	int err;

	err = bcall_answer_formats(offer, &fmts, &pt);
	if (err)
		return err;
	return bqueue_join(c, queue_id, NULL, &fmts, pt);
}


/* --- overflow ------------------------------------------------------------ */

static void hangup_h(void *arg)
{
	struct bqueue *q = arg;

	bcall_end(q->c, CALL_CAUSE_NORMAL_CLEARING, CALL_PARTY_SYSTEM, 0);
}

/* The overflow message was played: hang up on the next turn (not inside
 * the player's callback: ending the call frees the player) */
static void message_done_h(void *arg)
{
	struct bqueue *q = arg;

	tmr_start(&q->overflow_tmr, 0, hangup_h, q);
}

static void message_said_h(int err, struct audio_clip *clip, void *arg)
{
	struct bqueue *q = arg;

	q->tts = mem_deref(q->tts);
	if (err || !q->player ||
	    player_say(q->player, clip, message_done_h, q))
		message_done_h(q);
}

static int to_extension(struct bqueue *q, const char *ext)
{
	struct bcall *c = q->c;
	struct agent ag;
	int err;

	err = store_agent_get_by_extension(c->b->st, ext, &ag);
	if (err)
		return err;
	return bcall_ring_agent(c, ag.id, &q->fmts,
				c->b->cfg->sip_ring_timeout_s);
}

static void overflow_h(void *arg)
{
	struct bqueue *q = arg;
	struct bcall *c = q->c;
	const struct queue *qs = &q->q;
	char target[QUEUE_TEXT_MAX];
	int err = 0;

	c->rec.queue_result = CALL_QUEUE_OVERFLOWED;
	c->rec.wait_ms = clock_now_ms() - c->rec.queued_ms;
	log_info("b2bua: call %s: overflow from queue %s (%s): %s %s\n",
		 c->rec.id, q->queue_id, router_reason_name(q->overflow_why),
		 queue_overflow_name(qs->overflow), qs->overflow_target);
	switch (qs->overflow) {

	case QUEUE_OVERFLOW_QUEUE:
		/* join() overwrites q->q with the new queue's settings */
		str_ncpy(target, qs->overflow_target, sizeof(target));
		c->rec.queue_result = CALL_QUEUE_NONE;
		err = join(q, target);
		break;

	case QUEUE_OVERFLOW_EXTENSION:
		tmr_cancel(&q->announce_tmr);
		err = to_extension(q, qs->overflow_target);
		break;

	default:
		tmr_cancel(&q->announce_tmr);
		q->ending = true;
		if (!qs->overflow_target[0] || !q->player) {
			hangup_h(q);
			return;
		}
		player_prompts_clear(q->player);
		q->tts = mem_deref(q->tts);
		say(q, qs->overflow_target, message_said_h);
		if (!q->tts)
			hangup_h(q);
		return;
	}
	if (err) {
		log_warn("b2bua: call %s: overflow of queue %s to %s %s "
			 "failed (%m)\n", c->rec.id, q->queue_id,
			 queue_overflow_name(qs->overflow), qs->overflow_target,
			 err);
		bcall_end(c, CALL_CAUSE_UNAVAILABLE, CALL_PARTY_SYSTEM, 0);
	}
}

static void overflow_later(struct bqueue *q, enum router_reason why)
{
	q->queued = false;
	q->overflow_why = why;
	tmr_start(&q->overflow_tmr, 0, overflow_h, q);
}


/* --- offers: one fork set per offer -------------------------------------- */

static struct bqueue *queued_call(struct b2bua *b, const char *task_id)
{
	struct bcall *c = b2bua_call_find(b, task_id);

	return c && c->q && c->rec.state != CALL_ENDED ? c->q : NULL;
}

static int voice_offer(void *arg, const char *task_id, uint64_t offer_id,
		       uint64_t agent_id)
{
	struct b2bua *b = arg;
	struct bqueue *q = queued_call(b, task_id);
	struct le *tail, *le;
	struct bcall *c;

	if (!q || q->bridged)
		return ENOENT;
	c = q->c;
	if (!registrar_is_registered(b->reg, agent_id))
		return ENOTCONN;
	if (b2bua_load_get(b, agent_id))
		return EBUSY;

	tail = c->forkl.tail;
	(void)bcall_dial_agent(c, agent_id, RELAY_B, c->from_user,
			       c->from_name[0] ? c->from_name : NULL,
			       &q->fmts);
	le = tail ? tail->next : c->forkl.head;
	if (!le)
		return ENOTCONN;
	for (; le; le = le->next) {
		struct leg *l = le->data;

		l->offer_id = offer_id;
		l->agent_id = agent_id;
	}
	return 0;
}

static void voice_offer_end(void *arg, const char *task_id,
			    uint64_t offer_id, uint64_t agent_id,
			    enum router_reason why)
{
	struct bcall *c = b2bua_call_find(arg, task_id);
	struct le *le;
	(void)agent_id;
	(void)why;

	if (!c)
		return;
	le = c->forkl.head;
	while (le) {
		struct leg *l = le->data;

		le = le->next;
		if (l->offer_id == offer_id)
			bcall_leg_bury(c, l);     /* CANCEL */
	}
}

static void voice_overflow(void *arg, const char *task_id,
			   const struct queue *qs, enum router_reason why)
{
	struct bqueue *q = queued_call(arg, task_id);

	if (!q)
		return;
	q->q = *qs;
	overflow_later(q, why);
}

static bool voice_live(void *arg, const char *task_id)
{
	struct bcall *c = b2bua_call_find(arg, task_id);

	return c && c->rec.state != CALL_ENDED;
}

/** The hooks the ACD uses to ring agents for queued calls of b. */
void bqueue_voice_hooks(struct b2bua *b, struct acd_voice *v)
{
	v->offer = voice_offer;
	v->offer_end = voice_offer_end;
	v->overflow = voice_overflow;
	v->live = voice_live;
	v->arg = b;
}


/* --- what the offer legs report ------------------------------------------ */

/**
 * A leg of offer l->offer_id answered. The first accepted offer wins: it
 * is bridged (music stops, media flows, call.bridged); a late one (the
 * task was taken, or the offer timed out) is hung up.
 */
void bqueue_leg_answered(struct bcall *c, struct leg *l)
{
	struct bqueue *q = c->q;
	uint64_t now = clock_now_ms();
	bool forked;

	if (!q) {             /* not queued (any more): a stray answer */
		bcall_leg_bury(c, l);
		return;
	}
	/* before the accept: it ends the other offers, burying their legs */
	forked = c->forkl.head != &l->le || l->le.next;
	if (q->bridged || acd_offer_accept(c->b->acd, l->offer_id)) {
		log_info("b2bua: call %s: agent %llu answered too late\n",
			 c->rec.id, (unsigned long long)l->agent_id);
		bcall_leg_bury(c, l);             /* BYE */
		return;
	}
	q->bridged = true;
	q->queued = false;
	q->forked = forked;
	bcall_forks_settle(c, l);
	c->bl = l;
	c->rec.agent_id = l->agent_id;
	c->rec.queue_result = CALL_QUEUE_ANSWERED;
	c->rec.wait_ms = now - c->rec.queued_ms;
	b2bua_load_add(c->b, l->agent_id);
	bqueue_bridged(c);
}

/** An agent answered (an offer, or the overflow extension): music and
 *  announcements stop, media flows, call.bridged. */
void bqueue_bridged(struct bcall *c)
{
	struct bqueue *q = c->q;

	tmr_cancel(&q->announce_tmr);
	q->tts = mem_deref(q->tts);
	q->player = mem_deref(q->player);
	bcall_bridge_media(c, q->forked);
}

/* Refusals that are the agent's choice (not counted as missed) */
static bool declined(uint16_t status)
{
	return status == 486 || status == 600 || status == 603 ||
	       status == 403;
}

/** A leg of offer l->offer_id failed with status; when it was the last
 *  leg of its offer, the offer is declined or failed. */
void bqueue_leg_failed(struct bcall *c, struct leg *l, uint16_t status)
{
	uint64_t offer_id = l->offer_id;
	struct le *le;

	bcall_leg_bury(c, l);
	LIST_FOREACH(&c->forkl, le) {
		if (((struct leg *)le->data)->offer_id == offer_id)
			return;
	}
	(void)acd_offer_decline(c->b->acd, offer_id, declined(status) ?
				ROUTER_DECLINED : ROUTER_FAILED);
}

/**
 * The call ends (bcall_end, before call.ended is published): the task
 * leaves the ACD (abandoned if waiting, wrap-up if bridged) and the
 * record gets the queue outcome.
 */
void bqueue_end(struct bcall *c)
{
	struct bqueue *q = c->q;
	uint64_t now = clock_now_ms();

	if (q->queued) {
		c->rec.queue_result = CALL_QUEUE_ABANDONED;
		c->rec.wait_ms = now - c->rec.queued_ms;
	}
	if (q->queued || q->bridged)
		(void)acd_task_remove(c->b->acd, c->rec.id);
	if (q->bridged)
		b2bua_load_del(c->b, c->rec.agent_id);
	q->queued = q->bridged = false;
	tmr_cancel(&q->overflow_tmr);
	tmr_cancel(&q->announce_tmr);
	q->tts = mem_deref(q->tts);
	q->player = mem_deref(q->player);
}
