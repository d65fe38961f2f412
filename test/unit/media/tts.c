/** @file test/unit/media/tts.c  flite on the worker thread with a real
 *  voice: the clip, the cache, shared work, cancelling, freeing busy */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/tts.h>
#include "loopwait.h"

#define WAIT_MS 20000   /* synthesis under ASan on a busy machine */
#define PHRASE "Your estimated wait time is two minutes"

struct res {
	unsigned calls;
	int err;
	struct audio_clip *clip;  /* ref */
	struct tts_req **reqp;    /* cleared when called (request done) */
	struct tts **freetp;      /* free this tts when called */
};

static void on_tts(int err, struct audio_clip *clip, void *arg)
{
	struct res *r = arg;

	r->calls++;
	r->err = err;
	mem_deref(r->clip);
	r->clip = mem_ref(clip);
	if (r->freetp)
		*r->freetp = mem_deref(*r->freetp);
}

static bool called(void *arg)
{
	return ((struct res *)arg)->calls > 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_say(void **state)
{
	struct tts *t = NULL;
	struct tts_req *req = NULL;
	struct res r = {0};
	double t0, ms, secs, rms = 0;

	(void)state;
	assert_int_equal(tts_alloc(&t, 8), 0);
	t0 = now_ms();
	assert_int_equal(tts_say(&req, t, PHRASE, on_tts, &r), 0);
	assert_int_equal(r.calls, 0);            /* never synchronously */
	assert_true(loopwait_until(called, &r, WAIT_MS));
	ms = now_ms() - t0;
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, 0);
	assert_non_null(r.clip);

	/* 8 kHz, 1.5..5 s, speech-loud */
	secs = (double)r.clip->samplec / AUDIO_RATE;
	assert_true(secs >= 1.5 && secs <= 5.0);
	for (size_t i = 0; i < r.clip->samplec; i++)
		rms += (double)r.clip->samplev[i] * r.clip->samplev[i];
	rms = sqrt(rms / (double)r.clip->samplec);
	assert_true(rms > 500);
	printf("tts: \"%s\": %.2f s of speech in %.1f ms (%.1f ms per"
	       " second of speech, incl. the first voice load)\n", PHRASE,
	       secs, ms, ms / secs);

	mem_deref(req);
	mem_deref(r.clip);
	mem_deref(t);
}

/* A second request for the text is a cache hit: the same clip, later;
 * the least recently used text is the one evicted */
static void test_cache(void **state)
{
	struct tts *t = NULL;
	struct tts_req *rv[6] = {NULL};
	struct res one = {0}, hit = {0}, two = {0}, three = {0}, again = {0};

	(void)state;
	assert_int_equal(tts_alloc(&t, 2), 0);
	assert_int_equal(tts_say(&rv[0], t, "one", on_tts, &one), 0);
	assert_true(loopwait_until(called, &one, WAIT_MS));

	assert_int_equal(tts_say(&rv[1], t, "one", on_tts, &hit), 0);
	assert_int_equal(hit.calls, 0);          /* not re-entrant */
	assert_true(loopwait_until(called, &hit, WAIT_MS));
	assert_int_equal(hit.err, 0);
	assert_ptr_equal(hit.clip, one.clip);

	/* cache of 2: "two" in, "one" used again, "three" evicts "two" */
	assert_int_equal(tts_say(&rv[2], t, "two", on_tts, &two), 0);
	assert_true(loopwait_until(called, &two, WAIT_MS));
	hit.calls = 0;
	assert_int_equal(tts_say(&rv[3], t, "one", on_tts, &hit), 0);
	assert_true(loopwait_until(called, &hit, WAIT_MS));
	assert_ptr_equal(hit.clip, one.clip);
	assert_int_equal(tts_say(&rv[4], t, "three", on_tts, &three), 0);
	assert_true(loopwait_until(called, &three, WAIT_MS));

	hit.calls = 0;
	rv[1] = mem_deref(rv[1]);
	assert_int_equal(tts_say(&rv[1], t, "one", on_tts, &hit), 0);
	assert_true(loopwait_until(called, &hit, WAIT_MS));
	assert_ptr_equal(hit.clip, one.clip);

	/* "two" is made again: equal samples, a new clip */
	assert_int_equal(tts_say(&rv[5], t, "two", on_tts, &again), 0);
	assert_true(loopwait_until(called, &again, WAIT_MS));
	assert_int_equal(again.err, 0);
	assert_ptr_not_equal(again.clip, two.clip);
	assert_int_equal(again.clip->samplec, two.clip->samplec);
	assert_memory_equal(again.clip->samplev, two.clip->samplev,
			    two.clip->samplec * sizeof(int16_t));

	for (size_t i = 0; i < 6; i++)
		mem_deref(rv[i]);
	mem_deref(one.clip);
	mem_deref(hit.clip);
	mem_deref(two.clip);
	mem_deref(three.clip);
	mem_deref(again.clip);
	mem_deref(t);
}

