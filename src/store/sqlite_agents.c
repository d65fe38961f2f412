/** @file store/sqlite_agents.c  SQLite backend: agents, their skills and
 *  saved state, and the agent activity log */
#include <errno.h>
#include <string.h>
#include <re.h>
#include <hotline/log.h>
#include "store/sqlite.h"

/* Columns of AGENT_COLS (sqlite.c); capacities, activities and their
 * since follow enum agent_channel */
enum { A_ID = 0, A_NAME, A_EXT, A_HA1, A_CAPACITY, A_STATUS = A_CAPACITY +
       AGENT_CH_COUNT, A_REASON, A_SINCE, A_CREATED, A_UPDATED,
       A_ACTIVITY, A_ACTIVITY_SINCE = A_ACTIVITY + AGENT_CH_COUNT };

/* Columns of SQL_ACTIVITY_LIST */
enum { T_ID = 0, T_AGENT, T_ACTION, T_CHANNEL, T_FROM, T_TO, T_REASON,
       T_ACTOR, T_AT };


/* --- validation ------------------------------------------------------ */

static bool skills_valid(const struct agent *a)
{
	if (a->skillc > AGENT_SKILLS_MAX)
		return false;

	for (size_t i = 0; i < a->skillc; i++) {
		const struct agent_skill *sk = &a->skillv[i];

		if (!sqlite_str_ok(sk->name, sizeof(sk->name)) ||
		    !sk->name[0] || sk->level < 1 ||
		    sk->level > AGENT_SKILL_LEVEL_MAX)
			return false;

		for (size_t j = 0; j < i; j++) {
			if (!strcmp(a->skillv[j].name, sk->name))
				return false;
		}
	}

	return true;
}

/* What the schema needs; formats are the API's business */
static bool agent_valid(const struct agent *a)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		if (a->capacity[ch] > AGENT_CAPACITY_MAX)
			return false;
	}

	return sqlite_str_ok(a->name, sizeof(a->name)) &&
		sqlite_str_ok(a->extension, sizeof(a->extension)) &&
		a->extension[0] &&
		sqlite_str_ok(a->ha1, sizeof(a->ha1)) &&
		sqlite_str_ok(a->st.reason, sizeof(a->st.reason)) &&
		skills_valid(a);
}

static bool transition_valid(const struct agent_transition *tr)
{
	return tr->agent_id &&
		(unsigned)tr->action < AGENT_ACTION_COUNT &&
		tr->channel >= -1 && tr->channel < AGENT_CH_COUNT &&
		sqlite_str_ok(tr->from, sizeof(tr->from)) &&
		sqlite_str_ok(tr->to, sizeof(tr->to)) &&
		sqlite_str_ok(tr->reason, sizeof(tr->reason));
}


/* --- skills ---------------------------------------------------------- */

static int skills_insert(struct sqlite_store *ss, uint64_t id,
			 const struct agent *a)
{
	sqlite3_stmt *s;
	int err;

	err = sqlite_stmt_get(ss, SQL_SKILL_INSERT, &s);
	if (err)
		return err;

	for (size_t i = 0; i < a->skillc && !err; i++) {
		int rc = SQLITE_OK;

		sqlite_bind_u64(s, 1, id, &rc);
		sqlite_bind_text(s, 2, a->skillv[i].name, &rc);
		sqlite_bind_u64(s, 3, a->skillv[i].level, &rc);
		err = sqlite_step(ss, s, rc, NULL, "agent skills");
		sqlite3_reset(s);
	}

	sqlite_stmt_put(s);
	return err;
}

static int skills_clear(struct sqlite_store *ss, uint64_t id)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_SKILL_CLEAR, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "agent skills");
	sqlite_stmt_put(s);
	return err;
}

/* Load a->skillv of agent a->id, ordered by name */
static int skills_read(struct sqlite_store *ss, struct agent *a)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, SQL_SKILL_LIST, &s);
	if (err)
		return err;

	a->skillc = 0;
	sqlite_bind_u64(s, 1, a->id, &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "agent skills")) && row) {
		struct agent_skill *sk = &a->skillv[a->skillc];
		sqlite3_int64 level = sqlite3_column_int64(s, 1);

		if (a->skillc == AGENT_SKILLS_MAX || level < 1 ||
		    level > AGENT_SKILL_LEVEL_MAX ||
		    !sqlite_col_str(s, 0, sk->name, sizeof(sk->name))) {
			err = sqlite_corrupt(ss, "agent skills", a->id);
			break;
		}
		sk->level = (uint8_t)level;
		++a->skillc;
	}

	sqlite_stmt_put(s);
	return err;
}


