/** @file core/flow/parse_values.c  Flow documents: the forms of values
 *  (ids, variable names, templates, URLs, times, dates, regex limits) */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <re_types.h>
#include <re_fmt.h>
#include "parse.h"

#define LOWER_DIGIT "abcdefghijklmnopqrstuvwxyz0123456789"

/** Step and flow id: [a-z0-9][a-z0-9_-]{0,62} */
bool flow_slug_valid(const char *s)
{
	size_t n;

	if (!s || !s[0] || !strchr(LOWER_DIGIT, s[0]))
		return false;
	n = 1 + strspn(s + 1, LOWER_DIGIT "_-");
	return s[n] == '\0' && n < FLOW_ID_MAX;
}

/* n bytes at s form a variable name */
static bool var_name_ok(const char *s, size_t n)
{
	size_t ok = 0;

	while (ok < n && s[ok] && strchr(LOWER_DIGIT "_.", s[ok]))
		ok++;
	return n >= 1 && n < FLOW_VAR_NAME_MAX && ok == n;
}

/** Variable name: [a-z0-9_.]{1,63} */
bool flow_var_name_ok(const char *s)
{
	return s && var_name_ok(s, strlen(s));
}

/**
 * Whether s is a valid template: every "{{" is closed by "}}" and holds
 * a variable name, optionally with spaces or tabs around it
 * ("{{ caller }}"), as the interpreter reads it (vars.c).
 * Text outside the braces is free. On false, why says what is wrong.
 */
bool flow_template_ok(const char *s, char *why, size_t sz)
{
	char q[64];

	while ((s = strstr(s, "{{")) != NULL) {
		const char *end = strstr(s + 2, "}}");
		const char *a = s + 2, *b = end;

		if (!end) {
			(void)snprintf(why, sz, "'{{' is not closed by '}}'");
			return false;
		}
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (!var_name_ok(a, (size_t)(b - a))) {
			char name[64];

			str_ncpy(name, s + 2, min((size_t)(end - s - 1),
						  sizeof(name)));
			(void)snprintf(why, sz, "'{{%s}}' does not name a "
				       "variable ([a-z0-9_.], 1 to %d "
				       "characters)",
				       flow_parse_quote(q, sizeof(q), name),
				       FLOW_VAR_NAME_MAX - 1);
			return false;
		}
		s = end + 2;
	}
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

/** A webhook URL: http:// or https:// and a host, or starting with a
 *  template (checked again when expanded); no control characters */
bool flow_url_ok(const char *s, char *why, size_t sz)
{
	size_t n = 0;

	if (!strncasecmp(s, "http://", 7))
		n = 7;
	else if (!strncasecmp(s, "https://", 8))
		n = 8;
	else if (strncmp(s, "{{", 2)) {
		(void)snprintf(why, sz, "must start with http:// or "
			       "https://");
		return false;
	}
	if (n && (!s[n] || s[n] == '/')) {
		(void)snprintf(why, sz, "has no host after %.*s", (int)n, s);
		return false;
	}
	if (has_control(s) || strchr(s, ' ')) {
		(void)snprintf(why, sz, "must not contain spaces or control "
			       "characters");
		return false;
	}
	return true;
}

/** A file to play: an absolute path without control characters */
bool flow_path_ok(const char *s, char *why, size_t sz)
{
	if (s[0] != '/') {
		(void)snprintf(why, sz, "must be an absolute path to a WAV "
			       "file, e.g. /var/lib/hotline/sounds/hello.wav");
		return false;
	}
	if (has_control(s)) {
		(void)snprintf(why, sz, "must not contain control characters");
		return false;
	}
	return true;
}


/* ---- regex limits ----
 * glibc's regcomp expands counted repetitions: "((a{1,100}){1,100}){1,100}"
 * takes seconds and a gigabyte, and so does "a+++...+" (x+ is built as
 * x x*, doubling at each '+'); stacked repetitions of something that can
 * be empty ("a?????+++") and empty groups ("(()?){20}()+") make its
 * closure computation exponential. So a
 * pattern is sized first: an atom counts 1, a counted repetition
 * multiplies by its larger bound, '+' by 2, each repetition adds 1, a
 * sequence or an alternation adds; a repetition may not directly
 * follow another ("a*?" is not lazy in POSIX anyway) and "()" is
 * refused, and so is repeating an anchor ("((^)*){24}", "(\b)+"), or a
 * group holding one: the closures of zero-width loops grow exponentially
 * with the copies. Back-references (\1) are refused too: matching them
 * can take exponential time. */

#define REGEX_COST_MAX 256      /* "(a*){256}": 1 ms, 600 KB kept */

struct resize {
	const char *s;
	const char *why;      /* set when refused */
	int depth;
	bool anchor;          /* the piece read holds an anchor */
};

static unsigned long re_alt(struct resize *r);

static unsigned long cap(unsigned long v)
{
	return v > REGEX_COST_MAX ? REGEX_COST_MAX + 1 : v;
}

/* "[...]": one atom; a malformed one is left to regcomp */
static void re_bracket(struct resize *r)
{
	const char *s = r->s + 1;

	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	while (*s && *s != ']') {
		if (s[0] == '[' && s[1] && strchr(":=.", s[1])) {
			const char *e = strchr(s + 2, s[1]);

			s = (e && e[1] == ']') ? e + 2 : s + 1;
			continue;
		}
		s++;
	}
	r->s = *s ? s + 1 : s;
}

/* "{n}", "{n,}", "{n,m}" after an atom: its larger bound (at least 1) */
static unsigned long re_bound(struct resize *r)
{
	unsigned long n = 0, m = 0;
	const char *s = r->s + 1;
	bool comma = false;

	while (*s >= '0' && *s <= '9' && n <= REGEX_COST_MAX)
		n = n * 10 + (unsigned long)(*s++ - '0');
	if (*s == ',') {
		comma = true;
		s++;
		while (*s >= '0' && *s <= '9' && m <= REGEX_COST_MAX)
			m = m * 10 + (unsigned long)(*s++ - '0');
	}
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s != '}') {       /* not a bound: regcomp decides */
		r->s++;
		return 1;
	}
	r->s = s + 1;
	if (comma && !m)
		m = n + 1;
	return cap(max(max(n, m), 1ul));
}

