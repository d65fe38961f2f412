/** @file core/flow/parse.c  Flow documents from JSON: the document, step
 *  ids, error paths and field readers (no I/O) */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <re_mem.h>
#include <hotline/utf8text.h>
#include "parse.h"

/* ---- where we are: JSON Pointers (RFC 6901) ---- */

/* Append s to p->path, escaping '~' and '/' when key; a path too long
 * for the buffer is cut (at a character boundary) */
static void path_append(struct flow_parse *p, const char *s, bool key)
{
	size_t max = sizeof(p->path) - 1;

	for (; *s && p->plen < max; s++) {
		const char *esc = !key ? NULL : *s == '~' ? "~0" :
				  *s == '/' ? "~1" : NULL;

		if (!esc) {
			p->path[p->plen++] = *s;
			continue;
		}
		if (p->plen + 2 > max)
			break;
		p->path[p->plen++] = esc[0];
		p->path[p->plen++] = esc[1];
	}
	p->path[p->plen] = '\0';
	utf8text_trim(p->path);
	p->plen = strlen(p->path);
}

/** Descend into member key of the current object; returns the mark to
 *  give flow_parse_pop to come back */
size_t flow_parse_push(struct flow_parse *p, const char *key)
{
	size_t mark = p->plen;

	path_append(p, "/", false);
	path_append(p, key, true);
	return mark;
}

/** Descend into element i of the current array */
size_t flow_parse_push_index(struct flow_parse *p, size_t i)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%zu", i);
	return flow_parse_push(p, num);
}

void flow_parse_pop(struct flow_parse *p, size_t mark)
{
	if (mark <= p->plen) {
		p->plen = mark;
		p->path[mark] = '\0';
	}
}

/**
 * Record an error at the current path, or at its member field when field
 * is not NULL, with a printf-style message for people. Returns EINVAL.
 */
int flow_parse_fail(struct flow_parse *p, const char *field,
		    enum flow_error_code code, const char *fmt, ...)
{
	struct flow_error *err = p->err;
	va_list ap;

	err->code = code;
	if (field)
		(void)flow_parse_push(p, field);
	str_ncpy(err->path, p->path, sizeof(err->path));

	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	utf8text_trim(err->message);
	return EINVAL;
}

/** s cut to a length fit for a message (with "…" when cut), in buf */
const char *flow_parse_quote(char *buf, size_t sz, const char *s)
{
	const size_t keep = 40;

	if (strlen(s) <= keep || sz < keep + 4) {
		str_ncpy(buf, s, sz);
	}
	else {
		memcpy(buf, s, keep);
		buf[keep] = '\0';
		utf8text_trim(buf);
		strcat(buf, "\xe2\x80\xa6");
	}
	utf8text_trim(buf);
	return buf;
}

/** A JSON value's type for messages: "a string", "an integer", ... */
const char *flow_parse_type_name(const json_t *v)
{
	switch (json_typeof(v)) {

	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL:    return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:   return "a boolean";
	default:           return "null";
	}
}


/* ---- field readers ---- */

/* What member names are called in messages ("option 1", "skill x") */
#define LABEL(p) ((p)->label ? (p)->label : "")

static bool name_in(const char *name, flow_fields list)
{
	for (size_t i = 0; list[i]; i++) {
		if (!strcmp(name, list[i]))
			return true;
	}
	return false;
}

/**
 * Every member of object o must be one of allowed; else
 * FLOW_E_UNKNOWN_FIELD at that member, naming what (e.g. "a say step")
 * and the fields it has.
 */
int flow_parse_fields(struct flow_parse *p, const json_t *o,
		      const char *what, flow_fields allowed)
{
	const char *key;
	json_t *v;
	char list[160] = "", q[64];

	json_object_foreach((json_t *)o, key, v) {
		if (name_in(key, allowed))
			continue;
		for (size_t i = 0; allowed[i]; i++) {
			if (i)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
		}
		return flow_parse_fail(p, key, FLOW_E_UNKNOWN_FIELD,
				       "unknown field '%s' in %s; expected "
				       "one of: %s",
				       flow_parse_quote(q, sizeof(q), key),
				       what, list);
	}
	return 0;
}