/* --- agents ---------------------------------------------------------- */

/* $1..$6 of SQL_AGENT_INSERT and SQL_AGENT_UPDATE */
static void bind_config(sqlite3_stmt *s, const struct agent *a, int *rc)
{
	sqlite_bind_text(s, 1, a->name, rc);
	sqlite_bind_text(s, 2, a->extension, rc);
	sqlite_bind_text(s, 3, a->ha1, rc);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		sqlite_bind_u64(s, 4 + ch, a->capacity[ch], rc);
}

static int agent_insert(struct sqlite_store *ss, const struct agent *a,
			uint64_t *id)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	err = sqlite_stmt_get(ss, SQL_AGENT_INSERT, &s);
	if (err)
		return err;

	bind_config(s, a, &rc);
	sqlite_bind_text(s, 7, agent_status_name(&a->st), &rc);
	sqlite_bind_text(s, 8, a->st.reason, &rc);
	sqlite_bind_u64(s, 9, a->st.status_since_ms, &rc);
	sqlite_bind_u64(s, 10, a->created_ms, &rc);
	sqlite_bind_u64(s, 11, a->updated_ms, &rc);
	err = sqlite_step(ss, s, rc, &row, "agent create");
	if (!err)
		*id = row ? sqlite_col_u64(s, 0) : 0;
	if (!err && !*id)
		err = sqlite_corrupt(ss, "agent create", 0);

	sqlite_stmt_put(s);
	return err;
}

static int agent_update_row(struct sqlite_store *ss, const struct agent *a)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_AGENT_UPDATE, &s);
	if (err)
		return err;

	bind_config(s, a, &rc);
	sqlite_bind_u64(s, 7, a->updated_ms, &rc);
	sqlite_bind_u64(s, 8, a->id, &rc);
	err = sqlite_step(ss, s, rc, NULL, "agent update");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/* The activity of each channel and its since, from an AGENT_COLS row */
static int activity_cols_read(sqlite3_stmt *s, struct agent_state *as)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		if (agent_activity_parse(sqlite_col_text(s, A_ACTIVITY + ch),
					 &as->activity[ch]))
			return EINVAL;
		as->activity_since_ms[ch] =
			sqlite_col_u64(s, A_ACTIVITY_SINCE + ch);
	}

	return 0;
}

/* One agent row (AGENT_COLS) into *a, skills not loaded */
static int agent_read(struct sqlite_store *ss, sqlite3_stmt *s,
		      struct agent *a)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite_col_u64(s, A_ID);

	if (!sqlite_col_str(s, A_NAME, a->name, sizeof(a->name)) ||
	    !sqlite_col_str(s, A_EXT, a->extension, sizeof(a->extension)) ||
	    !sqlite_col_str(s, A_HA1, a->ha1, sizeof(a->ha1)) ||
	    !sqlite_col_str(s, A_REASON, a->st.reason, sizeof(a->st.reason)) ||
	    agent_status_parse(sqlite_col_text(s, A_STATUS), &a->st) ||
	    activity_cols_read(s, &a->st))
		return sqlite_corrupt(ss, "agent", a->id);

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		a->capacity[ch] = (uint16_t)sqlite_col_u64(s, A_CAPACITY + ch);

	a->st.status_since_ms = sqlite_col_u64(s, A_SINCE);
	a->created_ms = sqlite_col_u64(s, A_CREATED);
	a->updated_ms = sqlite_col_u64(s, A_UPDATED);
	return 0;
}

/**
 * Insert a with its skills and status (presence, availability, reason,
 * since); every channel starts idle whatever a->st.activity says (a new
 * agent has no call). a->id is set on success only.
 * EINVAL: unterminated strings, empty extension, bad capacity or skills
 * (more than AGENT_SKILLS_MAX, empty or repeated names, level out of
 * 1..AGENT_SKILL_LEVEL_MAX). EEXIST: extension taken.
 */
int sqlite_agent_create(struct store *st, struct agent *a)
{
	struct sqlite_store *ss = to_sqlite(st);
	uint64_t id = 0;
	int err;

	if (!a || !agent_valid(a))
		return EINVAL;

	err = sqlite_op_begin(ss);
	if (err)
		return err;

	err = agent_insert(ss, a, &id);
	if (!err)
		err = skills_insert(ss, id, a);

	err = sqlite_op_end(ss, err);
	if (!err)
		a->id = id;
	return err;
}

