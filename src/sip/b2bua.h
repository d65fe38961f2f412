/** @file sip/b2bua.h  The back-to-back user agent: every call is two SIP
 *  sessions (legs) with the RTP relay between them. Private to src/sip/.
 *
 * Inbound: an INVITE is checked (SDP, codecs), routed (core/route), and
 * forked to every registered contact of the target agent (first answer
 * wins; the others are cancelled). Outbound: an authenticated agent's
 * INVITE to an external number goes to a trunk. Click-to-call rings the
 * agent first, then dials the number. Each change of a call is stored
 * (the CDR) and published (call.* events on call:<id> and agent:<id>).
 */
#ifndef SIP_B2BUA_H
#define SIP_B2BUA_H

#include <stdint.h>
#include <hotline/call.h>

struct config;
struct store;
struct bus;
struct sipstack;
struct digest;
struct registrar;
struct relay_pool;
struct b2bua;
struct acd;
struct player_clock;
struct tts;

int b2bua_alloc(struct b2bua **bp, struct sipstack *ss, struct digest *dg,
		struct registrar *reg, struct relay_pool *pool,
		const struct config *cfg, struct store *st, struct bus *bus);

/** Click-to-call, as api_telephony.originate documents it. */
int b2bua_originate(struct b2bua *b, uint64_t agent_id, const char *to,
		    char id[CALL_ID_MAX]);

/** End a live call from the API (cause api_hangup). 0 or ENOENT. */
int b2bua_hangup(struct b2bua *b, const char *id);

/** Queued calls: the ACD, the player clock and speech (borrowed; they
 *  outlive b). Without an acd, DIDs leading to queues get 404. */
void b2bua_media(struct b2bua *b, struct acd *acd, struct player_clock *clk,
		 struct tts *tts);

/** Flows: the webhook client, the voicemail writer and the time zones
 *  (borrowed; they outlive b; NULL: those steps fail). */
struct fetch;
struct recwriter;
struct tzdb;
void b2bua_flows(struct b2bua *b, struct fetch *fetch, struct recwriter *recw,
		 struct tzdb *tzdb);

/** The hooks through which the ACD rings agents for queued calls of b
 *  (bqueue.c). */
struct acd_voice;
void bqueue_voice_hooks(struct b2bua *b, struct acd_voice *v);

/** End every call (cause shutdown), e.g. before the daemon stops. */
void b2bua_close(struct b2bua *b);

#endif
