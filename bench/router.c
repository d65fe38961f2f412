/** @file bench/router.c  ACD router micro-benchmark: offer decision
 *  latency with many agents, queues and waiting tasks (no I/O)
 *
 * Shape (defaults): 10,000 agents, 500 queues, every agent a member of 1-3
 * queues (its first queue is agent % queues, so every queue has members),
 * strategies mixed per queue (40 % longest_idle, 20 % round_robin, 15 %
 * skills, 10 % least_calls, 5 % random, 5 % top_down, 5 % ring_all),
 * 10 % of the tasks at a higher priority. Every agent is made busy, then
 * 50,000 more tasks wait spread over the queues.
 *
 * Single pass: per step one new task arrives (keeping the backlog), one
 * busy agent's task ends (wrap-up 0: the agent is available again), and
 * one router_drain() is timed with clock_gettime around it; the offers it
 * made are accepted after the clock stops. Burst pass: K agents freed per
 * drain (and K arrivals). Virtual time advances 1 ms per step. Prints the
 * latency distribution per drain and per offer decision, decisions and
 * drains per second of drain time, the cost of the other calls, and the
 * memory used (heap bytes from mallinfo2, and RSS). It never asserts on
 * time; it exits 1 only when the router misbehaves (an error, no offer
 * where one was possible).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <hotline/router.h>

#define T0_MS 1704067200000ULL   /* virtual clock start */

struct opts {
	uint32_t agents, queues, tasks, steps, burst, bsteps;
	uint64_t seed;
	bool voice_only;         /* chat and email capacity 0 */
};

struct pend {                    /* an offer made during the drain */
	uint64_t id;
	uint64_t agent;
	char task[TASK_ID_MAX];
};

struct bench {
	struct opts o;
	struct router *r;           /* owned (mem) */
	uint64_t rng;
	uint64_t now;
	uint64_t next_task;
	struct pend *pv;            /* owned: offers of the current drain */
	size_t pc, pcap;
	char (*held)[TASK_ID_MAX];  /* owned: task per agent ("" = idle) */
	uint32_t *busyv;            /* owned: busy agent ids */
	uint32_t nbusy;
	uint32_t (*qof)[3];         /* owned: the queues of each agent */
	uint8_t *nq;
	uint64_t offer_ends, overflows, errors, idle_drains;
};

struct lat {                     /* latency samples in ns */
	uint64_t *v;                /* owned */
	size_t n, cap;
	double sum;
};


static uint64_t rnd(struct bench *b)
{
	uint64_t z = (b->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

	return z ^ (z >> 31);
}


static uint32_t rnd_below(struct bench *b, uint32_t n)
{
	return (uint32_t)(rnd(b) % n);
}


static uint64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}


static int lat_add(struct lat *l, uint64_t ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ns;
	l->sum += (double)ns;

	return 0;
}


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}


static double pctl(const struct lat *l, double p)
{
	size_t i = (size_t)(p * (double)(l->n - 1) + 0.5);

	return (double)l->v[i] / 1000.0;
}


static void lat_print(const char *what, struct lat *l)
{
	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	printf("  %-22s p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %8.2f  "
	       "max %8.2f  mean %7.2f us  (%zu)\n", what,
	       pctl(l, 0.5), pctl(l, 0.9), pctl(l, 0.99), pctl(l, 0.999),
	       pctl(l, 1.0), l->sum / (double)l->n / 1000.0, l->n);
}


