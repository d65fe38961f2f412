/** @file hotline/jdec.h  Strict decoding of JSON request bodies
 *
 * A request body is checked against a table of fields before any handler
 * looks at it: it must be one JSON object, with no duplicate keys, no
 * unknown fields, the declared types, required fields present, strings
 * within length and integers within range. The result is a precise error
 * that the API turns into a 400/422 JSON body.
 */
#ifndef HOTLINE_JDEC_H
#define HOTLINE_JDEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <jansson.h>

enum jdec_type {
	JDEC_STRING,
	JDEC_INT,      /* JSON integer (not real) */
	JDEC_BOOL,
	JDEC_OBJECT,
	JDEC_ARRAY,
	JDEC_STRING_OR_NULL,
	JDEC_ANY,      /* any JSON value; the handler checks it */
};

struct jdec_field {
	const char *name;
	enum jdec_type type;
	bool required;       /* ignored when decoding with partial=true */
	size_t min_len;      /* strings: UTF-8 bytes; arrays: elements */
	size_t max_len;      /* 0 = no limit */
	int64_t min, max;    /* ints, inclusive; min == max == 0: no limit */
};

/* status: 400 or 422; code: machine code; field: the JSON field or "" */
struct jdec_error {
	int status;
	char code[32];
	char field[64];
	char message[192];
};

/** Decode body (len bytes, need not be NUL-terminated) as one JSON object
 *  conforming to fields[0..fieldc). On success *objp holds a new
 *  reference the caller must json_decref(). With partial (PATCH), no
 *  field is required but an empty object is rejected.
 *  Errors (returns EPROTO, *err filled, *objp untouched):
 *    400 invalid_json   (not JSON; message has line and column;
 *                        duplicate keys, NUL in strings, trailing data)
 *    400 invalid_body   (not an object, or an empty PATCH)
 *    400 unknown_field  (field set)
 *    400 invalid_type   (field set; message names the expected type)
 *    400 missing_field  (field set)
 *    422 invalid_value  (field set: length or range out of bounds)  */
int jdec_object(json_t **objp, const char *body, size_t len,
		const struct jdec_field *fields, size_t fieldc, bool partial,
		struct jdec_error *err);

/** Load body as one JSON object without a field table (a document whose
 *  fields another checker knows): the JSON syntax and top-level object
 *  checks of jdec_object(), with the same errors. */
int jdec_object_any(json_t **objp, const char *body, size_t len,
		    struct jdec_error *err);

/** Fill err (printf-style message) and return EPROTO: for handlers that
 *  find a value wrong after jdec_object() accepted its shape. */
int jdec_fail(struct jdec_error *err, int status, const char *code,
	      const char *field, const char *fmt, ...);

#endif
