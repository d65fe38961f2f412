-- 004_flows: IVR flows and their versions, contacts (who calls), the
-- trace of each call's way through its flow, and voice recordings. Calls
-- remember the flow version they ran and the contact of the caller.
-- Same conventions as 001: Unix milliseconds, STRICT / WITHOUT ROWID /
-- AUTOINCREMENT as the SQLite-only parts. A DID may now lead to a flow:
-- dids.target_type is checked by the code that reads it (002), so 'flow'
-- needs no schema change.

-- A flow and the version new calls run. Versions are immutable: a save
-- adds one (1, 2, 3, ...) and moves current_version; a call keeps the
-- version it started with. name is that of the current version.
CREATE TABLE flows (
	id              TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
	name            TEXT NOT NULL,
	current_version INTEGER NOT NULL CHECK (current_version >= 1),
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;

-- doc is the JSON document as saved (compact, without the flow id).
-- A rowid table, not WITHOUT ROWID: documents run to 256 KiB.
CREATE TABLE flow_versions (
	flow_id    TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL CHECK (version >= 1),
	name       TEXT NOT NULL,
	doc        TEXT NOT NULL CHECK (doc <> ''),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (flow_id, version)
) STRICT;

-- People who call, found by their number as it arrives (the caller's
-- user part: "+15551234567", "1001"). AUTOINCREMENT: an id is never
-- reused (it appears in topics and call records). Optional fields are
-- '' when unset.
CREATE TABLE contacts (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	phone      TEXT NOT NULL UNIQUE CHECK (phone <> ''),
	email      TEXT NOT NULL,
	crm_id     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

-- Calls that ran a flow: its id and the version (both set or neither);
-- contact_id is NULL when the caller is not a known contact. No foreign
-- keys: a CDR outlives the flow and the contact.
ALTER TABLE calls ADD COLUMN flow_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN flow_version INTEGER NOT NULL DEFAULT 0
	CHECK (flow_version >= 0) CHECK ((flow_version = 0) = (flow_id = ''));
ALTER TABLE calls ADD COLUMN contact_id INTEGER CHECK (contact_id > 0);

-- One row per step a call's flow ran, in order (seq from 0). input is a
-- JSON object (what the step saw), result a keyword, next the step that
-- followed ('' when the flow ended). No foreign key to calls: the trace
-- and the call record are written by different parts of a loop turn.
CREATE TABLE call_trace (
	call_id    TEXT NOT NULL CHECK (call_id <> ''),
	seq        INTEGER NOT NULL CHECK (seq >= 0),
	step_id    TEXT NOT NULL,
	action     TEXT NOT NULL,
	input      TEXT NOT NULL,
	result     TEXT NOT NULL,
	next       TEXT NOT NULL,
	started_at INTEGER NOT NULL CHECK (started_at >= 0),
	ended_at   INTEGER NOT NULL CHECK (ended_at >= 0),
	PRIMARY KEY (call_id, seq)
) STRICT, WITHOUT ROWID;

-- WAV files recorded during calls (voicemail). cursor orders them by
-- creation and pages the list, as for calls; path is where the file is.
CREATE TABLE recordings (
	cursor      INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE CHECK (id <> ''),
	call_id     TEXT NOT NULL,
	path        TEXT NOT NULL CHECK (path <> ''),
	duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
	bytes       INTEGER NOT NULL CHECK (bytes >= 0),
	created_at  INTEGER NOT NULL CHECK (created_at >= 0)
) STRICT;
CREATE INDEX recordings_call ON recordings (call_id, cursor);