static int missing(struct flow_parse *p, const char *name)
{
	return flow_parse_fail(p, name, FLOW_E_MISSING,
			       "%s is required for %s", name, p->what);
}

/** Member name of o, which must be an object (*out borrowed) */
int flow_parse_object(struct flow_parse *p, const json_t *o,
		      const char *name, bool required, const json_t **out)
{
	const json_t *v = json_object_get(o, name);

	if (!v)
		return required ? missing(p, name) : 0;
	if (!json_is_object(v))
		return flow_parse_fail(p, name, FLOW_E_TYPE,
				       "%s must be an object, got %s", name,
				       flow_parse_type_name(v));
	*out = v;
	return 0;
}

/** Member name of o, an array of at most max entries (*out borrowed);
 *  an empty array is like an absent one (FLOW_E_MISSING if required) */
int flow_parse_array(struct flow_parse *p, const json_t *o,
		     const char *name, bool required, size_t max,
		     const json_t **out)
{
	const json_t *v = json_object_get(o, name);

	if (!v)
		return required ? missing(p, name) : 0;
	if (!json_is_array(v))
		return flow_parse_fail(p, name, FLOW_E_TYPE,
				       "%s must be an array, got %s", name,
				       flow_parse_type_name(v));
	if (!json_array_size(v) && required)
		return flow_parse_fail(p, name, FLOW_E_MISSING,
				       "%s must not be empty", name);
	if (json_array_size(v) > max)
		return flow_parse_fail(p, name, FLOW_E_VALUE,
				       "%s has %zu entries, at most %zu",
				       name, json_array_size(v), max);
	*out = v;
	return 0;
}

/** Member name of o, a string of at most max bytes (*out borrowed) */
int flow_parse_string(struct flow_parse *p, const json_t *o,
		      const char *name, bool required, size_t max,
		      const char **out)
{
	const json_t *v = json_object_get(o, name);

	if (!v)
		return required ? missing(p, name) : 0;
	if (!json_is_string(v))
		return flow_parse_fail(p, name, FLOW_E_TYPE,
				       "%s%s must be a string, got %s",
				       LABEL(p), name, flow_parse_type_name(v));
	if (json_string_length(v) > max)
		return flow_parse_fail(p, name, FLOW_E_VALUE,
				       "%s%s is too long: %zu bytes, at most "
				       "%zu", LABEL(p), name,
				       json_string_length(v), max);
	*out = json_string_value(v);
	return 0;
}

/**
 * Member name of o, a template of at most FLOW_TEXT_MAX - 1 bytes, copied
 * into *out (owned by the document; *out must be NULL). With
 * FLOW_PARSE_NONEMPTY "" is refused.
 */
int flow_parse_text(struct flow_parse *p, const json_t *o, const char *name,
		    unsigned flags, char **out)
{
	const char *s = NULL;
	char why[160];
	int err;

	err = flow_parse_string(p, o, name, flags & FLOW_PARSE_REQUIRED,
				FLOW_TEXT_MAX - 1, &s);
	if (err || !s)
		return err;
	if (!s[0] && (flags & FLOW_PARSE_NONEMPTY))
		return flow_parse_fail(p, name, FLOW_E_VALUE,
				       "%s must not be empty", name);
	if (!flow_template_ok(s, why, sizeof(why)))
		return flow_parse_fail(p, name, FLOW_E_VALUE, "%s%s: %s",
				       LABEL(p), name, why);
	*out = flow_doc_strdup(p->doc, s);
	return *out ? 0 : ENOMEM;
}

