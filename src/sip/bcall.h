/** @file sip/bcall.h  A bridged call and its legs (private to the B2BUA:
 *  b2bua.c owns calls, leg.c drives one SIP session of a call). */
#ifndef SIP_BCALL_H
#define SIP_BCALL_H

#include <stdint.h>
#include <stdbool.h>
#include <hotline/libre.h>
#include <hotline/call.h>
#include <hotline/relay.h>
#include <hotline/route.h>
#include <hotline/sdpdesc.h>
#include <hotline/task.h>

/* The B2BUA (b2bua.c); bcall.c registers and unregisters its calls */
struct b2bua {
	struct sipstack *ss;          /* borrowed */
	struct sipsess_sock *sock;    /* owned */
	struct digest *dg;            /* borrowed */
	struct registrar *reg;        /* borrowed */
	struct relay_pool *pool;      /* borrowed */
	const struct config *cfg;     /* borrowed */
	struct store *st;             /* borrowed */
	struct bus *bus;              /* borrowed */
	struct acd *acd;              /* borrowed; queued calls */
	struct player_clock *clock;   /* borrowed: music and prompts */
	struct tts *tts;              /* borrowed */
	struct list mohl;             /* music files loaded, owned */
	struct fetch *fetch;          /* borrowed: webhook steps */
	struct recwriter *recw;       /* borrowed: voicemail files */
	struct tzdb *tzdb;            /* borrowed: schedule steps */
	struct list docl;             /* parsed flow versions, owned */
	struct list recl;             /* recordings under way, owned */
	struct list tracel;           /* flow steps to store, owned */
	struct list calll;            /* struct bcall, owned */
	struct list dirtyl;           /* struct bcall whose record waits for
				       the next event flush; ref each */
	struct hash *callh;           /* live calls by id, borrowed */
	struct hash *loadh;           /* struct agent_load, owned */
	size_t ncalls;                /* calls not yet ended */
};


struct bcall {
	struct le le;               /* in b2bua->calll */
	struct le he;               /* in b2bua->callh, by id */
	struct le dirty_le;         /* in b2bua->dirtyl while unsaved */
	struct b2bua *b;            /* borrowed; outlives the call */
	struct call_record rec;
	struct relay *relay;        /* owned */
	struct leg *a;              /* caller side (RELAY_A), owned */
	struct list forkl;          /* callee candidates ringing, owned */
	struct leg *bl;             /* the answered callee (RELAY_B), owned */
	struct list deadl;          /* legs of an ended call, owned; freed
				       with the call */
	struct route route;         /* where the callee side goes */
	struct bqueue *q;           /* owned: the call's queue stay, or NULL */
	struct bflow *f;            /* owned: the call's flow, or NULL */
	uint64_t caller_agent;      /* calling agent (outbound, internal,
				       click-to-call), 0 = none */
	bool seized[2];             /* activity busy set: callee, caller */
	bool click;                 /* click-to-call: a rings the agent
				       first, then route is dialled */
	uint16_t fail_status;       /* most telling fork failure so far */
	uint64_t sess_id;           /* our SDP session id */
	struct tmr ring_tmr;        /* gives up on unanswered callees */
	struct tmr reap_tmr;        /* frees the call outside callbacks */
	struct tmr bury_tmr;        /* frees dead legs of a live call */
	char from_user[CALL_PARTY_MAX];
	char from_name[CALL_PARTY_MAX];
};

struct leg {
	struct le le;               /* in call->forkl while a candidate */
	struct bcall *call;         /* borrowed back-pointer */
	struct sipsess *sess;       /* owned */
	enum relay_side side;
	bool uac;                   /* we sent the INVITE */
	bool ringing;               /* 180/183 seen (UAC) */
	bool answered;              /* 2xx sent or received */
	bool closed;                /* the session ended */
	bool has_sdp;
	struct sdpdesc sdp;         /* the peer's last SDP */
	enum sdpdesc_dir dir;       /* direction we last offered/answered */
	uint32_t version;           /* our o= version towards this peer */
	uint64_t offer_id;          /* ACD offer this leg rings for, 0 */
	uint64_t agent_id;          /* with offer_id: the agent offered */
};

/* b2bua.c: call records written with the next event flush */
void b2bua_record_dirty(struct b2bua *b, struct bcall *c);

