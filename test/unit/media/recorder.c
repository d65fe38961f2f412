/** @file test/unit/media/recorder.c  Voicemail recording on libre's loop
 *  with the real writer thread: G.711 RTP in, WAV files read back (exact
 *  samples), stop reasons, trimming, the timeline (gaps, duplicates,
 *  jumps), wall-clock limits, freeing at every stage, write errors */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/recorder.h>
#include "media/rtphdr.h"
#include "loopwait.h"

#define WAIT_MS 5000        /* a write that takes longer has failed */
#define SSRC    0x5eed1234u
#define HZ      1000
#define AMP     8000

static char dir[64];                 /* this run's temporary directory */
static struct recwriter *writer;

/* What the done handler saw */
struct res {
	unsigned calls;
	int err;
	uint32_t ms;
	enum recorder_stop why;
	uint64_t at;                 /* jiffies of the call */
	struct recorder **freep;     /* free this recorder when called */
};

static void on_done(int err, uint32_t ms, enum recorder_stop why, void *arg)
{
	struct res *r = arg;

	r->calls++;
	r->err = err;
	r->ms = ms;
	r->why = why;
	r->at = tmr_jiffies();
	if (r->freep)
		*r->freep = mem_deref(*r->freep);
}

/* --- the loop ------------------------------------------------------------ */

static bool called(void *arg)
{
	return ((struct res *)arg)->calls > 0;
}

static bool file_exists(void *arg)
{
	return access(arg, F_OK) == 0;
}

/* Run the loop until the handler ran, then a little longer (a second
 * call would show) */
static void wait_done(struct res *r)
{
	assert_true(loopwait_until(called, r, WAIT_MS));
	loopwait_run(20);
	assert_int_equal(r->calls, 1);
}

/* --- RTP ----------------------------------------------------------------- */

/* The caller's stream: where it is, what it sends */
struct stream {
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t n;                    /* samples sent so far (phase) */
};

static int16_t tone_at(size_t i, int amp, int hz)
{
	return (int16_t)lrint(amp * sin(2 * M_PI * hz * (double)i / 8000));
}

static uint8_t encode(uint8_t pt, int16_t s)
{
	return pt == 8 ? audio_alaw_encode(s) : audio_ulaw_encode(s);
}

static int16_t g711(uint8_t pt, int16_t s)
{
	return pt == 8 ? audio_alaw_decode(audio_alaw_encode(s)) :
		audio_ulaw_decode(audio_ulaw_encode(s));
}

/* A plain 12-byte RTP header into p */
static size_t rtp_hdr(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts,
		      uint32_t ssrc)
{
	const struct rtphdr h = { .pt = pt, .seq = seq, .ts = ts,
				  .ssrc = ssrc };

	return rtphdr_write(&h, p);
}

/* One 20 ms packet of tone (amp 0: silence) at the stream's position */
static void packet(struct recorder *r, struct stream *s, int amp)
{
	uint8_t p[12 + 160];
	size_t n = rtp_hdr(p, s->pt, s->seq, s->ts, s->ssrc);

	for (size_t i = 0; i < 160; i++)
		p[n + i] = encode(s->pt, tone_at(s->n + i, amp, HZ));
	recorder_rtp(r, p, sizeof(p));
	s->seq++;
	s->ts += 160;
	s->n += 160;
}

static void send_ms(struct recorder *r, struct stream *s, uint32_t ms,
		    int amp)
{
	for (uint32_t t = 0; t < ms; t += 20)
		packet(r, s, amp);
}

static void stream_init(struct stream *s, uint8_t pt)
{
	s->pt = pt;
	s->seq = 4000;
	s->ts = 0xfffff000u;         /* wraps during the first second */
	s->ssrc = SSRC;
	s->n = 0;
}

/* --- files --------------------------------------------------------------- */

static void path_make(char *path, size_t sz, const char *name)
{
	snprintf(path, sz, "%s/%s", dir, name);
}

static struct audio_clip *load(const char *path)
{
	struct audio_clip *c = NULL;
	char tmp[300];

