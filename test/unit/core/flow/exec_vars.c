/** @file test/unit/core/flow/exec_vars.c  Flow variables, templates and
 *  the JSON texts of traces */
#include "exec_fixture.h"
#include "core/flow/exec.h"

static void run_alloc(void)
{
	doc_new(1);
	x_alloc();
}

static void test_var_names(void **state)
{
	char name[FLOW_VAR_NAME_MAX + 1];
	static const char *bad[] = {
		"", "A", "caller-id", "a b", "é", "x/y", "{{x}}", "a\n",
	};
	static const char *good[] = {
		"a", "caller", "contact.name", "webhook.status", "_", ".",
		"0", "a_b.c9",
	};
	(void)state;

	run_alloc();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(flow_var_set(F.x, bad[i], "v"), EINVAL);
		assert_null(flow_var_get(F.x, bad[i]));
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(flow_var_set(F.x, good[i], good[i]), 0);
		expect_var(good[i], good[i]);
	}
	memset(name, 'n', sizeof(name));
	name[FLOW_VAR_NAME_MAX - 1] = '\0';       /* 63: the longest */
	assert_int_equal(flow_var_set(F.x, name, "long"), 0);
	expect_var(name, "long");
	name[FLOW_VAR_NAME_MAX - 1] = 'n';
	name[FLOW_VAR_NAME_MAX] = '\0';            /* 64 */
	assert_int_equal(flow_var_set(F.x, name, "x"), EINVAL);
	assert_int_equal(flow_var_set(F.x, NULL, "x"), EINVAL);
	assert_int_equal(flow_var_set(NULL, "a", "x"), EINVAL);
	assert_null(flow_var_get(F.x, NULL));
	assert_null(flow_var_get(NULL, "a"));
	assert_null(flow_var_get(F.x, "unset"));
	assert_int_equal(flow_var_set(F.x, "nul", NULL), 0);
	expect_var("nul", "");
}

struct walk {
	char text[4096];
	unsigned n;
};

static void walk_h(const char *name, const char *value, void *arg)
{
	struct walk *w = arg;
	size_t len = strlen(w->text);

	snprintf(w->text + len, sizeof(w->text) - len, "%s=%s;", name,
		 value);
	w->n++;
}

static void test_vars_order_and_limit(void **state)
{
	struct walk w = {"", 0};
	char name[16];
	(void)state;

	run_alloc();
	assert_int_equal(flow_var_set(F.x, "b", "1"), 0);
	assert_int_equal(flow_var_set(F.x, "a", "2"), 0);
	assert_int_equal(flow_var_set(F.x, "c", "3"), 0);
	assert_int_equal(flow_var_set(F.x, "b", "4"), 0);   /* keeps place */
	flow_vars_walk(F.x, walk_h, &w);
	assert_string_equal(w.text, "b=4;a=2;c=3;");
	flow_vars_walk(F.x, NULL, &w);
	flow_vars_walk(NULL, walk_h, &w);

	for (int i = 3; i < FLOW_VARS_MAX; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		assert_int_equal(flow_var_set(F.x, name, "x"), 0);
	}
	assert_int_equal(flow_var_set(F.x, "one_more", "x"), ENOSPC);
	assert_null(flow_var_get(F.x, "one_more"));
	assert_int_equal(flow_var_set(F.x, "a", "replaced"), 0);
	expect_var("a", "replaced");
	w.text[0] = '\0';
	w.n = 0;
	flow_vars_walk(F.x, walk_h, &w);
	assert_int_equal(w.n, FLOW_VARS_MAX);
}

