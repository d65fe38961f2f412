/** @file api/rest_trunks.c  /api/v1/trunks: SIP trunks CRUD; the password
 *  is write-only (never in a reply, an event or a log line) */
#include <errno.h>
#include <string.h>
#include <hotline/libre.h>
#include <hotline/event.h>
#include <hotline/store.h>
#include <hotline/trunk.h>
#include "rest.h"

#define TRUNK_SETTINGS(req) \
	{"name",             JDEC_STRING, req,   1, TRUNK_NAME_MAX - 1, 0, 0}, \
	{"host",             JDEC_STRING, req,   1, TRUNK_HOST_MAX - 1, 0, 0}, \
	{"transport",        JDEC_STRING, false, 1, 8, 0, 0}, \
	{"username",         JDEC_STRING, false, 0, TRUNK_CRED_MAX - 1, 0, 0}, \
	{"password",         JDEC_STRING, false, 0, TRUNK_CRED_MAX - 1, 0, 0}, \
	{"register",         JDEC_BOOL,   false, 0, 0, 0, 0}, \
	{"register_expires", JDEC_INT,    false, 0, 0, 60, 86400}, \
	{"caller_id",        JDEC_STRING, false, 0, TRUNK_NUMBER_MAX - 1, 0, 0}, \
	{"prefix",           JDEC_STRING, false, 0, TRUNK_NUMBER_MAX - 1, 0, 0}, \
	{"strip",            JDEC_INT,    false, 0, 0, 0, TRUNK_NUMBER_MAX - 1}, \
	{"prepend",          JDEC_STRING, false, 0, TRUNK_NUMBER_MAX - 1, 0, 0}, \
	{"enabled",          JDEC_BOOL,   false, 0, 0, 0, 0}

static const struct jdec_field create_fields[] = {
	{"id", JDEC_STRING, true, 1, TRUNK_ID_MAX - 1, 0, 0},
	TRUNK_SETTINGS(true),
};

static const struct jdec_field patch_fields[] = { TRUNK_SETTINGS(false) };

/**
 * The trunk as replies and trunk.* events show it. The password is
 * replaced by "password_set"; empty optional strings stay "".
 */
static json_t *trunk_json(const struct trunk *t)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:i,s:s,s:s,s:i,"
			 "s:s,s:b,s:o,s:o}",
			 "id", t->id, "name", t->name, "host", t->host,
			 "transport", trunk_transport_name(t->transport),
			 "username", t->username,
			 "password_set", t->password[0] != '\0',
			 "register", t->do_register,
			 "register_expires", (int)t->register_expires_s,
			 "caller_id", t->caller_id, "prefix", t->prefix,
			 "strip", (int)t->strip, "prepend", t->prepend,
			 "enabled", t->enabled,
			 "created_at", rest_time_json(t->created_ms),
			 "updated_at", rest_time_json(t->updated_ms));
}

static void trunks_changed(struct rest_req *r)
{
	const struct api_telephony *tel = &r->api->tel;

	if (tel->trunks_changed)
		tel->trunks_changed(tel->arg);
}

static void publish_trunk(struct rest_req *r, const char *type,
			  const char *id, uint64_t at_ms, json_t *data)
{
	char topic[EVENT_TOPIC_MAX];
	const char *topicv[] = {topic};

	re_snprintf(topic, sizeof(topic), "trunk:%s", id);
	rest_publish(r, type, topicv, 1, at_ms, data);
}

/* SIP user name: printable ASCII without space and the characters that
 * delimit a URI or a quoted digest parameter */
static bool username_valid(const char *s)
{
	for (; *s; s++) {
		if (*s <= ' ' || *s > '~' || strchr("\"\\<>@:;,?/#", *s))
			return false;
	}
	return true;
}

/* Password: any UTF-8 (jdec checked it) without control characters */
static bool password_valid(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	}
	return true;
}

/* "" or a number ([0-9+*#]{1,63}) */
static bool number_or_empty(const char *s)
{
	return !s[0] || trunk_number_valid(s);
}

static void set_str(json_t *obj, const char *key, char *dst, size_t sz)
{
	const char *v = json_string_value(json_object_get(obj, key));

	if (v)
		str_ncpy(dst, v, sz);
}

