/** @file core/flow/webhook.c  Webhook steps: the request body and what
 *  the answer may change (no I/O) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <re_types.h>
#include <re_mem.h>
#include <re_mbuf.h>
#include "exec.h"

/* "key":"value of variable name" ("" when unset) */
static int member_var(struct mbuf *mb, const struct flow_exec *x,
		      const char *key, const char *name)
{
	int err = mbuf_printf(mb, "\"%s\":", key);

	return err ? err : flow_json_quote(mb, flow_var_get(x, name));
}

/* flow_version is a number when the variable is all digits */
static int member_version(struct mbuf *mb, const struct flow_exec *x)
{
	const char *v = flow_var_get(x, "flow_version");

	if (v && *v && strspn(v, "0123456789") == strlen(v) &&
	    strlen(v) <= 15)
		return mbuf_printf(mb, "\"flow_version\":%s", v);
	return member_var(mb, x, "flow_version", "flow_version");
}

static int variables_write(struct mbuf *mb, const struct flow_exec *x)
{
	int err = mbuf_write_str(mb, "\"variables\":{");

	for (uint8_t i = 0; !err && i < x->varc; i++) {
		if (i)
			err = mbuf_write_u8(mb, ',');
		err |= flow_json_quote(mb, x->varv[i].name);
		err |= mbuf_write_u8(mb, ':');
		err |= flow_json_quote(mb, x->varv[i].value);
	}
	return err ? err : mbuf_write_u8(mb, '}');
}

/**
 * The JSON request body of webhook step s in a new *mbp, NUL-terminated
 * (mb->buf is the text): {"call_id", "flow_id", "flow_version" (a number
 * when it is one), "step", "caller", "did", "variables": {every variable
 * in order}}; unset variables are "". 0 or ENOMEM.
 */
int flow_webhook_body(const struct flow_exec *x, const struct flow_step *s,
		      struct mbuf **mbp)
{
	struct mbuf *mb = mbuf_alloc(1024);
	int err;

	if (!mb)
		return ENOMEM;
	err = mbuf_write_u8(mb, '{');
	err |= member_var(mb, x, "call_id", "call_id");
	err |= mbuf_write_str(mb, ",\"flow_id\":");
	err |= flow_json_quote(mb, flow_var_get(x, "flow_id"));
	err |= mbuf_write_u8(mb, ',');
	err |= member_version(mb, x);
	err |= mbuf_write_str(mb, ",\"step\":");
	err |= flow_json_quote(mb, s->id);
	err |= mbuf_write_u8(mb, ',');
	err |= member_var(mb, x, "caller", "caller");
	err |= mbuf_write_u8(mb, ',');
	err |= member_var(mb, x, "did", "did");
	err |= mbuf_write_u8(mb, ',');
	err |= variables_write(mb, x);
	err |= mbuf_write_str(mb, "}");
	err |= mbuf_write_u8(mb, '\0');
	if (err) {
		mem_deref(mb);
		return ENOMEM;
	}
	*mbp = mb;
	return 0;
}

/* The shortest of %.15g..%.17g that reads back as d */
static void real_text(double d, char *buf, size_t sz)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sz, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

/* One answered variable: strings as is, numbers and booleans as their
 * JSON text, null as ""; other types and bad names are ignored. */
static void variable_apply(struct flow_exec *x, const char *name,
			   const json_t *v)
{
	char num[40];
	const char *s = NULL;

	switch (json_typeof(v)) {

	case JSON_STRING:  s = json_string_value(v); break;
	case JSON_TRUE:    s = "true";  break;
	case JSON_FALSE:   s = "false"; break;
	case JSON_NULL:    s = "";      break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		real_text(json_real_value(v), num, sizeof(num));
		s = num;
		break;
	default:
		return;
	}
	(void)flow_var_set(x, name, s);   /* EINVAL/ENOSPC: ignored */
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return false;
	}
	return true;
}

/* The "next" member: none or null → !*has_next; a known step id → *next */
static int next_find(struct flow_exec *x, const json_t *o, bool *has_next,
		     flow_ref *next)
{
	const json_t *n = json_object_get(o, "next");

	*has_next = n && !json_is_null(n);
	if (!*has_next)
		return 0;
	*next = json_is_string(n) ? flow_doc_find(x->doc, json_string_value(n))
				  : FLOW_END;
	return *next == FLOW_END ? ENOENT : 0;
}

/**
 * Apply a 2xx answer body[len] of a webhook step. An empty (or blank)
 * body changes nothing. Otherwise it must be a JSON object of at most
 * FLOW_WEBHOOK_BODY_MAX bytes: its "variables" object is applied (see
 * variable_apply; a non-object is ignored), then its "next" is looked up.
 * 0 with *has_next (and *next, a step index, when true); EPROTO when the
 * body is not a JSON object or too large (nothing applied); ENOENT when
 * "next" is not a known step id (the variables are applied).
 */
int flow_webhook_apply(struct flow_exec *x, const char *body, size_t len,
		       bool *has_next, flow_ref *next)
{
	const json_t *vars, *v;
	const char *name;
	json_t *o;
	int err;

	*has_next = false;
	if (!body || !len || blank(body, len))
		return 0;
	if (len > FLOW_WEBHOOK_BODY_MAX)
		return EPROTO;
	o = json_loadb(body, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return EPROTO;
	}

	vars = json_object_get(o, "variables");
	if (json_is_object(vars)) {
		json_object_foreach((json_t *)vars, name, v)
			variable_apply(x, name, v);
	}
	err = next_find(x, o, has_next, next);
	json_decref(o);
	return err;
}
