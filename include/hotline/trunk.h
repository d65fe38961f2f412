/** @file hotline/trunk.h  SIP trunks (gateways for outbound calls) and
 *  DIDs (numbers Hotline owns, each with an inbound target). Pure core:
 *  no I/O.
 *
 * Outbound routing: a dialled number that is neither an extension nor a
 * DID goes to the enabled trunk whose prefix is the longest match of the
 * number (prefix "" matches everything). The number sent to the trunk is
 * the dialled one with `strip` leading characters removed and `prepend`
 * put in front. The caller id presented is the trunk's caller_id when set,
 * otherwise the calling agent's extension.
 */
#ifndef HOTLINE_TRUNK_H
#define HOTLINE_TRUNK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define TRUNK_ID_MAX      64    /* [a-z0-9][a-z0-9_-]{0,62} */
#define TRUNK_NAME_MAX    128
#define TRUNK_HOST_MAX    128   /* "host[:port]" */
#define TRUNK_CRED_MAX    128   /* username / password bytes incl. NUL */
#define TRUNK_NUMBER_MAX  64    /* caller id, prefix, prepend, DID */

enum trunk_transport { TRUNK_UDP = 0, TRUNK_TCP };

struct trunk {
	char id[TRUNK_ID_MAX];          /* slug, immutable */
	char name[TRUNK_NAME_MAX];
	char host[TRUNK_HOST_MAX];      /* IP or name, optional :port */
	enum trunk_transport transport;
	char username[TRUNK_CRED_MAX];  /* digest user, "" = no auth */
	char password[TRUNK_CRED_MAX];  /* secret: never logged, never in
					   a REST reply or an event */
	bool do_register;               /* REGISTER to the gateway */
	uint32_t register_expires_s;    /* 60..86400 */
	char caller_id[TRUNK_NUMBER_MAX];   /* presented number, "" = agent's */
	char prefix[TRUNK_NUMBER_MAX];  /* numbers this trunk takes */
	uint8_t strip;                  /* leading characters removed */
	char prepend[TRUNK_NUMBER_MAX]; /* put in front after strip */
	bool enabled;
	uint64_t created_ms, updated_ms;
};

/* What an inbound call to a DID reaches: an agent's phone, a queue (the
 * ACD answers), or a flow (the IVR answers and runs it) */
enum did_target { DID_TARGET_EXTENSION = 0, DID_TARGET_QUEUE,
		  DID_TARGET_FLOW, DID_TARGET_COUNT };

struct did {
	char number[TRUNK_NUMBER_MAX];  /* as it arrives in the Request-URI
					   user part: [0-9+*#]{1,63} */
	char name[TRUNK_NAME_MAX];
	enum did_target target_type;
	char target[TRUNK_NUMBER_MAX];  /* the extension, queue id or flow id */
	char trunk_id[TRUNK_ID_MAX];    /* expected trunk, "" = any; informative */
	uint64_t created_ms, updated_ms;
};

void trunk_init(struct trunk *t);           /* udp, enabled, expires 3600 */

bool trunk_id_valid(const char *id);
bool trunk_host_valid(const char *host);    /* host[:port], no spaces/@/; */
bool trunk_number_valid(const char *num);   /* [0-9+*#]{1,63} */
bool trunk_prefix_valid(const char *p);     /* "" or a number */

/** How well t takes number: -1 no (disabled or prefix mismatch), else the
 *  prefix length (longer wins). */
int trunk_match(const struct trunk *t, const char *number);

/** The number to send to the trunk (strip, prepend). 0 or EOVERFLOW. */
int trunk_dial_number(const struct trunk *t, const char *number,
		      char *out, size_t outsz);

const char *trunk_transport_name(enum trunk_transport tp);
int trunk_transport_parse(const char *s, enum trunk_transport *tp);
const char *did_target_name(enum did_target t);
int did_target_parse(const char *s, enum did_target *t);

#endif
