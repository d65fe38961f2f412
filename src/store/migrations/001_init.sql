-- 001_init: settings, agents (skills, activity log), queues (members) and
-- the event log. Times are Unix milliseconds in INTEGER columns; booleans
-- are 0/1. STRICT, WITHOUT ROWID and AUTOINCREMENT are the SQLite-only
-- parts; a PostgreSQL twin swaps them for BIGINT identity columns and
-- plain tables, and the data statements stay the same.

CREATE TABLE settings (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT NOT NULL
) STRICT;

-- AUTOINCREMENT: an agent id is never reused after a delete (it appears in
-- topics, events and client caches), like a PostgreSQL identity column.
CREATE TABLE agents (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	name           TEXT NOT NULL,
	extension      TEXT NOT NULL UNIQUE CHECK (extension <> ''),
	ha1            TEXT NOT NULL,
	capacity_voice INTEGER NOT NULL CHECK (capacity_voice BETWEEN 0 AND 100),
	capacity_chat  INTEGER NOT NULL CHECK (capacity_chat BETWEEN 0 AND 100),
	capacity_email INTEGER NOT NULL CHECK (capacity_email BETWEEN 0 AND 100),
	status         TEXT NOT NULL DEFAULT 'logged_out'
	               CHECK (status IN ('logged_out', 'ready', 'not_ready')),
	reason         TEXT NOT NULL DEFAULT '',
	status_since   INTEGER NOT NULL DEFAULT 0 CHECK (status_since >= 0),
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE agent_skills (
	agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
	name     TEXT NOT NULL CHECK (name <> ''),
	level    INTEGER NOT NULL CHECK (level BETWEEN 1 AND 100),
	PRIMARY KEY (agent_id, name)
) STRICT, WITHOUT ROWID;

-- The transition log; id orders rows in time. channel is NULL for status
-- actions, reason NULL when there is none.
CREATE TABLE agent_activities (
	id         INTEGER PRIMARY KEY,
	agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
	action     TEXT NOT NULL,
	channel    TEXT,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	reason     TEXT,
	actor      TEXT NOT NULL,
	at         INTEGER NOT NULL
) STRICT;
CREATE INDEX agent_activities_agent ON agent_activities (agent_id, id);

CREATE TABLE queues (
	id                TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
	name              TEXT NOT NULL,
	strategy          TEXT NOT NULL,
	offer_timeout_s   INTEGER NOT NULL CHECK (offer_timeout_s >= 0),
	wrap_up_s         INTEGER NOT NULL CHECK (wrap_up_s >= 0),
	max_wait_s        INTEGER NOT NULL CHECK (max_wait_s >= 0),
	service_level_s   INTEGER NOT NULL CHECK (service_level_s >= 0),
	tier_wait_s       INTEGER NOT NULL CHECK (tier_wait_s >= 0),
	max_missed_offers INTEGER NOT NULL CHECK (max_missed_offers >= 0),
	join_empty        INTEGER NOT NULL CHECK (join_empty IN (0, 1)),
	leave_empty       INTEGER NOT NULL CHECK (leave_empty IN (0, 1)),
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
) STRICT;

CREATE TABLE queue_members (
	queue_id   TEXT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
	agent_id   INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
	tier       INTEGER NOT NULL CHECK (tier >= 1),
	position   INTEGER NOT NULL CHECK (position >= 0),
	created_at INTEGER NOT NULL,
	PRIMARY KEY (queue_id, agent_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX queue_members_agent ON queue_members (agent_id);

-- seq is assigned by the event bus (strictly increasing), not here.
CREATE TABLE events (
	seq    INTEGER PRIMARY KEY CHECK (seq > 0),
	at     INTEGER NOT NULL,
	type   TEXT NOT NULL,
	topics TEXT NOT NULL,
	json   TEXT NOT NULL
) STRICT;
CREATE INDEX events_at ON events (at);
