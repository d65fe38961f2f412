/** @file app/bus.c  Event bus: seq numbering, batched persistence, fan-out */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <hotline/libre.h>
#include <hotline/bus.h>
#include <hotline/clock.h>
#include <hotline/log.h>
#include <hotline/store.h>
#include <hotline/ws_frame.h>

#define PRUNE_INTERVAL_MS (3600 * 1000)

struct bus {
	struct store *st;           /* borrowed: outlives the bus */
	bus_persist_h *persisth;    /* writes joining each flush, or NULL */
	void *persist_arg;
	struct list pendl;          /* struct pending, owned */
	uint64_t next_seq;          /* seq of the next published event */
	uint64_t last_seq;          /* highest persisted + delivered */
	uint32_t retention_s;
	struct tmr flush_tmr;
	struct tmr prune_tmr;
	struct listener {
		bus_event_h *eh;
		bus_batch_h *bh;
		void *arg;
	} lv[BUS_LISTENERS_MAX];    /* registered; eh NULL = free slot */
};

struct pending {
	struct le le;
	struct bus_event *ev;       /* owned */
};

/* One allocation: the struct, the joined topics, then the frame. */
static struct bus_event *event_alloc(const char *const *topicv,
				     size_t topicc, const char *json,
				     size_t json_len)
{
	struct bus_event *ev;
	size_t tlen = 0, hlen, off = 0;
	uint8_t hdr[10];
	char *topics;
	uint8_t *frame;

	for (size_t i = 0; i < topicc; i++)
		tlen += strlen(topicv[i]) + 1;
	hlen = ws_frame_header(hdr, WS_OP_TEXT, json_len);

	ev = mem_zalloc(sizeof(*ev) + tlen + 1 + hlen + json_len, NULL);
	if (!ev)
		return NULL;

	topics = (char *)(ev + 1);
	for (size_t i = 0; i < topicc; i++) {
		size_t n = strlen(topicv[i]);

		memcpy(topics + off, topicv[i], n);
		ev->topicv[i] = topics + off;
		off += n;
		topics[off++] = '\0';
	}
	ev->topicc = topicc;
	frame = (uint8_t *)topics + tlen + 1;
	memcpy(frame, hdr, hlen);
	memcpy(frame + hlen, json, json_len);
	ev->frame = frame;
	ev->frame_len = hlen + json_len;
	ev->json = (const char *)frame + hlen;
	ev->json_len = json_len;
	return ev;
}

/* The stored topic list is space-separated; the in-memory one is split
 * with NULs, joined back here for storage. */
static void topics_join(const struct bus_event *ev, char *out, size_t outsz)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ev->topicc; i++) {
		off += re_snprintf(out + off, outsz - off, "%s%s",
				   i ? " " : "", ev->topicv[i]);
		if (off >= outsz)
			break;
	}
}

struct bus_event *bus_event_from_json(uint64_t seq, const char *topics,
				      const char *json, size_t len)
{
	const char *topicv[EVENT_TOPICS_MAX];
	char buf[EVENT_TOPICS_MAX * EVENT_TOPIC_MAX];
	size_t topicc;
	struct bus_event *ev;

	topicc = event_topics_split(topics, buf, sizeof(buf), topicv,
				    EVENT_TOPICS_MAX);
	ev = event_alloc(topicv, topicc, json, len);
	if (ev)
		ev->seq = seq;
	return ev;
}

static void pending_destructor(void *data)
{
	struct pending *p = data;

	list_unlink(&p->le);
	mem_deref(p->ev);
}

static void flush_handler(void *arg);

