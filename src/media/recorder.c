/** @file media/recorder.c  Voicemail recording: G.711 RTP laid on a
 *  timeline by timestamp, stopped by a limit, silence or the caller, and
 *  written as a WAV file by a worker thread
 *
 * Timeline: the first packet's samples are sample 0. Each next packet of
 * the same stream (SSRC) goes where its RTP timestamp says: a gap of up
 * to RECORDER_JUMP_MS before it is filled with silence (lost packets,
 * silence suppression); a packet that starts before the end of what we
 * have is dropped (a duplicate, or one reordered - we keep no jitter
 * buffer, so its 20 ms stay silent). A jump of more than RECORDER_JUMP_MS
 * either way, or a new SSRC, restarts the timeline: the packet is
 * appended where we are, without a gap (a sender that restarted its
 * clock, a re-INVITE, a long hold). Samples beyond max_ms are cut.
 *
 * Silence: each 20 ms frame of the timeline (160 samples, gaps included)
 * is silent when its mean absolute sample is below RECORDER_SILENCE_LEVEL
 * (about -45 dBFS). Counting starts with the first frame: a caller who
 * says nothing for silence_ms gets a recording of silence (trimmed, see
 * below). When the silent frames at the end reach silence_ms, the
 * recording stops (RECORDER_STOP_SILENCE) at that frame.
 *
 * Wall clock: a recorder also stops when no audio packet has arrived for
 * silence_ms (a muted phone or one that suppresses silence sends
 * nothing: that is silence too), and RECORDER_GRACE_MS after max_ms from
 * its start (RECORDER_STOP_MAX), so that a caller whose RTP never comes
 * cannot hold the flow. One libre timer, re-armed only when it fires.
 *
 * Trim: on every stop, the silent frames at the end beyond the first
 * RECORDER_KEEP_MS are dropped from the file.
 *
 * Threads (media/worker.c): the main thread owns the libre objects; the
 * worker thread sees only struct wjob (plain malloc'd memory: path and
 * samples in, an errno out). A recorder freed while its file is being
 * written cancels the job's done call; the file is still written.
 *
 * Files: the parent directories are created (mode 0750), the samples go
 * to "<path>.tmp" (mode 0640), which is synced and renamed to path, so a
 * reader never sees a partial file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/recorder.h>
#include <hotline/worker.h>
#include "rtphdr.h"

enum {
	REC_RATE_KHZ = AUDIO_RATE / 1000,
	REC_FRAME    = 160,                 /* samples judged at once */
	REC_CHUNK    = 8 * AUDIO_RATE,      /* first buffer: 8 s */
	REC_JUMP     = RECORDER_JUMP_MS * REC_RATE_KHZ,
	REC_KEEP     = RECORDER_KEEP_MS * REC_RATE_KHZ,
	WAV_HDR      = 44,
	WAV_BLOCK    = 4096,                /* samples converted per write */
};

/* Plain C, crosses threads: path and samples in, an errno out */
struct wjob {
	struct worker_job wj;     /* in the worker's lists */
	int err;                  /* result: 0 or an errno */
	int16_t *samplev;         /* malloc'd, samplec used */
	size_t samplec;
	char path[];
};

struct recwriter {
	struct worker *worker;    /* owned */
};

enum rec_state { REC_RUNNING = 0, REC_WRITING, REC_DONE };

struct recorder {
	struct recwriter *w;      /* ref */
	struct wjob *job;         /* owned while REC_RUNNING: path, samples;
				     the worker's while REC_WRITING */
	struct tmr guard;         /* wall-clock limits */
	recorder_done_h *h;
	void *arg;
	enum rec_state state;
	enum recorder_stop why;
	uint32_t duration_ms;     /* of the file, once stopped */

	uint8_t pt;
	size_t max;               /* samples */
	size_t silence;           /* samples; 0 = never */
	uint64_t max_at;          /* jiffies: the wall-clock limit */
	uint64_t heard_at;        /* jiffies of the last audio packet */

	/* the timeline */
	bool started;             /* a packet has been placed */
	uint32_t ssrc;
	uint32_t base_ts;         /* timestamp of sample 0 (mod 2^32) */
	size_t pos;               /* samples on the timeline */
	size_t cap;               /* samples job->samplev holds */
	size_t judged;            /* samples judged for silence */
	size_t quiet;             /* silent samples ending at judged */
};