/** Member name of o, an integer within lo..hi */
int flow_parse_int(struct flow_parse *p, const json_t *o, const char *name,
		   int64_t lo, int64_t hi, int64_t *out)
{
	const json_t *v = json_object_get(o, name);
	json_int_t n;

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return flow_parse_fail(p, name, FLOW_E_TYPE,
				       "%s%s must be an integer, got %s",
				       LABEL(p), name, flow_parse_type_name(v));
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return flow_parse_fail(p, name, FLOW_E_VALUE,
				       "%s%s must be %" PRId64 "..%" PRId64
				       ", got %" PRId64, LABEL(p), name, lo, hi,
				       (int64_t)n);
	*out = n;
	return 0;
}

int flow_parse_u32(struct flow_parse *p, const json_t *o, const char *name,
		   uint32_t lo, uint32_t hi, uint32_t *out)
{
	int64_t v = *out;
	int err = flow_parse_int(p, o, name, lo, hi, &v);

	*out = (uint32_t)v;
	return err;
}

int flow_parse_u8(struct flow_parse *p, const json_t *o, const char *name,
		  uint8_t lo, uint8_t hi, uint8_t *out)
{
	int64_t v = *out;
	int err = flow_parse_int(p, o, name, lo, hi, &v);

	*out = (uint8_t)v;
	return err;
}

int flow_parse_bool(struct flow_parse *p, const json_t *o, const char *name,
		    bool *out)
{
	const json_t *v = json_object_get(o, name);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return flow_parse_fail(p, name, FLOW_E_TYPE,
				       "%s must be true or false, got %s",
				       name, flow_parse_type_name(v));
	*out = json_is_true(v);
	return 0;
}

/** Member name of o, the id of a step of the document: *out its index.
 *  A name no step has is FLOW_E_DANGLING. */
int flow_parse_target(struct flow_parse *p, const json_t *o,
		      const char *name, bool required, flow_ref *out)
{
	const json_t *v = json_object_get(o, name);
	flow_ref r;
	char q[64];

	if (!v)
		return required ? missing(p, name) : 0;
	if (!json_is_string(v))
		return flow_parse_fail(p, name, FLOW_E_TYPE,
				       "%s%s must be a step id (a string), "
				       "got %s", LABEL(p), name,
				       flow_parse_type_name(v));
	r = flow_doc_find(p->doc, json_string_value(v));
	if (r == FLOW_END)
		return flow_parse_fail(p, name, FLOW_E_DANGLING,
				       "%s%s: there is no step with id '%s'",
				       LABEL(p), name, flow_parse_quote(q, sizeof(q),
						json_string_value(v)));
	*out = r;
	return 0;
}

/** Member name of o, a variable name copied into out */
int flow_parse_var(struct flow_parse *p, const json_t *o, const char *name,
		   bool required, char out[FLOW_VAR_NAME_MAX])
{
	const char *s = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, name, required, FLOW_TEXT_MAX, &s);
	if (err || !s)
		return err;
	if (!flow_var_name_ok(s))
		return flow_parse_fail(p, name, FLOW_E_VALUE,
				       "%s must be a variable name "
				       "([a-z0-9_.], 1 to %d characters), "
				       "got '%s'", name, FLOW_VAR_NAME_MAX - 1,
				       flow_parse_quote(q, sizeof(q), s));
	str_ncpy(out, s, FLOW_VAR_NAME_MAX);
	return 0;
}

/** Member "terminator" of o: "#", "*" or "" (none: *out = 0) */
int flow_parse_terminator(struct flow_parse *p, const json_t *o, char *out)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, "terminator", false, FLOW_TEXT_MAX, &s);
	if (err || !s)
		return err;
	if (strcmp(s, "#") && strcmp(s, "*") && strcmp(s, ""))
		return flow_parse_fail(p, "terminator", FLOW_E_VALUE,
				       "terminator must be \"#\", \"*\" or "
				       "\"\" (none), got '%s'",
				       flow_parse_quote(q, sizeof(q), s));
	*out = s[0];
	return 0;
}

