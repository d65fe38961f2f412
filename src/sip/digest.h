/** @file sip/digest.h  SIP digest authentication as a server (RFC 2617 /
 *  RFC 3261 §22), hardened: nonces with a lifetime, nonce-count replay
 *  check, the digest uri must match the Request-URI, and an address that
 *  keeps failing is blocked for a while. Private to src/sip/.
 *
 * Nonces are stateless to issue (a timestamp, 8 random bytes and an HMAC
 * over both with a per-process secret) and checked statelessly for
 * authenticity and age; the highest nonce-count accepted per nonce is kept
 * (bounded table) to refuse replays. Only qop=auth and MD5 are offered.
 *
 * Outcomes (digest_check):
 *   no credentials for our realm         challenge (not a failure)
 *   malformed credentials, not MD5,
 *   qop other than auth, uri != R-URI    400 (not a failure)
 *   unknown user or wrong password       challenge, counted as a failure
 *   right digest on an expired nonce, a
 *   nonce we did not issue (e.g. before
 *   a restart) or a replayed nc          challenge with stale=true
 *   address blocked                      403
 * fail_limit failures from one IP address within block_s seconds block it
 * for block_s seconds (one warning per block).
 */
#ifndef SIP_DIGEST_H
#define SIP_DIGEST_H

#include <stdint.h>
#include <stdbool.h>

struct sip_msg;
struct sipstack;
struct agent;
struct digest;
struct pl;
struct sa;

#define DIGEST_NONCE_LEN 64      /* hex: 16 time + 16 random + 32 MAC */
#define DIGEST_NC_MAX    65536   /* nonces whose count is remembered */
#define DIGEST_ADDR_MAX  65536   /* failing addresses remembered */

struct digest_conf {
	const char *realm;
	uint32_t nonce_ttl_s;
	uint32_t fail_limit;     /* failures per address before a block */
	uint32_t block_s;
};

/** Look up the credentials of user (the agent with that extension):
 *  0 and *a filled, ENOENT, or another errno (a store failure). */
typedef int (digest_lookup_h)(const char *user, struct agent *a, void *arg);

/** ss may be NULL (tests, fuzzing): then only digest_check() is usable. */
int digest_alloc(struct digest **dp, struct sipstack *ss,
		 const struct digest_conf *conf, digest_lookup_h *lookup,
		 void *arg);

/**
 * Authenticate msg (Authorization header, or Proxy-Authorization when
 * proxy is set). Returns 0 with *a set to the authenticated agent.
 * Otherwise a reply has been sent and the return value says which:
 *   EAUTH    401/407 challenge (see the outcomes above)
 *   EPROTO   400 (malformed credentials, uri mismatch, not MD5/auth)
 *   EACCES   403 (address blocked after too many failures)
 *   other    500 (the lookup failed)
 * now_ms is the current time (the module keeps no clock of its own).
 */
int digest_authenticate(struct digest *d, const struct sip_msg *msg,
			bool proxy, uint64_t now_ms, struct agent *a);

/* The decision without the reply, for tests and the fuzz target */

enum digest_result {
	DIGEST_OK = 0,
	DIGEST_CHALLENGE,        /* no credentials for us */
	DIGEST_STALE,            /* challenge with stale=true */
	DIGEST_FAILED,           /* unknown user, wrong password: counted */
	DIGEST_MALFORMED,        /* 400 */
	DIGEST_BLOCKED,          /* 403 */
	DIGEST_ERROR,            /* 500: the lookup failed */
};

/** Decide on msg's credentials at now_ms; updates the nonce-count and
 *  failure tables (and may start a block). *a is set on DIGEST_OK; *why
 *  (never NULL) says why otherwise, for logs and reason phrases. */
enum digest_result digest_check(struct digest *d, const struct sip_msg *msg,
				bool proxy, uint64_t now_ms, struct agent *a,
				const char **why);

/** Issue a nonce for now_ms into out (DIGEST_NONCE_LEN hex + NUL). */
void digest_nonce_make(const struct digest *d, uint64_t now_ms,
		       char out[DIGEST_NONCE_LEN + 1]);

enum digest_nonce {
	DIGEST_NONCE_OK = 0,
	DIGEST_NONCE_STALE,      /* ours, older than nonce_ttl_s */
	DIGEST_NONCE_FOREIGN,    /* not issued by this process */
};

enum digest_nonce digest_nonce_check(const struct digest *d,
				     const struct pl *nonce, uint64_t now_ms);

/** Is addr's IP blocked at now_ms? */
bool digest_is_blocked(const struct digest *d, const struct sa *addr,
		       uint64_t now_ms);

#endif