static int persist(struct bus *bus)
{
	char topics[EVENT_TOPICS_MAX * EVENT_TOPIC_MAX];
	char seqtxt[24];
	uint64_t last = 0;
	struct le *le;
	int err;

	err = store_begin(bus->st);
	if (err)
		return err;
	if (bus->persisth)
		bus->persisth(bus->persist_arg);
	LIST_FOREACH(&bus->pendl, le) {
		const struct bus_event *ev = ((struct pending *)le->data)->ev;

		topics_join(ev, topics, sizeof(topics));
		err = store_event_append(bus->st, ev->seq, ev->at_ms,
					 ev->type, topics, ev->json,
					 ev->json_len);
		if (err)
			goto out;
		last = ev->seq;
	}
	/* seq survives pruning of every stored event */
	re_snprintf(seqtxt, sizeof(seqtxt), "%llu", (unsigned long long)last);
	err = store_setting_set(bus->st, "event_seq", seqtxt);
 out:
	if (err) {
		store_rollback(bus->st);
		return err;
	}
	return store_commit(bus->st);
}

int bus_flush(struct bus *bus)
{
	uint64_t upto;
	int err;

	tmr_cancel(&bus->flush_tmr);
	if (list_isempty(&bus->pendl))
		return 0;

	upto = ((struct pending *)list_tail(&bus->pendl)->data)->ev->seq;
	err = persist(bus);
	if (err) {
		log_error("bus: persisting %u events failed (%m); retrying\n",
			  list_count(&bus->pendl), err);
		return err;
	}

	/* A listener may publish more events: those stay pending (seq past
	 * upto) for the next flush. */
	while (!list_isempty(&bus->pendl)) {
		struct pending *p = list_head(&bus->pendl)->data;

		if (p->ev->seq > upto)
			break;
		bus->last_seq = p->ev->seq;
		list_unlink(&p->le);
		for (size_t i = 0; i < BUS_LISTENERS_MAX; i++) {
			if (bus->lv[i].eh)
				bus->lv[i].eh(p->ev, bus->lv[i].arg);
		}
		mem_deref(p);
	}
	for (size_t i = 0; i < BUS_LISTENERS_MAX; i++) {
		if (bus->lv[i].eh && bus->lv[i].bh)
			bus->lv[i].bh(bus->lv[i].arg);
	}
	if (!list_isempty(&bus->pendl) && !tmr_isrunning(&bus->flush_tmr))
		tmr_start(&bus->flush_tmr, 0, flush_handler, bus);
	return 0;
}

static void flush_handler(void *arg)
{
	struct bus *bus = arg;

	if (bus_flush(bus))
		tmr_start(&bus->flush_tmr, 100, flush_handler, bus);
}

int bus_publish(struct bus *bus, const char *type,
		const char *const *topicv, size_t topicc, uint64_t at_ms,
		json_t *data, uint64_t *seqp)
{
	const char *uniq[EVENT_TOPICS_MAX];
	size_t uniqc = 0, len;
	struct pending *p = NULL;
	uint64_t at = at_ms ? at_ms : clock_now_ms();
	char *json = NULL;
	int err = 0;

	if (!bus || !event_type_valid(type) || !topicc ||
	    topicc > EVENT_TOPICS_MAX) {
		err = EINVAL;
		goto out;
	}
	for (size_t i = 0; i < topicc; i++) {
		bool dup = false;

		if (!event_topic_valid(topicv[i])) {
			err = EINVAL;
			goto out;
		}
		for (size_t j = 0; j < uniqc; j++)
			dup |= !strcmp(uniq[j], topicv[i]);
		if (!dup)
			uniq[uniqc++] = topicv[i];
	}

	json = event_envelope_dump(bus->next_seq, type, at, uniq, uniqc, data,
				   &len);
	p = mem_zalloc(sizeof(*p), pending_destructor);
	if (!json || !p) {
		err = ENOMEM;
		goto out;
	}
	p->ev = event_alloc(uniq, uniqc, json, len);
	if (!p->ev) {
		err = ENOMEM;
		goto out;
	}
	p->ev->seq = bus->next_seq++;
	p->ev->at_ms = at;
	str_ncpy(p->ev->type, type, sizeof(p->ev->type));
	list_append(&bus->pendl, &p->le, p);
	if (seqp)
		*seqp = p->ev->seq;
	p = NULL;
	if (!tmr_isrunning(&bus->flush_tmr))
		tmr_start(&bus->flush_tmr, 0, flush_handler, bus);
 out:
	if (err)
		log_warn("bus: event %s not published (%m)\n",
			 type ? type : "?", err);
	mem_deref(p);
	free(json);
	json_decref(data);
	return err;
}

