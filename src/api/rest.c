/** @file api/rest.c  REST helpers: replies, errors, body decoding, paging */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <hotline/libre.h>
#include <hotline/bus.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/queue.h>
#include "hsrv.h"
#include "rest.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX     500

json_t *rest_time_json(uint64_t ms)
{
	char buf[25];

	event_time_format(buf, ms);
	return json_string(buf);
}

/* n decimal digits at s into *v; false if one is not a digit */
static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian) */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int y, int m)
{
	static const int dv[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				   30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dv[m - 1];
}

/* "Z", "z" or "+hh:mm"/"-hh:mm" ending the string: offset in minutes */
static int parse_offset(const char *s, int *min)
{
	int hh, mm;

	if ((s[0] == 'Z' || s[0] == 'z') && !s[1]) {
		*min = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &hh) ||
	    s[3] != ':' || !digits(s + 4, 2, &mm) || s[6] || hh > 23 ||
	    mm > 59)
		return EINVAL;
	*min = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
	return 0;
}

/**
 * Parse an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, an optional fraction
 * (any number of digits; milliseconds are kept, the rest truncated) and
 * "Z" or a numeric offset. Years 1970..9999; a leap second (:60) counts
 * as the next second. Returns 0 with *ms set, or EINVAL (malformed, out
 * of range, or before the epoch).
 */
int rest_time_parse(const char *s, uint64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, off;
	int64_t t;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return EINVAL;
	s += 19;
	if (*s == '.') {
		int n = 0;

		while (s[1 + n] >= '0' && s[1 + n] <= '9') {
			if (n < 3)
				frac = frac * 10 + (s[1 + n] - '0');
			++n;
		}
		if (!n)
			return EINVAL;
		for (int i = n; i < 3; i++)
			frac *= 10;
		s += 1 + n;
	}
	if (parse_offset(s, &off) || y < 1970 || mo < 1 || mo > 12 ||
	    d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 60)
		return EINVAL;

	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi - off) * 60 + sec;
	if (t < 0)
		return EINVAL;
	*ms = (uint64_t)t * 1000 + (uint64_t)frac;
	return 0;
}

void rest_reply_raw(struct rest_req *r, uint16_t status, const char *json,
		    size_t len)
{
	hconn_reply(r->c, status, NULL, "application/json", json, len);
}

void rest_reply_json(struct rest_req *r, uint16_t status, json_t *body,
		     const char *location)
{
	char extra[160] = "";
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (!txt) {
		hconn_reply(r->c, 500, NULL, NULL, NULL, 0);
		return;
	}
	if (location)
		re_snprintf(extra, sizeof(extra), "Location: %s\r\n",
			    location);
	hconn_reply(r->c, status, location ? extra : NULL,
		    "application/json", txt, strlen(txt));
	free(txt);
}

void rest_reply_empty(struct rest_req *r, uint16_t status)
{
	hconn_reply(r->c, status, NULL, NULL, NULL, 0);
}

/* The one error body: {"error":{"code","message"[,"field"][,"reason"]}},
 * with an optional extra header line (WWW-Authenticate, Allow). */
static void error_send(struct rest_req *r, uint16_t status,
		       const char *extra, const char *code,
		       const char *field, const char *reason,
		       const char *msg)
{
	json_t *err, *body;
	char *txt;

	err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	if (err && field && *field)
		json_object_set_new(err, "field", json_string(field));
	if (err && reason && *reason)
		json_object_set_new(err, "reason", json_string(reason));
	body = json_pack("{s:o}", "error", err);
	txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	hconn_reply(r->c, txt ? status : 500, extra, "application/json", txt,
		    txt ? strlen(txt) : 0);
	free(txt);
}

static void error_reply(struct rest_req *r, uint16_t status,
			const char *extra, const char *code,
			const char *field, const char *msg)
{
	error_send(r, status, extra, code, field, NULL, msg);
}

/** An error with a machine-readable reason beside its code (a flow
 *  document's error: the field is a JSON Pointer into the document). */
void rest_error_reason(struct rest_req *r, uint16_t status, const char *code,
		       const char *field, const char *reason,
		       const char *message)
{
	error_send(r, status, NULL, code, field, reason, message);
}

void rest_error(struct rest_req *r, uint16_t status, const char *code,
		const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	error_reply(r, status, status == 401 ? "WWW-Authenticate: Bearer\r\n"
		    : NULL, code, field, msg);
}

void rest_error_allow(struct rest_req *r, const char *allow)
{
	char extra[128];

	re_snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
	error_reply(r, 405, extra, "method_not_allowed", NULL,
		    "method not allowed on this resource");
}

void rest_error_jdec(struct rest_req *r, const struct jdec_error *e)
{
	rest_error(r, (uint16_t)e->status, e->code, e->field, "%s",
		   e->message);
}

void rest_error_store(struct rest_req *r, int err, const char *what,
		      const char *conflict_code)
{
	switch (err) {
	case ENOENT:
		rest_error(r, 404, "not_found", NULL, "%s not found", what);
		break;
	case EEXIST:
		rest_error(r, 409, conflict_code, NULL, "%s already exists",
			   what);
		break;
	default:
		log_error("api: %s: storage error (%m)\n", what, err);
		rest_error(r, 500, "internal", NULL, "storage error");
		break;
	}
}

