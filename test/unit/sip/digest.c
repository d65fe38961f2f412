/** @file test/unit/sip/digest.c  Server digest: nonces, nonce counts,
 *  credential checks, failure blocking (time as an argument, no sockets) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/agent.h>
#include <hotline/log.h>
#include "sip/digest.h"

#define REALM    "hotline"
#define USER     "1001"
#define PASSWORD "secret-pw"
#define RURI     "sip:192.0.2.10:5060"
#define T0       1800000000000ull   /* ms */
#define TTL_S    60
#define LIMIT    3
#define BLOCK_S  30

struct fix {
	struct digest *d;
	char ha1[33];
	unsigned lookups;
	int lookup_err;              /* forced lookup result, 0 = normal */
};

static int lookup(const char *user, struct agent *a, void *arg)
{
	struct fix *f = arg;

	++f->lookups;
	if (f->lookup_err)
		return f->lookup_err;
	if (strcmp(user, USER))
		return ENOENT;
	agent_init(a);
	a->id = 7;
	str_ncpy(a->extension, USER, sizeof(a->extension));
	str_ncpy(a->ha1, f->ha1, sizeof(a->ha1));
	return 0;
}

static int setup(void **state)
{
	static struct fix f;
	const struct digest_conf conf = {REALM, TTL_S, LIMIT, BLOCK_S};

	memset(&f, 0, sizeof(f));
	if (libre_init())
		return -1;
	agent_ha1(f.ha1, USER, REALM, PASSWORD);
	if (digest_alloc(&f.d, NULL, &conf, lookup, &f))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	f->d = mem_deref(f->d);
	libre_close();
	return 0;
}

/* Decode text (lines joined with CRLF by the caller) as a message from
 * src_ip:5060 */
static struct sip_msg *msg_make(const char *text, const char *src_ip)
{
	struct mbuf *mb = mbuf_alloc(1024);
	struct sip_msg *msg = NULL;

	assert_non_null(mb);
	assert_int_equal(mbuf_write_str(mb, text), 0);
	mb->pos = 0;
	assert_int_equal(sip_msg_decode(&msg, mb), 0);
	mem_deref(mb);
	assert_int_equal(sa_set_str(&msg->src, src_ip, 5060), 0);
	return msg;
}

static void hex16(char out[33], const uint8_t d[16])
{
	re_snprintf(out, 33, "%w", d, (size_t)16);
}

/* The response a correct client computes (RFC 2617 qop=auth) */
static void response_make(char out[33], const char *password,
			  const char *nonce, const char *nc,
			  const char *method, const char *uri)
{
	uint8_t ha1[16], ha2[16], r[16];
	char ha1x[33], ha2x[33];

	md5_printf(ha1, "%s:%s:%s", USER, REALM, password);
	hex16(ha1x, ha1);
	md5_printf(ha2, "%s:%s", method, uri);
	hex16(ha2x, ha2);
	md5_printf(r, "%s:%s:%s:%s:auth:%s", ha1x, nonce, nc, "c0ffee",
		   ha2x);
	hex16(out, r);
}

struct req {
	const char *method;          /* default REGISTER */
	const char *user;            /* default USER */
	const char *password;        /* default PASSWORD */
	const char *nonce;
	const char *nc;              /* default 00000001 */
	const char *uri;             /* digest uri; default RURI */
	const char *realm;           /* default REALM */
	const char *extra;           /* more parameters, e.g. ",algorithm=X" */
	const char *qop;             /* default auth; "" leaves it out */
	const char *hdr;             /* default Authorization */
	const char *src;             /* default 192.0.2.1 */
};

static struct sip_msg *req_make(const struct req *q)
{
	const char *method = q->method ? q->method : "REGISTER";
	const char *nc = q->nc ? q->nc : "00000001";
	const char *uri = q->uri ? q->uri : RURI;
	const char *qop = q->qop ? q->qop : "auth";
	char resp[33], text[2048], auth[1024] = "";

	response_make(resp, q->password ? q->password : PASSWORD,
		      q->nonce ? q->nonce : "", nc, method, uri);
	if (q->nonce)
		re_snprintf(auth, sizeof(auth),
			    "%s: Digest username=\"%s\", realm=\"%s\", "
			    "nonce=\"%s\", uri=\"%s\", response=\"%s\", "
			    "cnonce=\"c0ffee\", nc=%s%s%s%s\r\n",
			    q->hdr ? q->hdr : "Authorization",
			    q->user ? q->user : USER,
			    q->realm ? q->realm : REALM, q->nonce, uri, resp,
			    nc, *qop ? ", qop=" : "", qop,
			    q->extra ? q->extra : "");

	re_snprintf(text, sizeof(text),
		    "%s " RURI " SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
		    "From: <sip:" USER "@192.0.2.10>;tag=a\r\n"
		    "To: <sip:" USER "@192.0.2.10>\r\n"
		    "Call-ID: c1@192.0.2.1\r\n"
		    "CSeq: 2 %s\r\n"
		    "%s"
		    "Content-Length: 0\r\n\r\n", method, method, auth);
	return msg_make(text, q->src ? q->src : "192.0.2.1");
}

