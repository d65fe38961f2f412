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

/* The one error body: {"error":{"code","message"[,"field"]}}, with an
 * optional extra header line (WWW-Authenticate, Allow). */
static void error_reply(struct rest_req *r, uint16_t status,
			const char *extra, const char *code,
			const char *field, const char *msg)
{
	json_t *err, *body;
	char *txt;

	err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	if (err && field && *field)
		json_object_set_new(err, "field", json_string(field));
	body = json_pack("{s:o}", "error", err);
	txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	hconn_reply(r->c, txt ? status : 500, extra, "application/json", txt,
		    txt ? strlen(txt) : 0);
	free(txt);
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
