/** @file test/unit/api/jdec.c  Strict JSON body decoding */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <hotline/jdec.h>

/* A representative table: an agent-like resource */
static const struct jdec_field fields[] = {
	{"name",      JDEC_STRING,         true,  1, 127, 0, 0},
	{"extension", JDEC_STRING,         false, 0, 0,   0, 0},
	{"password",  JDEC_STRING,         false, 8, 128, 0, 0},
	{"tier",      JDEC_INT,            false, 0, 0,   1, 10},
	{"offset",    JDEC_INT,            false, 0, 0,   0, 0},
	{"enabled",   JDEC_BOOL,           false, 0, 0,   0, 0},
	{"skills",    JDEC_OBJECT,         false, 0, 0,   0, 0},
	{"queues",    JDEC_ARRAY,          false, 1, 3,   0, 0},
	{"note",      JDEC_STRING_OR_NULL, false, 0, 4,   0, 0},
	{"extra",     JDEC_ANY,            false, 0, 0,   0, 0},
	{"pin",       JDEC_STRING,         true,  4, 4,   0, 0},
};
#define FIELDC (sizeof(fields) / sizeof(fields[0]))

static int decode(const char *body, bool partial, json_t **objp,
		  struct jdec_error *err)
{
	memset(err, 0, sizeof(*err));
	*objp = NULL;
	return jdec_object(objp, body, strlen(body), fields, FIELDC, partial,
			   err);
}


static void test_valid(void **state)
{
	const char *body = "{\"name\":\"Ann\",\"pin\":\"1234\","
		"\"tier\":10,\"offset\":-5,\"enabled\":false,"
		"\"skills\":{\"en\":5},\"queues\":[\"a\"],\"note\":null,"
		"\"extra\":[1,{}],\"password\":\"12345678\","
		"\"extension\":\"\"}";
	struct jdec_error err;
	json_t *obj;
	(void)state;

	assert_int_equal(decode(body, false, &obj, &err), 0);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "name")),
			    "Ann");
	assert_int_equal(json_integer_value(json_object_get(obj, "tier")), 10);
	json_decref(obj);

	/* only the required ones; whitespace around the value */
	assert_int_equal(decode(" \n{\"pin\":\"abcd\",\"name\":\"x\"}\t\r\n",
				false, &obj, &err), 0);
	json_decref(obj);

	/* not NUL-terminated: the length decides */
	{
		const char buf[] = "{\"name\":\"x\",\"pin\":\"1234\"}GARBAGE";

		assert_int_equal(jdec_object(&obj, buf, sizeof(buf) - 1 - 7,
					     fields, FIELDC, false, &err), 0);
		json_decref(obj);
	}
}


/* One failing body and the exact error it must give */
struct errcase {
	const char *body;
	bool partial;
	int status;
	const char *code;
	const char *field;
	const char *message;   /* exact, or NULL to skip */
	const char *part;      /* a part of the message, or NULL */
};

#define OK_BASE "\"name\":\"n\",\"pin\":\"1234\""

