/** @file sim/sim.h  hotline-sim: the real router driven in virtual time
 *  (Poisson arrivals, exponential handle times, one queue of N agents).
 *  Private to src/sim/ (not part of the daemon's library). */
#ifndef HOTLINE_SIM_H
#define HOTLINE_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <hotline/queue.h>

#define SIM_AGENTS_MAX   100000
#define SIM_CALLS_MAX    1000000000ULL
#define SIM_BATCHES_MAX  1000

/* A small seeded generator: xoshiro256** seeded through splitmix64 */
struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *g, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(struct sim_rng *g);
double sim_rng_exp(struct sim_rng *g, double mean);

/* ---- calls.c: bookkeeping of the engine ---- */

/* A call from its arrival to its answer */
struct sim_slot {
	double arrive;      /* virtual seconds */
	double handle;      /* drawn at arrival */
	double ref_wait;    /* the FIFO M/M/N recursion's wait */
	bool answered;
};

/* Calls lo..hi-1 (by arrival number) in a growing power-of-two ring; lo
 * is the oldest call not answered yet */
struct sim_ring {
	struct sim_slot *v; /* owned (malloc) */
	uint64_t cap, lo, hi;
};

struct sim_event {          /* a call's completion */
	double t;
	uint64_t call;
	uint32_t agent;     /* 0-based */
};

struct sim_heap {           /* min-heap of completions by t */
	struct sim_event *v;  /* owned (malloc) */
	size_t n, cap;
};

static inline struct sim_slot *sim_ring_at(const struct sim_ring *rg,
					   uint64_t i)
{
	return &rg->v[i & (rg->cap - 1)];
}

int  sim_ring_push(struct sim_ring *rg, struct sim_slot **sp);
bool sim_ring_live(const struct sim_ring *rg, uint64_t i);
void sim_ring_answer(struct sim_ring *rg, uint64_t i);
int  sim_heap_push(struct sim_heap *h, const struct sim_event *ev);
struct sim_event sim_heap_pop(struct sim_heap *h);
double sim_ref_next(double *free_at, size_t n, double arrive, double handle);

/* ---- sim.c: the engine ---- */

struct sim_params {
	double arrival_rate;        /* calls per second, > 0 */
	double handle_s;            /* mean handle time, > 0 */
	uint32_t agents;            /* 1..SIM_AGENTS_MAX */
	uint64_t calls;             /* calls generated, 1..SIM_CALLS_MAX */
	uint64_t warmup;            /* first calls left out of the figures */
	uint64_t seed;
	enum queue_strategy strategy;
	double sl_threshold_s;      /* answered within this counts, > 0 */
	uint32_t batches;           /* batch means over the measured calls */
};

/* One batch of measured calls (in arrival order) */
struct sim_batch {
	uint64_t n;
	uint64_t waited;            /* waited > 0 */
	uint64_t within;            /* waited <= sl_threshold_s */
	double wait_sum;            /* seconds */
};

/* Invariants checked while the router runs; all 0 in a correct run
 * except the informational counters at the end */
struct sim_checks {
	uint64_t ref_mismatch;      /* wait != the FIFO M/M/N recursion */
	double ref_max_diff_s;
	uint64_t fifo;              /* answered out of arrival order */
	uint64_t bad_offer;         /* offer to a non-idle agent or for a
				       task not waiting */
	uint64_t bad_accept;        /* accept of an answered task, or by an
				       agent whose offer had ended */
	uint64_t idle_waiting;      /* an agent idle while a task waits,
				       after a settled drain */
	uint64_t overflow;          /* task left the queue without agent */
	uint64_t corrected;         /* watchdog corrections */
	uint64_t errors;            /* router calls that returned an error */
	uint64_t unsettled;         /* drain loop did not converge */
	uint64_t stale_deadline;    /* next deadline not after a drain */
	uint64_t unanswered;        /* calls never answered */
	/* informational */
	uint64_t drains, offers, accepts, stale_accepts, offer_ends;
	uint64_t deadline_drains;
};

/* The router's own statistics summed over the simulated UTC days,
 * each day compared with the same figures counted from the events */
struct sim_rstats {
	uint32_t days;
	uint32_t mismatched_days;
	uint64_t offered, answered, within;
	double wait_ms_sum;         /* sum of asa_ms x answered per day */
	char first_mismatch[160];   /* "" or a description */
};

struct sim_result {
	uint64_t measured;          /* calls in the figures */
	uint64_t waited;
	uint64_t within;
	double wait_sum, wait_max;  /* seconds */
	double handle_sum;
	double busy_area;           /* agent-seconds busy in the window */
	double window_s;            /* first measured to last arrival */
	double end_s;               /* virtual time of the last event */
	struct sim_batch *batchv;   /* owned (malloc), batchc entries */
	uint32_t batchc;
	struct sim_checks chk;
	struct sim_rstats rs;
};

/** Run one simulation of p. On 0 *res is filled (free with
 *  sim_result_reset()); ENOMEM, EINVAL (bad p), or the errno of a router
 *  call that failed while setting up. Checks that fail during the run are
 *  counted in res->chk, not returned. */
int sim_run(const struct sim_params *p, struct sim_result *res);
void sim_result_reset(struct sim_result *res);
/** Whether every invariant in chk held. */
bool sim_checks_ok(const struct sim_checks *chk);

#endif
