/** @file test/unit/core/utf8text.c  UTF-8 sequence lengths at every
 *  boundary (against a decoding reference), cuts at each byte of a
 *  sequence, trimming */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <hotline/utf8text.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The reference: decode, then reject overlongs, surrogates and code
 * points above U+10FFFF */
static size_t ref_len(const unsigned char *u)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t cp;
	size_t n;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc0 && u[0] < 0xe0) {
		n = 2;
		cp = u[0] & 0x1f;
	}
	else if (u[0] >= 0xe0 && u[0] < 0xf0) {
		n = 3;
		cp = u[0] & 0x0f;
	}
	else if (u[0] >= 0xf0 && u[0] < 0xf8) {
		n = 4;
		cp = u[0] & 0x07;
	}
	else {
		return 0;
	}

	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;

	return n;
}

static const struct {
	const char *s;
	size_t len;
} seqs[] = {
	{"",                  1},   /* the NUL */
	{"a",                 1},
	{"\x7f",              1},
	{"\x80",              0},   /* lone continuation bytes */
	{"\xbf",              0},
	{"\xc0\x80",          0},   /* overlong NUL */
	{"\xc1\xbf",          0},   /* overlong U+007F */
	{"\xc2\x80",          2},   /* U+0080 */
	{"\xc3\xa9",          2},   /* é */
	{"\xdf\xbf",          2},   /* U+07FF */
	{"\xc3",              0},   /* cut */
	{"\xc3z",             0},
	{"\xc3\xc3\xa9",      0},
	{"\xe0\x80\x80",      0},   /* overlong */
	{"\xe0\x9f\xbf",      0},   /* overlong U+07FF */
	{"\xe0\xa0\x80",      3},   /* U+0800 */
	{"\xe2\x82\xac",      3},   /* € */
	{"\xe2\x82",          0},   /* cut */
	{"\xe2",              0},
	{"\xe2\x82z",         0},
	{"\xed\x9f\xbf",      3},   /* U+D7FF */
	{"\xed\xa0\x80",      0},   /* U+D800, a surrogate */
	{"\xed\xbf\xbf",      0},   /* U+DFFF */
	{"\xee\x80\x80",      3},   /* U+E000 */
	{"\xef\xbf\xbf",      3},   /* U+FFFF */
	{"\xf0\x80\x80\x80",  0},   /* overlong */
	{"\xf0\x8f\xbf\xbf",  0},   /* overlong U+FFFF */
	{"\xf0\x90\x80\x80",  4},   /* U+10000 */
	{"\xf0\x9f\x98\x80",  4},   /* 😀 */
	{"\xf0\x9f\x98",      0},   /* cut after 3, 2, 1 bytes */
	{"\xf0\x9f",          0},
	{"\xf0",              0},
	{"\xf0\x9f\x98z",     0},
	{"\xf4\x8f\xbf\xbf",  4},   /* U+10FFFF */
	{"\xf4\x90\x80\x80",  0},   /* U+110000 */
	{"\xf5\x80\x80\x80",  0},
	{"\xf7\xbf\xbf\xbf",  0},
	{"\xf8\x88\x80\x80",  0},   /* 5-byte forms */
	{"\xfe",              0},
	{"\xff",              0},
};

static void test_seq_len_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(seqs); i++) {
		size_t n = utf8text_seq_len(seqs[i].s);

		if (n != seqs[i].len)
			fail_msg("seq %zu: %zu, want %zu", i, n, seqs[i].len);
		assert_int_equal(ref_len((const unsigned char *)seqs[i].s),
				 seqs[i].len);
	}
}

/* Every first and second byte, with third and fourth bytes around the
 * continuation range, against the reference */
