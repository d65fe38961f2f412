/** @file sim/calls.c  hotline-sim bookkeeping: the calls between arrival
 *  and answer, the completion events, and the reference FIFO M/M/N wait */
#include <errno.h>
#include <stdlib.h>
#include "sim.h"


/** Append call number rg->hi; *sp receives its slot (valid until the
 *  next push). 0 or ENOMEM. */
int sim_ring_push(struct sim_ring *rg, struct sim_slot **sp)
{
	if (rg->hi - rg->lo == rg->cap) {
		uint64_t cap = rg->cap ? rg->cap * 2 : 1024;
		struct sim_slot *v = malloc(cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		for (uint64_t i = rg->lo; i < rg->hi; i++)
			v[i & (cap - 1)] = *sim_ring_at(rg, i);
		free(rg->v);
		rg->v = v;
		rg->cap = cap;
	}

	*sp = sim_ring_at(rg, rg->hi++);

	return 0;
}


/** Whether call i has arrived and is not answered yet. */
bool sim_ring_live(const struct sim_ring *rg, uint64_t i)
{
	return i >= rg->lo && i < rg->hi &&
	       !rg->v[i & (rg->cap - 1)].answered;
}


/** Mark live call i answered; the slots of the oldest answered calls are
 *  reused. */
void sim_ring_answer(struct sim_ring *rg, uint64_t i)
{
	sim_ring_at(rg, i)->answered = true;
	while (rg->lo < rg->hi && sim_ring_at(rg, rg->lo)->answered)
		rg->lo++;
}


/** Add ev to the min-heap of completions (by time). 0 or ENOMEM. */
int sim_heap_push(struct sim_heap *h, const struct sim_event *ev)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct sim_event *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		h->v = v;
		h->cap = cap;
	}

	for (i = h->n++; i > 0 && h->v[(i - 1) / 2].t > ev->t; i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = *ev;

	return 0;
}


/** Remove and return the earliest completion; h must not be empty. */
struct sim_event sim_heap_pop(struct sim_heap *h)
{
	struct sim_event top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1].t < h->v[c].t)
			c++;
		if (h->v[c].t >= last.t)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;

	return top;
}


/**
 * The reference wait (Kiefer-Wolfowitz recursion for FIFO M/M/N): free[]
 * is a min-heap of the n agents' free times (all 0 at the start); a call
 * arriving at arrive starts when the earliest agent is free, which is then
 * busy until start + handle. Calls must come in arrival order. Returns the
 * call's wait.
 */
double sim_ref_next(double *free_at, size_t n, double arrive, double handle)
{
	double start, end;
	size_t i = 0;

	start = free_at[0] > arrive ? free_at[0] : arrive;
	end = start + handle;
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && free_at[c + 1] < free_at[c])
			c++;
		if (free_at[c] >= end)
			break;
		free_at[i] = free_at[c];
		i = c;
	}
	free_at[i] = end;

	return start - arrive;
}
