/** @file test/unit/sip/sipstack.c  The checks every request gets and the
 *  answers of the dispatcher of last resort */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "sip/sipstack.h"

struct row {
	const char *start;       /* request line */
	const char *hdrs;        /* extra headers */
	uint16_t check;          /* sipstack_request_check */
	uint16_t answer;         /* sipstack_fallback_answer */
	bool allow, accept;
};

static struct sip_msg *msg_make(const char *start, const char *hdrs,
				const char *cseq_met)
{
	struct mbuf *mb = mbuf_alloc(2048);
	struct sip_msg *msg = NULL;

	assert_non_null(mb);
	assert_int_equal(mbuf_printf(mb,
		"%s SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1\r\n"
		"From: <sip:a@192.0.2.1>;tag=a\r\n"
		"Call-ID: c1\r\n"
		"CSeq: 1 %s\r\n"
		"%s"
		"Content-Length: 0\r\n\r\n", start, cseq_met, hdrs), 0);
	mb->pos = 0;
	assert_int_equal(sip_msg_decode(&msg, mb), 0);
	mem_deref(mb);
	return msg;
}

static const char *method_of(const char *start, char *buf, size_t sz)
{
	size_t n = strcspn(start, " ");

	assert_true(n < sz);
	memcpy(buf, start, n);
	buf[n] = '\0';
	return buf;
}

#define TO "To: <sip:b@192.0.2.10>\r\n"
#define TO_TAG "To: <sip:b@192.0.2.10>;tag=x\r\n"

static void test_table(void **state)
{
	static const struct row rows[] = {
		{"OPTIONS sip:192.0.2.10", TO, 0, 200, true, true},
		{"OPTIONS sips:192.0.2.10", TO, 0, 200, true, true},
		{"OPTIONS sip:192.0.2.10", TO_TAG, 0, 200, true, true},
		{"OPTIONS sip:192.0.2.10", TO "Max-Forwards: 0\r\n",
		 483, 483, false, false},
		{"OPTIONS sip:192.0.2.10", TO "Max-Forwards: 1\r\n",
		 0, 200, true, true},
		{"OPTIONS sip:192.0.2.10", TO "Max-Forwards: x\r\n",
		 400, 400, false, false},
		{"OPTIONS tel:+4930123", TO, 416, 416, false, false},
		{"OPTIONS sip:192.0.2.10", "", 400, 400, false, false},
		{"MESSAGE sip:b@192.0.2.10", TO, 0, 405, true, false},
		{"SUBSCRIBE sip:b@192.0.2.10", TO, 0, 405, true, false},
		{"NOTIFY sip:b@192.0.2.10", TO, 0, 405, true, false},
		{"PUBLISH sip:b@192.0.2.10", TO, 0, 405, true, false},
		{"PRACK sip:b@192.0.2.10", TO_TAG, 0, 405, true, false},
		{"UPDATE sip:b@192.0.2.10", TO_TAG, 0, 405, true, false},
		{"REFER sip:b@192.0.2.10", TO, 0, 405, true, false},
		{"FOO sip:b@192.0.2.10", TO, 0, 501, false, false},
		{"CANCEL sip:b@192.0.2.10", TO, 0, 481, false, false},
		{"ACK sip:b@192.0.2.10", TO_TAG, 0, 0, false, false},
		{"BYE sip:b@192.0.2.10", TO_TAG, 0, 481, false, false},
		{"INFO sip:b@192.0.2.10", TO_TAG, 0, 481, false, false},
		{"INVITE sip:b@192.0.2.10", TO, 0, 503, false, false},
		{"REGISTER sip:192.0.2.10", TO, 0, 503, false, false},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct sipstack_answer ans;
		const char *reason = NULL;
		char met[16];
		struct sip_msg *msg;

		msg = msg_make(r->start, r->hdrs,
			       method_of(r->start, met, sizeof(met)));
		if (strcmp(met, "ACK") &&
		    sipstack_request_check(msg, &reason) != r->check)
			fail_msg("row %zu (%s): check %u, expected %u", i,
				 r->start, sipstack_request_check(msg, &reason),
				 r->check);
		sipstack_fallback_answer(msg, &ans);
		if (ans.scode != r->answer || ans.allow != r->allow ||
		    ans.accept != r->accept || (ans.scode && !ans.reason))
			fail_msg("row %zu (%s): answer %u allow %d accept %d",
				 i, r->start, ans.scode, ans.allow, ans.accept);
		mem_deref(msg);
	}
}

static void test_cseq_method(void **state)
{
	struct sip_msg *msg = msg_make("OPTIONS sip:192.0.2.10", TO, "INVITE");
	const char *reason;
	(void)state;

	assert_int_equal(sipstack_request_check(msg, &reason), 400);
	mem_deref(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_cseq_method),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
