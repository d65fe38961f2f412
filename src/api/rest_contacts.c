/** @file api/rest_contacts.c  /api/v1/contacts: the people who call,
 *  known by their number */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/contact.h>
#include <hotline/event.h>
#include <hotline/store.h>
#include "rest.h"

#define CONTACT_FIELDS(req) \
	{"phone",  JDEC_STRING, req, 1, CONTACT_PHONE_MAX - 1, 0, 0}, \
	{"name",   JDEC_STRING_OR_NULL, false, 0, CONTACT_NAME_MAX - 1, 0, 0}, \
	{"email",  JDEC_STRING_OR_NULL, false, 0, CONTACT_EMAIL_MAX - 1, 0, 0}, \
	{"crm_id", JDEC_STRING_OR_NULL, false, 0, CONTACT_CRM_ID_MAX - 1, 0, 0}

static const struct jdec_field create_fields[] = { CONTACT_FIELDS(true) };
static const struct jdec_field patch_fields[] = { CONTACT_FIELDS(false) };

static void publish_contact(struct rest_req *r, const char *type,
			    const struct contact *c, uint64_t at_ms)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};

	re_snprintf(topic, sizeof(topic), "contact:%llu",
		    (unsigned long long)c->id);
	rest_publish(r, type, topicv, 1, at_ms, contact_json(c));
}

/* Copy string field key of obj into buf when present; null clears it */
static void get_str(json_t *obj, const char *key, char *buf, size_t sz)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		str_ncpy(buf, json_string_value(v), sz);
	else if (json_is_null(v))
		buf[0] = '\0';
}

/* Apply the fields present in obj (shapes checked by jdec) to c and
 * check the values; 0 or EPROTO after the reply */
static int decode_contact(struct rest_req *r, json_t *obj, struct contact *c)
{
	get_str(obj, "phone", c->phone, sizeof(c->phone));
	get_str(obj, "name", c->name, sizeof(c->name));
	get_str(obj, "email", c->email, sizeof(c->email));
	get_str(obj, "crm_id", c->crm_id, sizeof(c->crm_id));

	if (!contact_phone_valid(c->phone)) {
		rest_error(r, 422, "invalid_value", "phone", "phone is the "
			   "caller's number as it arrives: 1..63 of "
			   "[0-9A-Za-z_.+*#-]");
		return EPROTO;
	}
	if (c->email[0] && !contact_email_valid(c->email)) {
		rest_error(r, 422, "invalid_value", "email",
			   "email must look like name@example.com");
		return EPROTO;
	}
	return 0;
}

/* A failed create or update: 409 contact_exists when the phone is
 * another contact's */
static void write_error(struct rest_req *r, int err, const struct contact *c)
{
	if (err == EEXIST)
		rest_error(r, 409, "contact_exists", "phone", "another "
			   "contact has phone %s", c->phone);
	else
		rest_error_store(r, err, "contact", "conflict");
}

static void contacts_create(struct rest_req *r)
{
	struct contact c;
	char loc[64];
	json_t *obj;
	int err;

	if (rest_body(r, create_fields, ARRAY_SIZE(create_fields), false,
		      false, &obj))
		return;
	memset(&c, 0, sizeof(c));
	err = decode_contact(r, obj, &c);
	json_decref(obj);
	if (err)
		return;
	c.created_ms = c.updated_ms = clock_now_ms();

	err = store_contact_create(r->api->st, &c);
	if (err) {
		write_error(r, err, &c);
		return;
	}
	publish_contact(r, EV_CONTACT_CREATED, &c, c.created_ms);
	re_snprintf(loc, sizeof(loc), "/api/v1/contacts/%llu",
		    (unsigned long long)c.id);
	rest_reply_json(r, 201, contact_json(&c), loc);
}

static int list_contact(const struct contact *c, void *arg)
{
	char cursor[24];

	re_snprintf(cursor, sizeof(cursor), "%llu",
		    (unsigned long long)c->id);
	return rest_page_add(arg, contact_json(c), cursor);
}

/* ?phone=: the contact with exactly that number, or none (a '+' in a
 * query is a space: send %2B). 0, or EPROTO after the reply. */
static int list_by_phone(struct rest_req *r, struct rest_page_ctx *pc,
			 const char *phone)
{
	struct contact c;
	int err;

	err = store_contact_find_phone(r->api->st, phone, &c);
	if (err == ENOENT)
		return 0;
	if (!err)
		err = list_contact(&c, pc);
	return err;
}

static void contacts_list(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	char cursor[24], phone[CONTACT_PHONE_MAX], *end;
	uint64_t after = 0;
	int err;

	if (rest_page(r, &pc.limit, cursor, sizeof(cursor)))
		return;
	if (cursor[0]) {
		errno = 0;
		after = strtoull(cursor, &end, 10);
		if (errno || *end || cursor[0] < '1' || cursor[0] > '9') {
			rest_error(r, 400, "invalid_query", "cursor",
				   "cursor is not one this server gave");
			return;
		}
	}
	err = rest_query(r, "phone", phone, sizeof(phone));
	if (err == EPROTO)
		return;
	pc.items = json_array();
	if (!err)
		err = list_by_phone(r, &pc, phone);
	else
		err = store_contact_list(r->api->st, after, pc.limit + 1,
					 list_contact, &pc);
	rest_page_reply(r, &pc, err, "contacts");
}

static int load_contact(struct rest_req *r, struct contact *c)
{
	uint64_t id;
	int err;

	if (rest_param_id(r, 0, &id))
		return ENOENT;
	err = store_contact_get(r->api->st, id, c);
	if (err)
		rest_error_store(r, err, "contact", "conflict");
	return err;
}

static void contacts_get(struct rest_req *r)
{
	struct contact c;

	if (!load_contact(r, &c))
		rest_reply_json(r, 200, contact_json(&c), NULL);
}

static void contacts_patch(struct rest_req *r)
{
	struct contact c;
	json_t *obj;
	int err;

	if (load_contact(r, &c) ||
	    rest_body(r, patch_fields, ARRAY_SIZE(patch_fields), true, false,
		      &obj))
		return;
	err = decode_contact(r, obj, &c);
	json_decref(obj);
	if (err)
		return;
	c.updated_ms = clock_now_ms();
	err = store_contact_update(r->api->st, &c);
	if (err) {
		write_error(r, err, &c);
		return;
	}
	publish_contact(r, EV_CONTACT_UPDATED, &c, c.updated_ms);
	rest_reply_json(r, 200, contact_json(&c), NULL);
}

const struct rest_route rest_contact_routes[] = {
	{"POST",  "/api/v1/contacts", contacts_create, false},
	{"GET",   "/api/v1/contacts", contacts_list, false},
	{"GET",   "/api/v1/contacts/{id}", contacts_get, false},
	{"PATCH", "/api/v1/contacts/{id}", contacts_patch, false},
	{NULL, NULL, NULL, false}
};
