/** @file media/tts.c  flite text to speech on a worker thread, results on
 *  the main loop, an LRU cache of clips by text
 *
 * Threads (media/worker.c): the main thread owns every libre object (the
 * tts, jobs, requests, clips, the cache). The worker thread sees only
 * struct synth, plain malloc'd memory: the text goes in, the samples come
 * back in the same struct. Freeing the tts drops the queued syntheses.
 *
 * flite keeps global state (lexicon, cst_errjmp): every flite call in the
 * process is serialised by flite_mtx, so two tts objects stay correct.
 * A flite error (cst_error) longjmps back to us instead of calling
 * exit(); the synthesis fails with EPROTO (flite may leak a little then).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <flite/flite.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/tts.h>
#include <hotline/worker.h>

/* flite1-dev ships no header for its voices */
cst_voice *register_cmu_us_kal(const char *voxdir);
void unregister_cmu_us_kal(cst_voice *v);

/* Plain C, crosses threads: the text in, the samples out */
struct synth {
	struct worker_job wj;     /* in the worker's lists */
	int err;                  /* result: 0, EPROTO, ENOMEM */
	uint32_t rate;
	size_t samplec;
	int16_t *samplev;         /* malloc'd by the worker */
	char text[];
};

struct tts {
	struct worker *worker;    /* owned */
	struct list jobl;         /* struct tts_job, owned: being synthesized */
	struct list hitl;         /* struct tts_req, not owned: cache hits
				     waiting for their timer */
	struct list cachel;       /* struct centry, owned; most recent first */
	size_t cache_max;
};

/* One text being synthesized, and the requests waiting for it */
struct tts_job {
	struct le le;             /* in tts->jobl */
	struct tts *t;            /* borrowed: the tts outlives its jobs */
	char *text;               /* owned */
	struct list reql;         /* struct tts_req, not owned */
};

struct tts_req {
	struct le le;             /* in a job's reql or tts->hitl */
	struct tmr tmr;           /* cache hit: delivery on the loop */
	struct audio_clip *clip;  /* ref: the cache hit */
	tts_h *h;
	void *arg;
};

struct centry {
	struct le le;             /* in tts->cachel */
	char *text;               /* owned */
	struct audio_clip *clip;  /* ref */
};

static pthread_mutex_t flite_mtx = PTHREAD_MUTEX_INITIALIZER;
static bool flite_ready;      /* flite_init done, under flite_mtx */


static void synth_free(void *data)
{
	struct synth *s = data;

	free(s->samplev);
	free(s);
}


/* Worker: flite_text_to_wave with cst_error caught; under flite_mtx */
static cst_wave *flite_synth(cst_voice *v, const char *text)
{
	jmp_buf jb;
	cst_wave *volatile w = NULL;

	cst_errjmp = &jb;
	if (!setjmp(jb))
		w = flite_text_to_wave(text, v);
	cst_errjmp = NULL;

	return w;
}


/* Worker thread: synthesize s->text into s's result fields */
static void synth_work(void *ctx, void *data)
{
	cst_voice *v = ctx;        /* NULL: every job fails EPROTO */
	struct synth *s = data;
	cst_wave *w;
	size_t n;

	pthread_mutex_lock(&flite_mtx);
	w = v ? flite_synth(v, s->text) : NULL;
	pthread_mutex_unlock(&flite_mtx);

	if (!w || w->num_samples < 0 || w->num_channels < 1 ||
	    w->sample_rate < 8000 || w->sample_rate > 48000) {
		s->err = EPROTO;
		goto out;
	}

	n = (size_t)w->num_samples;
	s->samplev = malloc(n ? n * sizeof(int16_t) : 1);
	if (!s->samplev) {
		s->err = ENOMEM;
		goto out;
	}

	/* interleaved channels: keep the first (flite voices are mono) */
	for (size_t i = 0; i < n; i++)
		s->samplev[i] = w->samples[i * (size_t)w->num_channels];
	s->samplec = n;
	s->rate = (uint32_t)w->sample_rate;

 out:
	if (w) {
		pthread_mutex_lock(&flite_mtx);
		delete_wave(w);
		pthread_mutex_unlock(&flite_mtx);
	}
}


