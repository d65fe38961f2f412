/** @file hotline/fetch.h  Outgoing HTTP POST of JSON (flow webhook
 *  steps): libcurl's multi interface on one worker thread, results on the
 *  main loop through libre mqueue.
 *
 * Only plain malloc'd copies cross the thread boundary (URL and body in,
 * status and answer body out); libre objects stay on the main thread.
 * Every request is a POST with Content-Type and Accept application/json
 * and User-Agent Hotline/<version>; redirects are not followed (a 3xx is
 * an answer like any other), only http and https are spoken, proxies
 * from the environment are ignored. At most FETCH_INFLIGHT_MAX requests
 * run at once; more wait in order, and their waiting counts against
 * their timeout. Logs name scheme://host:port only, never the path or
 * query (they may hold tokens).
 */
#ifndef HOTLINE_FETCH_H
#define HOTLINE_FETCH_H

#include <stddef.h>
#include <stdint.h>

#define FETCH_URL_MAX        2048          /* bytes */
#define FETCH_BODY_MAX       (1024 * 1024) /* request body, bytes */
#define FETCH_ANSWER_MAX     (64 * 1024)   /* answer body, bytes */
#define FETCH_TIMEOUT_MAX_MS 60000
#define FETCH_INFLIGHT_MAX   64

struct fetch;
struct fetch_req;

/**
 * The outcome of one fetch_post, on the main loop, at most once.
 *
 * @param err     0: an HTTP answer arrived, whatever its status (the
 *                caller decides); ETIMEDOUT: no complete answer within
 *                the timeout (connecting included); ECONNREFUSED:
 *                connection refused, reset, or closed without an answer;
 *                EHOSTUNREACH: the host name does not resolve; EMSGSIZE:
 *                the answer body is over FETCH_ANSWER_MAX (reading
 *                stopped); EPROTO: a garbled HTTP answer or a TLS
 *                failure; ENOMEM; EIO: any other transport failure
 * @param status  The HTTP status (err 0), else 0
 * @param body    The answer body, NUL-terminated (err 0), else NULL;
 *                valid during the call only
 * @param len     Its length in bytes (the NUL not counted)
 * @param arg     The handler argument
 *
 * The handler may free its request, other requests or the fetch.
 */
typedef void (fetch_h)(int err, uint16_t status, const char *body,
		       size_t len, void *arg);

/** Start the worker thread. mem_deref(fetch) aborts every transfer, joins
 *  the worker and calls no pending handler. 0, EINVAL, ENOMEM, EIO (curl
 *  failed to initialise), a pthread errno. Main thread only. */
int fetch_alloc(struct fetch **fp);

/** POST json_body (copied) to url. 0 and *reqp (the caller owns it:
 *  mem_deref before the handler ran cancels the request, h is never
 *  called afterwards); EINVAL (a NULL argument, url not http(s)://host...
 *  or over FETCH_URL_MAX, body over FETCH_BODY_MAX, timeout_ms 0 or over
 *  FETCH_TIMEOUT_MAX_MS); ENOMEM. h always runs later, never inside. */
int fetch_post(struct fetch_req **reqp, struct fetch *f, const char *url,
	       const char *json_body, uint32_t timeout_ms, fetch_h *h,
	       void *arg);

#endif
