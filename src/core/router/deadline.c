/** @file core/router/deadline.c  A binary min-heap of deadlines (no I/O)
 *
 * Entries live inside the objects they belong to (an offer's expiry, an
 * agent's wrap-up end...) and remember their index in the heap, so an
 * object going away removes its entry in O(log n). Slots are reserved
 * when an object is created (deadline_reserve): scheduling later never
 * allocates and so never fails.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "router.h"


/** Set up an unscheduled entry of kind for obj (ch: agent channel). */
void deadline_init(struct deadline *d, enum dl_kind kind, void *obj,
		   unsigned ch)
{
	memset(d, 0, sizeof(*d));
	d->kind = (uint8_t)kind;
	d->obj  = obj;
	d->ch   = (uint8_t)ch;
}


/** Reserve slots for the entries of a new object: 0 or ENOMEM. */
int deadline_reserve(struct dlheap *h, uint32_t slots)
{
	uint32_t need = h->need + slots;
	struct deadline **v;
	uint32_t sz;

	if (need <= h->sz) {
		h->need = need;
		return 0;
	}

	sz = h->sz ? h->sz : 64;
	while (sz < need)
		sz *= 2;
	v = mem_reallocarray(h->v, sz, sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	h->v = v;
	h->sz = sz;
	h->need = need;
	return 0;
}


/** Give back the slots of an object that went away. */
void deadline_release(struct dlheap *h, uint32_t slots)
{
	h->need = h->need >= slots ? h->need - slots : 0;
}


static void place(struct dlheap *h, uint32_t i, struct deadline *d)
{
	h->v[i] = d;
	d->pos = i + 1;
}


static void sift_up(struct dlheap *h, uint32_t i)
{
	struct deadline *d = h->v[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (h->v[p]->at <= d->at)
			break;
		place(h, i, h->v[p]);
		i = p;
	}
	place(h, i, d);
}


static void sift_down(struct dlheap *h, uint32_t i)
{
	struct deadline *d = h->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->at < h->v[c]->at)
			c++;
		if (d->at <= h->v[c]->at)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, d);
}


/**
 * Schedule d at time at, or move it there if it is scheduled already.
 * Never fails: the owner reserved its slot (asserted).
 */
void deadline_set(struct dlheap *h, struct deadline *d, uint64_t at)
{
	uint32_t i;

	if (d->pos) {
		uint64_t old = d->at;

		d->at = at;
		i = d->pos - 1;
		if (at < old)
			sift_up(h, i);
		else
			sift_down(h, i);
		return;
	}

	assert(h->n < h->sz);
	if (h->n >= h->sz)
		return;   /* cannot happen: slots are reserved */

	d->at = at;
	i = h->n++;
	place(h, i, d);
	sift_up(h, i);
}


/** Unschedule d (no-op when it is not scheduled). */
void deadline_clear(struct dlheap *h, struct deadline *d)
{
	uint32_t i;
	struct deadline *last;

	if (!d->pos)
		return;

	i = d->pos - 1;
	d->pos = 0;
	last = h->v[--h->n];
	if (last == d)
		return;

	place(h, i, last);
	if (i > 0 && h->v[(i - 1) / 2]->at > last->at)
		sift_up(h, i);
	else
		sift_down(h, i);
}


/** The earliest entry, or NULL. */
struct deadline *deadline_top(const struct dlheap *h)
{
	return h->n ? h->v[0] : NULL;
}


/** Free the array (entries must all be cleared by their owners). */
void deadline_heap_free(struct dlheap *h)
{
	h->v = mem_deref(h->v);
	h->n = h->sz = h->need = 0;
}


/** Whether the heap order and every entry's position hold (tests). */
bool deadline_heap_valid(const struct dlheap *h)
{
	if (h->n > h->sz || h->need > h->sz)
		return false;

	for (uint32_t i = 0; i < h->n; i++) {
		if (h->v[i]->pos != i + 1)
			return false;
		if (i > 0 && h->v[(i - 1) / 2]->at > h->v[i]->at)
			return false;
	}

	return true;
}
