/** @file core/utf8text.c  UTF-8 in C strings: sequence length, cutting
 *  at a character boundary, trimming to valid UTF-8 (no I/O) */
#include <string.h>
#include <hotline/utf8text.h>


/**
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF).
 *
 * @param s  NUL-terminated; nothing past its NUL is read
 *
 * @return 1..4 (the NUL itself counts as 1); 0 when s starts an invalid
 *         sequence or one cut short by the end of the string
 */
size_t utf8text_seq_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c = u[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;

	/* second byte ranges that exclude overlongs, surrogates and code
	 * points above U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	}

	return n;
}


/* Bytes a sequence led by c takes by its bit pattern, 0 for a
 * continuation byte or 0xf8..0xff */
static size_t lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;

	return 0;
}


/**
 * Where to cut s[0..n) so that it does not end inside a UTF-8 sequence:
 * a lead byte among the last bytes whose sequence needs more than what
 * is left goes, with its continuation bytes. Only s[0..n) is read, so
 * it also fits a buffer that a truncation already ended.
 *
 * @param s  At least n bytes
 * @param n  The length to keep at most
 *
 * @return n, or the offset of the incomplete sequence's lead byte (n - 1
 *         to n - 3). Bytes that are not UTF-8 are left as they are.
 */
size_t utf8text_cut(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t lead = n, need;

	while (lead > 0 && n - lead < 4 && (u[lead - 1] & 0xc0) == 0x80)
		--lead;
	if (lead == 0)
		return n;

	--lead;
	need = lead_len(u[lead]);

	return need && n - lead < need ? lead : n;
}


/**
 * Make s valid UTF-8 in place, for messages and paths that go into JSON:
 * a tail that looks like a cut sequence (a lead byte 0xc2..0xf4 and only
 * continuation bytes, under 4 bytes in all) is dropped, any other byte
 * that is not part of a well-formed sequence becomes '?'.
 *
 * @param s  NUL-terminated
 */
void utf8text_trim(char *s)
{
	unsigned char *u = (unsigned char *)s;

	while (*u) {
		size_t n = utf8text_seq_len((char *)u);

		if (n) {
			u += n;
			continue;
		}
		if (strlen((char *)u) < 4 && *u >= 0xc2 && *u <= 0xf4) {
			size_t k = 1;

			while (u[k] >= 0x80 && u[k] <= 0xbf)
				k++;
			if (!u[k]) {      /* a cut sequence: drop it */
				*u = '\0';
				break;
			}
		}
		*u++ = '?';
	}
}