/* Without a cache, two requests in flight share one synthesis */
static void test_shared_work(void **state)
{
	struct tts *t = NULL;
	struct tts_req *r1 = NULL, *r2 = NULL, *r3 = NULL;
	struct res a = {0}, b = {0}, c = {0};

	(void)state;
	assert_int_equal(tts_alloc(&t, 0), 0);
	assert_int_equal(tts_say(&r1, t, PHRASE, on_tts, &a), 0);
	assert_int_equal(tts_say(&r2, t, PHRASE, on_tts, &b), 0);
	assert_true(loopwait_until(called, &b, WAIT_MS));
	assert_int_equal(a.calls, 1);
	assert_ptr_equal(a.clip, b.clip);

	/* done and not cached: a new synthesis, a new clip */
	assert_int_equal(tts_say(&r3, t, PHRASE, on_tts, &c), 0);
	assert_true(loopwait_until(called, &c, WAIT_MS));
	assert_ptr_not_equal(c.clip, a.clip);

	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(a.clip);
	mem_deref(b.clip);
	mem_deref(c.clip);
	mem_deref(t);
}

/* Cancelled requests are never called: before synthesis, during it, and
 * a cache hit waiting for its turn of the loop */
static void test_cancel(void **state)
{
	struct tts *t = NULL;
	struct tts_req *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;
	struct res a = {0}, b = {0}, c = {0}, d = {0};

	(void)state;
	assert_int_equal(tts_alloc(&t, 8), 0);
	assert_int_equal(tts_say(&r1, t, "first prompt", on_tts, &a), 0);
	assert_int_equal(tts_say(&r2, t, "second prompt", on_tts, &b), 0);
	assert_int_equal(tts_say(&r3, t, "third prompt", on_tts, &c), 0);
	r1 = mem_deref(r1);       /* likely being synthesized right now */
	r2 = mem_deref(r2);       /* still queued */
	assert_true(loopwait_until(called, &c, WAIT_MS));
	assert_int_equal(a.calls + b.calls, 0);

	/* the cancelled work still filled the cache */
	assert_int_equal(tts_say(&r4, t, "first prompt", on_tts, &d), 0);
	r4 = mem_deref(r4);
	assert_int_equal(tts_say(&r1, t, "second prompt", on_tts, &a), 0);
	assert_true(loopwait_until(called, &a, 50));
	assert_int_equal(d.calls, 0);

	mem_deref(r1);
	mem_deref(r3);
	mem_deref(a.clip);
	mem_deref(c.clip);
	mem_deref(t);
}

/* Freeing the tts while the worker is busy joins it cleanly, and nothing
 * pending is called afterwards; requests outlive it harmlessly */