static int fx_offer(void *ctx, const struct router_offer *o)
{
	struct bench *b = ctx;
	struct pend *p;

	if (b->pc == b->pcap) {
		size_t cap = b->pcap ? b->pcap * 2 : 64;
		struct pend *v = realloc(b->pv, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		b->pv = v;
		b->pcap = cap;
	}
	p = &b->pv[b->pc++];
	p->id = o->id;
	p->agent = o->agent_id;
	snprintf(p->task, sizeof(p->task), "%s", o->task_id);

	return 0;
}


static void fx_offer_end(void *ctx, const struct router_offer *o,
			 enum router_reason why)
{
	struct bench *b = ctx;

	(void)o;
	(void)why;
	b->offer_ends++;
}


static void fx_overflow(void *ctx, const char *task_id, const char *queue_id,
			enum router_reason why)
{
	struct bench *b = ctx;

	(void)task_id;
	(void)queue_id;
	(void)why;
	b->overflows++;
}




/* 20 slots: 8 longest_idle, 4 round_robin, 3 skills, 2 least_calls,
 * 1 random, 1 top_down, 1 ring_all */
static enum queue_strategy strategy_of(uint32_t q)
{
	static const enum queue_strategy mix[20] = {
		QUEUE_LONGEST_IDLE, QUEUE_ROUND_ROBIN, QUEUE_SKILLS,
		QUEUE_LONGEST_IDLE, QUEUE_LEAST_CALLS, QUEUE_ROUND_ROBIN,
		QUEUE_LONGEST_IDLE, QUEUE_SKILLS, QUEUE_RANDOM,
		QUEUE_LONGEST_IDLE, QUEUE_ROUND_ROBIN, QUEUE_TOP_DOWN,
		QUEUE_LONGEST_IDLE, QUEUE_SKILLS, QUEUE_LEAST_CALLS,
		QUEUE_LONGEST_IDLE, QUEUE_ROUND_ROBIN, QUEUE_RING_ALL,
		QUEUE_LONGEST_IDLE, QUEUE_LONGEST_IDLE,
	};

	return mix[q % 20];
}


static void qname(char *buf, size_t sz, uint32_t q)
{
	snprintf(buf, sz, "q%u", q);
}


static int setup_queues(struct bench *b)
{
	for (uint32_t i = 0; i < b->o.queues; i++) {
		struct queue q;
		int err;

		queue_init(&q);
		qname(q.id, sizeof(q.id), i);
		snprintf(q.name, sizeof(q.name), "bench queue %u", i);
		q.strategy = strategy_of(i);
		q.offer_timeout_s = 300;
		q.wrap_up_s = 0;
		q.max_missed_offers = 0;
		q.join_empty = true;
		err = router_queue_put(b->r, &q, b->now);
		if (err)
			return err;
	}

	return 0;
}


/* Agent i: member of its first queue i % Q and of 0-2 other random
 * queues, with a skill s<queue> (level 1-100) for each */
static int setup_agent(struct bench *b, uint32_t i)
{
	struct agent a;
	uint32_t n = 1 + rnd_below(b, 3);
	int err;

	b->qof[i][0] = i % b->o.queues;
	b->nq[i] = 1;
	while (b->nq[i] < n) {
		uint32_t q = rnd_below(b, b->o.queues);
		bool dup = false;

		for (uint32_t k = 0; k < b->nq[i]; k++)
			dup |= b->qof[i][k] == q;
		if (!dup)
			b->qof[i][b->nq[i]++] = q;
	}

	agent_init(&a);
	a.id = i + 1;
	snprintf(a.name, sizeof(a.name), "agent %u", i + 1);
	snprintf(a.extension, sizeof(a.extension), "%u", 10000 + i);
	a.st.presence = AGENT_LOGGED_IN;
	a.st.availability = AGENT_READY;
	if (b->o.voice_only) {
		a.capacity[AGENT_CH_CHAT] = 0;
		a.capacity[AGENT_CH_EMAIL] = 0;
	}
	for (uint32_t k = 0; k < b->nq[i]; k++) {
		snprintf(a.skillv[k].name, sizeof(a.skillv[k].name), "s%u",
			 b->qof[i][k]);
		a.skillv[k].level = (uint8_t)(1 + rnd_below(b, 100));
	}
	a.skillc = b->nq[i];
	err = router_agent_put(b->r, &a, b->now);
	if (err)
		return err;

	for (uint32_t k = 0; k < b->nq[i]; k++) {
		struct queue_member m = { .agent_id = i + 1, .tier = 1,
					  .position = 1 + rnd_below(b, 1000) };

		qname(m.queue_id, sizeof(m.queue_id), b->qof[i][k]);
		err = router_member_put(b->r, &m, b->now);
		if (err)
			return err;
	}

	return 0;
}


/* A new task in queue q (skills queues require the queue's skill) */
static int enqueue(struct bench *b, uint32_t q)
{
	enum router_result res;
	char qid[QUEUE_ID_MAX];
	char id[TASK_ID_MAX];
	struct task t;
	int err;

	snprintf(id, sizeof(id), "t%" PRIu64, ++b->next_task);
	task_init(&t, id);
	if (rnd_below(b, 10) == 0)
		t.priority = 5;
	if (strategy_of(q) == QUEUE_SKILLS) {
		snprintf(t.skillv[0].name, sizeof(t.skillv[0].name), "s%u", q);
		t.skillv[0].min_level = 1;
		t.skillc = 1;
	}
	qname(qid, sizeof(qid), q);
	err = router_task_enqueue(b->r, qid, &t, b->now, &res);
	if (!err && res != ROUTER_QUEUED)
		b->overflows++;

	return err;
}


/* Accept the offers of the last drain; an agent's first accepted offer
 * makes it busy (ring_all: the task's other offers end, ESTALE after) */
static void accept_all(struct bench *b)
{
	for (size_t i = 0; i < b->pc; i++) {
		struct pend *p = &b->pv[i];
		int err = router_offer_accept(b->r, p->id, b->now);

		if (err == ESTALE)
			continue;
		if (err || b->held[p->agent - 1][0]) {
			b->errors++;
			continue;
		}
		snprintf(b->held[p->agent - 1], TASK_ID_MAX, "%s", p->task);
		b->busyv[b->nbusy++] = (uint32_t)p->agent;
	}
	b->pc = 0;
}


/* Every agent busy: one task per idle agent in its first queue, drain,
 * accept, until none is idle (bounded) */
static int fill(struct bench *b)
{
	for (int round = 0; round < 50 && b->nbusy < b->o.agents; round++) {
		for (uint32_t i = 0; i < b->o.agents; i++) {
			int err;

			if (b->held[i][0])
				continue;
			err = enqueue(b, b->qof[i][0]);
			if (err)
				return err;
		}
		for (int k = 0; k < 10; k++) {
			b->now++;
			(void)router_drain(b->r, b->now);
			if (!b->pc)
				break;
			accept_all(b);
		}
	}

	return b->nbusy == b->o.agents ? 0 : EAGAIN;
}


/* The bench's own tables (allocated before the router is measured) */
static int tables_alloc(struct bench *b)
{
	b->held = calloc(b->o.agents, sizeof(*b->held));
	b->busyv = calloc(b->o.agents, sizeof(*b->busyv));
	b->qof = calloc(b->o.agents, sizeof(*b->qof));
	b->nq = calloc(b->o.agents, sizeof(*b->nq));
	b->pcap = b->o.agents;    /* at most one live offer per agent */
	b->pv = calloc(b->pcap, sizeof(*b->pv));

	return b->held && b->busyv && b->qof && b->nq && b->pv ? 0 : ENOMEM;
}


static int setup(struct bench *b)
{
	const struct router_effects fx = {
		.offer = fx_offer, .offer_end = fx_offer_end,
		.overflow = fx_overflow, .ctx = b,   /* agent actions: none */
	};
	uint32_t backlog;
	int err;

	err = router_alloc(&b->r, &fx, b->o.seed);
	if (!err)
		err = setup_queues(b);
	for (uint32_t i = 0; !err && i < b->o.agents; i++)
		err = setup_agent(b, i);
	if (!err)
		err = fill(b);
	if (err)
		return err;

	/* the backlog: tasks beyond the ones in the agents' hands wait */
	backlog = b->o.tasks;
	for (uint32_t i = 0; !err && i < backlog; i++)
		err = enqueue(b, rnd_below(b, b->o.queues));
	if (err)
		return err;
	b->now++;
	(void)router_drain(b->r, b->now);

	return b->pc ? EPROTO : 0;    /* nobody is free: nothing offered */
}


/* Free one random busy agent: its task ends */
static int free_one(struct bench *b, struct lat *done)
{
	uint64_t t0, t1;
	uint32_t k, id;
	int err;

	if (!b->nbusy)
		return 0;
	k = rnd_below(b, b->nbusy);
	id = b->busyv[k];
	b->busyv[k] = b->busyv[--b->nbusy];
	t0 = ns_now();
	err = router_task_done(b->r, b->held[id - 1], b->now);
	t1 = ns_now();
	b->held[id - 1][0] = '\0';
	if (!err)
		err = lat_add(done, t1 - t0);

	return err;
}


struct pass {
	struct lat drain, decision, enq, done, acc;
	uint64_t offers, drains, ns;
};


/* steps drains, each after k arrivals and k agents freed */
static int run_pass(struct bench *b, uint32_t steps, uint32_t k,
		    struct pass *ps)
{
	int err = 0;

	for (uint32_t s = 0; !err && s < steps; s++) {
		uint64_t t0, t1;
		size_t n;

		b->now++;
		for (uint32_t i = 0; !err && i < k; i++) {
			t0 = ns_now();
			err = enqueue(b, rnd_below(b, b->o.queues));
			t1 = ns_now();
			if (!err)
				err = lat_add(&ps->enq, t1 - t0);
			if (!err)
				err = free_one(b, &ps->done);
		}
		if (err)
			break;

		t0 = ns_now();
		n = router_drain(b->r, b->now);
		t1 = ns_now();
		ps->drains++;
		ps->ns += t1 - t0;
		ps->offers += n;
		if (!n)
			b->idle_drains++;
		err = lat_add(&ps->drain, t1 - t0);
		if (!err && n)
			err = lat_add(&ps->decision, (t1 - t0) / n);

		t0 = ns_now();
		accept_all(b);
		t1 = ns_now();
		if (!err && n)
			err = lat_add(&ps->acc, (t1 - t0) / n);
	}

	return err;
}


static void pass_print(const char *title, struct pass *ps)
{
	double s = (double)ps->ns / 1e9;

	printf("%s\n", title);
	lat_print("drain (per call)", &ps->drain);
	lat_print("per offer decision", &ps->decision);
	lat_print("enqueue", &ps->enq);
	lat_print("task done", &ps->done);
	lat_print("accept (per offer)", &ps->acc);
	printf("  %" PRIu64 " drains, %" PRIu64 " offers in %.3f s of drain "
	       "time: %.0f decisions/s, %.0f drains/s\n", ps->drains,
	       ps->offers, s, (double)ps->offers / s, (double)ps->drains / s);
}


static void pass_free(struct pass *ps)
{
	free(ps->drain.v);
	free(ps->decision.v);
	free(ps->enq.v);
	free(ps->done.v);
	free(ps->acc.v);
}


/* VmRSS / VmHWM in KiB from /proc/self/status (0 if unknown) */
static void rss_kib(uint64_t *rss, uint64_t *hwm)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*rss = *hwm = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss = strtoull(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			*hwm = strtoull(line + 6, NULL, 10);
	}
	fclose(f);
}


