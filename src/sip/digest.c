/** @file sip/digest.c  Digest authentication as a server: nonces, nonce
 *  counts, failure throttling */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include <re.h>
#include <hotline/agent.h>
#include <hotline/log.h>
#include "sipstack.h"
#include "digest.h"

#define NONCE_PREFIX_LEN 32          /* hex time + hex random, MAC'd */
#define NONCE_MAC_BYTES  16          /* truncated HMAC-SHA256 */
#define NONCE_SKEW_MS    5000        /* tolerated clock step backwards */
#define NC_HASH          4096
#define ADDR_HASH        1024

struct digest {
	struct sipstack *ss;            /* borrowed; NULL in tests */
	char realm[64];
	uint64_t ttl_ms;
	uint32_t fail_limit;
	uint64_t block_ms;
	digest_lookup_h *lookuph;
	void *arg;
	uint8_t key[crypto_auth_hmacsha256_KEYBYTES];
	struct hash *nch;               /* struct ncount by nonce */
	struct list ncl;                /* struct ncount, oldest first; owns */
	size_t ncc;
	struct hash *addrh;             /* struct failrec by IP address */
	struct list addrl;              /* struct failrec, oldest first; owns */
	size_t addrc;
};

/* The highest nonce-count accepted for one nonce */
struct ncount {
	struct le he;                   /* in d->nch */
	struct le le;                   /* in d->ncl */
	char nonce[DIGEST_NONCE_LEN + 1];
	uint32_t nc;
	uint64_t expires_ms;            /* when the nonce goes stale */
};

/* Failures from one IP address */
struct failrec {
	struct le he;                   /* in d->addrh */
	struct le le;                   /* in d->addrl */
	struct sa addr;
	uint32_t count;                 /* failures since first_ms */
	uint64_t first_ms;
	uint64_t blocked_until_ms;      /* 0: never blocked */
};

static void ncount_destructor(void *arg)
{
	struct ncount *e = arg;

	hash_unlink(&e->he);
	list_unlink(&e->le);
}

static void failrec_destructor(void *arg)
{
	struct failrec *r = arg;

	hash_unlink(&r->he);
	list_unlink(&r->le);
}

static void destructor(void *arg)
{
	struct digest *d = arg;

	list_flush(&d->ncl);
	list_flush(&d->addrl);
	mem_deref(d->nch);
	mem_deref(d->addrh);
	sodium_memzero(d->key, sizeof(d->key));
}

/**
 * Create the authenticator. conf->realm is copied; lookup finds an agent
 * by user name (called synchronously from digest_check). 0, EINVAL or
 * ENOMEM.
 */
int digest_alloc(struct digest **dp, struct sipstack *ss,
		 const struct digest_conf *conf, digest_lookup_h *lookup,
		 void *arg)
{
	struct digest *d;
	int err;

	if (!dp || !conf || !conf->realm || !*conf->realm || !lookup ||
	    !conf->nonce_ttl_s || !conf->fail_limit || !conf->block_s ||
	    strlen(conf->realm) >= sizeof(d->realm))
		return EINVAL;
	if (sodium_init() < 0)
		return ENOSYS;

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d)
		return ENOMEM;

	d->ss = ss;
	str_ncpy(d->realm, conf->realm, sizeof(d->realm));
	d->ttl_ms = (uint64_t)conf->nonce_ttl_s * 1000;
	d->fail_limit = conf->fail_limit;
	d->block_ms = (uint64_t)conf->block_s * 1000;
	d->lookuph = lookup;
	d->arg = arg;
	crypto_auth_hmacsha256_keygen(d->key);

	err = hash_alloc(&d->nch, NC_HASH);
	if (!err)
		err = hash_alloc(&d->addrh, ADDR_HASH);
	if (err)
		mem_deref(d);
	else
		*dp = d;
	return err;
}

/* ------------------------------------------------------------ nonces */