	assert_int_equal(audio_wav_load(&c, path), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	return c;
}

/* Samples [from, to) are the G.711 image of the tone at stream sample
 * base + i (exactly) */
static void assert_tone(const struct audio_clip *c, uint8_t pt, size_t from,
			size_t to, size_t base, int amp)
{
	assert_true(to <= c->samplec);
	for (size_t i = from; i < to; i++) {
		int16_t want = g711(pt, tone_at(base + i - from, amp, HZ));

		if (c->samplev[i] != want)
			fail_msg("sample %zu: %d, want %d", i, c->samplev[i],
				 want);
	}
}

/* Samples [from, to) are (G.711) silence */
static void assert_silent(const struct audio_clip *c, uint8_t pt,
			  size_t from, size_t to)
{
	assert_true(to <= c->samplec);
	for (size_t i = from; i < to; i++)
		assert_int_equal(c->samplev[i], g711(pt, 0));
}

static struct recorder *rec_make(uint8_t pt, uint32_t max_ms,
				 uint32_t silence_ms, const char *path,
				 struct res *res)
{
	struct recorder_params p = {pt, max_ms, silence_ms};
	struct recorder *r = NULL;

	assert_int_equal(recorder_alloc(&r, writer, &p, path, on_done, res),
			 0);
	return r;
}

/* --- tests --------------------------------------------------------------- */

/* 2 s of tone, stop: exactly 2000 ms, the samples as sent; parents made */
static void test_stop_exact(void **state)
{
	struct res res = {0};
	struct stream s;
	struct recorder *r;
	struct audio_clip *c;
	struct stat st;
	char path[256];

	(void)state;
	path_make(path, sizeof(path), "a/b/c/exact.wav");
	r = rec_make(0, 60000, 0, path, &res);
	stream_init(&s, 0);
	send_ms(r, &s, 2000, AMP);
	recorder_stop(r);
	recorder_stop(r);                      /* harmless */
	send_ms(r, &s, 100, AMP);              /* ignored once stopped */
	assert_int_equal(res.calls, 0);        /* never synchronously */

	wait_done(&res);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.ms, 2000);
	assert_int_equal(res.why, RECORDER_STOP_ASKED);

	c = load(path);
	assert_int_equal(c->samplec, 16000);
	assert_tone(c, 0, 0, 16000, 0, AMP);
	mem_deref(c);

	/* a plain 44-byte header, 0640, directories 0750 (umask allowing) */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 44 + 32000);
	assert_int_equal(st.st_mode & 0777 & ~0640, 0);
	path_make(path, sizeof(path), "a/b");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777 & ~0750, 0);

	mem_deref(r);
}

/* 1 s of tone then silence: stops after 1 s of silence, 500 ms kept */
static void test_silence_stop(void **state)
{
	struct res res = {0};
	struct stream s;
	struct recorder *r;
	struct audio_clip *c;
	char path[256];

	(void)state;
	path_make(path, sizeof(path), "silence.wav");
	r = rec_make(0, 60000, 1000, path, &res);
	stream_init(&s, 0);
	send_ms(r, &s, 1000, AMP);
	send_ms(r, &s, 3000, 0);               /* stops after 1000 of it */

	wait_done(&res);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.why, RECORDER_STOP_SILENCE);
	assert_int_equal(res.ms, 1500);

	c = load(path);
	assert_int_equal(c->samplec, 12000);
	assert_tone(c, 0, 0, 8000, 0, AMP);
	assert_silent(c, 0, 8000, 12000);
	mem_deref(c);
	mem_deref(r);
}