static void test_seq_len_exhaustive(void **state)
{
	static const unsigned char tail[] = {0x00, 0x41, 0x7f, 0x80, 0x8f,
		0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
	unsigned char u[5] = {0};

	(void)state;
	for (unsigned b0 = 1; b0 < 256; b0++) {
		for (unsigned b1 = 0; b1 < 256; b1++) {
			for (size_t i = 0; i < COUNT(tail); i++) {
				for (size_t k = 0; k < COUNT(tail); k++) {
					u[0] = (unsigned char)b0;
					u[1] = (unsigned char)b1;
					u[2] = b1 ? tail[i] : 0;
					u[3] = b1 && u[2] ? tail[k] : 0;
					if (utf8text_seq_len((char *)u) !=
					    ref_len(u))
						fail_msg("%02x %02x %02x %02x",
							 u[0], u[1], u[2],
							 u[3]);
				}
			}
		}
	}
}

/* Cutting "ab" + a sequence of len bytes + "c" at every length */
static void cut_each(const char *seq, size_t len)
{
	char s[16];

	snprintf(s, sizeof(s), "ab%sc", seq);
	for (size_t n = 0; n <= len + 3; n++) {
		size_t want = n > 2 && n < 2 + len ? 2 : n;

		if (utf8text_cut(s, n) != want)
			fail_msg("%zu-byte sequence cut at %zu: %zu, want %zu",
				 len, n, utf8text_cut(s, n), want);
	}
}

static void test_cut(void **state)
{
	(void)state;
	cut_each("\xc3\xa9", 2);
	cut_each("\xe2\x82\xac", 3);
	cut_each("\xf0\x9f\x98\x80", 4);
	cut_each("\xf4\x8f\xbf\xbf", 4);

	/* nothing to cut */
	assert_int_equal(utf8text_cut("", 0), 0);
	assert_int_equal(utf8text_cut("abc", 3), 3);
	assert_int_equal(utf8text_cut("abc", 2), 2);
	assert_int_equal(utf8text_cut("\xc3\xa9\xc3\xa9", 4), 4);
	assert_int_equal(utf8text_cut("\xc3\xa9\xc3\xa9", 3), 2);

	/* bytes that are not UTF-8 are left as they are */
	assert_int_equal(utf8text_cut("a\x80\x80", 3), 3);
	assert_int_equal(utf8text_cut("\x80\x80", 2), 2);
	assert_int_equal(utf8text_cut("a\xff", 2), 2);
	assert_int_equal(utf8text_cut("a\xf0\x80\x80\x80\x80", 6), 6);
	assert_int_equal(utf8text_cut("\xf0\x80\x80\x80\x80\x80", 6), 6);

	/* an incomplete lead, whatever its continuation bytes encode */
	assert_int_equal(utf8text_cut("a\xc3", 2), 1);
	assert_int_equal(utf8text_cut("a\xed\xa0", 3), 1);
	assert_int_equal(utf8text_cut("a\xf7\xbf\xbf", 4), 1);

	/* only s[0..n) is read: a truncated buffer */
	assert_int_equal(utf8text_cut("ab\xe2\x82", 4), 2);
}

static const struct {
	const char *in;
	const char *out;
} trims[] = {
	{"",                        ""},
	{"plain ascii",             "plain ascii"},
	{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
	{"ab\xc3",                  "ab"},          /* cut tails go */
	{"ab\xe2\x82",              "ab"},
	{"ab\xf0\x9f\x98",          "ab"},
	{"ab\xf0",                  "ab"},
	{"ab\xed\xa0\x80",          "ab"},          /* looks cut */
	{"a\xffz",                  "a?z"},         /* others become '?' */
	{"a\x80z",                  "a?z"},
	{"a\xc0\x80z",              "a??z"},
	{"a\xed\xa0\x80z",          "a???z"},
	{"a\xf4\x90\x80\x80z",      "a????z"},
	{"a\xc3z",                  "a?z"},
	{"ab\xff",                  "ab?"},
	{"ab\xc3\xa9\x80",          "ab\xc3\xa9?"},
	{"\xf0\x80\x80\x80",        "????"},        /* 4 bytes: not cut */
};

static void test_trim(void **state)
{
	char buf[32];

	(void)state;
	for (size_t i = 0; i < COUNT(trims); i++) {
		strcpy(buf, trims[i].in);
		utf8text_trim(buf);
		if (strcmp(buf, trims[i].out))
			fail_msg("trim %zu: \"%s\", want \"%s\"", i, buf,
				 trims[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_len_table),
		cmocka_unit_test(test_seq_len_exhaustive),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
