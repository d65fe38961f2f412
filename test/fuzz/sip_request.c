/** @file test/fuzz/sip_request.c  A SIP request through libre's decoder,
 *  then our pure request handling: the common checks, the fallback's
 *  answer, the registrar's Contact/Expires reading and the digest
 *  decision (fixed user, fixed clock steps) */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <hotline/agent.h>
#include <hotline/log.h>
#include "sip/digest.h"
#include "sip/registrar.h"
#include "sip/sipstack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static const struct registrar_limits lim = {60, 3600};

static int lookup(const char *user, struct agent *a, void *arg)
{
	(void)arg;
	CHECK(strlen(user) < AGENT_EXT_MAX);
	if (strcmp(user, "1001"))
		return ENOENT;
	agent_init(a);
	a->id = 7;
	str_ncpy(a->extension, "1001", sizeof(a->extension));
	agent_ha1(a->ha1, "1001", "hotline", "secret-pw");
	return 0;
}

static struct digest *dig(void)
{
	static struct digest *d;
	const struct digest_conf conf = {"hotline", 60, 5, 30};

	if (!d) {
		log_level_set(LOGL_ERROR);
		CHECK(!digest_alloc(&d, NULL, &conf, lookup, NULL));
	}
	return d;
}

static void check_registrar(const struct sip_msg *msg)
{
	struct registrar_req rq;
	const char *reason = NULL;
	uint16_t sc = registrar_req_parse(&rq, msg, &lim, &reason);

	if (sc) {
		CHECK(sc == 400 || sc == 403 || sc == 423);
		CHECK(reason && *reason);
		return;
	}
	CHECK(rq.contactc <= REGISTRAR_BINDINGS_MAX);
	CHECK(!rq.star || rq.contactc == 0);
	for (size_t i = 0; i < rq.contactc; i++) {
		const struct registrar_contact *c = &rq.contactv[i];

		CHECK(c->uri[0] && strlen(c->uri) < REG_CONTACT_MAX);
		CHECK(c->expires <= lim.max_expires);
		CHECK(!c->expires || c->expires >= lim.min_expires);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(c->uri, rq.contactv[j].uri));
	}
}

static void check_digest(const struct sip_msg *msg, uint64_t now)
{
	for (int proxy = 0; proxy < 2; proxy++) {
		const char *why = NULL;
		struct agent a;
		enum digest_result r;

		r = digest_check(dig(), msg, proxy, now, &a, &why);
		CHECK(why);
		CHECK(r >= DIGEST_OK && r <= DIGEST_ERROR);
		CHECK(r != DIGEST_ERROR);       /* the lookup never fails */
		if (r == DIGEST_OK)
			CHECK(a.id == 7);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1800000000000ull;
	struct sipstack_answer ans;
	struct sip_msg *msg = NULL;
	const char *reason = NULL;
	struct mbuf *mb;

	mb = mbuf_alloc(size + 1);
	if (!mb)
		return 0;
	(void)mbuf_write_mem(mb, data, size);
	mb->pos = 0;

	if (sip_msg_decode(&msg, mb) || !msg->req)
		goto out;

	/* past any block the previous inputs caused */
	now += 31000;
	(void)sa_set_str(&msg->src, "192.0.2.1", 5060);

	if (pl_strcmp(&msg->met, "ACK")) {
		uint16_t sc = sipstack_request_check(msg, &reason);

		CHECK(sc == 0 || sc == 400 || sc == 416 || sc == 483);
		CHECK(!sc || reason);
	}
	sipstack_fallback_answer(msg, &ans);
	CHECK(ans.scode == 0 || (ans.scode >= 200 && ans.scode < 600));
	CHECK(!ans.scode || ans.reason);

	check_registrar(msg);
	check_digest(msg, now);
 out:
	mem_deref(msg);
	mem_deref(mb);
	return 0;
}
