-- 002_telephony: agent activity per channel, calls (CDRs), SIP
-- registrations, trunks and DIDs. Same conventions as 001_init: Unix
-- milliseconds, booleans 0/1, STRICT / WITHOUT ROWID / AUTOINCREMENT as the
-- SQLite-only parts. Enumerations that later features may extend (call
-- causes, DID target types, registration transports) are checked by the
-- code that reads them, not by CHECK constraints, so adding a value does
-- not need a table rebuild.

-- The activity of each channel and since when (enum agent_activity names)
ALTER TABLE agents ADD COLUMN activity_voice TEXT NOT NULL DEFAULT 'idle'
	CHECK (activity_voice IN ('idle', 'offered', 'busy', 'wrap_up'));
ALTER TABLE agents ADD COLUMN activity_chat TEXT NOT NULL DEFAULT 'idle'
	CHECK (activity_chat IN ('idle', 'offered', 'busy', 'wrap_up'));
ALTER TABLE agents ADD COLUMN activity_email TEXT NOT NULL DEFAULT 'idle'
	CHECK (activity_email IN ('idle', 'offered', 'busy', 'wrap_up'));
ALTER TABLE agents ADD COLUMN activity_voice_since INTEGER NOT NULL
	DEFAULT 0 CHECK (activity_voice_since >= 0);
ALTER TABLE agents ADD COLUMN activity_chat_since INTEGER NOT NULL
	DEFAULT 0 CHECK (activity_chat_since >= 0);
ALTER TABLE agents ADD COLUMN activity_email_since INTEGER NOT NULL
	DEFAULT 0 CHECK (activity_email_since >= 0);

-- Call records. cursor orders calls by creation and pages the list
-- (AUTOINCREMENT: never reused). agent_id is NULL when no agent took part;
-- it has no foreign key on purpose: a CDR outlives the agent's deletion
-- and keeps the number. Times are 0 until the phase happens; held_at is
-- the start of the current hold. An ended call, and only an ended call,
-- has a cause.
CREATE TABLE calls (
	cursor      INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE CHECK (id <> ''),
	direction   TEXT NOT NULL
	            CHECK (direction IN ('inbound', 'outbound', 'internal')),
	state       TEXT NOT NULL CHECK (state IN ('created', 'ringing',
	            'answered', 'held', 'ended')),
	from_party  TEXT NOT NULL,
	to_party    TEXT NOT NULL,
	did         TEXT NOT NULL DEFAULT '',
	trunk_id    TEXT NOT NULL DEFAULT '',
	agent_id    INTEGER CHECK (agent_id > 0),
	cause       TEXT NOT NULL DEFAULT '',
	hangup_by   TEXT NOT NULL DEFAULT ''
	            CHECK (hangup_by IN ('', 'caller', 'callee', 'system', 'api')),
	sip_status  INTEGER NOT NULL DEFAULT 0
	            CHECK (sip_status = 0 OR sip_status BETWEEN 100 AND 699),
	created_at  INTEGER NOT NULL CHECK (created_at >= 0),
	ringing_at  INTEGER NOT NULL DEFAULT 0 CHECK (ringing_at >= 0),
	answered_at INTEGER NOT NULL DEFAULT 0 CHECK (answered_at >= 0),
	ended_at    INTEGER NOT NULL DEFAULT 0 CHECK (ended_at >= 0),
	held_at     INTEGER NOT NULL DEFAULT 0 CHECK (held_at >= 0),
	CHECK ((state = 'ended') = (cause <> ''))
) STRICT;
-- Active calls are few among many records: a partial index keeps them
-- apart (the list query repeats its condition, state <> 'ended').
CREATE INDEX calls_active ON calls (cursor) WHERE state <> 'ended';
CREATE INDEX calls_agent ON calls (agent_id, cursor);
CREATE INDEX calls_created ON calls (created_at);

-- SIP registration bindings: one row per contact of an agent's phones
CREATE TABLE registrations (
	agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
	contact    TEXT NOT NULL CHECK (contact <> ''),
	call_id    TEXT NOT NULL,
	cseq       INTEGER NOT NULL CHECK (cseq >= 0),
	source     TEXT NOT NULL,
	transport  TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	expires_at INTEGER NOT NULL CHECK (expires_at >= 0),
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (agent_id, contact)
) STRICT, WITHOUT ROWID;

-- SIP trunks. password is kept in clear: digest authentication towards
-- the gateway needs it (protect the database file accordingly).
CREATE TABLE trunks (
	id               TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
	name             TEXT NOT NULL,
	host             TEXT NOT NULL CHECK (host <> ''),
	transport        TEXT NOT NULL CHECK (transport IN ('udp', 'tcp')),
	username         TEXT NOT NULL,
	password         TEXT NOT NULL,
	do_register      INTEGER NOT NULL CHECK (do_register IN (0, 1)),
	register_expires INTEGER NOT NULL CHECK (register_expires >= 0),
	caller_id        TEXT NOT NULL,
	prefix           TEXT NOT NULL,
	strip            INTEGER NOT NULL CHECK (strip BETWEEN 0 AND 255),
	prepend          TEXT NOT NULL,
	enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
) STRICT;

-- Numbers Hotline owns and what they reach. trunk_id is informative
-- ('' = any) and has no foreign key: deleting a trunk keeps its DIDs.
CREATE TABLE dids (
	number      TEXT PRIMARY KEY NOT NULL CHECK (number <> ''),
	name        TEXT NOT NULL,
	target_type TEXT NOT NULL CHECK (target_type <> ''),
	target      TEXT NOT NULL,
	trunk_id    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;
