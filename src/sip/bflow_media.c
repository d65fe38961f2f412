/** @file sip/bflow_media.c  What a flow does with the caller's media:
 *  answers, plays prompts (WAV files, speech), hears RFC 4733 digits and
 *  records voicemail.
 *
 * A recording belongs to the B2BUA (b->recl), not to the flow: when the
 * caller hangs up while recording, the call and its flow go away but the
 * message is still written, stored and announced (recording.created).
 */
#include <errno.h>
#include <string.h>
#include <hotline/event.h>
#include <hotline/audio.h>
#include <hotline/clock.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include <hotline/player.h>
#include <hotline/recorder.h>
#include <hotline/relay.h>
#include <hotline/tts.h>
#include "bcall.h"
#include "bflow.h"

#define BEEP_HZ      1000
#define BEEP_MS      400
#define BEEP_LEVEL   8000

/* A recording being made or written; in b->recl */
struct bflow_rec {
	struct le le;
	struct b2bua *b;              /* borrowed */
	struct bflow *f;              /* borrowed; NULL once the flow ended */
	struct recorder *rec;         /* owned */
	char id[40];
	char call_id[CALL_ID_MAX];
	char path[512];
	uint64_t started_ms;
};


/* --- answering ----------------------------------------------------------- */

static int player_need(struct bflow *f)
{
	if (f->player)
		return 0;
	return player_alloc(&f->player, f->c->b->clock, f->pt,
			    bcall_send_caller, f->c);
}


/* --- prompts ------------------------------------------------------------- */

static void prompt_done_h(void *arg);

/* Play clip loops times, then DONE */
static int prompt_start(struct bflow *f, struct audio_clip *clip,
			uint32_t loops)
{
	int err = player_need(f);

	if (err)
		return err;
	player_prompts_clear(f->player);
	f->loops_left = loops ? loops : 1;
	f->prompting = true;
	/* every repetition queued now: no gap between them */
	for (uint32_t i = 0; !err && i < f->loops_left; i++)
		err = player_say(f->player, clip, prompt_done_h, f);
	if (err) {
		player_prompts_clear(f->player);
		f->prompting = false;
	}
	return err;
}

static void prompt_done_h(void *arg)
{
	struct bflow *f = arg;

	if (f->loops_left && --f->loops_left)
		return;
	f->prompting = false;
	if (f->beeping) {
		f->beeping = false;
		bflow_record_begin(f);
		return;
	}
	bflow_post_kind(f, FLOW_IN_DONE);
}

/** Play the WAV file loop times (read from disk on this thread: prompts
 *  are small). 0, or the load error (the step fails at once). */
int bflow_play(struct bflow *f, const char *file, uint32_t loop)
{
	struct audio_clip *clip = NULL;
	int err;

	err = audio_wav_load(&clip, file);
	if (err) {
		log_info("b2bua: call %s: prompt %s: %s\n", f->c->rec.id, file,
			 audio_wav_strerror(err));
		return err;
	}
	err = prompt_start(f, clip, loop);
	mem_deref(clip);
	return err;
}

static void said_h(int err, struct audio_clip *clip, void *arg)
{
	struct bflow *f = arg;

	f->tts = mem_deref(f->tts);
	if (!err)
		err = prompt_start(f, clip, f->loops_left);
	if (err) {
		log_info("b2bua: call %s: speech failed (%m)\n", f->c->rec.id,
			 err);
		f->prompting = false;
		bflow_post_kind(f, FLOW_IN_FAILED);
	}
}

/** Speak text loop times (synthesized off this thread, cached). */
int bflow_say(struct bflow *f, const char *text, uint32_t loop)
{
	int err;

	f->tts = mem_deref(f->tts);
	f->loops_left = loop;
	err = tts_say(&f->tts, f->c->b->tts, text, said_h, f);
	f->prompting = !err;
	return err;
}

/** Barge-in: end the prompt now (its DONE follows), or the recording. */
void bflow_stop(struct bflow *f)
{
	if (f->rec && f->rec->rec) {
		recorder_stop(f->rec->rec);
		return;
	}
	if (f->rec && f->beeping) {      /* stopped before it began */
		player_prompts_clear(f->player);
		f->prompting = f->beeping = false;
		mem_deref(f->rec);
		bflow_post_kind(f, FLOW_IN_FAILED);
		return;
	}
	if (!f->prompting)
		return;
	f->tts = mem_deref(f->tts);
	if (f->player)
		player_prompts_clear(f->player);
	f->prompting = false;
	f->beeping = false;
	bflow_post_kind(f, FLOW_IN_DONE);
}


/* --- digits and recording: the caller's RTP ------------------------------ */

static void tap_h(const uint8_t *rtp, size_t len, void *arg)
{
	struct bflow *f = arg;
	struct flow_input in = { .kind = FLOW_IN_DIGIT };

	if (f->rec && f->rec->rec)
		recorder_rtp(f->rec->rec, rtp, len);
	if (!dtmf_rx_packet(&f->dtmf, rtp, len, &in.digit) && in.digit)
		bflow_post(f, &in);
}

