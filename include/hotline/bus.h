/** @file hotline/bus.h  The event bus: numbers, persists and fans out events
 *
 * bus_publish() gives an event the next seq and serializes its envelope
 * once. Pending events are written to the store in one transaction per
 * loop turn (or at bus_flush()), and only then handed to listeners, so a
 * subscriber never sees a seq that a crash could take back.
 */
#ifndef HOTLINE_BUS_H
#define HOTLINE_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <hotline/event.h>

struct store;
struct bus;

/** A published event: immutable once published, shared by reference
 *  (libre mem) by every subscriber that still has to send it. */
struct bus_event {
	uint64_t seq;
	uint64_t at_ms;
	char type[EVENT_TYPE_MAX];
	size_t topicc;
	const char *topicv[EVENT_TOPICS_MAX];   /* into topics */
	const char *topics;     /* the topics separated by single spaces */
	const uint8_t *frame;   /* WebSocket text frame: header + envelope */
	size_t frame_len;
	const char *json;       /* the envelope, inside frame */
	size_t json_len;
};

/** Called for each event after it is persisted, in seq order. The event
 *  lives until the handler returns; mem_ref() it to keep it longer. */
typedef void (bus_event_h)(const struct bus_event *ev, void *arg);

/** Called once after each delivered batch (one flush): a listener that
 *  gathers frames per subscriber sends them here, one write each. */
typedef void (bus_batch_h)(void *arg);

/** Create the bus on st; the next seq continues after the highest one
 *  ever stored. Events older than retention_s are pruned hourly. */
int bus_alloc(struct bus **busp, struct store *st, uint32_t retention_s);

#define BUS_LISTENERS_MAX 4   /* the stream, the ACD, webhooks, export */

/* Listeners (the WebSocket stream, the ACD) get events after they are
 * persisted; see bus.c. */
int bus_listen(struct bus *bus, bus_event_h *eh, bus_batch_h *bh,
	       void *arg);
void bus_unlisten(struct bus *bus, void *arg);

/* Writes that join each flush's transaction (see bus.c) */
typedef void (bus_persist_h)(void *arg);
void bus_persist_hook(struct bus *bus, bus_persist_h *h, void *arg);

/** Publish an event that happened at at_ms (0: now, in ms since the
 *  epoch). topicv: 1..EVENT_TOPICS_MAX valid topics (duplicates are
 *  dropped). data: stolen (may be NULL). *seqp (if set) gets the seq.
 *  0, EINVAL (bad type/topics), ENOMEM. */
int bus_publish(struct bus *bus, const char *type,
		const char *const *topicv, size_t topicc, uint64_t at_ms,
		json_t *data, uint64_t *seqp);

/** Persist pending events now (one transaction) and deliver them.
 *  Called before acknowledging a request whose events must be durable.
 *  0 or EIO (events stay pending and are retried). */
int bus_flush(struct bus *bus);

/** Highest seq persisted and delivered. */
uint64_t bus_last_seq(const struct bus *bus);

/** Allocate a standalone bus_event from a stored envelope (for replay):
 *  builds the frame. Returns a mem object or NULL. */
struct bus_event *bus_event_from_json(uint64_t seq, const char *topics,
				      const char *json, size_t len);

#endif
