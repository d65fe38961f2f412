/** @file hotline/contact.h  Contacts: the people who call, known by their
 *  number (pure core, no I/O).
 *
 * A contact is found by the caller's number exactly as it arrives (the
 * From user part: "+15551234567", "1001"); a flow sees its fields as the
 * variables contact.id, contact.name, contact.email and contact.crm_id.
 */
#ifndef HOTLINE_CONTACT_H
#define HOTLINE_CONTACT_H

#include <stdint.h>
#include <stdbool.h>

#define CONTACT_NAME_MAX   128
#define CONTACT_PHONE_MAX  64     /* [0-9A-Za-z_.+*#-]{1,63} */
#define CONTACT_EMAIL_MAX  256
#define CONTACT_CRM_ID_MAX 128

struct contact {
	uint64_t id;                      /* assigned by the store; topic
					     "contact:<id>" */
	char name[CONTACT_NAME_MAX];      /* "" = unknown */
	char phone[CONTACT_PHONE_MAX];    /* unique */
	char email[CONTACT_EMAIL_MAX];    /* "" = none */
	char crm_id[CONTACT_CRM_ID_MAX];  /* id in an outside CRM, "" = none */
	uint64_t created_ms, updated_ms;
};

/** A number as callers present it: 1..63 of [0-9A-Za-z_.+*#-]. */
bool contact_phone_valid(const char *phone);

/** An e-mail address, loosely: 3..255 printable ASCII bytes, no space,
 *  one '@' with something on both sides. "" is not one. */
bool contact_email_valid(const char *email);

/** The contact as GET /api/v1/contacts/{id} and the contact.* events
 *  show it: id, name, phone, email, crm_id (null when ""), created_at,
 *  updated_at. A new jansson reference, NULL on ENOMEM or text that is
 *  not UTF-8. */
struct json_t;
struct json_t *contact_json(const struct contact *c);

#endif