/* Silence counts from the start; the level threshold (-45 dBFS) */
static void test_silence_level(void **state)
{
	struct res res = {0}, res2 = {0};
	struct stream s;
	struct recorder *r;
	struct audio_clip *c;
	char path[256];

	(void)state;

	/* a faint hum (mean |x| 64) is silence: nothing said, 500 ms kept */
	path_make(path, sizeof(path), "faint.wav");
	r = rec_make(8, 60000, 2000, path, &res);
	stream_init(&s, 8);
	send_ms(r, &s, 5000, 100);
	wait_done(&res);
	assert_int_equal(res.why, RECORDER_STOP_SILENCE);
	assert_int_equal(res.ms, 500);
	c = load(path);
	assert_tone(c, 8, 0, 4000, 0, 100);
	mem_deref(c);
	mem_deref(r);

	/* quiet speech (mean |x| 255, -42 dBFS) is not */
	path_make(path, sizeof(path), "quiet.wav");
	r = rec_make(8, 60000, 1000, path, &res2);
	stream_init(&s, 8);
	send_ms(r, &s, 3000, 400);
	recorder_stop(r);
	wait_done(&res2);
	assert_int_equal(res2.why, RECORDER_STOP_ASKED);
	assert_int_equal(res2.ms, 3000);
	mem_deref(r);
}

/* max_ms: cut exactly there; trailing silence trimmed on any stop */
static void test_max_stop(void **state)
{
	struct res res = {0}, res2 = {0};
	struct stream s;
	struct recorder *r;
	struct audio_clip *c;
	char path[256];

	(void)state;
	path_make(path, sizeof(path), "max.wav");
	r = rec_make(0, 2010, 0, path, &res);
	stream_init(&s, 0);
	send_ms(r, &s, 3000, AMP);
	wait_done(&res);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.why, RECORDER_STOP_MAX);
	assert_int_equal(res.ms, 2010);
	c = load(path);
	assert_int_equal(c->samplec, 16080);
	assert_tone(c, 0, 0, 16080, 0, AMP);
	mem_deref(c);
	mem_deref(r);

	/* 1 s of tone, 2 s of silence, no silence limit, stopped: the
	 * silence beyond 500 ms goes */
	path_make(path, sizeof(path), "trim.wav");
	r = rec_make(0, 60000, 0, path, &res2);
	stream_init(&s, 0);
	send_ms(r, &s, 1000, AMP);
	send_ms(r, &s, 2000, 0);
	recorder_stop(r);
	wait_done(&res2);
	assert_int_equal(res2.ms, 1500);
	mem_deref(r);
}

/* A-law; PCMU packets to an A-law recorder and telephone-events are not
 * audio */
static void test_pcma_and_events(void **state)
{
	struct res res = {0};
	struct stream s, u;
	struct recorder *r;
	struct audio_clip *c;
	char path[256];
	uint8_t ev[16];

	(void)state;
	path_make(path, sizeof(path), "pcma.wav");
	r = rec_make(8, 60000, 0, path, &res);
	stream_init(&s, 8);
	stream_init(&u, 0);
	for (int i = 0; i < 50; i++) {
		size_t n = rtp_hdr(ev, 101, s.seq, s.ts, s.ssrc);

		/* an RFC 4733 event with the stream's numbers */
		ev[n] = 5; ev[n + 1] = 0x0a; ev[n + 2] = 0; ev[n + 3] = 160;
		recorder_rtp(r, ev, n + 4);
		packet(r, &s, AMP);
		packet(r, &u, AMP);
		recorder_rtp(r, ev, 5);            /* malformed */
	}
	recorder_stop(r);
	wait_done(&res);
	assert_int_equal(res.ms, 1000);
	c = load(path);
	assert_int_equal(c->samplec, 8000);
	assert_tone(c, 8, 0, 8000, 0, AMP);
	mem_deref(c);
	mem_deref(r);
}

/* Lost packets become silence; duplicates and late packets are dropped;
 * big jumps and a new SSRC carry on without a gap */