static void machine_print(int argc, char *argv[])
{
	char line[256], model[160] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			snprintf(model, sizeof(model), "%s", c + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);

	printf("+");
	for (int i = 0; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\nbench_router: %ld cores (%s)\n",
	       sysconf(_SC_NPROCESSORS_ONLN), model);
}


static void usage(FILE *f)
{
	fprintf(f, "usage: bench_router [--agents N] [--queues Q] "
		"[--tasks T] [--steps S]\n"
		"                    [--burst K] [--burst-steps S] [--seed X]"
		" [--voice-only]\n"
		"defaults: 10000 agents, 500 queues, 50000 waiting tasks, "
		"200000 single steps,\n"
		"          bursts of 32 agents freed per drain x 10000 steps,\n"
		"          agents with the default capacities (voice 1, "
		"chat 3, email 5);\n"
		"          --voice-only: chat and email capacity 0\n");
}


static bool parse_u32(const char *s, uint32_t min, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || end == s || *end || x < min || x > UINT32_MAX ||
	    *s == '-')
		return false;
	*v = (uint32_t)x;

	return true;
}


static bool parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{"agents", required_argument, NULL, 'a'},
		{"queues", required_argument, NULL, 'q'},
		{"tasks", required_argument, NULL, 't'},
		{"steps", required_argument, NULL, 's'},
		{"burst", required_argument, NULL, 'k'},
		{"burst-steps", required_argument, NULL, 'b'},
		{"seed", required_argument, NULL, 'x'},
		{"voice-only", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0}
	};
	uint32_t seed;
	bool ok = true;
	int c;

	while (ok && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': ok = parse_u32(optarg, 1, &o->agents); break;
		case 'q': ok = parse_u32(optarg, 1, &o->queues); break;
		case 't': ok = parse_u32(optarg, 0, &o->tasks); break;
		case 's': ok = parse_u32(optarg, 1, &o->steps); break;
		case 'k': ok = parse_u32(optarg, 1, &o->burst); break;
		case 'b': ok = parse_u32(optarg, 0, &o->bsteps); break;
		case 'x':
			ok = parse_u32(optarg, 0, &seed);
			o->seed = seed;
			break;
		case 'v': o->voice_only = true; break;
		default: ok = false; break;
		}
	}

	return ok && optind == argc && o->burst <= o->agents &&
	       o->queues <= 100000;
}


