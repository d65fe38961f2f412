/** @file sip/bflow.h  A call running an IVR flow (private to src/sip/:
 *  bflow.c runs the interpreter, bflow_media.c plays, listens and
 *  records, bflow_dial.c hands the call on). */
#ifndef SIP_BFLOW_H
#define SIP_BFLOW_H

#include <stdint.h>
#include <stdbool.h>
#include <hotline/libre.h>
#include <hotline/dtmf.h>
#include <hotline/flow.h>
#include <hotline/sdpdesc.h>

struct bcall;
struct player;
struct tts_req;
struct fetch_req;
struct audio_clip;
struct bflow_rec;
struct b2bua;

/* A call's flow; owned by its bcall (c->f) */
struct bflow {
	struct bcall *c;              /* borrowed back-pointer */
	struct flow_doc *doc;         /* ref: the version the call runs */
	struct flow_exec *x;          /* owned */
	char flow_id[FLOW_ID_MAX];
	uint32_t version;
	struct sdpdesc fmts;          /* what we answer the caller with */
	uint8_t pt;                   /* its audio payload type */
	struct dtmf_rx dtmf;
	struct player *player;        /* owned; made by the first prompt */
	struct tts_req *tts;          /* owned: synthesis under way */
	struct fetch_req *http;       /* owned: webhook under way */
	struct bflow_rec *rec;        /* borrowed: recording under way (it
				         lives in b->recl) */
	struct list inl;              /* struct bflow_in waiting, owned */
	struct tmr kick_tmr;          /* feeds inl on the next turn */
	struct tmr deadline_tmr;      /* the interpreter's deadline */
	uint64_t deadline;
	struct flow_record recp;      /* the record step's limits */
	uint32_t loops_left;          /* prompt repetitions still to play */
	bool prompting;               /* a PLAY/SAY runs: DONE will follow */
	bool beeping;                 /* the record step's beep plays */
	bool dialing;                 /* a dial step waits for its callee */
	bool over;                    /* the flow handed the call on */
	bool listening;               /* our tap is on the caller's RTP */
	uint32_t trace_seq;
};

/* bflow.c */
void bflow_post(struct bflow *f, const struct flow_input *in);
void bflow_post_kind(struct bflow *f, enum flow_input_kind kind);
void bflow_media_release(struct bflow *f);

/* bflow_media.c: 0, or an errno (the command could not start) */
int bflow_play(struct bflow *f, const char *file, uint32_t loop);
int bflow_say(struct bflow *f, const char *text, uint32_t loop);
void bflow_stop(struct bflow *f);
int bflow_record(struct bflow *f, const struct flow_record *r);
void bflow_record_begin(struct bflow *f);
void bflow_listen(struct bflow *f);
void bflow_recordings_close(struct b2bua *b);

/* bflow_store.c */
int bflow_doc_get(struct b2bua *b, const char *flow_id,
		  struct flow_doc **docp, uint32_t *version);
void bflow_contact(struct bflow *f);
void bflow_recording_store(struct b2bua *b, const char *id,
			   const char *call_id, const char *path,
			   uint32_t duration_ms);
void bflow_docs_flush(struct b2bua *b);

/* bflow_dial.c */
int bflow_dial(struct bflow *f, const struct flow_cmd *cmd);
int bflow_transfer(struct bflow *f, const struct flow_cmd *cmd);
int bflow_queue(struct bflow *f, const struct flow_cmd *cmd);
int bflow_restart(struct bflow *f, const char *flow_id);

#endif