static void test_timeline(void **state)
{
	struct res res = {0};
	struct stream s, dup;
	struct recorder *r;
	struct audio_clip *c;
	char path[256];

	(void)state;
	path_make(path, sizeof(path), "timeline.wav");
	r = rec_make(0, 60000, 0, path, &res);
	stream_init(&s, 0);

	send_ms(r, &s, 200, AMP);              /* [0, 1600) */
	dup = s;
	s.seq += 2;                            /* two packets lost */
	s.ts += 320;
	s.n += 320;
	send_ms(r, &s, 200, AMP);              /* [1920, 3520) */
	dup.seq += 1;                          /* the second lost one, late */
	dup.ts += 160;
	dup.n += 160;
	packet(r, &dup, AMP);                  /* dropped */
	s.seq--;                               /* a duplicate */
	s.ts -= 160;
	s.n -= 160;
	packet(r, &s, AMP);                    /* dropped */

	/* a 1-second gap is filled */
	s.ts += 8000;
	send_ms(r, &s, 100, AMP);              /* [11520, 12320) */

	/* a jump of 10 s and a step back of 5 s restart the timeline */
	s.ts += 80000;
	send_ms(r, &s, 100, AMP);              /* [12320, 13120) */
	s.ts -= 40000;
	send_ms(r, &s, 100, AMP);              /* [13120, 13920) */

	/* another stream, whatever its numbers */
	s.ssrc++;
	s.ts = 7;
	s.seq = 9;
	send_ms(r, &s, 100, AMP);              /* [13920, 14720) */

	recorder_stop(r);
	wait_done(&res);
	assert_int_equal(res.ms, 14720 / 8);

	c = load(path);
	assert_int_equal(c->samplec, 14720);
	assert_tone(c, 0, 0, 1600, 0, AMP);
	assert_silent(c, 0, 1600, 1920);
	assert_tone(c, 0, 1920, 3520, 1920, AMP);
	assert_silent(c, 0, 3520, 11520);
	assert_tone(c, 0, 11520, 12320, 3520, AMP);
	assert_tone(c, 0, 12320, 13120, 4320, AMP);
	assert_tone(c, 0, 13120, 13920, 5120, AMP);
	assert_tone(c, 0, 13920, 14720, 5920, AMP);
	mem_deref(c);
	mem_deref(r);
}

/* The recorded tone has the expected frequency and energy */
static void test_tone_readback(void **state)
{
	struct res res = {0};
	struct stream s;
	struct recorder *r;
	struct audio_clip *c;
	char path[256];
	double re = 0, im = 0, off = 0, e = 0;

	(void)state;
	path_make(path, sizeof(path), "energy.wav");
	r = rec_make(0, 60000, 0, path, &res);
	stream_init(&s, 0);
	send_ms(r, &s, 1000, AMP);
	recorder_stop(r);
	wait_done(&res);
	c = load(path);
	for (size_t i = 0; i < c->samplec; i++) {
		double ph = 2 * M_PI * HZ * (double)i / 8000;

		re += c->samplev[i] * cos(ph);
		im += c->samplev[i] * sin(ph);
		off += c->samplev[i] * sin(2 * M_PI * 1300 * (double)i / 8000);
		e += (double)c->samplev[i] * c->samplev[i];
	}
	assert_true(fabs(2 * sqrt(re * re + im * im) / 8000 - AMP) < AMP / 50);
	assert_true(fabs(2 * off / 8000) < AMP / 50);
	assert_true(fabs(sqrt(e / 8000) - AMP / M_SQRT2) < AMP / 50);
	mem_deref(c);
	mem_deref(r);
}

/* Freed before the stop: nothing written, no call. After: written, no
 * call. In the handler: the recorder and even the writer. */