/* Worker thread, first: the voice is the thread's context */
static void *voice_open(void)
{
	cst_voice *v;

	pthread_mutex_lock(&flite_mtx);
	if (!flite_ready) {
		flite_init();
		flite_ready = true;
	}
	v = register_cmu_us_kal(NULL);
	pthread_mutex_unlock(&flite_mtx);

	return v;
}


/* Worker thread, last */
static void voice_close(void *ctx)
{
	cst_voice *v = ctx;

	if (!v)
		return;

	pthread_mutex_lock(&flite_mtx);
	unregister_cmu_us_kal(v);
	pthread_mutex_unlock(&flite_mtx);
}


static void req_destructor(void *arg)
{
	struct tts_req *req = arg;

	list_unlink(&req->le);
	tmr_cancel(&req->tmr);
	mem_deref(req->clip);
}


/* Waiting requests are detached, not freed: they belong to callers */
static void job_destructor(void *arg)
{
	struct tts_job *job = arg;
	struct le *le;

	while ((le = list_head(&job->reql)))
		list_unlink(le);
	list_unlink(&job->le);
	mem_deref(job->text);
}


static void centry_destructor(void *arg)
{
	struct centry *ce = arg;

	list_unlink(&ce->le);
	mem_deref(ce->text);
	mem_deref(ce->clip);
}


static struct centry *cache_get(struct tts *t, const char *text)
{
	struct le *le;

	LIST_FOREACH(&t->cachel, le) {
		struct centry *ce = le->data;

		if (strcmp(ce->text, text))
			continue;

		list_unlink(&ce->le);
		list_prepend(&t->cachel, &ce->le, ce);
		return ce;
	}

	return NULL;
}


/* Remember clip for text, evicting the least recently used; a failure
 * only means no caching */
static void cache_put(struct tts *t, const char *text,
		      struct audio_clip *clip)
{
	struct centry *ce;

	if (!t->cache_max)
		return;

	ce = mem_zalloc(sizeof(*ce), centry_destructor);
	if (!ce || str_dup(&ce->text, text)) {
		mem_deref(ce);
		return;
	}

	ce->clip = mem_ref(clip);
	list_prepend(&t->cachel, &ce->le, ce);
	while (list_count(&t->cachel) > t->cache_max)
		mem_deref(list_tail(&t->cachel)->data);
}


static struct tts_job *job_find(const struct tts *t, const char *text)
{
	struct le *le;

	LIST_FOREACH(&t->jobl, le) {
		struct tts_job *job = le->data;

		if (!strcmp(job->text, text))
			return job;
	}

	return NULL;
}


/* Main thread: one finished synthesis to its requests */
static void synth_done(void *data, void *arg)
{
	const struct synth *s = data;
	struct tts_job *job = arg;
	struct tts *t = mem_ref(job->t);
	struct audio_clip *clip = NULL;
	struct le *le;
	int err = s->err;

	list_unlink(&job->le);   /* ours now; a new tts_say starts afresh */
	if (!err)
		err = audio_clip_from_pcm(&clip, s->samplev, s->samplec,
					  s->rate);
	if (!err)
		cache_put(t, job->text, clip);

	/* each handler may free requests or t; after t, nobody is called */
	while ((le = list_head(&job->reql)) && mem_nrefs(t) > 1) {
		struct tts_req *req = le->data;

		list_unlink(le);
		req->h(err, err ? NULL : clip, req->arg);
	}

	mem_deref(job);
	mem_deref(clip);
	mem_deref(t);
}


static const struct worker_handlers synth_handlers = {
	.open  = voice_open,
	.work  = synth_work,
	.close = voice_close,
	.done  = synth_done,
	.free  = synth_free,
};


