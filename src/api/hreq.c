/** @file api/hreq.c  HTTP/1.1 request head parser with limits (no I/O) */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <hotline/hreq.h>

/*
 * The head is parsed line by line, each line left to right, and every
 * check fails at the first byte that makes the input invalid. So the
 * outcome for a prefix never contradicts the outcome for the whole: a
 * prefix is MORE, or the same ERROR status as any longer input, or DONE
 * with the same head_len. The fuzz target checks this property.
 *
 * A line whose CRLF has not arrived yet is checked as far as it goes
 * ("partial"), so garbage (e.g. a TLS hello on the plain port) is refused
 * at once instead of after max_head bytes.
 */

/* Method, two spaces and "HTTP/1.1" around the target: a request line
 * longer than max_target + REQLINE_SLACK is refused with 414, also before
 * its CRLF arrives. This caps the method at about 20 bytes. */
enum { REQLINE_SLACK = 32 };

enum step {
	STEP_OK = 0,     /* line accepted (complete lines) */
	STEP_MORE,       /* partial line valid so far */
	STEP_ERR,        /* st->status set */
};

/* State of one parse pass */
struct pstate {
	struct hreq *req;             /* borrowed: the caller's result */
	const struct hreq_limits *lim;    /* borrowed */
	uint16_t status;
	bool have_cl;
	bool have_host;
	bool conn_close, conn_keep, conn_upgrade;
	bool upgrade_ws;
};


static enum step fail(struct pstate *st, uint16_t status)
{
	st->status = status;
	return STEP_ERR;
}


/* RFC 7230 tchar */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;

	switch (c) {

	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return true;

	default:
		return false;
	}
}


/* Visible ASCII except '#': a fragment is never sent to a server, and
 * raw non-ASCII is refused (clients percent-encode it). */
static bool is_target_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '#';
}


/* field-content: VCHAR, obs-text, SP and HTAB; no other control chars */
static bool is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}


static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}


static struct hreq_str str_trim(const char *p, size_t n)
{
	struct hreq_str s;

	while (n && is_ows(p[0])) {
		++p;
		--n;
	}
	while (n && is_ows(p[n - 1]))
		--n;

	s.p = p;
	s.n = n;
	return s;
}


static bool str_ieq(struct hreq_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && !strncasecmp(s.p, lit, n);
}


static bool str_is_token(struct hreq_str s)
{
	if (!s.n)
		return false;

	for (size_t i = 0; i < s.n; i++) {
		if (!is_tchar((unsigned char)s.p[i]))
			return false;
	}

	return true;
}


/* Next element of a comma-separated list (#rule), OWS trimmed; empty
 * elements are skipped as RFC 7230 section 7 asks. false at the end. */
static bool list_next(struct hreq_str *list, struct hreq_str *elem)
{
	while (list->n) {
		const char *comma = memchr(list->p, ',', list->n);
		size_t n = comma ? (size_t)(comma - list->p) : list->n;

		*elem = str_trim(list->p, n);
		list->p += comma ? n + 1 : n;
		list->n -= comma ? n + 1 : n;

		if (elem->n)
			return true;
	}

	return false;
}


/* "HTTP/" DIGIT "." DIGIT, checked byte by byte; 505 only for a
 * well-formed version other than 1.0 and 1.1. */
static enum step parse_version(struct pstate *st, const char *p, size_t n,
			       bool complete)
{
	static const char shape[] = "HTTP/9.9";
	const size_t vlen = sizeof(shape) - 1;

	for (size_t i = 0; i < n; i++) {
		bool ok;

		if (i >= vlen)
			return fail(st, 400);

		if (shape[i] == '9')
			ok = p[i] >= '0' && p[i] <= '9';
		else
			ok = p[i] == shape[i];

		if (!ok)
			return fail(st, 400);
	}

	if (!complete)
		return STEP_MORE;

	if (n != vlen)
		return fail(st, 400);

	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return fail(st, 505);

	st->req->minor = p[7] - '0';
	return STEP_OK;
}


/* Target bytes from t until the next SP (or the end of p). Sets *endp to
 * the index of that SP or n. */
static enum step scan_target(struct pstate *st, const char *p, size_t n,
			     size_t t, size_t *endp)
{
	size_t i;

	for (i = t; i < n && p[i] != ' '; i++) {

		if (i - t == st->lim->max_target)
			return fail(st, 414);

		/* origin-form only: "*", absolute and authority forms are
		   refused, so path always starts with '/' */
		if (i == t && p[i] != '/')
			return fail(st, 400);

		if (!is_target_char((unsigned char)p[i]))
			return fail(st, 400);
	}

	*endp = i;
	return STEP_OK;
}