/**
 * Replace the configuration of agent a->id (name, extension, ha1,
 * capacity, skills, updated_ms); created_ms and the saved state are kept.
 * ENOENT: no such agent; EEXIST: extension taken; EINVAL as for create.
 */
int sqlite_agent_update(struct store *st, const struct agent *a)
{
	struct sqlite_store *ss = to_sqlite(st);
	int err;

	if (!a || !a->id || !agent_valid(a))
		return EINVAL;

	err = sqlite_op_begin(ss);
	if (err)
		return err;

	err = agent_update_row(ss, a);
	if (!err)
		err = skills_clear(ss, a->id);
	if (!err)
		err = skills_insert(ss, a->id, a);

	return sqlite_op_end(ss, err);
}

/** Delete an agent; its skills, memberships and activities go with it
 *  (foreign key cascades). ENOENT: no such agent. */
int sqlite_agent_delete(struct store *st, uint64_t id)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_AGENT_DELETE, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(id), &rc);
	err = sqlite_step(ss, s, rc, NULL, "agent delete");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/* Run s (SQL_AGENT_GET or SQL_AGENT_GET_EXT, bound with rc) for one
 * agent; *a is written on success only. */
static int agent_get_one(struct sqlite_store *ss, sqlite3_stmt *s, int rc,
			 struct agent *a)
{
	struct agent tmp;
	bool row = false;
	int err;

	err = sqlite_step(ss, s, rc, &row, "agent get");
	if (!err)
		err = row ? agent_read(ss, s, &tmp) : ENOENT;
	sqlite_stmt_put(s);

	if (!err)
		err = skills_read(ss, &tmp);
	if (!err)
		*a = tmp;
	return err;
}

/** Load agent id into *a (skills by name, state and activities as
 *  saved). ENOENT: no such agent; *a is written on success only. */
int sqlite_agent_get(struct store *st, uint64_t id, struct agent *a)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!a)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_AGENT_GET, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(id), &rc);
	return agent_get_one(ss, s, rc, a);
}

/** Load the agent whose extension is ext (exact, case-sensitive), as
 *  sqlite_agent_get() does. ENOENT: no agent has it. */
int sqlite_agent_get_by_extension(struct store *st, const char *ext,
				  struct agent *a)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!ext || !a)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_AGENT_GET_EXT, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, ext, &rc);
	return agent_get_one(ss, s, rc, a);
}

/** Walk agents with id > after_id by id, at most limit (0 = all). */
int sqlite_agent_list(struct store *st, uint64_t after_id, size_t limit,
		      store_agent_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct agent a;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_AGENT_LIST, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(after_id), &rc);
	sqlite_bind_u64(s, 2, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "agent list")) && row) {
		err = agent_read(ss, s, &a);
		if (!err)
			err = skills_read(ss, &a);
		if (!err)
			err = h(&a, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}

static bool state_valid(const struct agent_state *as)
{
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		if ((unsigned)as->activity[ch] >= AGENT_ACTIVITY_COUNT)
			return false;
	}

	return sqlite_str_ok(as->reason, sizeof(as->reason));
}

/** Save the whole state of agent id: presence/availability, reason,
 *  status_since_ms and each channel's activity with its since.
 *  ENOENT: no such agent; EINVAL: activity out of range. */
int sqlite_agent_state_save(struct store *st, uint64_t id,
			    const struct agent_state *as)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!as || !state_valid(as))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_AGENT_STATE, &s);
	if (err)
		return err;

	sqlite_bind_text(s, 1, agent_status_name(as), &rc);
	sqlite_bind_text(s, 2, as->reason, &rc);
	sqlite_bind_u64(s, 3, as->status_since_ms, &rc);
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++) {
		sqlite_bind_text(s, 4 + ch,
				 agent_activity_name(as->activity[ch]), &rc);
		sqlite_bind_u64(s, 4 + AGENT_CH_COUNT + ch,
				as->activity_since_ms[ch], &rc);
	}
	sqlite_bind_u64(s, 4 + 2 * AGENT_CH_COUNT, sqlite_cursor(id), &rc);
	err = sqlite_step(ss, s, rc, NULL, "agent state");
	if (!err && !sqlite_changed(ss))
		err = ENOENT;

	sqlite_stmt_put(s);
	return err;
}

