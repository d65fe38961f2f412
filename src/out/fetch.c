/** @file out/fetch.c  HTTP POST of JSON on a libcurl multi handle in a
 *  worker thread; results come back on the main loop through mqueue
 *
 * Threads: the main thread owns every libre object (the fetch, requests,
 * the hash of live requests, the mqueue). The worker sees only struct
 * wreq, plain malloc'd memory, and the curl handles. A wreq travels
 * queued (main → worker, under mtx) → running (worker only) → done
 * (worker → main, under mtx) and is freed by whoever holds it last: the
 * main thread when it drains done, or the worker for a request cancelled
 * while queued or running (it drops the transfer at once).
 *
 * Cancelling: mem_deref(fetch_req) unlinks the request from the hash
 * and, under mtx, marks its wreq cancelled. A result of a cancelled
 * request may already be in done or in the pipe; the main thread finds
 * requests by id in the hash, so such a result finds nobody and is
 * dropped. No handler is ever called after its request was freed.
 *
 * Waking: the main thread wakes the worker with curl_multi_wakeup (the
 * one thread-safe multi call); the worker wakes the loop with
 * mqueue_push(mq, 0, NULL), at most one wake-up in the pipe at a time
 * (notified), so the non-blocking pipe never fills up.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <re.h>
#include <hotline/fetch.h>
#include <hotline/log.h>
#include <hotline/version.h>

#define ORIGIN_MAX   300     /* "https://" + host + ":65535" */
#define POLL_MAX_MS  1000
#define GRACE_MS     50      /* the main thread's own timeout comes this
				long after curl's */

/* Plain C, crosses threads */
struct wreq {
	struct wreq *next;
	uint64_t id;
	uint64_t deadline;        /* monotonic ms: post time + timeout */
	bool cancelled;           /* under mtx; set by the main thread */

	/* worker only, while running */
	CURL *easy;               /* owned */
	char *answer;             /* malloc'd, NUL-terminated when set */
	size_t anslen, anscap;
	bool overflow;            /* the answer went over the limit */

	/* result, read by the main thread from done */
	int err;
	uint16_t status;

	char *url;                /* points into buf */
	size_t bodylen;
	char buf[];               /* body, NUL, url, NUL */
};

struct wlist {
	struct wreq *head;
	struct wreq **tail;
};

struct fetch {
	/* main thread */
	struct mqueue *mq;        /* owned */
	struct hash *reqh;        /* struct fetch_req by id, not owned */
	uint64_t next_id;
	pthread_t thread;
	bool sync;                /* mtx initialised */
	bool started;             /* the worker runs: join it */

	/* set up before the worker starts, freed after it stopped */
	CURLM *multi;             /* owned; used by the worker only */
	struct curl_slist *hdrs;  /* owned; shared by every transfer */

	/* worker only */
	struct wreq *runv[FETCH_INFLIGHT_MAX];
	unsigned runc;

	/* shared, under mtx */
	pthread_mutex_t mtx;
	struct wlist queued, done;
	bool stop;
	bool notified;            /* a wake-up is in the pipe */
};

struct fetch_req {
	struct le le;             /* in f->reqh while pending */
	struct tmr tmr;           /* the deadline, on the main loop */
	struct fetch *f;          /* borrowed; NULL once done or detached */
	struct wreq *w;           /* borrowed: alive while pending */
	uint64_t id;
	uint64_t t0;              /* monotonic ms at post, for the log */
	fetch_h *h;
	void *arg;
	char origin[ORIGIN_MAX];  /* scheme://host:port: what logs show */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static const char user_agent[] = "Hotline/" HOTLINE_VERSION;


static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void wlist_init(struct wlist *l)
{
	l->head = NULL;
	l->tail = &l->head;
}


static void wlist_push(struct wlist *l, struct wreq *w)
{
	w->next = NULL;
	*l->tail = w;
	l->tail = &w->next;
}


static struct wreq *wlist_pop(struct wlist *l)
{
	struct wreq *w = l->head;

	if (w) {
		l->head = w->next;
		if (!l->head)
			l->tail = &l->head;
	}

	return w;
}


/* Take the whole list, leaving l empty */
static struct wlist wlist_take(struct wlist *l)
{
	struct wlist out = *l;