static void test_freeing(void **state)
{
	struct res res = {0}, res2 = {0}, res3 = {0};
	struct stream s;
	struct recorder *r, *r3;
	struct recwriter *w2 = NULL;
	struct recorder_params p = {0, 60000, 300};
	char path[256], path2[256], path3[256];

	(void)state;
	path_make(path, sizeof(path), "free/before.wav");
	r = rec_make(0, 60000, 300, path, &res);
	stream_init(&s, 0);
	send_ms(r, &s, 500, AMP);
	mem_deref(r);
	loopwait_run(500);    /* past the silence guard */
	assert_int_equal(res.calls, 0);
	assert_int_equal(access(path, F_OK), -1);

	path_make(path2, sizeof(path2), "free/after.wav");
	r = rec_make(0, 60000, 0, path2, &res2);
	send_ms(r, &s, 500, AMP);
	recorder_stop(r);
	mem_deref(r);
	assert_true(loopwait_until(file_exists, path2, WAIT_MS));
	loopwait_run(50);
	assert_int_equal(res2.calls, 0);

	/* the handler frees the recorder and the last ref to its writer */
	assert_int_equal(recwriter_alloc(&w2), 0);
	path_make(path3, sizeof(path3), "free/inside.wav");
	assert_int_equal(recorder_alloc(&r3, w2, &p, path3, on_done, &res3),
			 0);
	res3.freep = &r3;
	w2 = mem_deref(w2);                    /* r3 keeps it */
	send_ms(r3, &s, 200, AMP);
	recorder_stop(r3);
	wait_done(&res3);
	assert_null(r3);
	assert_int_equal(access(path3, F_OK), 0);
}

/* Freeing the writer writes what is queued first */
static void test_writer_drains(void **state)
{
	struct recwriter *w = NULL;
	struct recorder *rv[8];
	struct recorder_params p = {0, 60000, 0};
	struct res res = {0};
	struct stream s;
	char path[256];

	(void)state;
	assert_int_equal(recwriter_alloc(&w), 0);
	stream_init(&s, 0);
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "%s/drain/%d.wav", dir, i);
		assert_int_equal(recorder_alloc(&rv[i], w, &p, path, on_done,
						&res), 0);
		send_ms(rv[i], &s, 2000, AMP);
		recorder_stop(rv[i]);
	}
	for (int i = 0; i < 8; i++)
		mem_deref(rv[i]);
	mem_deref(w);                          /* joins after the writes */

	for (int i = 0; i < 8; i++) {
		struct audio_clip *c;

		snprintf(path, sizeof(path), "%s/drain/%d.wav", dir, i);
		c = load(path);
		assert_int_equal(c->samplec, 16000);
		mem_deref(c);
	}
	assert_int_equal(res.calls, 0);
}

/* A path that cannot be written: the errno comes back, no file left */
static void test_write_errors(void **state)
{
	struct res res = {0}, res2 = {0};
	struct stream s;
	struct recorder *r;
	char path[256], blocker[256];
	FILE *f;

	(void)state;

	/* a parent that is a regular file (root ignores permissions, so
	 * this is how the test makes a directory unwritable) */
	path_make(blocker, sizeof(blocker), "blocker");
	f = fopen(blocker, "w");
	assert_non_null(f);
	fclose(f);
	path_make(path, sizeof(path), "blocker/sub/x.wav");
	r = rec_make(0, 60000, 0, path, &res);
	stream_init(&s, 0);
	send_ms(r, &s, 400, AMP);
	recorder_stop(r);
	wait_done(&res);
	assert_int_equal(res.err, ENOTDIR);
	assert_int_equal(res.ms, 400);
	assert_int_equal(res.why, RECORDER_STOP_ASKED);
	mem_deref(r);

	/* the name is taken by a directory: the rename fails, the .tmp goes */
	path_make(path, sizeof(path), "taken.wav");
	assert_int_equal(mkdir(path, 0700), 0);
	r = rec_make(0, 60000, 0, path, &res2);
	send_ms(r, &s, 400, AMP);
	recorder_stop(r);
	wait_done(&res2);
	assert_int_equal(res2.err, EISDIR);
	path_make(path, sizeof(path), "taken.wav.tmp");
	assert_int_equal(access(path, F_OK), -1);
	mem_deref(r);
}