static enum digest_result check(struct fix *f, const struct req *q,
				bool proxy, uint64_t now, struct agent *a)
{
	struct sip_msg *msg = req_make(q);
	struct agent tmp;
	const char *why = NULL;
	enum digest_result res;

	res = digest_check(f->d, msg, proxy, now, a ? a : &tmp, &why);
	assert_non_null(why);
	mem_deref(msg);
	return res;
}

static void test_nonce(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1], m[DIGEST_NONCE_LEN + 1], bad[80];
	struct pl pl;

	digest_nonce_make(f->d, T0, n);
	digest_nonce_make(f->d, T0, m);
	assert_int_equal(strlen(n), DIGEST_NONCE_LEN);
	assert_string_not_equal(n, m);         /* random part */

	pl_set_str(&pl, n);
	assert_int_equal(digest_nonce_check(f->d, &pl, T0), DIGEST_NONCE_OK);
	assert_int_equal(digest_nonce_check(f->d, &pl, T0 + TTL_S * 1000),
			 DIGEST_NONCE_OK);
	assert_int_equal(digest_nonce_check(f->d, &pl, T0 + TTL_S * 1000 + 1),
			 DIGEST_NONCE_STALE);
	/* the clock went back a lot */
	assert_int_equal(digest_nonce_check(f->d, &pl, T0 - 60000),
			 DIGEST_NONCE_STALE);

	/* any changed character, the case of the hex, length, garbage */
	for (size_t i = 0; i < DIGEST_NONCE_LEN; i++) {
		str_ncpy(bad, n, sizeof(bad));
		bad[i] = bad[i] == '0' ? '1' : '0';
		pl_set_str(&pl, bad);
		assert_int_equal(digest_nonce_check(f->d, &pl, T0),
				 DIGEST_NONCE_FOREIGN);
	}
	for (size_t i = 0; n[i]; i++)
		bad[i] = (n[i] >= 'a' && n[i] <= 'f') ? n[i] - 32 : n[i];
	bad[DIGEST_NONCE_LEN] = '\0';
	pl_set_str(&pl, bad);
	if (strcmp(bad, n))
		assert_int_equal(digest_nonce_check(f->d, &pl, T0),
				 DIGEST_NONCE_FOREIGN);
	pl_set_str(&pl, n);
	pl.l--;
	assert_int_equal(digest_nonce_check(f->d, &pl, T0),
			 DIGEST_NONCE_FOREIGN);
	pl_set_str(&pl, "");
	assert_int_equal(digest_nonce_check(f->d, &pl, T0),
			 DIGEST_NONCE_FOREIGN);
	pl_set_str(&pl, "zz");
	assert_int_equal(digest_nonce_check(f->d, &pl, T0),
			 DIGEST_NONCE_FOREIGN);
}

static void test_no_credentials(void **state)
{
	struct fix *f = *state;
	const struct req q = {0};

	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_CHALLENGE);
	assert_int_equal(f->lookups, 0);
}

static void test_good_and_replay(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1];
	struct req q = {.nonce = n};
	struct agent a;

	digest_nonce_make(f->d, T0, n);
	assert_int_equal(check(f, &q, false, T0 + 10, &a), DIGEST_OK);
	assert_int_equal(a.id, 7);

	/* the same nc again, or a lower one: a replay */
	assert_int_equal(check(f, &q, false, T0 + 20, NULL), DIGEST_STALE);
	q.nc = "00000003";
	assert_int_equal(check(f, &q, false, T0 + 30, NULL), DIGEST_OK);
	q.nc = "00000002";
	assert_int_equal(check(f, &q, false, T0 + 40, NULL), DIGEST_STALE);
	q.nc = "00000004";
	assert_int_equal(check(f, &q, false, T0 + 50, NULL), DIGEST_OK);

	/* a replay is not a failure: never blocks */
	q.nc = "00000001";
	for (int i = 0; i < LIMIT * 2; i++)
		assert_int_equal(check(f, &q, false, T0 + 60, NULL),
				 DIGEST_STALE);
	q.nc = "00000005";
	assert_int_equal(check(f, &q, false, T0 + 70, NULL), DIGEST_OK);

	/* INVITE through a proxy challenge: Proxy-Authorization only */
	q.method = "INVITE";
	q.nc = "00000006";
	assert_int_equal(check(f, &q, true, T0 + 80, NULL), DIGEST_CHALLENGE);
	q.hdr = "Proxy-Authorization";
	assert_int_equal(check(f, &q, true, T0 + 80, NULL), DIGEST_OK);
}

static void test_stale(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1];
	struct req q = {.nonce = n};

	digest_nonce_make(f->d, T0, n);
	assert_int_equal(check(f, &q, false, T0 + TTL_S * 1000 + 1, NULL),
			 DIGEST_STALE);
	/* a nonce we never issued (another process), right password */
	n[40] = n[40] == 'a' ? 'b' : 'a';
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_STALE);
	/* stale with a wrong password is a failure, not stale */
	q.password = "nope";
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_FAILED);
}

