/** @file core/flow/jtext.c  Small JSON texts: escaping, bounded objects
 *  for trace inputs (no I/O) */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <re_types.h>
#include <re_mbuf.h>
#include <hotline/utf8text.h>
#include "exec.h"

/*
 * The JSON form of the character at s (NUL-terminated) in out[8]:
 * '"', '\\' and control characters escaped, a well-formed UTF-8
 * sequence copied, any other byte replaced by U+FFFD. Returns the
 * output length; *used receives the input bytes consumed.
 */
static size_t esc_char(const char *s, char out[8], size_t *used)
{
	const unsigned char c = (unsigned char)*s;
	size_t n;

	*used = 1;
	switch (c) {

	case '"':  memcpy(out, "\\\"", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	case '\n': memcpy(out, "\\n", 2);  return 2;
	case '\r': memcpy(out, "\\r", 2);  return 2;
	case '\t': memcpy(out, "\\t", 2);  return 2;
	default:
		break;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(out, 8, "\\u%04x", c);
		return 6;
	}
	n = utf8text_seq_len(s);
	if (!n) {
		memcpy(out, "\\ufffd", 6);
		return 6;
	}
	memcpy(out, s, n);
	*used = n;
	return n;
}

/**
 * Escape at most maxin bytes of s (a JSON string's contents, without
 * quotes) into out[outsz], NUL-terminated; an escape or a UTF-8
 * sequence is never split. Returns the length written.
 */
size_t flow_json_escape(char *out, size_t outsz, const char *s, size_t maxin)
{
	size_t len = 0, in = 0;

	if (!out || !outsz)
		return 0;
	while (s && s[in]) {
		char e[8];
		size_t used, n = esc_char(s + in, e, &used);

		if (in + used > maxin || len + n > outsz - 1)
			break;
		memcpy(out + len, e, n);
		len += n;
		in += used;
	}
	out[len] = '\0';
	return len;
}

/** Append s (NULL = "") as a quoted JSON string to mb. 0 or ENOMEM. */
int flow_json_quote(struct mbuf *mb, const char *s)
{
	int err = mbuf_write_u8(mb, '"');

	while (!err && s && *s) {
		char e[8];
		size_t used, n = esc_char(s, e, &used);

		err = mbuf_write_mem(mb, (const uint8_t *)e, n);
		s += used;
	}
	return err ? err : mbuf_write_u8(mb, '"');
}


/** Start an empty object "{}" in buf[size] (size >= 3). */
void jtext_open(struct jtext *j, char *buf, size_t size)
{
	j->buf = buf;
	j->size = size;
	j->len = 1;
	j->first = true;
	j->full = size < 3;
	if (size)
		buf[0] = '\0';
	if (size >= 3)
		buf[0] = '{';
}

/* Append one member "key":raw if it fits with room for "}" and NUL */
static void member_put(struct jtext *j, const char *key, const char *raw)
{
	char k[FLOW_VAR_NAME_MAX * 6 + 4];
	size_t need;

	if (j->full)
		return;
	flow_json_escape(k, sizeof(k), key, SIZE_MAX);
	need = (j->first ? 0 : 1) + strlen(k) + 3 + strlen(raw);
	if (j->len + need + 2 > j->size) {
		j->full = true;   /* later members would reorder: stop here */
		return;
	}
	j->len += (size_t)snprintf(j->buf + j->len, j->size - j->len,
				   "%s\"%s\":%s", j->first ? "" : ",", k,
				   raw);
	j->first = false;
}

/** Add "key":"val" (val NULL = ""), val cut at JTEXT_VALUE_MAX bytes. */
void jtext_str(struct jtext *j, const char *key, const char *val)
{
	char e[JTEXT_VALUE_MAX * 6 + 3];
	size_t n;

	e[0] = '"';
	n = flow_json_escape(e + 1, sizeof(e) - 2, val, JTEXT_VALUE_MAX);
	e[n + 1] = '"';
	e[n + 2] = '\0';
	member_put(j, key, e);
}

void jtext_int(struct jtext *j, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	member_put(j, key, num);
}

void jtext_bool(struct jtext *j, const char *key, bool v)
{
	member_put(j, key, v ? "true" : "false");
}

/** Close the object; returns the text (in the buffer given to open). */
const char *jtext_close(struct jtext *j)
{
	if (j->size < 3)
		return "{}";
	j->buf[j->len++] = '}';
	j->buf[j->len] = '\0';
	return j->buf;
}