	if (!out.head)
		out.tail = &out.head;
	wlist_init(l);

	return out;
}


static void wreq_free(struct wreq *w)
{
	if (!w)
		return;

	if (w->easy)
		curl_easy_cleanup(w->easy);
	free(w->answer);
	free(w);
}


/* Worker: answer bytes, at most FETCH_ANSWER_MAX; over that, stop */
static size_t on_write(char *p, size_t size, size_t n, void *arg)
{
	struct wreq *w = arg;
	size_t len = size * n;
	char *a;

	if (len > FETCH_ANSWER_MAX - w->anslen) {
		w->overflow = true;
		return 0;   /* CURLE_WRITE_ERROR: EMSGSIZE */
	}

	if (w->anslen + len + 1 > w->anscap) {
		size_t cap = w->anscap ? w->anscap : 1024;

		while (cap < w->anslen + len + 1)
			cap *= 2;
		if (cap > FETCH_ANSWER_MAX + 1)
			cap = FETCH_ANSWER_MAX + 1;
		a = realloc(w->answer, cap);
		if (!a)
			return 0;
		w->answer = a;
		w->anscap = cap;
	}

	memcpy(w->answer + w->anslen, p, len);
	w->anslen += len;
	w->answer[w->anslen] = '\0';

	return len;
}


static int err_from_curl(const struct wreq *w, CURLcode rc)
{
	switch (rc) {

	case CURLE_OK:                   return 0;
	case CURLE_OPERATION_TIMEDOUT:   return ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:           return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST: return EHOSTUNREACH;
	case CURLE_FILESIZE_EXCEEDED:    return EMSGSIZE;
	case CURLE_WRITE_ERROR:
		/* on_write refuses only over the limit or without memory */
		return w->overflow ? EMSGSIZE : ENOMEM;
	case CURLE_OUT_OF_MEMORY:        return ENOMEM;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_USE_SSL_FAILED:       return EPROTO;
	default:                         return EIO;
	}
}


#define SETOPT(opt, val) \
	do { if (!rc) rc = curl_easy_setopt(e, opt, val); } while (0)

/* Worker: an easy handle for w, with timeout_ms left */
static CURLcode easy_setup(struct fetch *f, struct wreq *w, long timeout_ms)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (!e)
		return CURLE_OUT_OF_MEMORY;

	w->easy = e;
	SETOPT(CURLOPT_URL, w->url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_NOPROXY, "*");
	SETOPT(CURLOPT_POST, 1L);
	SETOPT(CURLOPT_POSTFIELDS, &w->buf[0]);  /* gcc: no sizeof of a flexible member */
	SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->bodylen);
	SETOPT(CURLOPT_HTTPHEADER, f->hdrs);
	SETOPT(CURLOPT_USERAGENT, user_agent);
	SETOPT(CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_ANSWER_MAX);
	SETOPT(CURLOPT_WRITEFUNCTION, on_write);
	SETOPT(CURLOPT_WRITEDATA, w);
	SETOPT(CURLOPT_PRIVATE, w);

	return rc;
}

#undef SETOPT


/* Worker: hand w back to the main thread */
static void wreq_finish(struct fetch *f, struct wreq *w)
{
	if (w->easy) {
		curl_easy_cleanup(w->easy);
		w->easy = NULL;
	}

	pthread_mutex_lock(&f->mtx);
	wlist_push(&f->done, w);
	if (!f->notified && !mqueue_push(f->mq, 0, NULL))
		f->notified = true;
	pthread_mutex_unlock(&f->mtx);
}


/* Worker: start w, or finish it at once with an error */
static void wreq_start(struct fetch *f, struct wreq *w)
{
	uint64_t now = mono_ms();
	CURLcode rc;

	if (now >= w->deadline) {
		w->err = ETIMEDOUT;   /* its time ran out while it waited */
		wreq_finish(f, w);
		return;
	}

	rc = easy_setup(f, w, (long)(w->deadline - now));
	if (!rc && curl_multi_add_handle(f->multi, w->easy) != CURLM_OK)
		rc = CURLE_OUT_OF_MEMORY;
	if (rc) {
		w->err = err_from_curl(w, rc);
		wreq_finish(f, w);
		return;
	}

	f->runv[f->runc++] = w;
}


