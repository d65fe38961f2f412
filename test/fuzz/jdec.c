/** @file test/fuzz/jdec.c  JSON body decoding against a typical table */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <hotline/jdec.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const struct jdec_field fields[] = {
	{"name",       JDEC_STRING, true,  1, 127, 0, 0},
	{"extension",  JDEC_STRING, false, 0, 0,   0, 0},
	{"password",   JDEC_STRING, false, 8, 128, 0, 0},
	{"skills",     JDEC_OBJECT, false, 0, 0,   0, 0},
	{"capacity",   JDEC_OBJECT, false, 0, 0,   0, 0},
	{"tier",       JDEC_INT,    false, 0, 0,   1, 10},
	{"join_empty", JDEC_BOOL,   false, 0, 0,   0, 0},
};
#define FIELDC (sizeof(fields) / sizeof(fields[0]))

/* Error strings end up in JSON replies: they must be valid UTF-8 */
static void check_utf8(const char *s, size_t sz)
{
	json_t *j;

	CHECK(memchr(s, '\0', sz) != NULL);
	j = json_string(s);
	CHECK(j != NULL);
	json_decref(j);
}

static void check_err(const struct jdec_error *err)
{
	CHECK(err->status == 400 || err->status == 422);
	CHECK(err->code[0] != '\0');
	CHECK(err->message[0] != '\0');
	check_utf8(err->code, sizeof(err->code));
	check_utf8(err->field, sizeof(err->field));
	check_utf8(err->message, sizeof(err->message));
	if (err->status == 422)
		CHECK(!strcmp(err->code, "invalid_value"));
}

/* What an accepted object must look like */
static void check_obj(const json_t *obj)
{
	const char *key;
	json_t *v;
	json_int_t t;

	CHECK(json_is_object(obj));
	json_object_foreach((json_t *)obj, key, v) {
		bool known = false;

		for (size_t i = 0; i < FIELDC; i++)
			known |= !strcmp(key, fields[i].name);
		CHECK(known);
	}

	v = json_object_get(obj, "name");
	if (v)
		CHECK(json_is_string(v) && json_string_length(v) >= 1 &&
		      json_string_length(v) <= 127);

	v = json_object_get(obj, "tier");
	if (v) {
		CHECK(json_is_integer(v));
		t = json_integer_value(v);
		CHECK(t >= 1 && t <= 10);
	}

	v = json_object_get(obj, "join_empty");
	CHECK(!v || json_is_boolean(v));
}

/* jdec_object_any() (a document checked elsewhere): any JSON object,
 * and the same JSON errors as with a table; e, err, obj: the table's
 * result */
static void check_any(const uint8_t *data, size_t size, int e,
		      const struct jdec_error *err, const json_t *obj)
{
	struct jdec_error aerr;
	json_t *aobj = NULL;
	int ae;

	memset(&aerr, 0, sizeof(aerr));
	ae = jdec_object_any(&aobj, (const char *)data, size, &aerr);
	CHECK(ae == 0 || ae == EPROTO);
	if (ae) {
		CHECK(aobj == NULL);
		check_err(&aerr);
		CHECK(aerr.status == 400);
		CHECK(!strcmp(aerr.code, "invalid_json") ||
		      !strcmp(aerr.code, "invalid_body"));
		CHECK(e == EPROTO && !strcmp(aerr.code, err->code));
		return;
	}
	CHECK(json_is_object(aobj));
	if (!e)
		CHECK(json_equal(aobj, (json_t *)obj));
	CHECK(!e || (strcmp(err->code, "invalid_json") &&
		     strcmp(err->code, "invalid_body")));
	json_decref(aobj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jdec_error err, perr;
	json_t *obj = NULL, *pobj = NULL;
	int e, pe;

	memset(&err, 0, sizeof(err));
	memset(&perr, 0, sizeof(perr));

	e = jdec_object(&obj, (const char *)data, size, fields, FIELDC,
			false, &err);
	pe = jdec_object(&pobj, (const char *)data, size, fields, FIELDC,
			 true, &perr);

	CHECK(e == 0 || e == EPROTO);
	CHECK(pe == 0 || pe == EPROTO);

	if (e) {
		CHECK(obj == NULL);
		check_err(&err);
	}
	else {
		check_obj(obj);
		CHECK(json_object_get(obj, "name") != NULL);
	}

	if (pe) {
		CHECK(pobj == NULL);
		check_err(&perr);
	}
	else {
		check_obj(pobj);
	}

	/* full acceptance implies partial acceptance; partial acceptance
	   with the required field present implies full acceptance */
	if (!e)
		CHECK(!pe);
	if (!pe && json_object_get(pobj, "name"))
		CHECK(!e);
	/* errors other than a missing field are the same in both modes */
	if (e && strcmp(err.code, "missing_field") &&
	    strcmp(perr.code, "invalid_body")) {
		CHECK(pe);
		CHECK(!strcmp(err.code, perr.code));
		CHECK(!strcmp(err.field, perr.field));
	}

	check_any(data, size, e, &err, obj);

	json_decref(obj);
	json_decref(pobj);
	return 0;
}