static void set_target(struct hreq *req, const char *p, size_t n)
{
	const char *q = memchr(p, '?', n);

	req->target.p = p;
	req->target.n = n;
	req->path.p = p;
	req->path.n = q ? (size_t)(q - p) : n;

	if (q) {
		req->query.p = q + 1;
		req->query.n = n - req->path.n - 1;
	}
}


/* method SP request-target SP HTTP-version, single spaces */
static enum step scan_reqline(struct pstate *st, const char *p, size_t n,
			      bool complete)
{
	size_t i = 0, t, e;
	enum step s;

	while (i < n && is_tchar((unsigned char)p[i]))
		++i;

	if (i == n)
		return complete ? fail(st, 400) : STEP_MORE;

	if (i == 0 || p[i] != ' ')
		return fail(st, 400);

	st->req->method.p = p;
	st->req->method.n = i;

	t = i + 1;
	s = scan_target(st, p, n, t, &e);
	if (s != STEP_OK)
		return s;

	if (e == n)
		return complete ? fail(st, 400) : STEP_MORE;

	if (e == t)
		return fail(st, 400);  /* empty target: two spaces */

	set_target(st->req, p + t, e - t);

	return parse_version(st, p + e + 1, n - e - 1, complete);
}


static enum step parse_reqline(struct pstate *st, const char *p, size_t n,
			       bool complete)
{
	const size_t cap = st->lim->max_target + REQLINE_SLACK;
	enum step s;

	/* The bytes up to the cap decide first, so that a prefix and the
	   whole line agree on the status. */
	if (n > cap) {
		s = scan_reqline(st, p, cap, false);
		return s == STEP_ERR ? s : fail(st, 414);
	}

	return scan_reqline(st, p, n, complete);
}