static bool is_quantifier(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* Zero-width assertions: ^ $ and GNU's \b \B \< \> \` \' */
static bool is_anchor(const char *s)
{
	return *s == '^' || *s == '$' ||
	       (s[0] == '\\' && s[1] && strchr("bB<>`'", s[1]));
}

/* One atom and its repetition */
static unsigned long re_piece(struct resize *r)
{
	bool outer = r->anchor;
	unsigned long cost = 1;

	r->anchor = is_anchor(r->s);
	switch (*r->s) {

	case '(':
		if (r->s[1] == ')') {
			r->why = "has an empty group '()'";
			return REGEX_COST_MAX + 1;
		}
		r->s++;
		if (++r->depth > 32) {
			r->why = "nests groups too deeply";
			return REGEX_COST_MAX + 1;
		}
		cost = cap(re_alt(r) + 1);     /* the group is a node too */
		r->depth--;
		if (*r->s == ')')
			r->s++;
		break;
	case '[':
		re_bracket(r);
		break;
	case '\\':
		if (r->s[1] >= '1' && r->s[1] <= '9')
			r->why = "uses a back-reference (\\1 ... \\9)";
		r->s += r->s[1] ? 2 : 1;
		break;
	default:
		r->s++;
		break;
	}
	if (!is_quantifier(*r->s)) {
		r->anchor |= outer;
		return cost;
	}
	if (r->anchor)
		r->why = "repeats an anchor (^, $, \\b ...) or a group "
			 "holding one";
	r->anchor |= outer;
	if (*r->s == '{')
		cost = cap(cost * re_bound(r) + 1);
	else if (*r->s++ == '+')
		cost = cap(cost * 2 + 1);        /* x+ is built as x x* */
	else
		cost = cap(cost + 1);
	if (is_quantifier(*r->s))
		r->why = "repeats a repetition ('a*?', 'a++', 'a?{2}'): "
			 "POSIX has no lazy or possessive forms";
	return cost;
}

/* Alternatives up to the ')' closing the group, or the end (a ')'
 * outside any group is an ordinary character to glibc) */
static unsigned long re_alt(struct resize *r)
{
	unsigned long cost = 0;

	while (*r->s && !(*r->s == ')' && r->depth) && !r->why) {
		if (*r->s == '|') {
			r->s++;
			continue;
		}
		cost = cap(cost + re_piece(r));
	}
	return cost;
}

/** Whether regex re is small enough to compile (see above); *cost gets
 *  its size (for a budget per document) */
bool flow_regex_simple(const char *re, unsigned *costp, char *why,
		       size_t sz)
{
	struct resize r = {re, NULL, 0, false};
	unsigned long cost = re_alt(&r);

	if (!r.why && cost > REGEX_COST_MAX)
		r.why = "is too complex: repetitions ({n,m}, +) multiply its size";
	*costp = (unsigned)cost;
	if (r.why)
		(void)snprintf(why, sz, "%s", r.why);
	return r.why == NULL;
}


/* ---- times and dates ---- */

static int two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/**
 * "HH:MM" into minutes since midnight: 00:00..23:59, or with end
 * 00:01..24:00 (the end of a range). 0 or -1.
 */
int flow_time_parse(const char *s, bool end, uint16_t *min)
{
	int h, m;

	if (strlen(s) != 5 || s[2] != ':')
		return -1;
	h = two_digits(s);
	m = two_digits(s + 3);
	if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && (!end || m)))
		return -1;
	if (end && !h && !m)
		return -1;
	*min = (uint16_t)(h * 60 + m);
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30,
				     31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/** "YYYY-MM-DD", a real date of years 1970..9999 */
bool flow_date_parse(const char *s, struct flow_date *d)
{
	int c, y, m, day;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	c = two_digits(s);
	y = two_digits(s + 2);
	m = two_digits(s + 5);
	day = two_digits(s + 8);
	if (c < 0 || y < 0 || m < 1 || m > 12 || day < 1)
		return false;
	y += c * 100;
	if (y < 1970 || day > days_in_month(y, m))
		return false;
	d->year = (uint16_t)y;
	d->mon = (uint8_t)m;
	d->mday = (uint8_t)day;
	return true;
}
