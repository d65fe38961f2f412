/** @file api/api.c  HTTP API entry: routing, authentication, dispatch */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <hotline/libre.h>
#include <sodium.h>
#include <hotline/api.h>
#include <hotline/config.h>
#include <hotline/log.h>
#include "hsrv.h"
#include "rest.h"

static const struct rest_route *const tablev[] = {
	rest_misc_routes, rest_agent_routes, rest_queue_routes,
	rest_event_routes, rest_call_routes, rest_trunk_routes,
	rest_did_routes, rest_acd_routes, rest_flow_routes,
	rest_contact_routes, rest_recording_routes,
};

/* Match path against a template segment by segment; {x} segments are
 * captured percent-decoded. true if it matches. */
static bool path_match(const char *tmpl, struct hreq_str path,
		       struct rest_req *r)
{
	const char *p = path.p, *end = path.p + path.n;
	int param = 0;

	while (*tmpl) {
		if (p >= end || *p != '/' || *tmpl != '/')
			return false;
		++p;
		++tmpl;
		const char *seg = p;
		while (p < end && *p != '/')
			++p;
		struct hreq_str s = {seg, (size_t)(p - seg)};
		size_t tl = strcspn(tmpl, "/");

		if (*tmpl == '{') {
			if (!s.n || param == REST_PARAMS_MAX ||
			    hreq_pct_decode(s, r->paramv[param],
					    sizeof(r->paramv[0])))
				return false;
			++param;
		}
		else if (tl != s.n || memcmp(tmpl, s.p, s.n)) {
			return false;
		}
		tmpl += tl;
	}
	return p == end;
}

static bool authorized(struct rest_req *r)
{
	const struct hreq_str *h = hreq_header_find(r->http, "Authorization");
	uint8_t hash[crypto_hash_sha256_BYTES];
	static const char scheme[] = "Bearer ";
	size_t sl = sizeof(scheme) - 1;

	if (!h || h->n <= sl || strncasecmp(h->p, scheme, sl))
		return false;
	crypto_hash_sha256(hash, (const uint8_t *)h->p + sl, h->n - sl);
	return !sodium_memcmp(hash, r->api->token_hash, sizeof(hash));
}

static void dispatch(struct rest_req *r)
{
	struct hreq_str path = r->http->path;
	char allow[96] = "";
	size_t alen = 0;

	for (size_t t = 0; t < ARRAY_SIZE(tablev); t++) {
		for (const struct rest_route *rt = tablev[t]; rt->method;
		     rt++) {
			if (!path_match(rt->path, path, r))
				continue;
			if (strlen(rt->method) != r->http->method.n ||
			    memcmp(rt->method, r->http->method.p,
				   r->http->method.n)) {
				alen += re_snprintf(allow + alen,
						    sizeof(allow) - alen,
						    "%s%s", alen ? ", " : "",
						    rt->method);
				continue;
			}
			if (!rt->public && !authorized(r)) {
				rest_error(r, 401, "unauthorized", NULL,
					   "a valid bearer token is required");
				return;
			}
			rt->h(r);
			return;
		}
	}

	if (alen)
		rest_error_allow(r, allow);
	else
		rest_error(r, 404, "not_found", NULL, "no such resource");
}

static void request_handler(struct hconn *c, const struct hreq *req,
			    const char *body, size_t len, void *arg)
{
	struct rest_req r = {
		.api = arg, .c = c, .http = req, .body = body, .len = len,
		.actor = "admin",
	};

	dispatch(&r);
}

void api_routes_print(void)
{
	for (size_t t = 0; t < ARRAY_SIZE(tablev); t++) {
		for (const struct rest_route *rt = tablev[t]; rt->method;
		     rt++)
			printf("%s %s\n", rt->method, rt->path);
	}
}

static void api_destructor(void *data)
{
	struct api *api = data;

	mem_deref(api->srv);
	mem_deref(api->stream);
}

int api_alloc(struct api **apip, const struct config *cfg,
	      struct store *st, struct bus *bus, const uint8_t token_hash[32])
{
	struct hsrv_conf hc = {
		.lim = {.max_head = 16384, .max_target = 4096,
			.max_body = cfg->http_max_body},
		.max_conns = 4096,
		.idle_timeout_s = 60,
	};
	struct api *api;
	struct sa laddr;
	int err;

	err = sa_decode(&laddr, cfg->http_listen, strlen(cfg->http_listen));
	if (err) {
		log_error("http: bad listen address \"%s\" (ADDR:PORT)\n",
			  cfg->http_listen);
		return EINVAL;
	}

	api = mem_zalloc(sizeof(*api), api_destructor);
	if (!api)
		return ENOMEM;
	api->cfg = cfg;
	api->st = st;
	api->bus = bus;
	memcpy(api->token_hash, token_hash, sizeof(api->token_hash));

	err = stream_alloc(&api->stream, cfg, st, bus);
	if (err)
		goto out;
	err = hsrv_alloc(&api->srv, &laddr, &hc, request_handler, api);
	if (err) {
		log_error("http: cannot listen on %J (%m)\n", &laddr, err);
		goto out;
	}
 out:
	if (err)
		mem_deref(api);
	else
		*apip = api;
	return err;
}

/**
 * Connect the calls and trunks endpoints to telephony. tel is copied;
 * its arg must outlive the api (or the next call). NULL (or hooks left
 * NULL) disconnects: POST /api/v1/calls... answer 503 sip_disabled.
 */
void api_set_telephony(struct api *api, const struct api_telephony *tel)
{
	if (!api)
		return;
	if (tel)
		api->tel = *tel;
	else
		memset(&api->tel, 0, sizeof(api->tel));
}

/**
 * Connect GET /api/v1/queues/{id}/stats and POST
 * /api/v1/agents/{id}/wrap_up to the ACD. acd is borrowed and must
 * outlive the api (or the next call); NULL disconnects: those endpoints
 * then answer 503 acd_disabled.
 */
void api_set_acd(struct api *api, struct acd *acd)
{
	if (api)
		api->acd = acd;
}

/**
 * Check the "timezone" of flow schedule steps against db when a flow is
 * saved. db is borrowed and must outlive the api (or the next call);
 * NULL: time zones are not checked (any name is accepted).
 */
void api_set_tzdb(struct api *api, struct tzdb *db)
{
	if (api)
		api->tzdb = db;
}

int api_local(const struct api *api, struct sa *laddr)
{
	return hsrv_local(api->srv, laddr);
}