/**
 * Compile re (POSIX extended, no submatches) into *out; errors at member
 * field of the current path. On error *out is not to be freed.
 */
int flow_parse_regex(struct flow_parse *p, const char *field,
		     const char *re, regex_t *out)
{
	unsigned cost = 0;
	char why[128];
	int r;

	if (strlen(re) > FLOW_REGEX_MAX - 1)
		return flow_parse_fail(p, field, FLOW_E_VALUE,
				       "%s is too long: %zu bytes, at most %d",
				       field, strlen(re), FLOW_REGEX_MAX - 1);
	if (!flow_regex_simple(re, &cost, why, sizeof(why)))
		return flow_parse_fail(p, field, FLOW_E_REGEX, "%s: %s",
				       field, why);
	p->regex_cost += cost;
	if (p->regex_cost > FLOW_REGEX_BUDGET)
		return flow_parse_fail(p, field, FLOW_E_REGEX,
				       "%s: the patterns of this flow are too "
				       "complex together", field);
	r = regcomp(out, re, REG_EXTENDED | REG_NOSUB);
	if (r == REG_ESPACE)
		return ENOMEM;
	if (r) {
		(void)regerror(r, NULL, why, sizeof(why));
		return flow_parse_fail(p, field, FLOW_E_REGEX,
				       "%s is not a valid regular expression "
				       "(POSIX extended): %s", field, why);
	}
	return 0;
}


/* ---- the document ---- */

static flow_fields doc_fields = {"id", "name", "description", "start",
				 "steps", NULL};

/* Pass 1: every step is an object with a unique, well-formed id */
static int parse_ids(struct flow_parse *p, const json_t *steps)
{
	struct flow_doc *doc = p->doc;
	char q[64];
	int err = 0;

	for (uint16_t i = 0; i < doc->stepc && !err; i++) {
		const json_t *o = json_array_get(steps, i);
		size_t mark = flow_parse_push_index(p, i);
		const char *id = NULL;
		flow_ref dup;

		p->what = "a step";
		if (!json_is_object(o)) {
			err = flow_parse_fail(p, NULL, FLOW_E_TYPE,
					      "each step must be an object, "
					      "got %s",
					      flow_parse_type_name(o));
			break;
		}
		err = flow_parse_string(p, o, "id", true, FLOW_TEXT_MAX, &id);
		if (err)
			break;
		if (!flow_slug_valid(id)) {
			err = flow_parse_fail(p, "id", FLOW_E_VALUE,
					      "id must be 1 to %d characters "
					      "[a-z0-9_-] starting with a "
					      "letter or digit, got '%s'",
					      FLOW_ID_MAX - 1,
					      flow_parse_quote(q, sizeof(q),
							       id));
			break;
		}
		dup = flow_doc_find(doc, id);
		if (dup != FLOW_END) {
			err = flow_parse_fail(p, "id", FLOW_E_DUPLICATE,
					      "id '%s' is already used by "
					      "step %d", id, dup);
			break;
		}
		str_ncpy(doc->stepv[i].id, id, sizeof(doc->stepv[i].id));
		flow_parse_pop(p, mark);
	}
	return err;
}

/* Pass 2: each step's action and fields (ids are known: targets resolve) */
static int parse_steps(struct flow_parse *p, const json_t *steps)
{
	int err = 0;

	for (uint16_t i = 0; i < p->doc->stepc && !err; i++) {
		size_t mark = flow_parse_push_index(p, i);

		err = flow_parse_step(p, json_array_get(steps, i),
				      &p->doc->stepv[i]);
		if (!err)
			flow_parse_pop(p, mark);
	}
	return err;
}