static void wjob_free(void *data)
{
	struct wjob *j = data;

	if (!j)
		return;

	free(j->samplev);
	free(j);
}


/* --- the worker: files --------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}


static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}


static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno;
		p += r;
		n -= (size_t)r;
	}

	return 0;
}


/* RIFF/WAVE, PCM 16-bit mono 8 kHz, little-endian on any host */
static int wav_put(int fd, const int16_t *v, size_t n)
{
	uint8_t hdr[WAV_HDR], buf[WAV_BLOCK * 2];
	uint32_t bytes = (uint32_t)(n * 2);
	int err;

	memcpy(hdr, "RIFF", 4);
	put32(hdr + 4, 36 + bytes);
	memcpy(hdr + 8, "WAVEfmt ", 8);
	put32(hdr + 16, 16);
	put16(hdr + 20, 1);                    /* PCM */
	put16(hdr + 22, 1);                    /* mono */
	put32(hdr + 24, AUDIO_RATE);
	put32(hdr + 28, AUDIO_RATE * 2);       /* bytes per second */
	put16(hdr + 32, 2);                    /* block align */
	put16(hdr + 34, 16);                   /* bits */
	memcpy(hdr + 36, "data", 4);
	put32(hdr + 40, bytes);

	err = write_all(fd, hdr, sizeof(hdr));
	for (size_t i = 0; !err && i < n; i += WAV_BLOCK) {
		size_t k = min((size_t)WAV_BLOCK, n - i);

		for (size_t s = 0; s < k; s++)
			put16(buf + 2 * s, (uint16_t)v[i + s]);
		err = write_all(fd, buf, 2 * k);
	}

	return err;
}


/* mkdir -p of the directories above path (0750) */
static int parents_make(const char *path)
{
	char dir[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(dir))
		return ENAMETOOLONG;

	memcpy(dir, path, len + 1);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}

	return 0;
}


/* Worker: the job's samples into its file, atomically; an errno */
static int job_write(const struct wjob *j)
{
	char tmp[PATH_MAX];
	int fd, err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", j->path) >=
	    sizeof(tmp))
		return ENAMETOOLONG;

	err = parents_make(j->path);
	if (err)
		return err;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno;

	err = wav_put(fd, j->samplev, j->samplec);
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, j->path) < 0)
		err = errno;
	if (err)
		(void)unlink(tmp);

	return err;
}


/* Worker thread: one file */
static void job_work(void *ctx, void *data)
{
	struct wjob *j = data;

	(void)ctx;
	j->err = job_write(j);
}


/* --- the writer on the main thread --------------------------------------- */

/* Main thread: one written file to its recorder (not cancelled) */
static void job_done(void *data, void *arg)
{
	const struct wjob *j = data;
	struct recorder *r = arg;

	r->job = NULL;
	r->state = REC_DONE;
	if (r->h)
		r->h(j->err, r->duration_ms, r->why, r->arg);   /* may free r */
}


static const struct worker_handlers writer_handlers = {
	.work = job_work,
	.done = job_done,
	.free = wjob_free,
};


static void writer_destructor(void *arg)
{
	struct recwriter *w = arg;

	mem_deref(w->worker);
}


/**
 * Start the writer: one thread that writes the recordings' files.
 *
 * @param wp  Set to the new writer. Each recorder holds a reference, so
 *            it lives until the last of them is freed. When it goes, the
 *            files still queued are written (mem_deref waits for them,
 *            then joins the thread); their handlers are not called.
 *
 * @return 0; EINVAL; ENOMEM; a pthread_create errno
 */
int recwriter_alloc(struct recwriter **wp)
{
	struct recwriter *w;
	int err;

	if (!wp)
		return EINVAL;

	w = mem_zalloc(sizeof(*w), writer_destructor);
	if (!w)
		return ENOMEM;

	err = worker_alloc(&w->worker, &writer_handlers, WORKER_FINISH);
	if (err)
		mem_deref(w);
	else
		*wp = w;

	return err;
}


