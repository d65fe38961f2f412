/** @file hotline/api.h  The HTTP API: REST resources and the event stream */
#ifndef HOTLINE_API_H
#define HOTLINE_API_H

#include <stdint.h>

struct sa;
struct config;
struct store;
struct bus;
struct api;
struct acd;
struct tzdb;

/* What the REST API asks of telephony (set by main; all may be NULL when
 * SIP is off: the calls endpoints then answer 503 sip_disabled). */
struct api_telephony {
	/** Click-to-call: ring agent_id's phones, then dial to and bridge.
	 *  id (33 bytes) gets the new call's id. 0, ENOENT (no such agent),
	 *  ENOTCONN (agent not registered), EBUSY (agent on a call), EINVAL
	 *  (bad number), EHOSTUNREACH (no trunk takes it), EAGAIN (call
	 *  limit reached). */
	int (*originate)(void *arg, uint64_t agent_id, const char *to,
			 char *id);
	/** End a live call; 0, ENOENT (no such live call). */
	int (*hangup)(void *arg, const char *call_id);
	/** Trunks changed through the API (re-read registrations). */
	void (*trunks_changed)(void *arg);
	void *arg;
};

/** Listen on cfg->http_listen and serve /healthz, /api/v1/... and the
 *  WebSocket stream. token_hash: SHA-256 of the admin token (the token
 *  itself is never kept). Borrowed arguments outlive the api. */
int api_alloc(struct api **apip, const struct config *cfg,
	      struct store *st, struct bus *bus, const uint8_t token_hash[32]);

/** Connect the calls endpoints to telephony (tel copied). */
void api_set_telephony(struct api *api, const struct api_telephony *tel);
/** Connect the ACD endpoints (queue stats, wrap-up) to the ACD (borrowed,
 *  outlives the api; NULL: they answer 503 acd_disabled). */
void api_set_acd(struct api *api, struct acd *acd);
/** Check the time zones of flow documents against db (borrowed, outlives
 *  the api; NULL: time zones are not checked). */
void api_set_tzdb(struct api *api, struct tzdb *db);
int api_local(const struct api *api, struct sa *laddr);

/** Print every served route as "METHOD /path/template" lines. */
void api_routes_print(void);

#endif
