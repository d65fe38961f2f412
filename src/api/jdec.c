/** @file api/jdec.c  Strict decoding of JSON request bodies */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <hotline/jdec.h>
#include <hotline/utf8text.h>


/* Copy src into dst[sz], truncating at a character boundary (a copy
 * of a valid src stays valid UTF-8: json_string() refuses anything else) */
static void copy_utf8(char *dst, size_t sz, const char *src)
{
	size_t n = strlen(src);

	if (n < sz) {
		memcpy(dst, src, n + 1);
		return;
	}

	memcpy(dst, src, sz - 1);
	dst[utf8text_cut(dst, sz - 1)] = '\0';
}


/**
 * Fill err and return EPROTO, for handlers that find a value wrong after
 * jdec_object() accepted the body's shape.
 *
 * @param err     Error to fill (may be NULL: only EPROTO is returned)
 * @param status  HTTP status, 400 or 422
 * @param code    Machine code, e.g. "invalid_value" (truncated to fit)
 * @param field   JSON field concerned, NULL or "" for none
 * @param fmt     printf-style message; truncated at a UTF-8 character
 *                boundary when it does not fit
 *
 * @return EPROTO
 */
int jdec_fail(struct jdec_error *err, int status, const char *code,
	      const char *field, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return EPROTO;

	err->status = status;
	copy_utf8(err->code, sizeof(err->code), code ? code : "");
	copy_utf8(err->field, sizeof(err->field), field ? field : "");

	va_start(ap, fmt);
	n = vsnprintf(err->message, sizeof(err->message), fmt ? fmt : "", ap);
	va_end(ap);

	if (n < 0)
		err->message[0] = '\0';
	else if ((size_t)n >= sizeof(err->message))
		err->message[utf8text_cut(err->message,
					  sizeof(err->message) - 1)] = '\0';

	return EPROTO;
}


static const char *type_name(enum jdec_type type)
{
	switch (type) {

	case JDEC_STRING:         return "a string";
	case JDEC_INT:            return "an integer";
	case JDEC_BOOL:           return "a boolean";
	case JDEC_OBJECT:         return "an object";
	case JDEC_ARRAY:          return "an array";
	case JDEC_STRING_OR_NULL: return "a string or null";
	case JDEC_ANY:            return "any value";
	default:                  return "?";
	}
}


static bool type_ok(enum jdec_type type, const json_t *v)
{
	switch (type) {

	case JDEC_STRING:         return json_is_string(v);
	case JDEC_INT:            return json_is_integer(v);
	case JDEC_BOOL:           return json_is_boolean(v);
	case JDEC_OBJECT:         return json_is_object(v);
	case JDEC_ARRAY:          return json_is_array(v);
	case JDEC_STRING_OR_NULL: return json_is_string(v) || json_is_null(v);
	case JDEC_ANY:            return true;
	default:                  return false;
	}
}


/* Length bounds of strings (bytes) and arrays (elements) */
static int check_len(const struct jdec_field *f, size_t n,
		     struct jdec_error *err)
{
	const bool str = f->type != JDEC_ARRAY;
	char range[64];

	if (n >= f->min_len && (!f->max_len || n <= f->max_len))
		return 0;

	if (f->max_len && f->min_len == f->max_len)
		snprintf(range, sizeof(range), "exactly %zu", f->max_len);
	else if (f->max_len && f->min_len)
		snprintf(range, sizeof(range), "%zu to %zu",
			 f->min_len, f->max_len);
	else if (f->max_len)
		snprintf(range, sizeof(range), "at most %zu", f->max_len);
	else
		snprintf(range, sizeof(range), "at least %zu", f->min_len);

	return jdec_fail(err, 422, "invalid_value", f->name,
			 str ? "field \"%s\" must be %s bytes long" :
			 "field \"%s\" must have %s elements",
			 f->name, range);
}


/* Value of a present field: type, then bounds */
static int check_value(const struct jdec_field *f, const json_t *v,
		       struct jdec_error *err)
{
	json_int_t i;

	if (!type_ok(f->type, v))
		return jdec_fail(err, 400, "invalid_type", f->name,
				 "field \"%s\" must be %s", f->name,
				 type_name(f->type));

	if (json_is_string(v) && f->type != JDEC_ANY)
		return check_len(f, json_string_length(v), err);

	if (f->type == JDEC_ARRAY)
		return check_len(f, json_array_size(v), err);

	if (f->type != JDEC_INT || (f->min == 0 && f->max == 0))
		return 0;

	i = json_integer_value(v);
	if (i < f->min || i > f->max)
		return jdec_fail(err, 422, "invalid_value", f->name,
				 "field \"%s\" must be between %" PRId64
				 " and %" PRId64, f->name, f->min, f->max);