static void nonce_mac(const struct digest *d, const char *prefix,
		      uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256(mac, (const uint8_t *)prefix,
			       NONCE_PREFIX_LEN, d->key);
}

/** The nonce: 16 hex digits of now_ms, 16 of randomness (two nonces of
 *  the same millisecond differ, so their counts do not collide), then
 *  the first 16 bytes of HMAC-SHA256(secret, those 32 characters). */
void digest_nonce_make(const struct digest *d, uint64_t now_ms,
		       char out[DIGEST_NONCE_LEN + 1])
{
	uint8_t rnd[8], mac[crypto_auth_hmacsha256_BYTES];

	(void)re_snprintf(out, 17, "%016llx", (unsigned long long)now_ms);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(out + 16, 17, rnd, sizeof(rnd));
	nonce_mac(d, out, mac);
	sodium_bin2hex(out + NONCE_PREFIX_LEN, 2 * NONCE_MAC_BYTES + 1, mac,
		       NONCE_MAC_BYTES);
}

static bool is_hex(const struct pl *pl, size_t len)
{
	if (pl->l != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = pl->p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

static uint64_t nonce_time(const struct pl *nonce)
{
	struct pl t = {nonce->p, 16};

	return pl_x64(&t);
}

/** Check that nonce is one of ours and not older than nonce_ttl_s. */
enum digest_nonce digest_nonce_check(const struct digest *d,
				     const struct pl *nonce, uint64_t now_ms)
{
	uint8_t mac[crypto_auth_hmacsha256_BYTES], given[NONCE_MAC_BYTES];
	char prefix[NONCE_PREFIX_LEN + 1];
	uint64_t t;

	if (!is_hex(nonce, DIGEST_NONCE_LEN))
		return DIGEST_NONCE_FOREIGN;

	/* the MAC covers the text as issued: lower-case hex only */
	memcpy(prefix, nonce->p, NONCE_PREFIX_LEN);
	prefix[NONCE_PREFIX_LEN] = '\0';
	nonce_mac(d, prefix, mac);
	if (sodium_hex2bin(given, sizeof(given), nonce->p + NONCE_PREFIX_LEN,
			   2 * NONCE_MAC_BYTES, NULL, NULL, NULL) ||
	    crypto_verify_16(mac, given))
		return DIGEST_NONCE_FOREIGN;

	t = nonce_time(nonce);
	if (t > now_ms + NONCE_SKEW_MS || now_ms - t > d->ttl_ms)
		return DIGEST_NONCE_STALE;
	return DIGEST_NONCE_OK;
}

/* ------------------------------------------------- nonce-count table */

static bool ncount_cmp(struct le *le, void *arg)
{
	const struct ncount *e = le->data;

	return !pl_strcmp(arg, e->nonce);
}

/* Drop expired counts, and the oldest ones beyond DIGEST_NC_MAX - 1 so
 * one more fits. The list is in creation order, which is close to expiry
 * order; an expired entry left behind a younger one costs memory only
 * (its nonce is refused as stale anyway). Evicting a live count lets that
 * nonce's old counts be replayed once; that needs 65536 live nonces. */
static void ncount_purge(struct digest *d, uint64_t now_ms)
{
	struct le *le;

	while ((le = list_head(&d->ncl))) {
		struct ncount *e = le->data;

		if (e->expires_ms > now_ms && d->ncc < DIGEST_NC_MAX)
			break;
		mem_deref(e);
		--d->ncc;
	}
}

/* Accept nc for nonce (valid, ours) if it is higher than any accepted. */
static bool ncount_accept(struct digest *d, const struct pl *nonce,
			  uint32_t nc, uint64_t now_ms)
{
	struct ncount *e;

	ncount_purge(d, now_ms);
	e = list_ledata(hash_lookup(d->nch, hash_joaat_pl(nonce), ncount_cmp,
				    (void *)nonce));
	if (e) {
		if (nc <= e->nc)
			return false;
		e->nc = nc;
		return true;
	}

	e = mem_zalloc(sizeof(*e), ncount_destructor);
	if (!e)
		return false;
	(void)pl_strcpy(nonce, e->nonce, sizeof(e->nonce));
	e->nc = nc;
	e->expires_ms = nonce_time(nonce) + d->ttl_ms;
	hash_append(d->nch, hash_joaat_pl(nonce), &e->he, e);
	list_append(&d->ncl, &e->le, e);
	++d->ncc;
	return true;
}

/* ---------------------------------------------------- failure table */

static bool failrec_cmp(struct le *le, void *arg)
{
	const struct failrec *r = le->data;

	return sa_cmp(&r->addr, arg, SA_ADDR);
}

static struct failrec *failrec_find(const struct digest *d,
				    const struct sa *addr)
{
	return list_ledata(hash_lookup(d->addrh, sa_hash(addr, SA_ADDR),
				       failrec_cmp, (void *)addr));
}

static bool failrec_expired(const struct digest *d,
			    const struct failrec *r, uint64_t now_ms)
{
	return now_ms >= r->first_ms + d->block_ms &&
		now_ms >= r->blocked_until_ms;
}

/* The list is ordered by first_ms (a record moves to the tail when its
 * window restarts), which is its expiry order. Beyond DIGEST_ADDR_MAX
 * addresses the oldest record goes, even if it is blocked. */
static void failrec_purge(struct digest *d, uint64_t now_ms)
{
	struct le *le;

	while ((le = list_head(&d->addrl))) {
		struct failrec *r = le->data;

		if (!failrec_expired(d, r, now_ms) &&
		    d->addrc < DIGEST_ADDR_MAX)
			break;
		mem_deref(r);
		--d->addrc;
	}
}

bool digest_is_blocked(const struct digest *d, const struct sa *addr,
		       uint64_t now_ms)
{
	const struct failrec *r = failrec_find(d, addr);

	return r && now_ms < r->blocked_until_ms;
}

static void failrec_restart(struct digest *d, struct failrec *r,
			    uint64_t now_ms)
{
	r->count = 0;
	r->first_ms = now_ms;
	list_unlink(&r->le);
	list_append(&d->addrl, &r->le, r);
}

/* Count one failure from addr; the fail_limit-th within block_s starts a
 * block, logged once. */
static void failure_count(struct digest *d, const struct sa *addr,
			  uint64_t now_ms)
{
	struct failrec *r;

	failrec_purge(d, now_ms);
	r = failrec_find(d, addr);
	if (!r) {
		r = mem_zalloc(sizeof(*r), failrec_destructor);
		if (!r)
			return;
		sa_cpy(&r->addr, addr);
		hash_append(d->addrh, sa_hash(addr, SA_ADDR), &r->he, r);
		list_append(&d->addrl, &r->le, r);
		r->first_ms = now_ms;
		++d->addrc;
	}
	else if (now_ms - r->first_ms >= d->block_ms) {
		failrec_restart(d, r, now_ms);
	}

	if (++r->count < d->fail_limit)
		return;

	log_warn("sip: auth: blocking %j for %llu s after %u failures\n",
		 addr, (unsigned long long)(d->block_ms / 1000), r->count);
	r->blocked_until_ms = now_ms + d->block_ms;
	failrec_restart(d, r, now_ms);
}

/* ------------------------------------------------------ credentials */

struct creds {
	const struct digest *d;
	struct httpauth_digest_resp resp;
	struct pl hval;                 /* the chosen header's value */
	bool seen, bad;
};

static bool creds_handler(const struct sip_hdr *hdr,
			  const struct sip_msg *msg, void *arg)
{
	struct creds *c = arg;
	(void)msg;

	c->seen = true;
	if (httpauth_digest_response_decode(&c->resp, &hdr->val)) {
		c->bad = true;
		return false;
	}
	c->hval = hdr->val;
	return !pl_strcmp(&c->resp.realm, c->d->realm);
}

/* Find the credentials for our realm. */
static enum digest_result creds_find(struct creds *c,
				     const struct sip_msg *msg, bool proxy,
				     const char **why)
{
	enum sip_hdrid id = proxy ? SIP_HDR_PROXY_AUTHORIZATION :
		SIP_HDR_AUTHORIZATION;

	if (sip_msg_hdr_apply(msg, true, id, creds_handler, c))
		return DIGEST_OK;
	if (c->bad) {
		*why = "Malformed Credentials";
		return DIGEST_MALFORMED;
	}
	/* credentials for another realm (e.g. before sip_realm changed):
	 * a challenge lets the client start over */
	*why = c->seen ? "credentials for another realm" : "no credentials";
	return DIGEST_CHALLENGE;
}

/* The value of parameter name in a Digest header (libre's decoder does
 * not keep "algorithm"); same grammar as libre's. */
static int param_find(const struct pl *hval, const char *name,
		      struct pl *val)
{
	struct pl r = *hval, n, v;

	while (!re_regex(r.p, r.l,
			 "[ \t\r\n,]+[a-z]+[ \t\r\n]*=[ \t\r\n]*[~ \t\r\n,]*",
			 NULL, &n, NULL, NULL, &v)) {
		pl_advance(&r, v.p + v.l - r.p);
		if (!pl_strcasecmp(&n, name)) {
			*val = v;
			return 0;
		}
	}
	return ENOENT;
}

static enum digest_result creds_validate(const struct creds *c,
					 const struct sip_msg *msg,
					 const char **why)
{
	const struct httpauth_digest_resp *resp = &c->resp;
	struct pl alg;

	if (!param_find(&c->hval, "algorithm", &alg) &&
	    pl_strcasecmp(&alg, "MD5"))
		*why = "Unsupported Digest Algorithm";
	else if (!pl_isset(&resp->qop) || pl_strcasecmp(&resp->qop, "auth"))
		*why = "Digest qop Must Be auth";
	else if (!is_hex(&resp->nc, 8) || !pl_isset(&resp->cnonce))
		*why = "Bad Digest nc or cnonce";
	else if (!is_hex(&resp->response, 32) || !pl_isset(&resp->username))
		*why = "Malformed Credentials";
	else if (pl_cmp(&resp->uri, &msg->ruri))
		*why = "Digest URI Mismatch";
	else
		return DIGEST_OK;
	return DIGEST_MALFORMED;
}

/* Look the user up and check the response against its HA1. */
static enum digest_result creds_verify(struct digest *d,
				       const struct creds *c,
				       const struct sip_msg *msg,
				       struct agent *a, const char **why)
{
	char user[AGENT_EXT_MAX];
	uint8_t ha1[MD5_SIZE];
	size_t n = 0;
	int err;

	if (c->resp.username.l >= sizeof(user)) {
		*why = "unknown user";
		return DIGEST_FAILED;
	}
	(void)pl_strcpy(&c->resp.username, user, sizeof(user));
	if (!agent_extension_valid(user)) {
		*why = "unknown user";
		return DIGEST_FAILED;
	}

	err = d->lookuph(user, a, d->arg);
	if (err == ENOENT) {
		*why = "unknown user";
		return DIGEST_FAILED;
	}
	if (err) {
		*why = "user lookup failed";
		return DIGEST_ERROR;
	}

	if (sodium_hex2bin(ha1, sizeof(ha1), a->ha1, strlen(a->ha1), NULL,
			   &n, NULL) || n != sizeof(ha1)) {
		*why = "no SIP password set";
		return DIGEST_FAILED;
	}
	err = httpauth_digest_response_auth(&c->resp, &msg->met, ha1);
	sodium_memzero(ha1, sizeof(ha1));
	if (err == EAUTH) {
		*why = "wrong password";
		return DIGEST_FAILED;
	}
	if (err) {
		*why = "digest computation failed";
		return DIGEST_ERROR;
	}
	return DIGEST_OK;
}

/* The digest is right: is it fresh? */
static enum digest_result nonce_accept(struct digest *d,
				       const struct httpauth_digest_resp *resp,
				       uint64_t now_ms, const char **why)
{
	switch (digest_nonce_check(d, &resp->nonce, now_ms)) {

	case DIGEST_NONCE_FOREIGN:
		*why = "nonce not issued by this process";
		return DIGEST_STALE;

	case DIGEST_NONCE_STALE:
		*why = "nonce expired";
		return DIGEST_STALE;

	default:
		break;
	}
	if (!ncount_accept(d, &resp->nonce, pl_x32(&resp->nc), now_ms)) {
		*why = "nonce count replayed";
		return DIGEST_STALE;
	}
	return DIGEST_OK;
}

/**
 * The decision on msg's credentials (see the table in digest.h). The
 * password is checked before the nonce's freshness, so a stale
 * challenge always means "your password was right". Failures are
 * logged at info with the user name and address.
 */
enum digest_result digest_check(struct digest *d, const struct sip_msg *msg,
				bool proxy, uint64_t now_ms, struct agent *a,
				const char **why)
{
	struct creds c;
	enum digest_result res;

	memset(&c, 0, sizeof(c));
	c.d = d;
	*why = "";

	if (digest_is_blocked(d, &msg->src, now_ms)) {
		*why = "address blocked";
		return DIGEST_BLOCKED;
	}
	res = creds_find(&c, msg, proxy, why);
	if (res)
		return res;
	res = creds_validate(&c, msg, why);
	if (res)
		return res;
	res = creds_verify(d, &c, msg, a, why);
	if (res == DIGEST_FAILED) {
		log_info("sip: auth: %r from %J: %s\n", &c.resp.username,
			 &msg->src, *why);
		failure_count(d, &msg->src, now_ms);
	}
	if (res)
		return res;
	return nonce_accept(d, &c.resp, now_ms, why);
}

static int challenge(struct digest *d, const struct sip_msg *msg,
		     bool proxy, bool stale, uint64_t now_ms)
{
	char nonce[DIGEST_NONCE_LEN + 1], hdr[256];

	digest_nonce_make(d, now_ms, nonce);
	re_snprintf(hdr, sizeof(hdr), "%s: Digest realm=\"%s\", nonce=\"%s\","
		    " algorithm=MD5, qop=\"auth\"%s\r\n",
		    proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
		    d->realm, nonce, stale ? ", stale=true" : "");
	return sipstack_reply(d->ss, msg, proxy ? 407 : 401,
			      proxy ? "Proxy Authentication Required" :
			      "Unauthorized", hdr);
}

int digest_authenticate(struct digest *d, const struct sip_msg *msg,
			bool proxy, uint64_t now_ms, struct agent *a)
{
	enum digest_result res;
	const char *why;

	if (!d || !d->ss || !msg || !a)
		return EINVAL;

	res = digest_check(d, msg, proxy, now_ms, a, &why);
	switch (res) {

	case DIGEST_OK:
		return 0;

	case DIGEST_MALFORMED:
		log_debug("sip: auth: %r from %J: %s\n", &msg->met,
			  &msg->src, why);
		(void)sipstack_reply(d->ss, msg, 400, why, NULL);
		return EPROTO;

	case DIGEST_BLOCKED:
		(void)sipstack_reply(d->ss, msg, 403, "Forbidden", NULL);
		return EACCES;

	case DIGEST_ERROR:
		log_debug("sip: auth: %r from %J: %s\n", &msg->met,
			  &msg->src, why);
		(void)sipstack_reply(d->ss, msg, 500,
				     "Server Internal Error", NULL);
		return EIO;

	default:
		log_debug("sip: auth: %r from %J: challenge (%s)\n",
			  &msg->met, &msg->src, why);
		(void)challenge(d, msg, proxy, res == DIGEST_STALE, now_ms);
		return EAUTH;
	}
}