static void run_remove(struct fetch *f, unsigned i)
{
	curl_multi_remove_handle(f->multi, f->runv[i]->easy);
	f->runv[i] = f->runv[--f->runc];
}


/* Worker, under mtx: drop cancelled transfers, take queued work up to
 * the in-flight limit (into *startl). false: stop. */
static bool worker_sync(struct fetch *f, struct wlist *startl)
{
	unsigned room;
	struct wreq *w;

	if (f->stop)
		return false;

	for (unsigned i = 0; i < f->runc;) {
		w = f->runv[i];
		if (!w->cancelled) {
			i++;
			continue;
		}
		run_remove(f, i);
		wreq_free(w);
	}

	room = FETCH_INFLIGHT_MAX - f->runc;
	while (room && (w = wlist_pop(&f->queued))) {
		if (w->cancelled) {
			wreq_free(w);
			continue;
		}
		wlist_push(startl, w);
		room--;
	}

	return true;
}


/* Worker: finished transfers back to the main thread */
static void worker_collect(struct fetch *f)
{
	struct CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(f->multi, &left))) {
		struct wreq *w = NULL;
		long status = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;

		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&w);
		for (unsigned i = 0; i < f->runc; i++) {
			if (f->runv[i] == w) {
				run_remove(f, i);
				break;
			}
		}

		w->err = err_from_curl(w, msg->data.result);
		if (!w->err) {
			curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE,
					  &status);
			if (status < 100 || status > 999)
				w->err = EPROTO;
			else
				w->status = (uint16_t)status;
		}

		wreq_finish(f, w);   /* msg is invalid from here */
	}
}


static void *worker(void *arg)
{
	struct fetch *f = arg;
	struct wlist startl;
	struct wreq *w;
	int running;
	bool go;

	for (;;) {
		wlist_init(&startl);
		pthread_mutex_lock(&f->mtx);
		go = worker_sync(f, &startl);
		pthread_mutex_unlock(&f->mtx);
		if (!go)
			break;

		while ((w = wlist_pop(&startl)))
			wreq_start(f, w);

		curl_multi_perform(f->multi, &running);
		worker_collect(f);
		curl_multi_poll(f->multi, NULL, 0, POLL_MAX_MS, NULL);
	}

	while (f->runc) {
		w = f->runv[0];
		run_remove(f, 0);
		wreq_free(w);
	}

	return NULL;
}


/* Main thread: req leaves f; it will never be called */
static void req_detach(struct fetch_req *req)
{
	hash_unlink(&req->le);
	tmr_cancel(&req->tmr);
	req->f = NULL;
	req->w = NULL;
}


static bool detach_apply(struct le *le, void *arg)
{
	(void)arg;
	req_detach(le->data);
	return false;
}


static void fetch_destructor(void *arg)
{
	struct fetch *f = arg;
	struct wreq *w;

	if (f->started) {
		pthread_mutex_lock(&f->mtx);
		f->stop = true;
		pthread_mutex_unlock(&f->mtx);
		curl_multi_wakeup(f->multi);
		(void)pthread_join(f->thread, NULL);
	}

	while ((w = wlist_pop(&f->queued)))
		wreq_free(w);
	while ((w = wlist_pop(&f->done)))
		wreq_free(w);

	hash_apply(f->reqh, detach_apply, NULL);
	mem_deref(f->reqh);
	if (f->multi)
		curl_multi_cleanup(f->multi);
	curl_slist_free_all(f->hdrs);
	mem_deref(f->mq);
	if (f->sync)
		pthread_mutex_destroy(&f->mtx);
}


static bool id_match(struct le *le, void *arg)
{
	const struct fetch_req *req = le->data;

	return req->id == *(const uint64_t *)arg;
}


static void log_result(const struct fetch_req *req, const struct wreq *w)
{
	uint64_t ms = mono_ms() - req->t0;

	/* ETIMEDOUT's own text says "connection": it may be the answer
	 * that was late */
	if (w->err == ETIMEDOUT)
		log_info("fetch: POST %s: no complete answer after %llu ms\n",
			 req->origin, (unsigned long long)ms);
	else if (w->err)
		log_info("fetch: POST %s: %m after %llu ms\n", req->origin,
			 w->err, (unsigned long long)ms);
	else
		log_debug("fetch: POST %s: %u, %zu bytes in %llu ms\n",
			  req->origin, w->status, w->anslen,
			  (unsigned long long)ms);
}