uint64_t bus_last_seq(const struct bus *bus)
{
	return bus->last_seq;
}

/**
 * Register a listener: eh is called for every event once it is persisted,
 * in seq order, then bh (optional) once per flushed batch. A listener is
 * identified by arg. 0, EINVAL, EALREADY (arg registered), ENOSPC (all
 * BUS_LISTENERS_MAX slots taken).
 */
int bus_listen(struct bus *bus, bus_event_h *eh, bus_batch_h *bh, void *arg)
{
	struct listener *free_slot = NULL;

	if (!bus || !eh)
		return EINVAL;
	for (size_t i = 0; i < BUS_LISTENERS_MAX; i++) {
		if (bus->lv[i].eh && bus->lv[i].arg == arg)
			return EALREADY;
		if (!bus->lv[i].eh && !free_slot)
			free_slot = &bus->lv[i];
	}
	if (!free_slot)
		return ENOSPC;
	free_slot->eh = eh;
	free_slot->bh = bh;
	free_slot->arg = arg;
	return 0;
}


/**
 * Let h write inside each flush's transaction, before the events: the
 * other writes of the hot path (call records) share one commit per loop
 * turn with the events that describe them. h logs its own errors; they
 * do not fail the flush. One hook; h NULL removes it.
 */
void bus_persist_hook(struct bus *bus, bus_persist_h *h, void *arg)
{
	if (!bus)
		return;
	bus->persisth = h;
	bus->persist_arg = h ? arg : NULL;
}


/** Remove the listener registered with arg (no-op if none). */
void bus_unlisten(struct bus *bus, void *arg)
{
	if (!bus)
		return;
	for (size_t i = 0; i < BUS_LISTENERS_MAX; i++) {
		if (bus->lv[i].eh && bus->lv[i].arg == arg)
			memset(&bus->lv[i], 0, sizeof(bus->lv[i]));
	}
}

static void prune_handler(void *arg)
{
	struct bus *bus = arg;
	uint64_t cutoff, removed = 0;
	int err;

	tmr_start(&bus->prune_tmr, PRUNE_INTERVAL_MS, prune_handler, bus);
	cutoff = clock_now_ms() - (uint64_t)bus->retention_s * 1000;
	err = store_event_prune(bus->st, cutoff, &removed);
	if (err)
		log_warn("bus: pruning events failed (%m)\n", err);
	else if (removed)
		log_info("bus: pruned %llu events older than %u s\n",
			 (unsigned long long)removed, bus->retention_s);
}

static void bus_destructor(void *data)
{
	struct bus *bus = data;

	/* in-flight events are committed on shutdown */
	(void)bus_flush(bus);
	list_flush(&bus->pendl);
	tmr_cancel(&bus->flush_tmr);
	tmr_cancel(&bus->prune_tmr);
}

int bus_alloc(struct bus **busp, struct store *st, uint32_t retention_s)
{
	struct bus *bus;
	uint64_t first, last, saved = 0;
	char val[24];
	int err;

	err = store_event_bounds(st, &first, &last);
	if (err)
		return err;
	if (!store_setting_get(st, "event_seq", val, sizeof(val)))
		saved = strtoull(val, NULL, 10);

	bus = mem_zalloc(sizeof(*bus), bus_destructor);
	if (!bus)
		return ENOMEM;
	bus->st = st;
	bus->retention_s = retention_s;
	bus->last_seq = last > saved ? last : saved;
	bus->next_seq = bus->last_seq + 1;
	tmr_init(&bus->flush_tmr);
	tmr_init(&bus->prune_tmr);
	prune_handler(bus);

	*busp = bus;
	return 0;
}