/* The telephone-event payload type we answered with, or -1 */
static int telephone_event_pt(const struct sdpdesc *d)
{
	for (size_t i = 0; i < d->fmtc; i++) {
		if (!strcasecmp(d->fmtv[i].name, "telephone-event"))
			return d->fmtv[i].pt;
	}
	return -1;
}

/** Hear the caller's digits (RFC 4733 on the caller's RTP). */
void bflow_listen(struct bflow *f)
{
	dtmf_rx_init(&f->dtmf, telephone_event_pt(&f->fmts));
	relay_set_tap(f->c->relay, RELAY_A, tap_h, f);
	f->listening = true;
}

static void rec_destructor(void *arg)
{
	struct bflow_rec *r = arg;

	list_unlink(&r->le);
	if (r->f && r->f->rec == r)
		r->f->rec = NULL;
	mem_deref(r->rec);
}

/* The message is on disk: stored, announced, and fed to the flow */
static void recorded_h(int err, uint32_t duration_ms, enum recorder_stop why,
		       void *arg)
{
	struct bflow_rec *r = arg;
	struct flow_input in = { .kind = FLOW_IN_FAILED };

	if (err)
		log_warn("b2bua: call %s: recording %s not saved (%m)\n",
			 r->call_id, r->id, err);
	else {
		log_info("b2bua: call %s: recording %s: %u ms (%s)\n",
			 r->call_id, r->id, duration_ms,
			 why == RECORDER_STOP_MAX ? "max length" :
			 why == RECORDER_STOP_SILENCE ? "silence" : "stopped");
		bflow_recording_store(r->b, r->id, r->call_id, r->path,
				      duration_ms);
		in.kind = FLOW_IN_RECORDED;
		in.recording_id = r->id;
		in.duration_ms = duration_ms;
	}
	if (r->f)
		bflow_post(r->f, &in);
	mem_deref(r);
}

/* <data_dir>/recordings/<YYYY-MM-DD>/<id>.wav */
static void rec_path(const struct b2bua *b, const char *id, char *path,
		     size_t sz)
{
	char at[25];

	event_time_format(at, clock_now_ms());
	re_snprintf(path, sz, "%s/recordings/%b/%s.wav", b->cfg->data_dir,
		    at, (size_t)10, id);
}

/* Start recording now (after the beep) with the step's limits */
void bflow_record_begin(struct bflow *f)
{
	struct bflow_rec *r = f->rec;
	const struct flow_record *p = &f->recp;
	struct recorder_params rp = { .pt = f->pt,
				      .max_ms = p->max_s * 1000,
				      .silence_ms = p->silence_s * 1000 };
	int err;

	err = recorder_alloc(&r->rec, f->c->b->recw, &rp, r->path,
			     recorded_h, r);
	if (err) {
		log_warn("b2bua: call %s: cannot record (%m)\n", f->c->rec.id,
			 err);
		mem_deref(r);
		bflow_post_kind(f, FLOW_IN_FAILED);
	}
}

/** Record a message (voicemail): a beep first when asked. 0 or an
 *  errno (the step fails at once). */
int bflow_record(struct bflow *f, const struct flow_record *p)
{
	struct b2bua *b = f->c->b;
	struct audio_clip *beep = NULL;
	struct bflow_rec *r;
	int err;

	if (!b->recw)
		return ENOSYS;
	r = mem_zalloc(sizeof(*r), rec_destructor);
	if (!r)
		return ENOMEM;
	r->b = b;
	r->f = f;
	bcall_id_new(r->id);
	str_ncpy(r->call_id, f->c->rec.id, sizeof(r->call_id));
	rec_path(b, r->id, r->path, sizeof(r->path));
	r->started_ms = clock_now_ms();
	list_append(&b->recl, &r->le, r);
	f->rec = r;
	f->recp = *p;
	if (!p->beep) {
		bflow_record_begin(f);
		return 0;
	}
	err = audio_tone(&beep, BEEP_HZ, BEEP_MS, BEEP_LEVEL);
	if (!err)
		err = prompt_start(f, beep, 1);
	mem_deref(beep);
	if (err) {
		mem_deref(r);
		return err;
	}
	f->beeping = true;
	return 0;
}

/** Everything the flow plays or listens to stops; a recording under way
 *  is stopped and still saved (without feeding the flow). */
void bflow_media_release(struct bflow *f)
{
	if (f->listening)
		relay_set_tap(f->c->relay, RELAY_A, NULL, NULL);
	f->listening = false;
	if (f->rec) {
		f->rec->f = NULL;
		if (f->rec->rec)
			recorder_stop(f->rec->rec);
		else
			mem_deref(f->rec);   /* still beeping: nothing yet */
		f->rec = NULL;
	}
	f->tts = mem_deref(f->tts);
	f->player = mem_deref(f->player);
	f->prompting = f->beeping = false;
}

/** The daemon stops: recordings under way are cut and written (the
 *  writer finishes them before it is freed; no event then). */
void bflow_recordings_close(struct b2bua *b)
{
	struct le *le;

	LIST_FOREACH(&b->recl, le) {
		struct bflow_rec *r = le->data;

		if (r->rec)
			recorder_stop(r->rec);
	}
	list_flush(&b->recl);
}
