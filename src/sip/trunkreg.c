/** @file sip/trunkreg.c  Registrations at trunks (libre's sipreg) */
#include <errno.h>
#include <string.h>
#include <sodium.h>
#include <re.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include "creds.h"
#include "sipstack.h"
#include "trunkreg.h"

struct trunkreg {
	struct sipstack *ss;       /* borrowed */
	struct store *st;          /* borrowed */
	struct list regl;          /* struct treg, owned */
};

/* One registration; t is a copy so credentials stay while it lives */
struct treg {
	struct le le;
	struct trunk t;
	struct sipreg *reg;        /* owned */
	uint16_t last_status;      /* logged on change only */
	bool seen;                 /* still wanted after a reload */
};

static void treg_destructor(void *arg)
{
	struct treg *r = arg;

	list_unlink(&r->le);
	mem_deref(r->reg);      /* unregisters (expires 0) */
	sodium_memzero(r->t.password, sizeof(r->t.password));
}

static void resp_h(int err, const struct sip_msg *msg, void *arg)
{
	struct treg *r = arg;
	uint16_t status = err ? 0 : msg->scode;

	if (status == r->last_status && !err)
		return;
	r->last_status = status;
	if (err)
		log_warn("sip: trunk %s: REGISTER failed (%m)\n", r->t.id,
			 err);
	else if (status < 300)
		log_info("sip: trunk %s: registered\n", r->t.id);
	else
		log_warn("sip: trunk %s: REGISTER refused: %u %r\n", r->t.id,
			 status, &msg->reason);
}

static int treg_start(struct trunkreg *tr, const struct trunk *t)
{
	char reg_uri[200], aor[300];
	const char *user = t->username[0] ? t->username :
			   t->caller_id[0] ? t->caller_id : "hotline";
	struct creds *c;
	struct treg *r;
	int err;

	err = creds_alloc(&c, t->username, t->password);
	if (err)
		return err;
	r = mem_zalloc(sizeof(*r), treg_destructor);
	if (!r) {
		mem_deref(c);
		return ENOMEM;
	}
	r->t = *t;
	r->seen = true;
	re_snprintf(reg_uri, sizeof(reg_uri), "sip:%s%s", t->host,
		    t->transport == TRUNK_TCP ? ";transport=tcp" : "");
	re_snprintf(aor, sizeof(aor), "sip:%s@%s", user, t->host);

	err = sipreg_register(&r->reg, sipstack_sip(tr->ss), reg_uri, aor,
			      NULL, aor, t->register_expires_s, user, NULL,
			      0, 0, creds_auth_h, c, true, resp_h, r, NULL,
			      NULL);
	mem_deref(c);   /* libre holds it now */
	if (err) {
		log_warn("sip: trunk %s: cannot register (%m)\n", t->id, err);
		mem_deref(r);
		return err;
	}
	list_append(&tr->regl, &r->le, r);
	return 0;
}

static struct treg *treg_find(const struct trunkreg *tr, const char *id)
{
	for (struct le *le = tr->regl.head; le; le = le->next) {
		struct treg *r = le->data;

		if (!strcmp(r->t.id, id))
			return r;
	}
	return NULL;
}

/* Settings that change what we send */
static bool treg_same(const struct trunk *a, const struct trunk *b)
{
	return !strcmp(a->host, b->host) && a->transport == b->transport &&
	       !strcmp(a->username, b->username) &&
	       !strcmp(a->password, b->password) &&
	       !strcmp(a->caller_id, b->caller_id) &&
	       a->register_expires_s == b->register_expires_s;
}

static int reload_one(const struct trunk *t, void *arg)
{
	struct trunkreg *tr = arg;
	struct treg *r = treg_find(tr, t->id);

	if (!t->enabled || !t->do_register)
		return 0;
	if (r && treg_same(&r->t, t)) {
		r->seen = true;
		return 0;
	}
	mem_deref(r);
	(void)treg_start(tr, t);
	return 0;
}

void trunkreg_reload(struct trunkreg *tr)
{
	struct le *le;
	int err;

	for (le = tr->regl.head; le; le = le->next)
		((struct treg *)le->data)->seen = false;

	err = store_trunk_list(tr->st, "", 0, reload_one, tr);
	if (err) {
		log_error("sip: trunks: cannot read trunks (%m)\n", err);
		return;
	}

	le = tr->regl.head;
	while (le) {
		struct treg *r = le->data;

		le = le->next;
		if (!r->seen)
			mem_deref(r);
	}
}

static void destructor(void *arg)
{
	struct trunkreg *tr = arg;

	list_flush(&tr->regl);
}

int trunkreg_alloc(struct trunkreg **trp, struct sipstack *ss,
		   struct store *st)
{
	struct trunkreg *tr = mem_zalloc(sizeof(*tr), destructor);

	if (!tr)
		return ENOMEM;
	tr->ss = ss;
	tr->st = st;
	trunkreg_reload(tr);
	*trp = tr;
	return 0;
}