/* --- a recorder ---------------------------------------------------------- */

static void recorder_destructor(void *arg)
{
	struct recorder *r = arg;

	tmr_cancel(&r->guard);
	if (r->state == REC_WRITING)
		worker_cancel(&r->job->wj);  /* written, nobody called */
	else
		wjob_free(r->job);  /* running: nothing written; done: NULL */
	mem_deref(r->w);
}


/* Judge the samples [judged, judged + n) as one frame */
static void frame_judge(struct recorder *r, size_t n)
{
	const int16_t *v = r->job->samplev + r->judged;
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (uint64_t)(v[i] < 0 ? -(int32_t)v[i] : v[i]);

	r->quiet = sum < (uint64_t)RECORDER_SILENCE_LEVEL * n ?
		r->quiet + n : 0;
	r->judged += n;
}


/* Hand the samples to the writer (the worker owns the job from now on) */
static void rec_finish(struct recorder *r, enum recorder_stop why)
{
	struct wjob *j = r->job;

	/* a silence stop ends where the silence was established */
	if (why == RECORDER_STOP_SILENCE && r->pos > r->judged)
		r->pos = r->judged;
	if (r->pos > r->judged)
		frame_judge(r, r->pos - r->judged);
	if (r->quiet > REC_KEEP)
		r->pos -= r->quiet - REC_KEEP;

	tmr_cancel(&r->guard);
	r->state = REC_WRITING;
	r->why = why;
	r->duration_ms = (uint32_t)(r->pos / REC_RATE_KHZ);
	j->samplec = r->pos;
	worker_push(r->w->worker, &j->wj, j, r);
}


static void guard_h(void *arg);

/* The next wall-clock check: the max limit, or silence_ms after the last
 * audio packet, whichever comes first */
static void guard_arm(struct recorder *r, uint64_t now)
{
	uint64_t at = r->max_at;

	if (r->silence)
		at = min(at, r->heard_at + r->silence / REC_RATE_KHZ);

	tmr_start(&r->guard, at > now ? at - now : 0, guard_h, r);
}


static void guard_h(void *arg)
{
	struct recorder *r = arg;
	uint64_t now = tmr_jiffies();

	if (now >= r->max_at)
		rec_finish(r, RECORDER_STOP_MAX);
	else if (r->silence &&
		 now >= r->heard_at + r->silence / REC_RATE_KHZ)
		rec_finish(r, RECORDER_STOP_SILENCE);
	else
		guard_arm(r, now);
}


/**
 * Start recording. The recording begins with the first audio packet fed
 * to recorder_rtp; allocate it when the caller should start talking
 * (after the beep): the wall-clock limits run from now.
 *
 * @param rp    Set to the new recorder (the caller owns it). mem_deref
 *              before it stopped discards the recording: nothing is
 *              written, h is not called. After the stop, the file is
 *              still written but h is not called.
 * @param w     The writer (referenced)
 * @param p     pt 0 (PCMU) or 8 (PCMA); max_ms 1..RECORDER_MAX_MS;
 *              silence_ms 0 (never) or up to RECORDER_MAX_MS
 * @param path  The WAV file to write (copied; parent directories are
 *              created); "<path>.tmp" is used while writing
 * @param h     Called once on the main loop when the file is written or
 *              failed; NULL for none
 * @param arg   Handler argument
 *
 * @return 0; EINVAL (NULL, empty path or one over PATH_MAX - 5 bytes,
 *         bad params); ENOMEM
 */
int recorder_alloc(struct recorder **rp, struct recwriter *w,
		   const struct recorder_params *p, const char *path,
		   recorder_done_h *h, void *arg)
{
	struct recorder *r;
	size_t len;
	uint64_t now;

	if (!rp || !w || !p || !path || (p->pt != 0 && p->pt != 8) ||
	    !p->max_ms || p->max_ms > RECORDER_MAX_MS ||
	    p->silence_ms > RECORDER_MAX_MS)
		return EINVAL;

	len = strlen(path);
	if (!len || len + 5 > PATH_MAX)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), recorder_destructor);
	if (!r)
		return ENOMEM;

	r->job = calloc(1, sizeof(*r->job) + len + 1);
	if (!r->job) {
		mem_deref(r);
		return ENOMEM;
	}

	memcpy(r->job->path, path, len + 1);
	r->w = mem_ref(w);
	r->h = h;
	r->arg = arg;
	r->pt = p->pt;
	r->max = (size_t)p->max_ms * REC_RATE_KHZ;
	r->silence = (size_t)p->silence_ms * REC_RATE_KHZ;
	now = tmr_jiffies();
	r->max_at = now + p->max_ms + RECORDER_GRACE_MS;
	r->heard_at = now;
	tmr_init(&r->guard);
	guard_arm(r, now);

	*rp = r;
	return 0;
}