static void tts_destructor(void *arg)
{
	struct tts *t = arg;
	struct le *le;

	/* first: no synth_done after this */
	mem_deref(t->worker);

	while ((le = list_head(&t->hitl))) {
		struct tts_req *req = le->data;

		list_unlink(le);
		tmr_cancel(&req->tmr);
	}
	list_flush(&t->jobl);
	list_flush(&t->cachel);
}


/**
 * Start text to speech: one worker thread that loads the flite voice
 * cmu_us_kal (8 kHz).
 *
 * @param tp         Set to the new tts. mem_deref stops the worker
 *                   (waiting for the synthesis in progress, typically
 *                   well under 100 ms), frees queued work and cancels
 *                   every pending request: no handler is called after.
 * @param cache_max  Clips kept by text (LRU); 0 disables the cache
 *
 * @return 0; EINVAL; ENOMEM; a pthread_create errno
 */
int tts_alloc(struct tts **tp, size_t cache_max)
{
	struct tts *t;
	int err;

	if (!tp)
		return EINVAL;

	t = mem_zalloc(sizeof(*t), tts_destructor);
	if (!t)
		return ENOMEM;

	t->cache_max = cache_max;
	err = worker_alloc(&t->worker, &synth_handlers, WORKER_DROP);
	if (err)
		mem_deref(t);
	else
		*tp = t;

	return err;
}


static void hit_deliver(void *arg)
{
	struct tts_req *req = arg;
	struct audio_clip *clip = req->clip;

	req->clip = NULL;
	list_unlink(&req->le);
	req->h(0, clip, req->arg);
	mem_deref(clip);
}


/* A new job for text, queued for the worker */
static int job_start(struct tts_job **jobp, struct tts *t, const char *text)
{
	size_t len = strlen(text);
	struct tts_job *job;
	struct synth *s;

	job = mem_zalloc(sizeof(*job), job_destructor);
	if (!job)
		return ENOMEM;

	s = calloc(1, sizeof(*s) + len + 1);
	if (!s || str_dup(&job->text, text)) {
		free(s);
		mem_deref(job);
		return ENOMEM;
	}

	job->t = t;
	memcpy(s->text, text, len + 1);
	list_append(&t->jobl, &job->le, job);
	worker_push(t->worker, &s->wj, s, job);

	*jobp = job;
	return 0;
}


/**
 * Speak text. The handler runs later on the main loop, exactly once:
 * from the cache (on the next loop turn), joining a synthesis of the
 * same text already under way, or after a new one.
 *
 * @param reqp  Set to the request (the caller owns it); mem_deref before
 *              the handler ran cancels it, also while the worker is
 *              synthesizing (the result still fills the cache)
 * @param t     The tts
 * @param text  1..TTS_TEXT_MAX bytes, copied
 * @param h     Result handler
 * @param arg   Handler argument
 *
 * @return 0; EINVAL (NULL, empty or too long text); ENOMEM
 */
int tts_say(struct tts_req **reqp, struct tts *t, const char *text,
	    tts_h *h, void *arg)
{
	struct tts_req *req;
	struct tts_job *job;
	struct centry *ce;
	size_t len;
	int err;

	if (!reqp || !t || !text || !h)
		return EINVAL;

	len = strnlen(text, TTS_TEXT_MAX + 1);
	if (!len || len > TTS_TEXT_MAX)
		return EINVAL;

	req = mem_zalloc(sizeof(*req), req_destructor);
	if (!req)
		return ENOMEM;

	tmr_init(&req->tmr);
	req->h = h;
	req->arg = arg;

	ce = cache_get(t, text);
	if (ce) {
		req->clip = mem_ref(ce->clip);
		list_append(&t->hitl, &req->le, req);
		tmr_start(&req->tmr, 0, hit_deliver, req);
		*reqp = req;
		return 0;
	}

	job = job_find(t, text);
	if (!job) {
		err = job_start(&job, t, text);
		if (err) {
			mem_deref(req);
			return err;
		}
	}

	list_append(&job->reql, &req->le, req);
	*reqp = req;

	return 0;
}