/* b2bua.c: the registry of live calls and agents' load */
void b2bua_call_add(struct b2bua *b, struct bcall *c);
void b2bua_call_remove(struct b2bua *b, struct bcall *c);
struct bcall *b2bua_call_find(const struct b2bua *b, const char *id);
uint32_t b2bua_load_get(const struct b2bua *b, uint64_t agent_id);
void b2bua_load_add(struct b2bua *b, uint64_t agent_id);
void b2bua_load_del(struct b2bua *b, uint64_t agent_id);

/* bcall.c: a call's life */
int bcall_alloc(struct bcall **cp, struct b2bua *b, const struct route *r,
		uint64_t caller_agent, uint64_t now);
void bcall_discard(struct bcall *c);
uint64_t bcall_callee_agent(const struct bcall *c);
void bcall_publish(struct bcall *c, const char *type, uint64_t now);
void bcall_end(struct bcall *c, enum call_cause cause, enum call_party by,
	       uint16_t status);
int bcall_dial_callee(struct bcall *c, const struct sdpdesc *offer);
void bcall_ring_timer(struct bcall *c);
void bcall_ring_timer_s(struct bcall *c, uint32_t seconds);
int bcall_dial_agent(struct bcall *c, uint64_t agent_id,
		     enum relay_side side, const char *from_user,
		     const char *from_name, const struct sdpdesc *offer);
void bcall_leg_bury(struct bcall *c, struct leg *l);
void bcall_id_new(char id[CALL_ID_MAX]);

/* bcall.c: calls Hotline answers itself (queues, flows) */
#define FORK_SETTLE_MS 2000   /* losing forks' media ignored this long */
int bcall_answer_formats(const struct sdpdesc *offer, struct sdpdesc *d,
			 uint8_t *pt);
int bcall_answer_caller(struct bcall *c, const struct sdpdesc *fmts);
int bcall_send_caller(const uint8_t *rtp, size_t len, void *arg);
void bcall_bridge_media(struct bcall *c, bool forked);
int bcall_ring_agent(struct bcall *c, uint64_t agent_id,
		     const struct sdpdesc *fmts, uint32_t timeout_s);
void bcall_forks_settle(struct bcall *c, struct leg *winner);

/* bqueue.c: a call in an ACD queue */
struct acd_voice;
int bqueue_start(struct bcall *c, const char *queue_id,
		 const struct sdpdesc *offer);
int bqueue_join(struct bcall *c, const char *queue_id, const struct task *t,
		const struct sdpdesc *fmts, uint8_t pt);
void bqueue_leg_answered(struct bcall *c, struct leg *l);
void bqueue_leg_failed(struct bcall *c, struct leg *l, uint16_t status);
void bqueue_bridged(struct bcall *c);
void bqueue_end(struct bcall *c);
void bqueue_music_warm(struct b2bua *b);

/* bflow*.c: a call running an IVR flow */
int bflow_start(struct bcall *c, const char *flow_id,
		const struct sdpdesc *offer);
void bflow_go(struct bcall *c);
void bflow_end(struct bcall *c);
void bflow_bridged(struct bcall *c);
bool bflow_dial_failed(struct bcall *c, uint16_t status);
void bflow_traces_flush(struct b2bua *b);
void bflow_docs_flush(struct b2bua *b);
void bflow_recordings_close(struct b2bua *b);

/* leg.c: one SIP session of a call */
int leg_sdp_read(const struct sip_msg *msg, const struct sdpdesc *prefer,
		 struct sdpdesc *d);
int leg_accept(struct leg **lp, struct bcall *c, const struct sip_msg *msg,
	       const struct sdpdesc *offer);
int leg_connect(struct leg **lp, struct bcall *c, enum relay_side side,
		const char *to_uri, const char *from_name,
		const char *from_uri, const struct sdpdesc *offer,
		bool trunk_auth);
int leg_answer(struct leg *l, const struct sdpdesc *fmts);
int leg_progress(struct leg *l, const struct sdpdesc *fmts);
void leg_reject(struct leg *l, uint16_t status);
int leg_hold(struct leg *l, enum sdpdesc_dir dir);

/* b2bua.c: what legs report to their call */
void bcall_leg_ringing(struct bcall *c, struct leg *l, bool early_media);
void bcall_leg_answered(struct bcall *c, struct leg *l);
void bcall_leg_closed(struct bcall *c, struct leg *l, int err,
		      const struct sip_msg *msg);
void bcall_leg_reoffer(struct bcall *c, struct leg *l);
struct sipsess_sock *bcall_sock(const struct bcall *c);
const struct sa *bcall_sip_laddr(const struct bcall *c);

#endif