/* Main thread: one result to its request, if it still exists */
static void deliver(struct fetch *f, struct wreq *w)
{
	struct fetch_req *req;
	struct le *le;

	le = hash_lookup(f->reqh, (uint32_t)w->id, id_match, &w->id);
	if (!le)
		return;   /* cancelled after the worker finished it */

	req = le->data;
	req_detach(req);

	log_result(req, w);
	if (w->err)
		req->h(w->err, 0, NULL, 0, req->arg);
	else
		req->h(0, w->status, w->answer ? w->answer : "", w->anslen,
		       req->arg);
}


static void mq_handler(int id, void *data, void *arg)
{
	struct fetch *f = mem_ref(arg);
	struct wlist done;
	struct wreq *w;

	(void)id;
	(void)data;

	pthread_mutex_lock(&f->mtx);
	done = wlist_take(&f->done);
	f->notified = false;
	pthread_mutex_unlock(&f->mtx);

	/* a handler may free f: the rest are then dropped, not called */
	while ((w = wlist_pop(&done))) {
		if (mem_nrefs(f) > 1)
			deliver(f, w);
		wreq_free(w);
	}

	mem_deref(f);
}


static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}


/* The worker starts with every signal blocked (the mask is inherited),
 * so signals such as SIGTERM are always handled by the main thread */
static int thread_start(struct fetch *f)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&f->thread, NULL, worker, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	return err;
}


static int headers_make(struct curl_slist **hdrsp)
{
	static const char *hdrv[] = {
		"Content-Type: application/json",
		"Accept: application/json",
		"Expect:",            /* no 100-continue round trip */
	};
	struct curl_slist *l = NULL, *n;

	for (size_t i = 0; i < sizeof(hdrv) / sizeof(hdrv[0]); i++) {
		n = curl_slist_append(l, hdrv[i]);
		if (!n) {
			curl_slist_free_all(l);
			return ENOMEM;
		}
		l = n;
	}

	*hdrsp = l;
	return 0;
}


/**
 * Start the HTTP client: one worker thread running a curl multi handle.
 * Main thread only (it also runs curl_global_init, once per process,
 * which is not thread-safe).
 *
 * @param fp  Set to the new fetch. mem_deref aborts every transfer,
 *            joins the worker (promptly: it is woken) and drops every
 *            pending request: no handler is called afterwards.
 *
 * @return 0; EINVAL; ENOMEM; EIO (curl would not initialise); a
 *         pthread_create errno
 */
int fetch_alloc(struct fetch **fp)
{
	struct fetch *f;
	int err;

	if (!fp)
		return EINVAL;

	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return EIO;

	f = mem_zalloc(sizeof(*f), fetch_destructor);
	if (!f)
		return ENOMEM;

	wlist_init(&f->queued);
	wlist_init(&f->done);
	err = pthread_mutex_init(&f->mtx, NULL);
	if (err)
		goto out;
	f->sync = true;

	err = hash_alloc(&f->reqh, 256);
	if (err)
		goto out;

	err = headers_make(&f->hdrs);
	if (err)
		goto out;

	f->multi = curl_multi_init();
	if (!f->multi) {
		err = ENOMEM;
		goto out;
	}

	err = mqueue_alloc(&f->mq, mq_handler, f);
	if (err)
		goto out;

	err = thread_start(f);
	if (err)
		goto out;
	f->started = true;

 out:
	if (err)
		mem_deref(f);
	else
		*fp = f;

	return err;
}


/* Main thread: take req out of f and make the worker drop its work */
static void req_cancel(struct fetch_req *req)
{
	struct fetch *f = req->f;
	struct wreq *w = req->w;

	if (!f)
		return;

	req_detach(req);
	pthread_mutex_lock(&f->mtx);
	w->cancelled = true;
	pthread_mutex_unlock(&f->mtx);
	curl_multi_wakeup(f->multi);
}


static void req_destructor(void *arg)
{
	req_cancel(arg);
}


/* The deadline passed without a result from the worker (the request
 * waited for a slot, or the worker is late): time out from here */
