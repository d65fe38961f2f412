/** @file core/contact.c  Contact field checks (no I/O) */
#include <string.h>
#include <jansson.h>
#include <hotline/contact.h>
#include <hotline/event.h>

#define PHONE_CHARS "0123456789abcdefghijklmnopqrstuvwxyz" \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZ_.+*#-"

bool contact_phone_valid(const char *phone)
{
	size_t n;

	if (!phone)
		return false;
	n = strlen(phone);
	return n >= 1 && n < CONTACT_PHONE_MAX &&
	       strspn(phone, PHONE_CHARS) == n;
}

/* Deliverability is the mail system's business; this only keeps out what
 * cannot be an address (spaces, control bytes, no '@') */
bool contact_email_valid(const char *email)
{
	const char *at;
	size_t n;

	if (!email)
		return false;
	n = strlen(email);
	if (n < 3 || n >= CONTACT_EMAIL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)email[i] <= ' ' ||
		    (unsigned char)email[i] > '~')
			return false;
	}
	at = strchr(email, '@');
	return at && at != email && at[1] && !strchr(at + 1, '@');
}

static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *time_json(uint64_t ms)
{
	char buf[25];

	event_time_format(buf, ms);
	return json_string(buf);
}

/**
 * The contact representation (REST replies and contact.* events):
 * {"id","name","phone","email","crm_id","created_at","updated_at"}, the
 * optional strings null when empty.
 * @return A new reference, NULL on ENOMEM or a string that is not UTF-8
 */
json_t *contact_json(const struct contact *c)
{
	return json_pack("{s:I,s:o,s:s,s:o,s:o,s:o,s:o}",
			 "id", (json_int_t)c->id,
			 "name", str_or_null(c->name),
			 "phone", c->phone,
			 "email", str_or_null(c->email),
			 "crm_id", str_or_null(c->crm_id),
			 "created_at", time_json(c->created_ms),
			 "updated_at", time_json(c->updated_ms));
}