static bool is_json(const struct hreq_str *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	return ct && ct->n >= n && !strncasecmp(ct->p, want, n) &&
	       (ct->n == n || ct->p[n] == ';' || ct->p[n] == ' ');
}

int rest_body(struct rest_req *r, const struct jdec_field *fields,
	      size_t fieldc, bool partial, bool allow_empty, json_t **objp)
{
	struct jdec_error e;

	if (!r->len && allow_empty) {
		*objp = json_object();
		return *objp ? 0 : ENOMEM;
	}
	if (!is_json(hreq_header_find(r->http, "Content-Type"))) {
		rest_error(r, 415, "unsupported_media_type", NULL,
			   "the body must be application/json");
		return EPROTO;
	}
	if (jdec_object(objp, r->body, r->len, fields, fieldc, partial, &e)) {
		rest_error_jdec(r, &e);
		return EPROTO;
	}
	return 0;
}

bool rest_flow_id_valid(const char *s)
{
	return queue_id_valid(s);   /* the same slug, the same size */
}

void rest_records_settle(struct rest_req *r)
{
	(void)bus_flush(r->api->bus);
}

int rest_body_any(struct rest_req *r, json_t **objp)
{
	struct jdec_error e;

	if (!is_json(hreq_header_find(r->http, "Content-Type"))) {
		rest_error(r, 415, "unsupported_media_type", NULL,
			   "the body must be application/json");
		return EPROTO;
	}
	if (jdec_object_any(objp, r->body, r->len, &e)) {
		rest_error_jdec(r, &e);
		return EPROTO;
	}
	return 0;
}

int rest_param_id(struct rest_req *r, int i, uint64_t *id)
{
	const char *s = r->paramv[i];
	char *end;

	errno = 0;
	if (*s >= '1' && *s <= '9' && strlen(s) <= 19) {
		unsigned long long v = strtoull(s, &end, 10);

		if (!errno && !*end) {
			*id = v;
			return 0;
		}
	}
	rest_error(r, 404, "not_found", NULL, "no such resource");
	return ENOENT;
}

int rest_query(struct rest_req *r, const char *name, char *out,
	       size_t outsz)
{
	int err = hreq_query_get(r->http->query, name, out, outsz);

	if (err && err != ENOENT) {
		rest_error(r, 400, "invalid_query", name,
			   "query parameter %s is %s", name,
			   err == EOVERFLOW ? "too long" : "badly encoded");
		return EPROTO;
	}
	return err;
}

int rest_query_time(struct rest_req *r, const char *name, uint64_t *ms)
{
	char val[64];
	int err = rest_query(r, name, val, sizeof(val));

	if (err)
		return err;
	if (rest_time_parse(val, ms)) {
		rest_error(r, 400, "invalid_query", name, "%s must be an RFC "
			   "3339 time, e.g. 2026-11-21T08:00:00.000Z", name);
		return EPROTO;
	}
	return 0;
}

int rest_page(struct rest_req *r, size_t *limit, char *cursor,
	      size_t cursorsz)
{
	char val[16];
	char *end;
	int err;

	*limit = PAGE_DEFAULT;
	err = rest_query(r, "limit", val, sizeof(val));
	if (err == EPROTO)
		return err;
	if (!err) {
		unsigned long v = strtoul(val, &end, 10);

		if (!val[0] || *end || val[0] == '-' || v < 1 ||
		    v > PAGE_MAX) {
			rest_error(r, 400, "invalid_query", "limit",
				   "limit must be an integer in 1..%d",
				   PAGE_MAX);
			return EPROTO;
		}
		*limit = v;
	}

	cursor[0] = '\0';
	err = rest_query(r, "cursor", cursor, cursorsz);
	return err == EPROTO ? err : 0;
}

int rest_page_add(struct rest_page_ctx *pc, json_t *item,
		  const char *cursor)
{
	if (pc->n == pc->limit) {
		json_decref(item);
		return REST_PAGE_MORE;
	}
	json_array_append_new(pc->items, item);
	str_ncpy(pc->next, cursor, sizeof(pc->next));
	++pc->n;
	return 0;
}

int rest_page_named(struct rest_req *r, struct rest_page_ctx *pc,
		    char *cursor, size_t cursorsz,
		    bool (*valid)(const char *))
{
	if (rest_page(r, &pc->limit, cursor, cursorsz))
		return EPROTO;
	if (cursor[0] && !valid(cursor)) {
		rest_error(r, 400, "invalid_query", "cursor",
			   "cursor is not one this server gave");
		return EPROTO;
	}
	return 0;
}

void rest_page_reply(struct rest_req *r, struct rest_page_ctx *pc, int err,
		     const char *what)
{
	if (err && err != REST_PAGE_MORE) {
		json_decref(pc->items);
		pc->items = NULL;
		rest_error_store(r, err, what, "conflict");
		return;
	}
	rest_reply_json(r, 200, rest_page_json(pc->items,
			err == REST_PAGE_MORE ? pc->next : NULL), NULL);
	pc->items = NULL;
}

json_t *rest_page_json(json_t *items, const char *next)
{
	return json_pack("{s:o,s:o}", "items", items, "next_cursor",
			 next ? json_string(next) : json_null());
}

void rest_publish(struct rest_req *r, const char *type,
		  const char *const *topicv, size_t topicc, uint64_t at_ms,
		  json_t *data)
{
	if (bus_publish(r->api->bus, type, topicv, topicc, at_ms, data, NULL))
		return;
	(void)bus_flush(r->api->bus);
}
