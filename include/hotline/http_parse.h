/** @file hotline/http_parse.h  HTTP/1.1 request head parser (no I/O)
 *
 * Parses one request head (request line + headers) from the start of a
 * buffer, with limits. Pure: no allocation, the result points into buf.
 * The server calls it again when more bytes arrive; because the head is
 * capped (max_head) re-parsing from the start is bounded work.
 */
#ifndef HOTLINE_HTTP_PARSE_H
#define HOTLINE_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define HTTP_HEADERS_MAX 64

struct http_str { const char *p; size_t n; };

struct http_header { struct http_str name, value; };

struct http_limits {
	size_t max_head;     /* request line + headers, bytes (e.g. 16384) */
	size_t max_target;   /* request target, bytes (e.g. 4096) */
	uint64_t max_body;   /* Content-Length above this: 413 */
};

struct http_req {
	struct http_str method;      /* e.g. "GET" (token) */
	struct http_str target;      /* raw request target, e.g. "/a?b=c" */
	struct http_str path;        /* target up to '?' (not decoded) */
	struct http_str query;       /* after '?', n == 0 if none */
	int minor;                   /* HTTP/1.<minor>: 0 or 1 */
	struct http_header hdrv[HTTP_HEADERS_MAX];
	size_t hdrc;
	size_t head_len;             /* bytes of the head incl. final CRLFCRLF */
	uint64_t content_length;     /* 0 when absent */
	bool keep_alive;             /* 1.1 default on, 1.0 default off,
					Connection: close / keep-alive */
	bool upgrade_websocket;      /* Upgrade: websocket + Connection:
					upgrade (token lists handled) */
};

enum http_parse_result {
	HTTP_PARSE_MORE = 0,   /* head incomplete (and under max_head) */
	HTTP_PARSE_DONE,       /* *req filled; body follows at head_len */
	HTTP_PARSE_ERROR,      /* *status holds the reply status */
};

/** Parse the request head at the start of buf.
 *  Errors (*status): 400 malformed request line or header (bare LF line
 *  ends, header without colon, obs-fold, control characters, invalid or
 *  conflicting Content-Length, missing Host in HTTP/1.1);
 *  414 target over max_target; 431 head over max_head or more than
 *  HTTP_HEADERS_MAX headers; 413 Content-Length over max_body;
 *  501 any Transfer-Encoding (chunked request bodies not supported);
 *  505 a version other than HTTP/1.0 or HTTP/1.1. */
enum http_parse_result http_req_parse(struct http_req *req,
				      const char *buf, size_t len,
				      const struct http_limits *lim,
				      uint16_t *status);

/** Case-insensitive header lookup; NULL if absent (first match). */
const struct http_str *http_req_header(const struct http_req *req,
				       const char *name);

/** Find query parameter name in a raw query string and percent-decode
 *  its value ('+' is a space) into out (NUL-terminated).
 *  0, ENOENT (absent), EOVERFLOW (does not fit), EPROTO (bad escape). */
int http_query_get(struct http_str query, const char *name,
		   char *out, size_t outsz);

/** Percent-decode src into out (NUL-terminated); '+' stays '+'.
 *  0, EOVERFLOW, EPROTO (bad escape or decoded NUL). */
int http_pct_decode(struct http_str src, char *out, size_t outsz);

#endif
