/** @file bench/tts.c  Text-to-speech cost: flite synthesis time per second
 *  of speech, through the real tts module (worker thread, mqueue, main
 *  loop), cache off so every request synthesizes
 *
 * Usage: bench_tts [rounds]   (default 5 rounds over 6 prompts)
 * Prints, per prompt, the seconds of speech and the milliseconds from
 * tts_say to the handler, then the total ratio. The first request also
 * pays for loading the voice; it is reported apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <hotline/audio.h>
#include <hotline/tts.h>

static const char *promptv[] = {
	"Your estimated wait time is two minutes.",
	"You are caller number three in the queue.",
	("Thank you for calling. All of our agents are busy at the moment."
	 " Please stay on the line and your call will be answered in the"
	 " order it was received."),
	"Press one for sales, two for support, or stay on the line.",
	("Our offices are open Monday to Friday, from nine in the morning"
	 " until six in the evening."),
	"Goodbye.",
};

#define PROMPTS (sizeof(promptv) / sizeof(promptv[0]))

static struct {
	struct tts *tts;
	struct tts_req *req;
	unsigned rounds, round, i;
	double t0, first_ms, first_s;
	double total_ms, total_s;
	int err;
} b;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void next(void);

static void on_tts(int err, struct audio_clip *clip, void *arg)
{
	double ms = now_ms() - b.t0, s;

	(void)arg;
	b.req = mem_deref(b.req);
	if (err) {
		b.err = err;
		re_cancel();
		return;
	}

	s = (double)clip->samplec / AUDIO_RATE;
	if (!b.round && !b.i) {
		b.first_ms = ms;
		b.first_s = s;
	}
	else {
		b.total_ms += ms;
		b.total_s += s;
	}
	if (!b.round)
		printf("  %5.2f s of speech in %7.2f ms  \"%.40s%s\"\n", s, ms,
		       promptv[b.i], strlen(promptv[b.i]) > 40 ? "..." : "");

	if (++b.i == PROMPTS) {
		b.i = 0;
		b.round++;
	}
	next();
}

static void next(void)
{
	if (b.round == b.rounds) {
		re_cancel();
		return;
	}

	b.t0 = now_ms();
	b.err = tts_say(&b.req, b.tts, promptv[b.i], on_tts, NULL);
	if (b.err)
		re_cancel();
}

int main(int argc, char **argv)
{
	int err;

	b.rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 5;
	if (!b.rounds)
		b.rounds = 1;

	err = libre_init();
	if (err)
		return 1;

	err = tts_alloc(&b.tts, 0);
	if (err) {
		fprintf(stderr, "tts_alloc: %d\n", err);
		return 1;
	}

	printf("bench/tts: flite cmu_us_kal (8 kHz), %u rounds x %zu prompts,"
	       " cache off\n", b.rounds, PROMPTS);
	next();
	(void)re_main(NULL);

	if (b.err) {
		fprintf(stderr, "tts: error %d\n", b.err);
	}
	else {
		printf("first request (loads the voice): %.2f s in %.1f ms\n",
		       b.first_s, b.first_ms);
		printf("synthesis: %.1f s of speech in %.1f ms: %.2f ms per"
		       " second of speech (%.0fx real time)\n", b.total_s,
		       b.total_ms, b.total_ms / b.total_s,
		       1000.0 * b.total_s / b.total_ms);
	}

	mem_deref(b.req);
	mem_deref(b.tts);
	libre_close();
	return b.err ? 1 : 0;
}