int main(int argc, char *argv[])
{
	struct bench b = { .o = { 10000, 500, 50000, 200000, 32, 10000, 1,
				  false } };
	struct pass single = {0}, burst = {0};
	uint64_t rss0, rss1, hwm, t0, heap0;
	struct mallinfo2 mi;
	int err;

	if (!parse_args(argc, argv, &b.o)) {
		usage(stderr);
		return 2;
	}
	b.rng = b.o.seed;
	b.now = T0_MS;
	machine_print(argc, argv);

	err = tables_alloc(&b);
	rss_kib(&rss0, &hwm);
	heap0 = mallinfo2().uordblks;
	t0 = ns_now();
	if (!err)
		err = setup(&b);
	if (err) {
		fprintf(stderr, "bench_router: setup failed (%s)\n",
			strerror(err));
		return 1;
	}
	mi = mallinfo2();
	rss_kib(&rss1, &hwm);
	printf("setup: %u agents, %u queues, %u tasks waiting, all agents "
	       "busy, in %.2f s\n", b.o.agents, b.o.queues, b.o.tasks,
	       (double)(ns_now() - t0) / 1e9);
	printf("memory: router heap %.1f MiB (mallinfo2; %.0f bytes per "
	       "agent or task), process RSS %.1f -> %.1f MiB\n",
	       (double)(mi.uordblks - heap0) / 1048576.0,
	       (double)(mi.uordblks - heap0) /
	       (double)(b.o.agents + b.o.agents + b.o.tasks),
	       rss0 / 1024.0, rss1 / 1024.0);

	err = run_pass(&b, b.o.steps, 1, &single);
	if (!err)
		err = run_pass(&b, b.o.bsteps, b.o.burst, &burst);
	if (err) {
		fprintf(stderr, "bench_router: run failed (%s)\n",
			strerror(err));
		return 1;
	}

	pass_print("single: one task arrives, one agent is freed, one drain",
		   &single);
	if (b.o.bsteps) {
		char title[128];

		snprintf(title, sizeof(title), "burst: %u tasks arrive, %u "
			 "agents freed, one drain", b.o.burst, b.o.burst);
		pass_print(title, &burst);
	}
	rss_kib(&rss1, &hwm);
	printf("end: RSS %.1f MiB (peak %.1f MiB); drains without an offer "
	       "%" PRIu64 ", offers ended %" PRIu64 ", overflows %" PRIu64
	       ", errors %" PRIu64 "\n", rss1 / 1024.0, hwm / 1024.0,
	       b.idle_drains, b.offer_ends, b.overflows, b.errors);

	pass_free(&single);
	pass_free(&burst);
	mem_deref(b.r);
	free(b.pv);
	free(b.held);
	free(b.busyv);
	free(b.qof);
	free(b.nq);

	return b.errors || b.overflows ? 1 : 0;
}