/* Content-Length: 1*DIGIT. *ovf when it does not fit in 64 bits. */
static bool parse_cl(struct hreq_str v, uint64_t *val, bool *ovf)
{
	uint64_t x = 0;

	*ovf = false;

	if (!v.n)
		return false;

	for (size_t i = 0; i < v.n; i++) {
		unsigned d;

		if (v.p[i] < '0' || v.p[i] > '9')
			return false;

		d = (unsigned)(v.p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			*ovf = true;
		else
			x = x * 10 + d;
	}

	*val = x;
	return true;
}


static enum step on_content_length(struct pstate *st, struct hreq_str v)
{
	uint64_t val = 0;
	bool ovf;

	if (!parse_cl(v, &val, &ovf))
		return fail(st, 400);

	/* repeated Content-Length must agree (RFC 7230 3.3.2) */
	if (st->have_cl && (ovf || val != st->req->content_length))
		return fail(st, 400);

	if (ovf || val > st->lim->max_body)
		return fail(st, 413);

	st->have_cl = true;
	st->req->content_length = val;
	return STEP_OK;
}


static enum step on_connection(struct pstate *st, struct hreq_str v)
{
	struct hreq_str e;

	while (list_next(&v, &e)) {

		if (!str_is_token(e))
			return fail(st, 400);

		if (str_ieq(e, "close"))
			st->conn_close = true;
		else if (str_ieq(e, "keep-alive"))
			st->conn_keep = true;
		else if (str_ieq(e, "upgrade"))
			st->conn_upgrade = true;
	}

	return STEP_OK;
}


/* Upgrade: 1#protocol, protocol = token [ "/" token ] */
static enum step on_upgrade(struct pstate *st, struct hreq_str v)
{
	struct hreq_str e;

	while (list_next(&v, &e)) {
		const char *slash = memchr(e.p, '/', e.n);
		struct hreq_str name = e, ver = {NULL, 0};

		if (slash) {
			name.n = (size_t)(slash - e.p);
			ver.p = slash + 1;
			ver.n = e.n - name.n - 1;
		}

		if (!str_is_token(name) || (slash && !str_is_token(ver)))
			return fail(st, 400);

		if (str_ieq(name, "websocket"))
			st->upgrade_ws = true;
	}

	return STEP_OK;
}


/* The headers the parser itself acts on */
static enum step on_header(struct pstate *st, const struct hreq_field *h)
{
	if (str_ieq(h->name, "Content-Length"))
		return on_content_length(st, h->value);

	/* chunked request bodies are not supported; any coding is refused
	   rather than guessed at (request smuggling) */
	if (str_ieq(h->name, "Transfer-Encoding"))
		return fail(st, 501);

	if (str_ieq(h->name, "Host")) {
		if (st->have_host)
			return fail(st, 400);

		st->have_host = true;
		return STEP_OK;
	}

	if (str_ieq(h->name, "Connection"))
		return on_connection(st, h->value);

	if (str_ieq(h->name, "Upgrade"))
		return on_upgrade(st, h->value);

	return STEP_OK;
}


/* field-name ":" OWS field-value OWS */
static enum step parse_header(struct pstate *st, const char *p, size_t n,
			      bool complete)
{
	struct hreq *req = st->req;
	struct hreq_field *h;
	size_t i = 0;

	/* obs-fold, or whitespace before the first header (the name check
	   below refuses it too; said here for the reader) */
	if (n && is_ows(p[0]))
		return fail(st, 400);

	while (i < n && is_tchar((unsigned char)p[i]))
		++i;

	if (i == n)
		return complete ? fail(st, 400) : STEP_MORE;

	/* no whitespace allowed before the colon (RFC 7230 3.2.4) */
	if (i == 0 || p[i] != ':')
		return fail(st, 400);

	for (size_t j = i + 1; j < n; j++) {
		if (!is_value_char((unsigned char)p[j]))
			return fail(st, 400);
	}

	if (!complete)
		return STEP_MORE;

	if (req->hdrc == HREQ_FIELDS_MAX)
		return fail(st, 431);

	h = &req->hdrv[req->hdrc++];
	h->name.p = p;
	h->name.n = i;
	h->value = str_trim(p + i + 1, n - i - 1);

	return on_header(st, h);
}


/* The empty line: checks that need the whole head */
static enum step finish(struct pstate *st)
{
	struct hreq *req = st->req;

	if (req->minor == 1 && !st->have_host)
		return fail(st, 400);

	if (req->minor == 1)
		req->keep_alive = !st->conn_close;
	else
		req->keep_alive = st->conn_keep && !st->conn_close;

	/* Upgrade is ignored in HTTP/1.0 (RFC 7230 6.7) */
	req->upgrade_websocket = req->minor == 1 && st->conn_upgrade &&
		st->upgrade_ws;

	return STEP_OK;
}


static enum step parse_line(struct pstate *st, const char *p, size_t n,
			    bool first, bool complete)
{
	return first ? parse_reqline(st, p, n, complete) :
		parse_header(st, p, n, complete);
}


/* No CRLFCRLF (yet) in the first max_head bytes: the last line is checked
 * as far as it goes, then 431 once max_head bytes have arrived. */
static enum hreq_result incomplete(struct pstate *st, const char *p,
					 size_t n, bool first, size_t len,
					 uint16_t *status)
{
	/* a CR at the end may be the start of the CRLF */
	if (n && p[n - 1] == '\r')
		--n;

	if (parse_line(st, p, n, first, false) == STEP_ERR) {
		*status = st->status;
		return HREQ_ERROR;
	}

	if (len >= st->lim->max_head) {
		*status = 431;
		return HREQ_ERROR;
	}

	return HREQ_MORE;
}


/**
 * Parse the request head at the start of buf (see hreq.h).
 *
 * @param req     Result; on DONE its strings point into buf. Its contents
 *                are unspecified after MORE or ERROR.
 * @param buf     Received bytes (need not be NUL-terminated)
 * @param len     Number of bytes in buf
 * @param lim     Limits
 * @param status  Reply status on ERROR
 *
 * Only the first max_head bytes are looked at. The request target is
 * origin-form only (path starts with '/'); leading empty lines are not
 * skipped. A Content-Length too big for 64 bits is 413. Invalid arguments
 * give ERROR with status 500.
 */
enum hreq_result hreq_parse(struct hreq *req,
				      const char *buf, size_t len,
				      const struct hreq_limits *lim,
				      uint16_t *status)
{
	struct pstate st;
	size_t win, pos = 0;
	bool first = true;

	if (!req || !lim || !status || (!buf && len)) {
		if (status)
			*status = 500;
		return HREQ_ERROR;
	}

	if (!buf)
		buf = "";

	memset(req, 0, sizeof(*req));
	memset(&st, 0, sizeof(st));
	st.req = req;
	st.lim = lim;

	win = len < lim->max_head ? len : lim->max_head;

	for (;;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', win - pos);
		size_t n;

		if (!nl)
			return incomplete(&st, line, win - pos, first, len,
					  status);

		n = (size_t)(nl - line);

		/* bare LF: what precedes it is checked first */
		if (!n || line[n - 1] != '\r') {
			if (parse_line(&st, line, n, first, false) != STEP_ERR)
				st.status = 400;
			*status = st.status;
			return HREQ_ERROR;
		}

		--n;  /* the CR */

		if (!first && !n) {
			req->head_len = pos + 2;
			break;
		}

		if (parse_line(&st, line, n, first, true) == STEP_ERR) {
			*status = st.status;
			return HREQ_ERROR;
		}

		first = false;
		pos += n + 2;
	}

	if (finish(&st) == STEP_ERR) {
		*status = st.status;
		return HREQ_ERROR;
	}

	return HREQ_DONE;
}


/**
 * Find a header by name, ignoring case.
 *
 * @return The first matching header's value (OWS trimmed), NULL if absent
 */
const struct hreq_str *hreq_header_find(const struct hreq *req,
				       const char *name)
{
	if (!req || !name)
		return NULL;

	for (size_t i = 0; i < req->hdrc; i++) {
		if (str_ieq(req->hdrv[i].name, name))
			return &req->hdrv[i].value;
	}

	return NULL;
}


static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}


