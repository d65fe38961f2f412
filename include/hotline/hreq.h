/** @file hotline/hreq.h  HTTP/1.1 request head parser (no I/O)
 *
 * Parses one request head (request line + headers) from the start of a
 * buffer, with limits. Pure: no allocation, the result points into buf.
 * The server calls it again when more bytes arrive; because the head is
 * capped (max_head) re-parsing from the start is bounded work.
 */
#ifndef HOTLINE_HREQ_H
#define HOTLINE_HREQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define HREQ_FIELDS_MAX 64

struct hreq_str { const char *p; size_t n; };

struct hreq_field { struct hreq_str name, value; };

struct hreq_limits {
	size_t max_head;     /* request line + headers, bytes (e.g. 16384) */
	size_t max_target;   /* request target, bytes (e.g. 4096) */
	uint64_t max_body;   /* Content-Length above this: 413 */
};

struct hreq {
	struct hreq_str method;      /* e.g. "GET" (token) */
	struct hreq_str target;      /* raw request target, e.g. "/a?b=c" */
	struct hreq_str path;        /* target up to '?' (not decoded) */
	struct hreq_str query;       /* after '?', n == 0 if none */
	int minor;                   /* HTTP/1.<minor>: 0 or 1 */
	struct hreq_field hdrv[HREQ_FIELDS_MAX];
	size_t hdrc;
	size_t head_len;             /* bytes of the head incl. final CRLFCRLF */
	uint64_t content_length;     /* 0 when absent */
	bool keep_alive;             /* 1.1 default on, 1.0 default off,
					Connection: close / keep-alive */
	bool upgrade_websocket;      /* Upgrade: websocket + Connection:
					upgrade (token lists handled) */
};

enum hreq_result {
	HREQ_MORE = 0,   /* head incomplete (and under max_head) */
	HREQ_DONE,       /* *req filled; body follows at head_len */
	HREQ_ERROR,      /* *status holds the reply status */
};

/** Parse the request head at the start of buf.
 *  Errors (*status): 400 malformed request line or header (bare LF line
 *  ends, header without colon, obs-fold, control characters, invalid or
 *  conflicting Content-Length, missing Host in HTTP/1.1);
 *  414 target over max_target; 431 head over max_head or more than
 *  HREQ_FIELDS_MAX headers; 413 Content-Length over max_body;
 *  501 any Transfer-Encoding (chunked request bodies not supported);
 *  505 a version other than HTTP/1.0 or HTTP/1.1. */
enum hreq_result hreq_parse(struct hreq *req,
				      const char *buf, size_t len,
				      const struct hreq_limits *lim,
				      uint16_t *status);

/** Case-insensitive header lookup; NULL if absent (first match). */
const struct hreq_str *hreq_header_find(const struct hreq *req,
				       const char *name);

/** Find query parameter name in a raw query string and percent-decode
 *  its value ('+' is a space) into out (NUL-terminated).
 *  0, ENOENT (absent), EOVERFLOW (does not fit), EPROTO (bad escape). */
int hreq_query_get(struct hreq_str query, const char *name,
		   char *out, size_t outsz);

/** Percent-decode src into out (NUL-terminated); '+' stays '+'.
 *  0, EOVERFLOW, EPROTO (bad escape or decoded NUL). */
int hreq_pct_decode(struct hreq_str src, char *out, size_t outsz);

#endif
