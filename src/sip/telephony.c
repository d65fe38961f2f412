/** @file sip/telephony.c  Telephony wiring: the SIP stack, digest
 *  authentication, the registrar (and the B2BUA), in dispatch order */
#include <errno.h>
#include <hotline/libre.h>
#include <hotline/agent.h>
#include <hotline/acd.h>
#include <hotline/api.h>
#include <hotline/config.h>
#include <hotline/fetch.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include <hotline/player.h>
#include <hotline/recorder.h>
#include <hotline/relay.h>
#include <hotline/telephony.h>
#include <hotline/tts.h>
#include "b2bua.h"
#include "sipstack.h"
#include "trunkreg.h"
#include "digest.h"
#include "registrar.h"

struct telephony {
	struct sipstack *ss;            /* owned */
	struct digest *dg;              /* owned */
	struct registrar *reg;          /* owned */
	struct relay_pool *pool;        /* owned */
	struct b2bua *b2bua;            /* owned */
	struct trunkreg *trunkreg;      /* owned */
	struct player_clock *clock;     /* owned: queued callers' media */
	struct tts *tts;                /* owned */
	struct fetch *fetch;            /* owned: flows' webhooks */
	struct recwriter *recw;         /* owned: flows' voicemail */
	struct acd *acd;                /* borrowed */
	struct store *st;               /* borrowed */
};

static void destructor(void *arg)
{
	struct telephony *tel = arg;

	/* reverse order of creation: users of the stack first; calls end
	 * (BYE, CANCEL) before the transports close */
	mem_deref(tel->trunkreg);
	if (tel->acd)
		acd_set_voice(tel->acd, &(struct acd_voice){0});
	mem_deref(tel->b2bua);
	mem_deref(tel->recw);
	mem_deref(tel->fetch);
	mem_deref(tel->tts);
	mem_deref(tel->clock);
	mem_deref(tel->pool);
	sipstack_close(tel->ss);
	mem_deref(tel->reg);
	mem_deref(tel->dg);
	mem_deref(tel->ss);
}

/* The SIP user name is the agent's extension */
static int lookup_agent(const char *user, struct agent *a, void *arg)
{
	struct telephony *tel = arg;

	return store_agent_get_by_extension(tel->st, user, a);
}

/* The RTP relay binds rtp_address, or the first SIP address */
static int media_pool(struct telephony *tel, const struct config *cfg)
{
	struct sa addr = *sipstack_laddr(tel->ss);
	int err;

	if (cfg->rtp_address[0] &&
	    sa_set_str(&addr, cfg->rtp_address, 0)) {
		log_error("rtp: rtp_address \"%s\" is not an IP address\n",
			  cfg->rtp_address);
		return EINVAL;
	}
	err = relay_pool_alloc(&tel->pool, &addr, cfg->rtp_port_min,
			       cfg->rtp_port_max);
	if (err)
		log_error("rtp: cannot use %j ports %u-%u (%m)\n", &addr,
			  cfg->rtp_port_min, cfg->rtp_port_max, err);
	else
		log_info("rtp: relaying on %j ports %u-%u\n", &addr,
			 cfg->rtp_port_min, cfg->rtp_port_max);
	return err;
}

/* Calls Hotline answers (queues, flows): music and prompts, speech,
 * webhooks, voicemail, and the ACD's voice hooks */
static int call_media(struct telephony *tel, const struct config *cfg,
		      struct acd *acd, struct tzdb *tzdb)
{
	struct acd_voice voice;
	int err;

	err = player_clock_alloc(&tel->clock);
	if (!err)
		err = tts_alloc(&tel->tts, cfg->tts_cache_max);
	if (!err)
		err = fetch_alloc(&tel->fetch);
	if (!err)
		err = recwriter_alloc(&tel->recw);
	if (err) {
		log_error("media: cannot start the player, speech, webhooks "
			  "or the recorder (%m)\n", err);
		return err;
	}
	b2bua_media(tel->b2bua, acd, tel->clock, tel->tts);
	b2bua_flows(tel->b2bua, tel->fetch, tel->recw, tzdb);
	if (acd) {
		tel->acd = acd;
		bqueue_voice_hooks(tel->b2bua, &voice);
		acd_set_voice(acd, &voice);
	}
	return 0;
}

static int originate(void *arg, uint64_t agent_id, const char *to, char *id)
{
	struct telephony *tel = arg;

	return b2bua_originate(tel->b2bua, agent_id, to, id);
}

static int hangup(void *arg, const char *call_id)
{
	struct telephony *tel = arg;

	return b2bua_hangup(tel->b2bua, call_id);
}

static void trunks_changed(void *arg)
{
	struct telephony *tel = arg;

	trunkreg_reload(tel->trunkreg);
}

/** What the REST API may ask of telephony. */
void telephony_hooks(struct telephony *tel, struct api_telephony *hooks)
{
	hooks->originate = originate;
	hooks->hangup = hangup;
	hooks->trunks_changed = trunks_changed;
	hooks->arg = tel;
}

/**
 * Create the stack, then each module in the order libre must offer them
 * requests (the registrar, the B2BUA), then the fallback. 0 or errno;
 * each module logs its own failure.
 */
int telephony_alloc(struct telephony **telp, const struct config *cfg,
		    struct store *st, struct bus *bus, struct acd *acd,
		    struct tzdb *tzdb)
{
	struct digest_conf dconf;
	struct telephony *tel;
	int err;

	if (!telp || !cfg || !st || !bus)
		return EINVAL;

	tel = mem_zalloc(sizeof(*tel), destructor);
	if (!tel)
		return ENOMEM;
	tel->st = st;

	dconf.realm = cfg->sip_realm;
	dconf.nonce_ttl_s = cfg->sip_nonce_ttl_s;
	dconf.fail_limit = cfg->sip_auth_fail_limit;
	dconf.block_s = cfg->sip_auth_block_s;

	err = sipstack_alloc(&tel->ss, cfg);
	if (err)
		goto out;
	err = digest_alloc(&tel->dg, tel->ss, &dconf, lookup_agent, tel);
	if (err) {
		log_error("sip: digest: cannot start (%m)\n", err);
		goto out;
	}
	err = registrar_alloc(&tel->reg, tel->ss, tel->dg, cfg, st, bus);
	if (err)
		goto out;

	err = media_pool(tel, cfg);
	if (err)
		goto out;
	err = b2bua_alloc(&tel->b2bua, tel->ss, tel->dg, tel->reg, tel->pool,
			  cfg, st, bus);
	if (err) {
		log_error("sip: b2bua: cannot start (%m)\n", err);
		goto out;
	}
	err = call_media(tel, cfg, acd, tzdb);
	if (err)
		goto out;

	err = trunkreg_alloc(&tel->trunkreg, tel->ss, st);
	if (err)
		goto out;

	err = sipstack_ready(tel->ss);
 out:
	if (err)
		mem_deref(tel);
	else
		*telp = tel;
	return err;
}
