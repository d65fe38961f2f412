/** @file test/unit/core/contact.c  Contact field checks and the contact
 *  representation */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <hotline/contact.h>

static void test_phone_valid(void **state)
{
	static const char *const good[] = {"+15551234567", "1001", "*21#",
		"alice.smith", "user_1-2", "A"};
	static const char *const bad[] = {"", "+1 555", "a@b", "1;2", "é",
		"<sip:1>"};
	char longest[CONTACT_PHONE_MAX + 1];
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(contact_phone_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(contact_phone_valid(bad[i]));
	assert_false(contact_phone_valid(NULL));
	memset(longest, '1', sizeof(longest));
	longest[CONTACT_PHONE_MAX - 1] = '\0';
	assert_true(contact_phone_valid(longest));
	longest[CONTACT_PHONE_MAX - 1] = '1';
	longest[CONTACT_PHONE_MAX] = '\0';
	assert_false(contact_phone_valid(longest));
}

static void test_email_valid(void **state)
{
	(void)state;
	assert_true(contact_email_valid("ada@example.com"));
	assert_true(contact_email_valid("a@b"));
	assert_false(contact_email_valid(""));
	assert_false(contact_email_valid("ada"));
	assert_false(contact_email_valid("@example.com"));
	assert_false(contact_email_valid("ada@"));
	assert_false(contact_email_valid("a@b@c"));
	assert_false(contact_email_valid("ada @example.com"));
	assert_false(contact_email_valid("ada@exa\nmple.com"));
	assert_false(contact_email_valid(NULL));
}

static void test_json(void **state)
{
	struct contact c;
	json_t *o;
	(void)state;

	memset(&c, 0, sizeof(c));
	c.id = 7;
	strcpy(c.phone, "+15551234567");
	c.created_ms = 1700000000000ULL;
	c.updated_ms = 1700000000123ULL;
	o = contact_json(&c);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 7);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(o, "phone")),
			    "+15551234567");
	assert_true(json_is_null(json_object_get(o, "name")));
	assert_true(json_is_null(json_object_get(o, "email")));
	assert_true(json_is_null(json_object_get(o, "crm_id")));
	assert_string_equal(json_string_value(json_object_get(o,
			    "updated_at")), "2023-11-14T22:13:20.123Z");
	json_decref(o);

	strcpy(c.name, "Ada");
	strcpy(c.email, "ada@example.com");
	strcpy(c.crm_id, "CRM-1");
	o = contact_json(&c);
	assert_string_equal(json_string_value(json_object_get(o, "name")),
			    "Ada");
	assert_string_equal(json_string_value(json_object_get(o, "crm_id")),
			    "CRM-1");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_valid),
		cmocka_unit_test(test_email_valid),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