/* Room for n more samples; false when memory ran out */
static bool room_make(struct recorder *r, size_t n)
{
	size_t cap = r->cap ? r->cap : min((size_t)REC_CHUNK, r->max);
	int16_t *v;

	while (cap < r->pos + n)
		cap = min(cap * 2, r->max);
	if (cap == r->cap)
		return true;

	v = realloc(r->job->samplev, cap * sizeof(*v));
	if (!v)
		return false;

	r->job->samplev = v;
	r->cap = cap;
	return true;
}


/* Where the packet goes: the silence to insert before it, or false to
 * drop it (see the file comment) */
static bool timeline_place(struct recorder *r, const struct rtphdr *rp,
			   size_t *gapp)
{
	int32_t delta;

	*gapp = 0;
	if (r->started && rp->ssrc == r->ssrc) {
		delta = (int32_t)(rp->ts - (r->base_ts + (uint32_t)r->pos));
		if (delta >= 0 && delta <= REC_JUMP) {
			*gapp = (size_t)delta;
			return true;
		}
		if (delta < 0 && delta >= -REC_JUMP)
			return false;
	}

	/* the first packet, a new stream, or a jump: carry on from here */
	r->started = true;
	r->ssrc = rp->ssrc;
	r->base_ts = rp->ts - (uint32_t)r->pos;
	return true;
}


/* Append gap silent samples then the payload, up to max */
static bool samples_put(struct recorder *r, const struct rtphdr *rp,
			size_t gap)
{
	size_t n = min(gap + rp->payload_len, r->max - r->pos);
	int16_t *v;

	if (!room_make(r, n))
		return false;

	v = r->job->samplev + r->pos;
	for (size_t i = 0; i < n; i++) {
		uint8_t b;

		if (i < gap) {
			v[i] = 0;
			continue;
		}
		b = rp->payload[i - gap];
		v[i] = r->pt ? audio_alaw_decode(b) : audio_ulaw_decode(b);
	}
	r->pos += n;

	return true;
}


/**
 * Feed one RTP packet from the caller. Packets of the recorder's payload
 * type are laid on the timeline (see the file comment); other types and
 * malformed packets are ignored, as is everything once stopped. The
 * recording may stop here (max, silence); the handler is never called
 * from here, so this is safe inside a relay tap.
 */
void recorder_rtp(struct recorder *r, const uint8_t *pkt, size_t len)
{
	struct rtphdr rp;
	size_t gap;

	if (!r || r->state != REC_RUNNING || rtphdr_parse(&rp, pkt, len) ||
	    rp.pt != r->pt)
		return;

	r->heard_at = tmr_jiffies();
	if (!timeline_place(r, &rp, &gap))
		return;

	/* out of memory: keep what we have, as if max was reached */
	if (!samples_put(r, &rp, gap)) {
		rec_finish(r, RECORDER_STOP_MAX);
		return;
	}

	while (r->pos - r->judged >= REC_FRAME) {
		frame_judge(r, REC_FRAME);
		if (r->silence && r->quiet >= r->silence) {
			rec_finish(r, RECORDER_STOP_SILENCE);
			return;
		}
	}

	if (r->pos >= r->max)
		rec_finish(r, RECORDER_STOP_MAX);
}


/** Stop now and write the file (RECORDER_STOP_ASKED); nothing when
 *  already stopped. The handler is called later, on the main loop. */
void recorder_stop(struct recorder *r)
{
	if (r && r->state == REC_RUNNING)
		rec_finish(r, RECORDER_STOP_ASKED);
}