static void test_free_busy(void **state)
{
	char text[TTS_TEXT_MAX + 1];
	struct tts *t = NULL;
	struct tts_req *r1 = NULL, *r2 = NULL, *r3 = NULL;
	struct res a = {0}, b = {0}, c = {0};

	(void)state;
	memset(text, 0, sizeof(text));
	while (strlen(text) + 40 < TTS_TEXT_MAX)
		strcat(text, "The quick brown fox jumps over a dog. ");

	assert_int_equal(tts_alloc(&t, 8), 0);
	assert_int_equal(tts_say(&r1, t, "cached", on_tts, &a), 0);
	assert_true(loopwait_until(called, &a, WAIT_MS));
	assert_int_equal(tts_say(&r2, t, text, on_tts, &b), 0);
	assert_int_equal(tts_say(&r3, t, "cached", on_tts, &c), 0);
	t = mem_deref(t);

	/* run the loop a little: nothing arrives */
	assert_false(loopwait_until(called, &b, 100));
	assert_int_equal(b.calls + c.calls, 0);
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(r3);
	mem_deref(a.clip);

	/* free with work queued and never started */
	assert_int_equal(tts_alloc(&t, 0), 0);
	assert_int_equal(tts_say(&r1, t, text, on_tts, &b), 0);
	assert_int_equal(tts_say(&r2, t, "never", on_tts, &c), 0);
	mem_deref(t);
	mem_deref(r1);
	mem_deref(r2);
	assert_int_equal(b.calls + c.calls, 0);
}

/* A handler that frees the tts: the other requests of that result are
 * not called */
static void test_free_from_handler(void **state)
{
	struct tts *t = NULL;
	struct tts_req *r1 = NULL, *r2 = NULL;
	struct res a = {0}, b = {0};

	(void)state;
	assert_int_equal(tts_alloc(&t, 8), 0);
	a.freetp = &t;
	assert_int_equal(tts_say(&r1, t, "goodbye", on_tts, &a), 0);
	assert_int_equal(tts_say(&r2, t, "goodbye", on_tts, &b), 0);
	assert_true(loopwait_until(called, &a, WAIT_MS));
	assert_null(t);
	assert_false(loopwait_until(called, &b, 50));
	mem_deref(r1);
	mem_deref(r2);
	mem_deref(a.clip);
}

static void test_einval(void **state)
{
	char text[TTS_TEXT_MAX + 2];
	struct tts *t = NULL;
	struct tts_req *req = NULL;
	struct res r = {0};

	(void)state;
	assert_int_equal(tts_alloc(NULL, 1), EINVAL);
	assert_int_equal(tts_alloc(&t, 1), 0);
	assert_int_equal(tts_say(&req, t, "", on_tts, &r), EINVAL);
	assert_int_equal(tts_say(&req, t, NULL, on_tts, &r), EINVAL);
	assert_int_equal(tts_say(&req, t, "x", NULL, &r), EINVAL);
	assert_int_equal(tts_say(&req, NULL, "x", on_tts, &r), EINVAL);
	assert_int_equal(tts_say(NULL, t, "x", on_tts, &r), EINVAL);

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(tts_say(&req, t, text, on_tts, &r), EINVAL);
	assert_null(req);

	/* text flite has no words for: an empty clip, not an error */
	assert_int_equal(tts_say(&req, t, " \x01\x02\xff", on_tts, &r), 0);
	assert_true(loopwait_until(called, &r, WAIT_MS));
	assert_int_equal(r.err, 0);
	assert_non_null(r.clip);
	req = mem_deref(req);

	/* exactly the limit is accepted (then cancelled, and t freed while
	 * the worker speaks it) */
	text[TTS_TEXT_MAX] = '\0';
	for (size_t i = 5; i < TTS_TEXT_MAX; i += 6)
		text[i] = ' ';
	assert_int_equal(tts_say(&req, t, text, on_tts, &r), 0);
	mem_deref(req);
	mem_deref(r.clip);
	mem_deref(t);
	assert_int_equal(r.calls, 1);
}

static int setup(void **state)
{
	(void)state;
	return libre_init();
}

static int teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_say),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_shared_work),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_free_busy),
		cmocka_unit_test(test_free_from_handler),
		cmocka_unit_test(test_einval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
