/** @file hotline/api.h  The HTTP API: REST resources and the event stream */
#ifndef HOTLINE_API_H
#define HOTLINE_API_H

#include <stdint.h>

struct sa;
struct config;
struct store;
struct bus;
struct api;

/** Listen on cfg->http_listen and serve /healthz, /api/v1/... and the
 *  WebSocket stream. token_hash: SHA-256 of the admin token (the token
 *  itself is never kept). Borrowed arguments outlive the api. */
int api_alloc(struct api **apip, const struct config *cfg,
	      struct store *st, struct bus *bus, const uint8_t token_hash[32]);
int api_local(const struct api *api, struct sa *laddr);

/** Print every served route as "METHOD /path/template" lines. */
void api_routes_print(void);

#endif