static const struct errcase errv[] = {
	/* not JSON */
	{"", false, 400, "invalid_json", "", NULL, "invalid JSON at line 1"},
	{"{\"name\":", false, 400, "invalid_json", "", NULL,
	 "invalid JSON at line 1 column "},
	{"{name: 1}", false, 400, "invalid_json", "", NULL, "invalid JSON"},
	{"{\n  \"name\": tru\n}", false, 400, "invalid_json", "", NULL,
	 "invalid JSON at line 2 column "},
	{"{" OK_BASE ",}", false, 400, "invalid_json", "", NULL,
	 "invalid JSON"},
	{"{" OK_BASE "} x", false, 400, "invalid_json", "", NULL,
	 "end of file expected"},
	{"{" OK_BASE "}{}", false, 400, "invalid_json", "", NULL,
	 "invalid JSON"},
	{"{" OK_BASE ",\"name\":\"m\"}", false, 400, "invalid_json", "",
	 NULL, "duplicate object key"},
	{"{" OK_BASE ",\"note\":\"a\\u0000\"}", false, 400, "invalid_json",
	 "", NULL, "\\u0000 (NUL) is not allowed in strings"},
	{"{" OK_BASE ",\"a\\u0000\":1}", false, 400, "invalid_json", "",
	 NULL, "\\u0000 (NUL) is not allowed in strings"},
	{"{" OK_BASE ",\"tier\":99999999999999999999}", false, 400,
	 "invalid_json", "", NULL, "invalid JSON"},
	{"{\"name\":\"\xff\"}", false, 400, "invalid_json", "", NULL,
	 "unable to decode byte 0xff"},
	/* the input quoted in the message is made ASCII */
	{"{\"name\":\xc3\xa9}", false, 400, "invalid_json", "", NULL,
	 "near '?" "?'"},
	/* not an object */
	{"[]", false, 400, "invalid_body", "",
	 "request body must be a JSON object", NULL},
	{"[{\"name\":\"n\"}]", false, 400, "invalid_body", "", NULL, NULL},
	{"\"name\"", false, 400, "invalid_body", "", NULL, NULL},
	{"42", false, 400, "invalid_body", "", NULL, NULL},
	{"null", false, 400, "invalid_body", "", NULL, NULL},
	{"{}", true, 400, "invalid_body", "",
	 "request body must set at least one field", NULL},
	/* unknown field: the first in body order */
	{"{" OK_BASE ",\"nmae\":\"x\",\"zzz\":1}", false, 400,
	 "unknown_field", "nmae", "unknown field \"nmae\"", NULL},
	{"{\"zzz\":1,\"nmae\":\"x\"}", true, 400, "unknown_field", "zzz",
	 "unknown field \"zzz\"", NULL},
	{"{\"Name\":\"x\"}", false, 400, "unknown_field", "Name", NULL, NULL},
	/* missing, in table order */
	{"{}", false, 400, "missing_field", "name",
	 "field \"name\" is required", NULL},
	{"{\"pin\":\"1234\"}", false, 400, "missing_field", "name", NULL,
	 NULL},
	{"{\"name\":\"x\"}", false, 400, "missing_field", "pin",
	 "field \"pin\" is required", NULL},
	/* a type error on an earlier field comes before a later missing one */
	{"{\"name\":1}", false, 400, "invalid_type", "name",
	 "field \"name\" must be a string", NULL},
	/* types */
	{"{\"name\":null,\"pin\":\"1234\"}", false, 400, "invalid_type",
	 "name", "field \"name\" must be a string", NULL},
	{"{" OK_BASE ",\"tier\":1.0}", false, 400, "invalid_type", "tier",
	 "field \"tier\" must be an integer", NULL},
	{"{" OK_BASE ",\"tier\":true}", false, 400, "invalid_type", "tier",
	 NULL, NULL},
	{"{" OK_BASE ",\"tier\":\"5\"}", false, 400, "invalid_type", "tier",
	 NULL, NULL},
	{"{" OK_BASE ",\"enabled\":1}", false, 400, "invalid_type",
	 "enabled", "field \"enabled\" must be a boolean", NULL},
	{"{" OK_BASE ",\"enabled\":\"true\"}", false, 400, "invalid_type",
	 "enabled", NULL, NULL},
	{"{" OK_BASE ",\"skills\":[]}", false, 400, "invalid_type", "skills",
	 "field \"skills\" must be an object", NULL},
	{"{" OK_BASE ",\"queues\":{}}", false, 400, "invalid_type", "queues",
	 "field \"queues\" must be an array", NULL},
	{"{" OK_BASE ",\"note\":5}", false, 400, "invalid_type", "note",
	 "field \"note\" must be a string or null", NULL},
	{"{\"tier\":\"x\"}", true, 400, "invalid_type", "tier", NULL, NULL},
	/* lengths (bytes) and ranges */
	{"{\"name\":\"\",\"pin\":\"1234\"}", false, 422, "invalid_value",
	 "name", "field \"name\" must be 1 to 127 bytes long", NULL},
	{"{" OK_BASE ",\"password\":\"1234567\"}", false, 422,
	 "invalid_value", "password",
	 "field \"password\" must be 8 to 128 bytes long", NULL},
	{"{\"name\":\"n\",\"pin\":\"123\"}", false, 422, "invalid_value",
	 "pin", "field \"pin\" must be exactly 4 bytes long", NULL},
	/* "é" is 2 bytes: 2 characters are 4 bytes, 3 are 6 */
	{"{\"name\":\"n\",\"pin\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", false, 422,
	 "invalid_value", "pin", NULL, NULL},
	{"{" OK_BASE ",\"note\":\"12345\"}", false, 422, "invalid_value",
	 "note", "field \"note\" must be at most 4 bytes long", NULL},
	{"{" OK_BASE ",\"queues\":[]}", false, 422, "invalid_value", "queues",
	 "field \"queues\" must have 1 to 3 elements", NULL},
	{"{" OK_BASE ",\"queues\":[1,2,3,4]}", false, 422, "invalid_value",
	 "queues", NULL, NULL},
	{"{" OK_BASE ",\"tier\":0}", false, 422, "invalid_value", "tier",
	 "field \"tier\" must be between 1 and 10", NULL},
	{"{" OK_BASE ",\"tier\":11}", false, 422, "invalid_value", "tier",
	 NULL, NULL},
	{"{" OK_BASE ",\"tier\":-9223372036854775808}", false, 422,
	 "invalid_value", "tier", NULL, NULL},
	{"{\"tier\":0}", true, 422, "invalid_value", "tier", NULL, NULL},
};


