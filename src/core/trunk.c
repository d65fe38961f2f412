/** @file core/trunk.c  Trunk matching, dialled-number rewriting,
 *  validators and names for trunks and DIDs (no I/O) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <hotline/trunk.h>

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"
#define HEX   DIGIT "abcdefABCDEF"
#define NUMBER_CHARS DIGIT "+*#"

static const char *transport_names[] = { "udp", "tcp" };
static const char *target_names[DID_TARGET_COUNT] = { "extension", "queue",
							"flow" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))


/** Defaults for a new trunk: udp, enabled, no registration (expires 3600
 *  when turned on), no prefix (takes every number), nothing stripped. */
void trunk_init(struct trunk *t)
{
	if (!t)
		return;

	memset(t, 0, sizeof(*t));
	t->transport = TRUNK_UDP;
	t->register_expires_s = 3600;
	t->enabled = true;
}


/* --- validators ------------------------------------------------------ */

/* n bytes of s, all from set */
static bool all_in(const char *s, size_t n, const char *set)
{
	return strspn(s, set) >= n;
}

/** Trunk id: [a-z0-9][a-z0-9_-]{0,62} */
bool trunk_id_valid(const char *id)
{
	size_t n;

	if (!id || !id[0] || !strchr(LOWER DIGIT, id[0]))
		return false;

	n = strlen(id);
	return n < TRUNK_ID_MAX && all_in(id, n, LOWER DIGIT "_-");
}

/* ":port" with port 1..65535, or "" */
static bool port_valid(const char *p)
{
	size_t n;
	unsigned v = 0;

	if (!*p)
		return true;
	if (*p++ != ':')
		return false;

	n = strlen(p);
	if (n < 1 || n > 5 || !all_in(p, n, DIGIT))
		return false;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(p[i] - '0');

	return v >= 1 && v <= 65535;
}

/**
 * Gateway address: "name", "a.b.c.d" or "[v6]", each optionally followed
 * by ":port" (1..65535). A name is letters, digits, '.' and '-' and
 * starts with a letter or digit. Spaces, '@', ';' and anything else that
 * could smuggle URI parameters or headers are refused.
 */
bool trunk_host_valid(const char *host)
{
	size_t n;

	if (!host || !host[0] || strlen(host) >= TRUNK_HOST_MAX)
		return false;

	if (host[0] == '[') {
		n = strspn(host + 1, HEX ":.");
		if (n < 2 || host[1 + n] != ']')
			return false;
		return port_valid(host + n + 2);
	}

	if (!strchr(LOWER UPPER DIGIT, host[0]))
		return false;

	n = strspn(host, LOWER UPPER DIGIT ".-");
	return port_valid(host + n);
}

/** Dialable number: [0-9+*#]{1,63} */
bool trunk_number_valid(const char *num)
{
	size_t n;

	if (!num)
		return false;

	n = strlen(num);
	return n >= 1 && n < TRUNK_NUMBER_MAX && all_in(num, n, NUMBER_CHARS);
}

/** Trunk prefix: "" (every number) or a number */
bool trunk_prefix_valid(const char *p)
{
	return p && (!p[0] || trunk_number_valid(p));
}


/* --- routing --------------------------------------------------------- */

/**
 * How well trunk t takes number: -1 when it does not (disabled, prefix
 * not a prefix of number, NULL arguments), else the prefix length, so
 * the caller picks the longest match; "" matches every number with 0.
 */
int trunk_match(const struct trunk *t, const char *number)
{
	size_t n;

	if (!t || !number || !t->enabled)
		return -1;

	n = strnlen(t->prefix, sizeof(t->prefix));
	if (n == sizeof(t->prefix) || strncmp(t->prefix, number, n))
		return -1;

	return (int)n;
}

/**
 * Write into out[outsz] the number to send to trunk t for the dialled
 * number: its first t->strip characters removed (all of them if it is
 * shorter), then t->prepend put in front.
 *
 * @return 0; EOVERFLOW when the result and its NUL do not fit in outsz
 *         bytes; EINVAL for NULL arguments or when nothing would be left
 *         to dial (out is "" on any error).
 */
int trunk_dial_number(const struct trunk *t, const char *number,
		      char *out, size_t outsz)
{
	size_t len, skip;
	int n;

	if (!out || !outsz)
		return out ? EOVERFLOW : EINVAL;
	out[0] = '\0';
	if (!t || !number ||
	    !memchr(t->prepend, '\0', sizeof(t->prepend)))
		return EINVAL;

	len = strlen(number);
	skip = t->strip < len ? t->strip : len;
	if (len - skip == 0 && !t->prepend[0])
		return EINVAL;

	n = snprintf(out, outsz, "%s%s", t->prepend, number + skip);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return EOVERFLOW;
	}

	return 0;
}


/* --- names ----------------------------------------------------------- */

/** "udp" or "tcp"; "?" when out of range */
const char *trunk_transport_name(enum trunk_transport tp)
{
	return (unsigned)tp < COUNT(transport_names) ?
		transport_names[tp] : "?";
}

/** Parse "udp" or "tcp": 0, or EINVAL (*tp untouched) */
int trunk_transport_parse(const char *s, enum trunk_transport *tp)
{
	if (!s || !tp)
		return EINVAL;

	for (size_t i = 0; i < COUNT(transport_names); i++) {
		if (!strcmp(transport_names[i], s)) {
			*tp = (enum trunk_transport)i;
			return 0;
		}
	}

	return EINVAL;
}

/** "extension", "queue"; "?" when out of range */
const char *did_target_name(enum did_target t)
{
	return (unsigned)t < DID_TARGET_COUNT ? target_names[t] : "?";
}

/** Parse a target type name: 0, or EINVAL (*t untouched) */
int did_target_parse(const char *s, enum did_target *t)
{
	if (!s || !t)
		return EINVAL;

	for (size_t i = 0; i < DID_TARGET_COUNT; i++) {
		if (!strcmp(target_names[i], s)) {
			*t = (enum did_target)i;
			return 0;
		}
	}

	return EINVAL;
}