static void test_var_truncation(void **state)
{
	char v[FLOW_VAR_VALUE_MAX + 10];
	(void)state;

	run_alloc();
	memset(v, 'x', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	assert_int_equal(flow_var_set(F.x, "long", v), 0);
	assert_int_equal(strlen(flow_var_get(F.x, "long")),
			 FLOW_VAR_VALUE_MAX - 1);

	/* a 2-byte "é" across the limit is not cut in half */
	v[FLOW_VAR_VALUE_MAX - 2] = '\xc3';
	v[FLOW_VAR_VALUE_MAX - 1] = '\xa9';
	assert_int_equal(flow_var_set(F.x, "long", v), 0);
	assert_int_equal(strlen(flow_var_get(F.x, "long")),
			 FLOW_VAR_VALUE_MAX - 2);
	/* ... but when it ends just inside, it is kept */
	v[FLOW_VAR_VALUE_MAX - 3] = '\xc3';
	v[FLOW_VAR_VALUE_MAX - 2] = '\xa9';
	v[FLOW_VAR_VALUE_MAX - 1] = 'y';
	assert_int_equal(flow_var_set(F.x, "long", v), 0);
	assert_int_equal(strlen(flow_var_get(F.x, "long")),
			 FLOW_VAR_VALUE_MAX - 1);
}

static void expand_expect(const char *tpl, const char *want, int rc)
{
	char out[FLOW_TEXT_MAX];

	assert_int_equal(flow_template_expand(F.x, tpl, out, sizeof(out)),
			 rc);
	if (strcmp(out, want))
		fail_msg("\"%s\" → \"%s\", want \"%s\"", tpl, out, want);
}

static void test_templates(void **state)
{
	char small[8];
	(void)state;

	run_alloc();
	assert_int_equal(flow_var_set(F.x, "name", "Ada"), 0);
	assert_int_equal(flow_var_set(F.x, "contact.crm_id", "C-9"), 0);
	assert_int_equal(flow_var_set(F.x, "e", ""), 0);

	expand_expect("", "", 0);
	expand_expect("plain", "plain", 0);
	expand_expect("{{name}}", "Ada", 0);
	expand_expect("Hi {{ name }}!", "Hi Ada!", 0);
	expand_expect("{{\tname  }}", "Ada", 0);
	expand_expect("{{contact.crm_id}}-{{name}}{{name}}", "C-9-AdaAda", 0);
	expand_expect("[{{missing}}][{{e}}]", "[][]", 0);
	expand_expect("a {{ b", "a {{ b", 0);             /* lone "{{" */
	expand_expect("{{name", "{{name", 0);
	expand_expect("}} {{", "}} {{", 0);
	expand_expect("{{{name}}}", "{Ada}", 0);
	expand_expect("{{Name}}", "{{Name}}", 0);         /* not a name */
	expand_expect("{{a b}} {{name}}", "{{a b}} Ada", 0);
	expand_expect("{{}}", "{{}}", 0);
	expand_expect("{{ }}", "{{ }}", 0);
	expand_expect("{{name}}}}", "Ada}}", 0);

	/* too small: cut, E2BIG, never inside a UTF-8 sequence */
	assert_int_equal(flow_template_expand(F.x, "Hello {{name}}", small,
					      sizeof(small)), E2BIG);
	assert_string_equal(small, "Hello A");
	assert_int_equal(flow_template_expand(F.x, "abcdef\xc3\xa9z", small,
					      sizeof(small)), E2BIG);
	assert_string_equal(small, "abcdef");
	assert_int_equal(flow_template_expand(F.x, "abcdefg", small,
					      sizeof(small)), 0);
	assert_int_equal(flow_template_expand(F.x, "x", small, 1), E2BIG);
	assert_string_equal(small, "");

	assert_int_equal(flow_template_expand(F.x, NULL, small, 8), EINVAL);
	assert_int_equal(flow_template_expand(F.x, "x", NULL, 8), EINVAL);
	assert_int_equal(flow_template_expand(F.x, "x", small, 0), EINVAL);
	/* no run: every variable is "" */
	assert_int_equal(flow_template_expand(NULL, "<{{name}}>", small, 8),
			 0);
	assert_string_equal(small, "<>");
}

/* A long value fills FLOW_TEXT_MAX - 1 */
static void test_template_limit(void **state)
{
	char v[FLOW_VAR_VALUE_MAX];
	char out[FLOW_TEXT_MAX];
	(void)state;

	run_alloc();
	memset(v, 'v', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	assert_int_equal(flow_var_set(F.x, "v", v), 0);
	assert_int_equal(flow_template_expand(F.x, "{{v}}{{v}}{{v}}", out,
					      sizeof(out)), E2BIG);
	assert_int_equal(strlen(out), FLOW_TEXT_MAX - 1);
	assert_int_equal(flow_template_expand(F.x, "{{v}}{{v}}", out,
					      sizeof(out)), 0);
	assert_int_equal(strlen(out), 2 * (FLOW_VAR_VALUE_MAX - 1));
}

static void test_template_check(void **state)
{
	size_t off = 99;
	(void)state;

	assert_int_equal(flow_template_check("plain", NULL), 0);
	assert_int_equal(flow_template_check("{{ a.b }} {{c}}", NULL), 0);
	assert_int_equal(flow_template_check("lone {{ brace", NULL), 0);
	assert_int_equal(flow_template_check("{{{x}}}", NULL), 0);
	assert_int_equal(flow_template_check("ok {{a}} {{Bad}}", &off),
			 EINVAL);
	assert_int_equal(off, 9);
	assert_int_equal(flow_template_check("{{}}", &off), EINVAL);
	assert_int_equal(off, 0);
	assert_int_equal(flow_template_check(NULL, NULL), EINVAL);
}

static void test_json_escape(void **state)
{
	char out[64];
	(void)state;

	flow_json_escape(out, sizeof(out), "a\"b\\c\n\r\t\x01\x7f", SIZE_MAX);
	assert_string_equal(out, "a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f");
	flow_json_escape(out, sizeof(out), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98"
			 "\x80", SIZE_MAX);
	assert_string_equal(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* invalid bytes, overlong, surrogate, truncated sequences */
	flow_json_escape(out, sizeof(out), "\xff\xc0\xaf\xed\xa0\x80\xc3",
			 SIZE_MAX);
	assert_string_equal(out, "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
			    "\\ufffd\\ufffd");
	/* an escape is never cut */
	assert_int_equal(flow_json_escape(out, 6, "ab\x01", SIZE_MAX), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(flow_json_escape(out, 3, "\xc3\xa9", SIZE_MAX), 2);
	assert_int_equal(flow_json_escape(out, 2, "\xc3\xa9", SIZE_MAX), 0);
	assert_int_equal(flow_json_escape(out, sizeof(out), "abcdef", 3), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(flow_json_escape(out, sizeof(out), NULL, 3), 0);
}

static void test_jtext(void **state)
{
	char buf[64], big[FLOW_TRACE_MAX];
	char v[400];
	struct jtext j;
	json_t *o;
	(void)state;

	jtext_open(&j, buf, sizeof(buf));
	assert_string_equal(jtext_close(&j), "{}");

	jtext_open(&j, buf, sizeof(buf));
	jtext_str(&j, "a", "x\"y");
	jtext_int(&j, "n", -5);
	jtext_bool(&j, "t", true);
	jtext_str(&j, "nul", NULL);
	assert_string_equal(jtext_close(&j),
			    "{\"a\":\"x\\\"y\",\"n\":-5,\"t\":true,"
			    "\"nul\":\"\"}");

	/* a member that does not fit is left out, and all after it */
	jtext_open(&j, buf, 20);
	jtext_str(&j, "a", "0123456");     /* {"a":"0123456" = 14 */
	jtext_str(&j, "b", "01234");
	jtext_int(&j, "c", 1);
	assert_string_equal(jtext_close(&j), "{\"a\":\"0123456\"}");

	/* long values are cut to JTEXT_VALUE_MAX; always valid JSON */
	memset(v, '"', sizeof(v) - 1);
	v[sizeof(v) - 1] = '\0';
	jtext_open(&j, big, sizeof(big));
	jtext_str(&j, "q", v);
	jtext_str(&j, "r", v);
	jtext_close(&j);
	o = json_loads(big, 0, NULL);
	assert_true(json_is_object(o));
	assert_int_equal(strlen(json_string_value(json_object_get(o, "q"))),
			 JTEXT_VALUE_MAX);
	assert_null(json_object_get(o, "r"));  /* 2 x 322 > 512 */
	json_decref(o);

	jtext_open(&j, buf, 2);                 /* too small for "{}" */
	assert_string_equal(jtext_close(&j), "{}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_var_names),
		FX_TEST(test_vars_order_and_limit),
		FX_TEST(test_var_truncation),
		FX_TEST(test_templates),
		FX_TEST(test_template_limit),
		FX_TEST(test_template_check),
		FX_TEST(test_json_escape),
		FX_TEST(test_jtext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