/* No RTP at all: the wall clock stops the recording */
static void test_wall_clock(void **state)
{
	struct res res = {0}, res2 = {0};
	struct recorder *r;
	struct stream s;
	struct stat st;
	uint64_t t0;
	char path[256];

	(void)state;

	/* silence_ms without a packet */
	path_make(path, sizeof(path), "nothing.wav");
	t0 = tmr_jiffies();
	r = rec_make(0, 60000, 300, path, &res);
	wait_done(&res);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.why, RECORDER_STOP_SILENCE);
	assert_int_equal(res.ms, 0);
	assert_true(res.at - t0 >= 300 && res.at - t0 < 1500);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 44);
	mem_deref(r);

	/* max_ms + RECORDER_GRACE_MS, even while packets come but fall
	 * short of the limit (a sender slower than real time) */
	path_make(path, sizeof(path), "slow.wav");
	t0 = tmr_jiffies();
	r = rec_make(0, 200, 0, path, &res2);
	stream_init(&s, 0);
	send_ms(r, &s, 100, AMP);
	wait_done(&res2);
	assert_int_equal(res2.why, RECORDER_STOP_MAX);
	assert_int_equal(res2.ms, 100);
	assert_true(res2.at - t0 >= 200 + RECORDER_GRACE_MS);
	assert_true(res2.at - t0 < 200 + RECORDER_GRACE_MS + 1000);
	mem_deref(r);
}

static void test_einval(void **state)
{
	struct recorder *r = NULL;
	struct recorder_params p = {0, 1000, 0};
	char path[256];
	static char longpath[5000];

	(void)state;
	path_make(path, sizeof(path), "x.wav");
	assert_int_equal(recorder_alloc(NULL, writer, &p, path, NULL, NULL),
			 EINVAL);
	assert_int_equal(recorder_alloc(&r, NULL, &p, path, NULL, NULL),
			 EINVAL);
	assert_int_equal(recorder_alloc(&r, writer, NULL, path, NULL, NULL),
			 EINVAL);
	assert_int_equal(recorder_alloc(&r, writer, &p, NULL, NULL, NULL),
			 EINVAL);
	assert_int_equal(recorder_alloc(&r, writer, &p, "", NULL, NULL),
			 EINVAL);
	memset(longpath, 'a', sizeof(longpath) - 1);
	assert_int_equal(recorder_alloc(&r, writer, &p, longpath, NULL,
					NULL), EINVAL);
	p.pt = 9;
	assert_int_equal(recorder_alloc(&r, writer, &p, path, NULL, NULL),
			 EINVAL);
	p.pt = 8;
	p.max_ms = 0;
	assert_int_equal(recorder_alloc(&r, writer, &p, path, NULL, NULL),
			 EINVAL);
	p.max_ms = RECORDER_MAX_MS + 1;
	assert_int_equal(recorder_alloc(&r, writer, &p, path, NULL, NULL),
			 EINVAL);
	p.max_ms = 1000;
	p.silence_ms = RECORDER_MAX_MS + 1;
	assert_int_equal(recorder_alloc(&r, writer, &p, path, NULL, NULL),
			 EINVAL);
	assert_null(r);
	assert_int_equal(recwriter_alloc(NULL), EINVAL);

	/* no handler: fine; NULL recorders are ignored */
	p.silence_ms = 0;
	assert_int_equal(recorder_alloc(&r, writer, &p, path, NULL, NULL), 0);
	recorder_stop(r);
	assert_true(loopwait_until(file_exists, path, WAIT_MS));
	mem_deref(r);
	recorder_rtp(NULL, (const uint8_t *)"x", 1);
	recorder_stop(NULL);
}

static int rm_entry(const char *p, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/hotline-rec-XXXXXX");
	if (!mkdtemp(dir) || libre_init())
		return -1;
	return recwriter_alloc(&writer);
}

static int teardown(void **state)
{
	(void)state;
	writer = mem_deref(writer);
	libre_close();
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_exact),
		cmocka_unit_test(test_silence_stop),
		cmocka_unit_test(test_silence_level),
		cmocka_unit_test(test_max_stop),
		cmocka_unit_test(test_pcma_and_events),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_tone_readback),
		cmocka_unit_test(test_freeing),
		cmocka_unit_test(test_writer_drains),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_wall_clock),
		cmocka_unit_test(test_einval),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