/* Decode one byte at p[*i] (a %XX escape or, with plus, '+' as space) and
 * advance *i. -1 on a bad escape or an encoded NUL. */
static int pct_next(const char *p, size_t n, size_t *i, bool plus)
{
	int hi, lo;
	char c = p[*i];

	if (c == '+' && plus) {
		++*i;
		return ' ';
	}

	if (c != '%') {
		++*i;
		return (unsigned char)c;
	}

	if (n - *i < 3)
		return -1;

	hi = hexval(p[*i + 1]);
	lo = hexval(p[*i + 2]);
	if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
		return -1;

	*i += 3;
	return hi * 16 + lo;
}


/* Decode p[0..n) into out. On error out holds "" (when outsz > 0). */
static int pct_decode(const char *p, size_t n, bool plus,
		      char *out, size_t outsz)
{
	size_t i = 0, o = 0;
	int err = 0;

	if (!outsz)
		return EOVERFLOW;

	while (i < n) {
		int c = pct_next(p, n, &i, plus);

		if (c < 0) {
			err = EPROTO;
			goto out;
		}

		if (o + 1 >= outsz) {
			err = EOVERFLOW;
			goto out;
		}

		out[o++] = (char)c;
	}

 out:
	out[err ? 0 : o] = '\0';
	return err;
}


/* Whether the raw key p[0..n), decoded with '+' as space, equals name.
 * A key with a bad escape equals nothing. */
static bool key_equals(const char *p, size_t n, const char *name)
{
	size_t i = 0, k = 0;

	while (i < n) {
		int c = pct_next(p, n, &i, true);

		if (c < 0 || name[k] == '\0' || (unsigned char)name[k] != c)
			return false;
		++k;
	}

	return name[k] == '\0';
}


/**
 * Find a query parameter and decode its value.
 *
 * @param query  Raw query (after '?'), pairs separated by '&'
 * @param name   Parameter name, compared with the decoded key
 * @param out    Buffer for the decoded value, NUL-terminated
 * @param outsz  Size of out
 *
 * The first pair whose key matches wins; a key without '=' has the empty
 * value. '+' decodes to a space in the value.
 *
 * @return 0, ENOENT if absent, EOVERFLOW if the value does not fit,
 *         EPROTO on a bad escape or an encoded NUL, EINVAL bad arguments.
 *         On error out holds "" when outsz > 0.
 */
int hreq_query_get(struct hreq_str query, const char *name,
		   char *out, size_t outsz)
{
	if (!name || !out || (!query.p && query.n))
		return EINVAL;

	while (query.n) {
		const char *amp = memchr(query.p, '&', query.n);
		size_t n = amp ? (size_t)(amp - query.p) : query.n;
		const char *eq = memchr(query.p, '=', n);
		size_t kn = eq ? (size_t)(eq - query.p) : n;

		if (key_equals(query.p, kn, name)) {
			return eq ? pct_decode(eq + 1, n - kn - 1, true,
					       out, outsz) :
				pct_decode("", 0, true, out, outsz);
		}

		query.p += amp ? n + 1 : n;
		query.n -= amp ? n + 1 : n;
	}

	if (outsz)
		out[0] = '\0';

	return ENOENT;
}


/**
 * Percent-decode src into out, NUL-terminated; '+' is left as is
 * (path segments).
 *
 * @return 0, EOVERFLOW if it does not fit in outsz (NUL included),
 *         EPROTO on a bad escape or an encoded NUL (%00), EINVAL bad
 *         arguments. On error out holds "" when outsz > 0.
 */
int hreq_pct_decode(struct hreq_str src, char *out, size_t outsz)
{
	if (!out || (!src.p && src.n))
		return EINVAL;

	return pct_decode(src.p, src.n, false, out, outsz);
}
