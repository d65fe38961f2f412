-- 003_acd: the ACD. Queues get the settings of routing (decline delay)
-- and of the caller's experience (music, greeting, announcements,
-- overflow); calls remember the queue they went through, how long the
-- caller waited and how the wait ended. A DID may now lead to a queue:
-- dids.target_type is checked by the code that reads it (002), so
-- 'queue' needs no schema change. Existing rows get the defaults of
-- queue_init() and of a call that was never queued.

-- Queue settings. overflow is an enumeration that later features may
-- extend (a flow, voicemail), so like the DID target type it is checked
-- by the code that reads it, not by a CHECK. overflow_target is a queue
-- id, an extension or the text spoken before hanging up, per overflow.
ALTER TABLE queues ADD COLUMN decline_delay_s INTEGER NOT NULL DEFAULT 0
	CHECK (decline_delay_s >= 0);
ALTER TABLE queues ADD COLUMN moh_file TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN greeting TEXT NOT NULL DEFAULT '';
ALTER TABLE queues ADD COLUMN announce_s INTEGER NOT NULL DEFAULT 0
	CHECK (announce_s >= 0);
ALTER TABLE queues ADD COLUMN overflow TEXT NOT NULL DEFAULT 'hangup'
	CHECK (overflow <> '');
ALTER TABLE queues ADD COLUMN overflow_target TEXT NOT NULL DEFAULT '';

-- Calls through a queue. queue_id is the last queue the call waited in
-- (no foreign key: a CDR outlives its queue), queued_at when it entered
-- the first one; both are set together or not at all. wait_ms is the
-- time spent waiting until an agent answered, the caller hung up or the
-- call overflowed; queue_result says which ('' while waiting, or never
-- queued). A closed set, hence a CHECK, as for calls.hangup_by.
ALTER TABLE calls ADD COLUMN queue_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN queued_at INTEGER NOT NULL DEFAULT 0
	CHECK (queued_at >= 0) CHECK ((queued_at = 0) = (queue_id = ''));
ALTER TABLE calls ADD COLUMN wait_ms INTEGER NOT NULL DEFAULT 0
	CHECK (wait_ms >= 0);
ALTER TABLE calls ADD COLUMN queue_result TEXT NOT NULL DEFAULT ''
	CHECK (queue_result IN ('', 'answered', 'abandoned', 'overflowed'))
	CHECK (queue_result = '' OR queued_at > 0);
-- The calls of one queue, newest first (GET /api/v1/calls?queue_id=);
-- the never queued share the key '' and are never asked for by it.
CREATE INDEX calls_queue ON calls (queue_id, cursor);