/* Check the string settings present in obj; 0 or EPROTO (*e set). */
static int check_trunk(json_t *obj, struct jdec_error *e)
{
	static const struct {
		const char *key;
		bool (*ok)(const char *);
		const char *want;
	} checks[] = {
		{"host", trunk_host_valid, "a host name or IP address with an "
		 "optional :port"},
		{"username", username_valid, "printable ASCII without spaces "
		 "or \"\\<>@:;,?/#"},
		{"password", password_valid, "text without control "
		 "characters"},
		{"caller_id", number_or_empty, "\"\" or a number [0-9+*#]"},
		{"prefix", trunk_prefix_valid, "\"\" or a number [0-9+*#]"},
		{"prepend", number_or_empty, "\"\" or a number [0-9+*#]"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const char *v = json_string_value(json_object_get(obj,
							checks[i].key));

		if (v && !checks[i].ok(v))
			return jdec_fail(e, 422, "invalid_value",
					 checks[i].key, "%s must be %s",
					 checks[i].key, checks[i].want);
	}
	return 0;
}

/* Apply the settings present in obj to t; 0 or EPROTO (*e set). */
static int decode_trunk(json_t *obj, struct trunk *t, struct jdec_error *e)
{
	const char *tp = json_string_value(json_object_get(obj, "transport"));
	json_t *v;

	if (check_trunk(obj, e))
		return EPROTO;
	if (tp && trunk_transport_parse(tp, &t->transport))
		return jdec_fail(e, 422, "invalid_value", "transport",
				 "transport must be udp or tcp");
	set_str(obj, "name", t->name, sizeof(t->name));
	set_str(obj, "host", t->host, sizeof(t->host));
	set_str(obj, "username", t->username, sizeof(t->username));
	set_str(obj, "password", t->password, sizeof(t->password));
	set_str(obj, "caller_id", t->caller_id, sizeof(t->caller_id));
	set_str(obj, "prefix", t->prefix, sizeof(t->prefix));
	set_str(obj, "prepend", t->prepend, sizeof(t->prepend));
	if ((v = json_object_get(obj, "register")))
		t->do_register = json_is_true(v);
	if ((v = json_object_get(obj, "register_expires")))
		t->register_expires_s = (uint32_t)json_integer_value(v);
	if ((v = json_object_get(obj, "strip")))
		t->strip = (uint8_t)json_integer_value(v);
	if ((v = json_object_get(obj, "enabled")))
		t->enabled = json_is_true(v);
	return 0;
}

static void trunks_create(struct rest_req *r)
{
	struct jdec_error e;
	struct trunk t;
	char loc[128];
	json_t *obj;
	int err;

	if (rest_body(r, create_fields, ARRAY_SIZE(create_fields), false,
		      false, &obj))
		return;
	trunk_init(&t);
	set_str(obj, "id", t.id, sizeof(t.id));
	if (!trunk_id_valid(t.id))
		err = jdec_fail(&e, 422, "invalid_value", "id", "trunk ids "
				"are [a-z0-9][a-z0-9_-]{0,62}");
	else
		err = decode_trunk(obj, &t, &e);
	json_decref(obj);
	if (err) {
		rest_error_jdec(r, &e);
		return;
	}
	t.created_ms = t.updated_ms = clock_now_ms();

	err = store_trunk_create(r->api->st, &t);
	if (err) {
		rest_error_store(r, err, "trunk", "trunk_exists");
		return;
	}
	publish_trunk(r, EV_TRUNK_CREATED, t.id, t.created_ms,
		      trunk_json(&t));
	trunks_changed(r);
	re_snprintf(loc, sizeof(loc), "/api/v1/trunks/%s", t.id);
	rest_reply_json(r, 201, trunk_json(&t), loc);
}

static int list_trunk(const struct trunk *t, void *arg)
{
	return rest_page_add(arg, trunk_json(t), t->id);
}

static void trunks_list(struct rest_req *r)
{
	struct rest_page_ctx pc = {0};
	char cursor[TRUNK_ID_MAX];
	int err;

	if (rest_page_named(r, &pc, cursor, sizeof(cursor), trunk_id_valid))
		return;
	pc.items = json_array();
	err = store_trunk_list(r->api->st, cursor, pc.limit + 1, list_trunk,
			       &pc);
	rest_page_reply(r, &pc, err, "trunks");
}

/* Load path parameter 0 as a trunk; replies 404 when there is none. */
static int load_trunk(struct rest_req *r, struct trunk *t)
{
	int err;

	if (!trunk_id_valid(r->paramv[0])) {
		rest_error(r, 404, "not_found", NULL, "trunk not found");
		return ENOENT;
	}
	err = store_trunk_get(r->api->st, r->paramv[0], t);
	if (err)
		rest_error_store(r, err, "trunk", "conflict");
	return err;
}

static void trunks_get(struct rest_req *r)
{
	struct trunk t;

	if (!load_trunk(r, &t))
		rest_reply_json(r, 200, trunk_json(&t), NULL);
}

static void trunks_patch(struct rest_req *r)
{
	struct jdec_error e;
	struct trunk t;
	json_t *obj;
	int err;

	if (load_trunk(r, &t))
		return;
	if (rest_body(r, patch_fields, ARRAY_SIZE(patch_fields), true,
		      false, &obj))
		return;
	err = decode_trunk(obj, &t, &e);
	json_decref(obj);
	if (err) {
		rest_error_jdec(r, &e);
		return;
	}
	t.updated_ms = clock_now_ms();
	err = store_trunk_update(r->api->st, &t);
	if (err) {
		rest_error_store(r, err, "trunk", "conflict");
		return;
	}
	publish_trunk(r, EV_TRUNK_UPDATED, t.id, t.updated_ms,
		      trunk_json(&t));
	trunks_changed(r);
	rest_reply_json(r, 200, trunk_json(&t), NULL);
}

/* DIDs naming the trunk keep it: their trunk_id is informative. */
static void trunks_delete(struct rest_req *r)
{
	struct trunk t;
	int err;

	if (load_trunk(r, &t))
		return;
	err = store_trunk_delete(r->api->st, t.id);
	if (err) {
		rest_error_store(r, err, "trunk", "conflict");
		return;
	}
	publish_trunk(r, EV_TRUNK_DELETED, t.id, clock_now_ms(),
		      json_pack("{s:s}", "id", t.id));
	trunks_changed(r);
	rest_reply_empty(r, 204);
}

const struct rest_route rest_trunk_routes[] = {
	{"POST",   "/api/v1/trunks", trunks_create, false},
	{"GET",    "/api/v1/trunks", trunks_list, false},
	{"GET",    "/api/v1/trunks/{id}", trunks_get, false},
	{"PATCH",  "/api/v1/trunks/{id}", trunks_patch, false},
	{"DELETE", "/api/v1/trunks/{id}", trunks_delete, false},
	{NULL, NULL, NULL, false}
};
