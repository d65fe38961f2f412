/** @file sip/bflow_store.c  What flows read and write in the store: flow
 *  documents (parsed once per version), the caller's contact, and
 *  recordings. */
#include <errno.h>
#include <string.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/event.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "bcall.h"
#include "bflow.h"

#define DOC_CACHE_MAX 64      /* parsed versions kept */

/* A parsed flow version, in b->docl (most recently used first) */
struct doc_entry {
	struct le le;
	char flow_id[FLOW_ID_MAX];
	uint32_t version;
	struct flow_doc *doc;         /* ref */
};

static void entry_destructor(void *arg)
{
	struct doc_entry *e = arg;

	list_unlink(&e->le);
	mem_deref(e->doc);
}

static struct doc_entry *cache_find(struct b2bua *b, const char *id,
				    uint32_t version)
{
	struct le *le;

	LIST_FOREACH(&b->docl, le) {
		struct doc_entry *e = le->data;

		if (e->version == version && !strcmp(e->flow_id, id))
			return e;
	}
	return NULL;
}

static int cache_add(struct b2bua *b, const struct store_flow *sf,
		     struct flow_doc *doc)
{
	struct doc_entry *e = mem_zalloc(sizeof(*e), entry_destructor);

	if (!e)
		return ENOMEM;
	str_ncpy(e->flow_id, sf->id, sizeof(e->flow_id));
	e->version = sf->version;
	e->doc = mem_ref(doc);
	list_prepend(&b->docl, &e->le, e);
	if (list_count(&b->docl) > DOC_CACHE_MAX)
		mem_deref(list_tail(&b->docl)->data);
	return 0;
}

/**
 * The current version of flow flow_id, parsed: *docp (a new reference)
 * and *version. Versions are immutable, so a parsed one is kept and only
 * the current version number is read per call; the text is read and
 * parsed on a miss. The document was checked when it was saved; what it
 * referred to may have gone since (the steps concerned fail when they
 * run). 0, ENOENT, or a store or parse error.
 */
int bflow_doc_get(struct b2bua *b, const char *flow_id,
		  struct flow_doc **docp, uint32_t *version)
{
	struct store_flow sf;
	struct flow_error ferr;
	struct doc_entry *e;
	struct flow_doc *doc;
	uint32_t current = 0;
	int err;

	err = store_flow_exists(b->st, flow_id, &current);
	if (err)
		return err;
	e = cache_find(b, flow_id, current);
	if (e) {
		list_unlink(&e->le);
		list_prepend(&b->docl, &e->le, e);
		*docp = mem_ref(e->doc);
		*version = e->version;
		return 0;
	}
	memset(&sf, 0, sizeof(sf));
	err = store_flow_get(b->st, flow_id, current, &sf);
	if (err)
		return err;
	err = flow_doc_parse(&doc, sf.doc, str_len(sf.doc), NULL, &ferr);
	if (err) {
		log_warn("b2bua: flow %s version %u does not parse: %s at "
			 "%s\n", flow_id, sf.version, ferr.message,
			 ferr.path);
		goto out;
	}
	(void)cache_add(b, &sf, doc);
	*docp = doc;
	*version = sf.version;
 out:
	mem_deref(sf.doc);
	return err;
}

/** Forget every parsed version (the daemon stops). */
void bflow_docs_flush(struct b2bua *b)
{
	list_flush(&b->docl);
}


/* --- contacts ------------------------------------------------------------ */

static void contact_publish(struct b2bua *b, const struct contact *ct)
{
	char topic[40];
	const char *topicv[1] = { topic };

	re_snprintf(topic, sizeof(topic), "contact:%llu",
		    (unsigned long long)ct->id);
	if (bus_publish(b->bus, EV_CONTACT_CREATED, topicv, 1, ct->created_ms,
			contact_json(ct), NULL))
		log_error("b2bua: cannot publish contact %llu\n",
			  (unsigned long long)ct->id);
}

/**
 * The caller's contact, found by number or created (contact.created):
 * the record gets contact_id, the flow the variables contact.*. A caller
 * without a usable number (anonymous) has none.
 */
void bflow_contact(struct bflow *f)
{
	struct bcall *c = f->c;
	struct contact ct;
	char id[24];
	int err;

	if (!contact_phone_valid(c->from_user) ||
	    !strcmp(c->from_user, "anonymous"))
		return;
	err = store_contact_find_phone(c->b->st, c->from_user, &ct);
	if (err == ENOENT) {
		memset(&ct, 0, sizeof(ct));
		str_ncpy(ct.phone, c->from_user, sizeof(ct.phone));
		str_ncpy(ct.name, c->from_name, sizeof(ct.name));
		ct.created_ms = ct.updated_ms = clock_now_ms();
		err = store_contact_create(c->b->st, &ct);
		if (!err)
			contact_publish(c->b, &ct);
	}
	if (err) {
		log_error("b2bua: call %s: contact of %s: (%m)\n", c->rec.id,
			  c->from_user, err);
		return;
	}
	c->rec.contact_id = ct.id;
	re_snprintf(id, sizeof(id), "%llu", (unsigned long long)ct.id);
	(void)flow_var_set(f->x, "contact.id", id);
	(void)flow_var_set(f->x, "contact.name", ct.name);
	(void)flow_var_set(f->x, "contact.email", ct.email);
	(void)flow_var_set(f->x, "contact.crm_id", ct.crm_id);
}


/* --- recordings ---------------------------------------------------------- */

/** A recording is on disk: stored and announced (recording.created on
 *  call:<call_id> and recording:<id>). */
void bflow_recording_store(struct b2bua *b, const char *id,
			   const char *call_id, const char *path,
			   uint32_t duration_ms)
{
	struct store_recording r;
	char topics[2][EVENT_TOPIC_MAX];
	const char *topicv[2] = { topics[0], topics[1] };
	char at[25];
	int err;

	memset(&r, 0, sizeof(r));
	str_ncpy(r.id, id, sizeof(r.id));
	str_ncpy(r.call_id, call_id, sizeof(r.call_id));
	str_ncpy(r.path, path, sizeof(r.path));
	r.duration_ms = duration_ms;
	r.bytes = 44 + (uint64_t)duration_ms * 16;   /* PCM16, 8 kHz */
	r.created_ms = clock_now_ms();
	err = store_recording_put(b->st, &r);
	if (err) {
		log_error("b2bua: call %s: cannot store recording %s (%m)\n",
			  call_id, id, err);
		return;
	}
	re_snprintf(topics[0], sizeof(topics[0]), "call:%s", call_id);
	re_snprintf(topics[1], sizeof(topics[1]), "recording:%s", id);
	event_time_format(at, r.created_ms);
	/* the recording as GET /api/v1/recordings/{id} shows it */
	err = bus_publish(b->bus, EV_RECORDING_CREATED, topicv, 2,
			  r.created_ms, json_pack("{ss ss ss sI sI ss}", "id",
			  id, "call_id", call_id, "path", path, "duration_ms",
			  (json_int_t)duration_ms, "bytes", (json_int_t)r.bytes,
			  "created_at", at), NULL);
	if (err)
		log_error("b2bua: cannot publish recording %s (%m)\n", id, err);
}