/**
 * Put every channel of every agent that is not idle back to idle, since
 * now_ms (channels already idle keep their since). Meant for start-up: no
 * call survives a restart. Status (presence, availability) is kept.
 */
int sqlite_agent_activity_reset(struct store *st, uint64_t now_ms)
{
	struct sqlite_store *ss = to_sqlite(st);
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	err = sqlite_stmt_get(ss, SQL_AGENT_ACTIVITY_RESET, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, now_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "agent activity reset");
	sqlite_stmt_put(s);
	return err;
}


/* --- activities ------------------------------------------------------ */

/**
 * Append one transition of agent tr->agent_id, done by actor. Status
 * actions (channel -1) store no channel, an empty reason stores none.
 * ENOENT: no such agent; EINVAL: bad action, channel or strings.
 */
int sqlite_activity_add(struct store *st, const struct agent_transition *tr,
			const char *actor)
{
	struct sqlite_store *ss = to_sqlite(st);
	const char *channel;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;

	if (!tr || !actor || !transition_valid(tr))
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_ACTIVITY_INSERT, &s);
	if (err)
		return err;

	channel = tr->channel < 0 ? NULL :
		agent_channel_name((enum agent_channel)tr->channel);

	sqlite_bind_u64(s, 1, tr->agent_id, &rc);
	sqlite_bind_text(s, 2, agent_action_name(tr->action), &rc);
	sqlite_bind_text(s, 3, channel, &rc);
	sqlite_bind_text(s, 4, tr->from, &rc);
	sqlite_bind_text(s, 5, tr->to, &rc);
	sqlite_bind_text(s, 6, tr->reason[0] ? tr->reason : NULL, &rc);
	sqlite_bind_text(s, 7, actor, &rc);
	sqlite_bind_u64(s, 8, tr->at_ms, &rc);
	err = sqlite_step(ss, s, rc, NULL, "activity add");

	sqlite_stmt_put(s);
	return err;
}

static int activity_read(struct sqlite_store *ss, sqlite3_stmt *s,
			 struct store_activity *act)
{
	struct agent_transition *tr = &act->tr;
	enum agent_channel ch = AGENT_CH_VOICE;

	memset(act, 0, sizeof(*act));
	act->id = sqlite_col_u64(s, T_ID);
	tr->agent_id = sqlite_col_u64(s, T_AGENT);
	tr->at_ms = sqlite_col_u64(s, T_AT);
	act->actor = sqlite_col_text(s, T_ACTOR);

	if (agent_action_parse(sqlite_col_text(s, T_ACTION), &tr->action) ||
	    (sqlite3_column_type(s, T_CHANNEL) != SQLITE_NULL &&
	     agent_channel_parse(sqlite_col_text(s, T_CHANNEL), &ch)) ||
	    !sqlite_col_str(s, T_FROM, tr->from, sizeof(tr->from)) ||
	    !sqlite_col_str(s, T_TO, tr->to, sizeof(tr->to)) ||
	    !sqlite_col_str(s, T_REASON, tr->reason, sizeof(tr->reason)))
		return sqlite_corrupt(ss, "activity", act->id);

	tr->channel = sqlite3_column_type(s, T_CHANNEL) == SQLITE_NULL ?
		-1 : (int)ch;
	return 0;
}

/** Walk the activities of agent_id newest first, those with id <
 *  before_id (0 = from the newest), at most limit (0 = all). */
int sqlite_activity_list(struct store *st, uint64_t agent_id,
			 uint64_t before_id, size_t limit,
			 store_activity_h *h, void *arg)
{
	struct sqlite_store *ss = to_sqlite(st);
	struct store_activity act;
	sqlite3_stmt *s;
	int rc = SQLITE_OK, err;
	bool row = false;

	if (!h)
		return EINVAL;

	err = sqlite_stmt_get(ss, SQL_ACTIVITY_LIST, &s);
	if (err)
		return err;

	sqlite_bind_u64(s, 1, sqlite_cursor(agent_id), &rc);
	sqlite_bind_u64(s, 2, before_id ? sqlite_cursor(before_id) :
			INT64_MAX, &rc);
	sqlite_bind_u64(s, 3, sqlite_limit(limit), &rc);
	while (!(err = sqlite_step(ss, s, rc, &row, "activity list")) && row) {
		err = activity_read(ss, s, &act);
		if (!err)
			err = h(&act, arg);
		if (err)
			break;
	}

	sqlite_stmt_put(s);
	return err;
}