static void test_errors(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(errv) / sizeof(errv[0]); i++) {
		const struct errcase *c = &errv[i];
		struct jdec_error err;
		json_t *obj;

		print_message("case %zu: %s\n", i, c->body);
		assert_int_equal(decode(c->body, c->partial, &obj, &err),
				 EPROTO);
		print_message("  -> %d %s %s: %s\n", err.status, err.code,
			      err.field, err.message);
		assert_null(obj);
		assert_int_equal(err.status, c->status);
		assert_string_equal(err.code, c->code);
		assert_string_equal(err.field, c->field);
		assert_true(err.message[0] != '\0');
		if (c->message)
			assert_string_equal(err.message, c->message);
		if (c->part)
			assert_non_null(strstr(err.message, c->part));
		if (!strcmp(c->code, "invalid_json"))
			assert_memory_equal(err.message,
					    "invalid JSON at line ", 21);
	}
}


/* Values exactly at the bounds pass */
static void test_bounds_ok(void **state)
{
	static const char *ok[] = {
		"{\"name\":\"n\",\"pin\":\"\xc3\xa9\xc3\xa9\"}",
		"{" OK_BASE ",\"tier\":1}",
		"{" OK_BASE ",\"tier\":10}",
		"{" OK_BASE ",\"offset\":-9223372036854775808}",
		"{" OK_BASE ",\"offset\":9223372036854775807}",
		"{" OK_BASE ",\"password\":\"12345678\"}",
		"{" OK_BASE ",\"queues\":[1,2,3]}",
		"{" OK_BASE ",\"queues\":[null]}",
		"{" OK_BASE ",\"note\":\"1234\"}",
		"{" OK_BASE ",\"note\":null}",
		"{" OK_BASE ",\"extra\":null}",
		"{" OK_BASE ",\"extra\":\"a very long string, any length\"}",
		"{" OK_BASE ",\"skills\":{}}",
		"{" OK_BASE ",\"extension\":\"\"}",
		/* partial: any single field, nothing required */
		"{\"tier\":3}",
		"{\"note\":null}",
	};
	char name[200], body[300];
	struct jdec_error err;
	json_t *obj;
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bool partial = strncmp(ok[i], "{\"name\"", 7) != 0;

		print_message("case %zu\n", i);
		assert_int_equal(decode(ok[i], partial, &obj, &err), 0);
		json_decref(obj);
	}

	/* name of 127 bytes passes, 128 does not */
	memset(name, 'a', 127);
	name[127] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"pin\":\"1234\"}",
		 name);
	assert_int_equal(decode(body, false, &obj, &err), 0);
	json_decref(obj);

	memset(name, 'a', 128);
	name[128] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\",\"pin\":\"1234\"}",
		 name);
	assert_int_equal(decode(body, false, &obj, &err), EPROTO);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.field, "name");
}