	return 0;
}


static bool field_known(const char *key, const struct jdec_field *fields,
			size_t fieldc)
{
	for (size_t i = 0; i < fieldc; i++) {
		if (!strcmp(key, fields[i].name))
			return true;
	}

	return false;
}


/* Replace control and non-ASCII bytes: jansson quotes the offending
 * input in its messages, which may be invalid UTF-8. */
static void ascii_sanitize(char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
	}
}


static int load_error(json_error_t *jerr, struct jdec_error *err)
{
	const char *text = jerr->text;

	switch (json_error_code(jerr)) {

	case json_error_out_of_memory:
		return ENOMEM;

	/* jansson's own text names its JSON_ALLOW_NUL flag */
	case json_error_null_character:
	case json_error_null_byte_in_key:
		text = "\\u0000 (NUL) is not allowed in strings";
		break;

	default:
		ascii_sanitize(jerr->text);
		break;
	}

	return jdec_fail(err, 400, "invalid_json", "",
			 "invalid JSON at line %d column %d: %s",
			 jerr->line, jerr->column, text);
}


static int check_object(const json_t *obj, const struct jdec_field *fields,
			size_t fieldc, bool partial, struct jdec_error *err)
{
	const char *key;
	json_t *v;
	int e;

	if (!json_is_object(obj))
		return jdec_fail(err, 400, "invalid_body", "",
				 "request body must be a JSON object");

	if (partial && !json_object_size(obj))
		return jdec_fail(err, 400, "invalid_body", "",
				 "request body must set at least one field");

	/* objects iterate in insertion order: the first unknown key in the
	   body is reported */
	json_object_foreach((json_t *)obj, key, v) {
		if (!field_known(key, fields, fieldc))
			return jdec_fail(err, 400, "unknown_field", key,
					 "unknown field \"%s\"", key);
	}

	for (size_t i = 0; i < fieldc; i++) {
		const struct jdec_field *f = &fields[i];

		v = json_object_get(obj, f->name);
		if (!v) {
			if (f->required && !partial)
				return jdec_fail(err, 400, "missing_field",
						 f->name,
						 "field \"%s\" is required",
						 f->name);
			continue;
		}

		e = check_value(f, v, err);
		if (e)
			return e;
	}

	return 0;
}


/* jdec_object(), or with any only the top-level object is checked */
static int decode(json_t **objp, const char *body, size_t len,
		  const struct jdec_field *fields, size_t fieldc,
		  bool partial, bool any, struct jdec_error *err)
{
	json_error_t jerr;
	json_t *obj;
	int e;

	/* the default EOF check refuses trailing data; NUL in strings is
	   refused unless JSON_ALLOW_NUL */
	obj = json_loadb(body ? body : "", len,
			 JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return load_error(&jerr, err);

	if (any && !json_is_object(obj))
		e = jdec_fail(err, 400, "invalid_body", "",
			      "request body must be a JSON object");
	else
		e = any ? 0 : check_object(obj, fields, fieldc, partial, err);
	if (e) {
		json_decref(obj);
		return e;
	}

	*objp = obj;
	return 0;
}

/**
 * Decode a request body as one JSON object conforming to a field table.
 *
 * @param objp     On success a new reference the caller must json_decref()
 * @param body     Body bytes, need not be NUL-terminated (NULL if len 0)
 * @param len      Body length
 * @param fields   Field table; names must be unique
 * @param fieldc   Number of fields
 * @param partial  PATCH: nothing is required, but {} is refused
 * @param err      Filled on EPROTO
 *
 * Checks run in a fixed order so that the error is deterministic: JSON
 * syntax (duplicate keys, "\u0000", trailing data included), top-level
 * object, empty PATCH, the first unknown key in body order, then each
 * table field in table order (missing, type, bounds).
 *
 * @return 0, EPROTO (*err filled, *objp untouched), ENOMEM, EINVAL bad
 *         arguments
 */
int jdec_object(json_t **objp, const char *body, size_t len,
		const struct jdec_field *fields, size_t fieldc, bool partial,
		struct jdec_error *err)
{
	if (!objp || !err || (!body && len) || (!fields && fieldc))
		return EINVAL;

	return decode(objp, body, len, fields, fieldc, partial, false, err);
}

/**
 * Decode a request body as one JSON object whose fields are left to the
 * caller (400 invalid_json, 400 invalid_body as jdec_object()).
 * @return 0 (*objp a new reference), EPROTO (*err filled), ENOMEM, EINVAL
 */
int jdec_object_any(json_t **objp, const char *body, size_t len,
		    struct jdec_error *err)
{
	if (!objp || !err || (!body && len))
		return EINVAL;

	return decode(objp, body, len, NULL, 0, false, true, err);
}