static void test_malformed(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1];
	struct req q = {.nonce = n};
	struct sa src;

	digest_nonce_make(f->d, T0, n);

	q.uri = "sip:192.0.2.10";              /* not the Request-URI */
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.uri = NULL;

	q.extra = ", algorithm=SHA-256";
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.extra = ", algorithm=MD5-sess";
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.extra = ", algorithm=md5";           /* case-insensitive token */
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_OK);
	q.extra = NULL;

	q.qop = "";                            /* RFC 2069 style */
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.qop = "auth-int";
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.qop = NULL;

	q.nc = "1";
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.nc = "0000000g";
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_MALFORMED);
	q.nc = NULL;

	/* none of these counted or looked the user up */
	assert_int_equal(f->lookups, 1);
	sa_set_str(&src, "192.0.2.1", 5060);
	assert_false(digest_is_blocked(f->d, &src, T0));
}

static void test_other_realm(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1];
	struct req q = {.nonce = n, .realm = "elsewhere"};

	digest_nonce_make(f->d, T0, n);
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_CHALLENGE);
	assert_int_equal(f->lookups, 0);
}

static void test_block(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1], n2[DIGEST_NONCE_LEN + 1];
	struct req bad = {.nonce = n, .password = "wrong"};
	struct req good = {.nonce = n};
	struct req other = {.nonce = n2, .src = "192.0.2.2"};
	struct sa src;
	uint64_t t = T0;

	digest_nonce_make(f->d, T0, n);
	digest_nonce_make(f->d, T0, n2);
	sa_set_str(&src, "192.0.2.1", 1234);   /* any port */

	for (int i = 0; i < LIMIT - 1; i++)
		assert_int_equal(check(f, &bad, false, t, NULL),
				 DIGEST_FAILED);
	assert_false(digest_is_blocked(f->d, &src, t));
	bad.user = "9999";                    /* unknown users count too */
	assert_int_equal(check(f, &bad, false, t, NULL), DIGEST_FAILED);
	assert_true(digest_is_blocked(f->d, &src, t));

	/* even the right password is refused while blocked ... */
	assert_int_equal(check(f, &good, false, t + 1, NULL), DIGEST_BLOCKED);
	/* ... from that address only */
	assert_int_equal(check(f, &other, false, t + 1, NULL), DIGEST_OK);

	t += BLOCK_S * 1000 - 1;
	assert_int_equal(check(f, &good, false, t, NULL), DIGEST_BLOCKED);
	t += 1;
	assert_false(digest_is_blocked(f->d, &src, t));
	assert_int_equal(check(f, &good, false, t, NULL), DIGEST_OK);
}

static void test_window(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1];
	struct req bad = {.nonce = n, .password = "wrong"};
	struct sa src;
	uint64_t t = T0;

	sa_set_str(&src, "192.0.2.1", 5060);

	/* LIMIT - 1 failures per window, windows apart: never blocked */
	for (int w = 0; w < 4; w++) {
		digest_nonce_make(f->d, t, n);
		for (int i = 0; i < LIMIT - 1; i++)
			assert_int_equal(check(f, &bad, false, t, NULL),
					 DIGEST_FAILED);
		t += BLOCK_S * 1000;
		assert_false(digest_is_blocked(f->d, &src, t));
	}
}

static void test_lookup_error(void **state)
{
	struct fix *f = *state;
	char n[DIGEST_NONCE_LEN + 1];
	struct req q = {.nonce = n};
	struct sa src;

	digest_nonce_make(f->d, T0, n);
	sa_set_str(&src, "192.0.2.1", 5060);
	f->lookup_err = EIO;
	for (int i = 0; i < LIMIT + 1; i++)
		assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_ERROR);
	assert_false(digest_is_blocked(f->d, &src, T0));
	f->lookup_err = 0;
	assert_int_equal(check(f, &q, false, T0, NULL), DIGEST_OK);
}

static void test_alloc_args(void **state)
{
	struct digest_conf conf = {REALM, TTL_S, LIMIT, BLOCK_S};
	struct digest *d = NULL;
	(void)state;

	assert_int_equal(digest_alloc(&d, NULL, &conf, NULL, NULL), EINVAL);
	conf.realm = "";
	assert_int_equal(digest_alloc(&d, NULL, &conf, lookup, NULL), EINVAL);
	conf.realm = REALM;
	conf.nonce_ttl_s = 0;
	assert_int_equal(digest_alloc(&d, NULL, &conf, lookup, NULL), EINVAL);
	assert_null(d);
	assert_int_equal(digest_authenticate(NULL, NULL, false, 0, NULL),
			 EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nonce),
		T(test_no_credentials),
		T(test_good_and_replay),
		T(test_stale),
		T(test_malformed),
		T(test_other_realm),
		T(test_block),
		T(test_window),
		T(test_lookup_error),
		cmocka_unit_test(test_alloc_args),
	};

	log_level_set(LOGL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
