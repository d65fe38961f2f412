/** @file test/unit/sip/registrar_req.c  REGISTER parsing: Contact, expires,
 *  '*', limits (the pure part of the registrar) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "sip/registrar.h"

static const struct registrar_limits lim = {60, 3600};

static struct sip_msg *msg_make(const char *hdrs)
{
	struct mbuf *mb = mbuf_alloc(4096);
	struct sip_msg *msg = NULL;

	assert_non_null(mb);
	assert_int_equal(mbuf_printf(mb,
		"REGISTER sip:192.0.2.10 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
		"From: <sip:1001@192.0.2.10>;tag=a\r\n"
		"To: <sip:1001@192.0.2.10>\r\n"
		"Call-ID: c1\r\n"
		"CSeq: 1 REGISTER\r\n"
		"%s"
		"Content-Length: 0\r\n\r\n", hdrs), 0);
	mb->pos = 0;
	assert_int_equal(sip_msg_decode(&msg, mb), 0);
	mem_deref(mb);
	return msg;
}

/* Parse hdrs; returns the status (0 = accepted) */
static uint16_t parse(const char *hdrs, struct registrar_req *rq)
{
	struct sip_msg *msg = msg_make(hdrs);
	const char *reason = NULL;
	uint16_t scode;

	scode = registrar_req_parse(rq, msg, &lim, &reason);
	if (scode)
		assert_non_null(reason);
	mem_deref(msg);
	return scode;
}

static void test_expires_sources(void **state)
{
	struct registrar_req rq;
	(void)state;

	/* parameter beats header; header beats the default */
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1:5062;transport=udp>"
			       ";expires=120\r\n"
			       "Contact: <sip:b@192.0.2.1>\r\n"
			       "Expires: 300\r\n", &rq), 0);
	assert_false(rq.star);
	assert_int_equal(rq.contactc, 2);
	assert_string_equal(rq.contactv[0].uri,
			    "sip:a@192.0.2.1:5062;transport=udp");
	assert_int_equal(rq.contactv[0].expires, 120);
	assert_string_equal(rq.contactv[1].uri, "sip:b@192.0.2.1");
	assert_int_equal(rq.contactv[1].expires, 300);

	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>\r\n", &rq), 0);
	assert_int_equal(rq.contactv[0].expires, 3600);

	/* capped; huge values saturate, then are capped */
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>;expires=7200\r\n",
			       &rq), 0);
	assert_int_equal(rq.contactv[0].expires, 3600);
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>\r\n"
			       "Expires: 99999999999999999999\r\n", &rq), 0);
	assert_int_equal(rq.contactv[0].expires, 3600);

	/* the no-angle form: parameters belong to the header */
	assert_int_equal(parse("Contact: sip:a@192.0.2.1;expires=90\r\n",
			       &rq), 0);
	assert_string_equal(rq.contactv[0].uri, "sip:a@192.0.2.1");
	assert_int_equal(rq.contactv[0].expires, 90);
}

static void test_lists_and_duplicates(void **state)
{
	struct registrar_req rq;
	(void)state;

	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>;expires=60, "
			       "\"Bob, Jr\" <sip:b@192.0.2.1>;expires=0\r\n"
			       "Contact: <sip:a@192.0.2.1>;expires=70\r\n",
			       &rq), 0);
	assert_int_equal(rq.contactc, 2);
	assert_int_equal(rq.contactv[0].expires, 70);   /* last wins */
	assert_int_equal(rq.contactv[1].expires, 0);    /* removal */

	/* a query */
	assert_int_equal(parse("", &rq), 0);
	assert_int_equal(rq.contactc, 0);
	assert_false(rq.star);
}

static void test_star(void **state)
{
	struct registrar_req rq;
	(void)state;

	assert_int_equal(parse("Contact: *\r\nExpires: 0\r\n", &rq), 0);
	assert_true(rq.star);
	assert_int_equal(rq.contactc, 0);

	assert_int_equal(parse("Contact: *\r\n", &rq), 400);
	assert_int_equal(parse("Contact: *\r\nExpires: 60\r\n", &rq), 400);
	assert_int_equal(parse("Contact: *, <sip:a@192.0.2.1>\r\n"
			       "Expires: 0\r\n", &rq), 400);
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>\r\nContact: *\r\n"
			       "Expires: 0\r\n", &rq), 400);
}

static void test_refusals(void **state)
{
	struct registrar_req rq;
	char many[2048] = "", uri[400];
	(void)state;

	/* too brief (but 0 is a removal) */
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>;expires=59\r\n",
			       &rq), 423);
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>\r\nExpires: 1\r\n",
			       &rq), 423);
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>;expires=0\r\n",
			       &rq), 0);

	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>;expires=abc\r\n",
			       &rq), 400);
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>;expires=-5\r\n",
			       &rq), 400);
	assert_int_equal(parse("Contact: <sip:a@192.0.2.1>\r\nExpires: x\r\n",
			       &rq), 400);
	assert_int_equal(parse("Contact: <tel:+4930123>\r\n", &rq), 400);
	assert_int_equal(parse("Contact: <http://192.0.2.1/>\r\n", &rq), 400);
	assert_int_equal(parse("Contact: garbage\r\n", &rq), 400);

	/* a URI that does not fit REG_CONTACT_MAX */
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	re_snprintf(many, sizeof(many), "Contact: <sip:%s@192.0.2.1>\r\n",
		    uri);
	assert_int_equal(parse(many, &rq), 400);

	/* REGISTRAR_BINDINGS_MAX contacts fit, one more does not */
	many[0] = '\0';
	for (int i = 0; i < REGISTRAR_BINDINGS_MAX; i++)
		re_snprintf(many + strlen(many), sizeof(many) - strlen(many),
			    "Contact: <sip:u%d@192.0.2.1>\r\n", i);
	assert_int_equal(parse(many, &rq), 0);
	assert_int_equal(rq.contactc, REGISTRAR_BINDINGS_MAX);
	re_snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "Contact: <sip:extra@192.0.2.1>\r\n");
	assert_int_equal(parse(many, &rq), 403);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expires_sources),
		cmocka_unit_test(test_lists_and_duplicates),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