static int parse_header(struct flow_parse *p, const json_t *root,
			const char **namep, const json_t **stepsp)
{
	const char *desc = NULL;
	const json_t *steps = NULL;
	int err;

	if (!json_is_object(root))
		return flow_parse_fail(p, NULL, FLOW_E_TYPE,
				       "the document must be a JSON object, "
				       "got %s", flow_parse_type_name(root));
	p->what = "a flow";
	err = flow_parse_fields(p, root, "a flow", doc_fields);
	err = err ? err : flow_parse_string(p, root, "name", false,
					    FLOW_NAME_MAX - 1, namep);
	err = err ? err : flow_parse_string(p, root, "description", false,
					    FLOW_DOC_MAX, &desc);
	err = err ? err : flow_parse_array(p, root, "steps", true,
					   FLOW_STEPS_MAX, &steps);
	if (err)
		return err;
	*stepsp = steps;
	return 0;
}

static int parse_root(struct flow_parse *p, const json_t *root)
{
	const json_t *steps = NULL;
	const char *name = "";
	int err;

	err = parse_header(p, root, &name, &steps);
	if (err)
		return err;
	err = flow_doc_alloc(&p->doc, (uint16_t)json_array_size(steps));
	if (err)
		return err;
	str_ncpy(p->doc->name, name, sizeof(p->doc->name));

	flow_parse_push(p, "steps");
	err = parse_ids(p, steps);
	if (err)
		return err;
	flow_parse_pop(p, 0);

	p->what = "a flow";
	p->doc->start = 0;
	err = flow_parse_target(p, root, "start", false, &p->doc->start);
	if (err)
		return err;

	flow_parse_push(p, "steps");
	return parse_steps(p, steps);
}

static int load(json_t **rootp, const char *json, size_t len,
		struct flow_error *err)
{
	json_error_t jerr;

	if (len > FLOW_DOC_MAX) {
		err->code = FLOW_E_SYNTAX;
		(void)snprintf(err->message, sizeof(err->message),
			       "the document is %zu bytes, at most %d", len,
			       FLOW_DOC_MAX);
		return EINVAL;
	}
	*rootp = json_loadb(json ? json : "", json ? len : 0,
			    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (*rootp)
		return 0;
	err->code = FLOW_E_SYNTAX;
	(void)snprintf(err->message, sizeof(err->message),
		       "not valid JSON: %s (line %d, column %d)", jerr.text,
		       jerr.line, jerr.column);
	utf8text_trim(err->message);
	return EINVAL;
}

/**
 * Parse and check a flow document: json[len] (need not be
 * NUL-terminated, at most FLOW_DOC_MAX bytes). refs (may be NULL, as may
 * each of its handlers) says which queues, agents, flows, time zones and
 * files exist; unchecked kinds are accepted.
 *
 * 0 with *docp a new document (err->code FLOW_E_NONE); EINVAL with *err
 * saying what is wrong and where (a JSON Pointer into the document);
 * ENOMEM. Nothing is left allocated on error.
 */
int flow_doc_parse(struct flow_doc **docp, const char *json, size_t len,
		   const struct flow_refs *refs, struct flow_error *err)
{
	struct flow_error scratch;
	struct flow_parse p;
	json_t *root = NULL;
	int e;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.err = err;
	if (!docp) {
		err->code = FLOW_E_SYNTAX;
		str_ncpy(err->message, "no document", sizeof(err->message));
		return EINVAL;
	}

	e = load(&root, json, len, err);
	if (e)
		goto out;
	e = parse_root(&p, root);
	if (e)
		goto out;
	e = flow_doc_validate(p.doc, refs, err);

 out:
	json_decref(root);
	if (e == ENOMEM) {
		memset(err, 0, sizeof(*err));
		str_ncpy(err->message, "out of memory", sizeof(err->message));
	}
	if (e) {
		p.doc = mem_deref(p.doc);
		return e;
	}
	err->code = FLOW_E_NONE;
	*docp = p.doc;
	return 0;
}