static void test_unknown_field_truncated(void **state)
{
	char key[200], body[300];
	struct jdec_error err;
	json_t *obj;
	(void)state;

	/* 62 ASCII bytes then a 3-byte character: the copy must not cut the
	   character in half */
	memset(key, 'k', 62);
	strcpy(key + 62, "\xe2\x82\xac" "tail");
	snprintf(body, sizeof(body), "{\"%s\":1}", key);

	assert_int_equal(decode(body, true, &obj, &err), EPROTO);
	assert_string_equal(err.code, "unknown_field");
	assert_int_equal(strlen(err.field), 62);
	assert_memory_equal(err.field, key, 62);
}


static void test_fail(void **state)
{
	struct jdec_error err;
	char longmsg[400];
	(void)state;

	memset(&err, 0xff, sizeof(err));
	assert_int_equal(jdec_fail(&err, 422, "invalid_value", "queue",
				   "queue \"%s\" has %d members", "sales", 3),
			 EPROTO);
	assert_int_equal(err.status, 422);
	assert_string_equal(err.code, "invalid_value");
	assert_string_equal(err.field, "queue");
	assert_string_equal(err.message, "queue \"sales\" has 3 members");

	assert_int_equal(jdec_fail(&err, 400, "x", NULL, "plain"), EPROTO);
	assert_string_equal(err.field, "");
	assert_string_equal(err.message, "plain");

	/* too long: truncated, NUL-terminated, whole characters only */
	memset(longmsg, 'm', sizeof(err.message) - 2);
	strcpy(longmsg + sizeof(err.message) - 2, "\xc3\xa9 and more");
	assert_int_equal(jdec_fail(&err, 400, "a_very_long_code_name_over_32_"
				   "bytes", "f", "%s", longmsg), EPROTO);
	assert_int_equal(strlen(err.code), sizeof(err.code) - 1);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 2);

	assert_int_equal(jdec_fail(NULL, 400, "x", "", "y"), EPROTO);
}


static void test_bad_args(void **state)
{
	struct jdec_error err;
	json_t *obj = NULL;
	(void)state;

	assert_int_equal(jdec_object(NULL, "{}", 2, fields, FIELDC, false,
				     &err), EINVAL);
	assert_int_equal(jdec_object(&obj, NULL, 2, fields, FIELDC, false,
				     &err), EINVAL);
	assert_int_equal(jdec_object(&obj, "{}", 2, fields, FIELDC, false,
				     NULL), EINVAL);
	assert_null(obj);

	/* NULL body with len 0 is an empty body: invalid JSON */
	assert_int_equal(jdec_object(&obj, NULL, 0, fields, FIELDC, false,
				     &err), EPROTO);
	assert_string_equal(err.code, "invalid_json");

	/* an empty table accepts {} only */
	assert_int_equal(jdec_object(&obj, "{}", 2, NULL, 0, false, &err), 0);
	json_decref(obj);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds_ok),
		cmocka_unit_test(test_unknown_field_truncated),
		cmocka_unit_test(test_fail),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