static void req_expire(void *arg)
{
	struct fetch_req *req = arg;

	req_cancel(req);
	log_info("fetch: POST %s: %m after %llu ms (not started or no "
		 "result)\n", req->origin, ETIMEDOUT,
		 (unsigned long long)(mono_ms() - req->t0));
	req->h(ETIMEDOUT, 0, NULL, 0, req->arg);
}


/* scheme://host:port of an http(s) URL into origin; EINVAL if the URL
 * is not one curl would take, or has no host */
static int url_origin(char *origin, size_t sz, const char *url)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLU *u = curl_url();
	int err = EINVAL;

	if (!u)
		return ENOMEM;

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)
	    != CURLUE_OK)
		goto out;
	if (!*host || (strcmp(scheme, "http") && strcmp(scheme, "https")))
		goto out;

	if (re_snprintf(origin, sz, "%s://%s:%s", scheme, host, port) < 0)
		goto out;
	err = 0;

 out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return err;
}


/* The URL syntax we accept before curl looks: http(s)://, printable
 * ASCII without spaces, at most FETCH_URL_MAX bytes */
static bool url_ok(const char *url)
{
	size_t len = strnlen(url, FETCH_URL_MAX + 1);

	if (len > FETCH_URL_MAX)
		return false;
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}

	return true;
}


static struct wreq *wreq_make(const char *url, const char *body,
			      uint64_t id, uint64_t deadline)
{
	size_t ulen = strlen(url), blen = strlen(body);
	struct wreq *w = calloc(1, sizeof(*w) + blen + 1 + ulen + 1);

	if (!w)
		return NULL;

	w->id = id;
	w->deadline = deadline;
	w->bodylen = blen;
	memcpy(w->buf, body, blen + 1);
	w->url = w->buf + blen + 1;
	memcpy(w->url, url, ulen + 1);

	return w;
}


/**
 * POST a JSON body to url; the answer comes to h on the main loop.
 *
 * @param reqp        Set to the request (the caller owns it). mem_deref
 *                    before h ran cancels it (a running transfer is
 *                    aborted); after h ran it only frees memory. It may
 *                    outlive f harmlessly.
 * @param f           The fetch
 * @param url         http:// or https:// URL with a host, printable
 *                    ASCII, at most FETCH_URL_MAX bytes; copied
 * @param json_body   The body, at most FETCH_BODY_MAX bytes; copied and
 *                    sent as is (the caller makes it JSON)
 * @param timeout_ms  1..FETCH_TIMEOUT_MAX_MS, counted from this call:
 *                    waiting for a free slot, resolving, connecting,
 *                    sending and reading all count
 * @param h           Result handler, called once, later (see fetch_h)
 * @param arg         Handler argument
 *
 * @return 0; EINVAL (see above); ENOMEM
 */
int fetch_post(struct fetch_req **reqp, struct fetch *f, const char *url,
	       const char *json_body, uint32_t timeout_ms, fetch_h *h,
	       void *arg)
{
	struct fetch_req *req;
	struct wreq *w;
	int err;

	if (!reqp || !f || !url || !json_body || !h || !timeout_ms ||
	    timeout_ms > FETCH_TIMEOUT_MAX_MS || !url_ok(url) ||
	    strnlen(json_body, FETCH_BODY_MAX + 1) > FETCH_BODY_MAX)
		return EINVAL;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req)
		return ENOMEM;

	tmr_init(&req->tmr);

	err = url_origin(req->origin, sizeof(req->origin), url);
	if (err) {
		mem_deref(req);
		return err;
	}

	req->t0 = mono_ms();
	req->id = ++f->next_id;
	w = wreq_make(url, json_body, req->id, req->t0 + timeout_ms);
	if (!w) {
		mem_deref(req);
		return ENOMEM;
	}

	req->h = h;
	req->arg = arg;
	req->w = w;
	req->f = f;
	hash_append(f->reqh, (uint32_t)req->id, &req->le, req);
	tmr_start(&req->tmr, timeout_ms + GRACE_MS, req_expire, req);

	pthread_mutex_lock(&f->mtx);
	wlist_push(&f->queued, w);
	pthread_mutex_unlock(&f->mtx);
	curl_multi_wakeup(f->multi);

	*reqp = req;
	return 0;
}
