/** @file core/agent_json.c  JSON representation of agents (no I/O) */
#include <jansson.h>
#include <hotline/agent.h>
#include <hotline/agent_json.h>
#include <hotline/event.h>

static json_t *time_json(uint64_t ms)
{
	char buf[25];

	event_time_format(buf, ms);
	return json_string(buf);
}

/**
 * The state of an agent: status (logged_out, ready, not_ready), the
 * not-ready reason or null, since when the status holds, and the activity
 * of each channel. Returns a new reference, NULL on ENOMEM.
 */
json_t *agent_state_json(const struct agent_state *st)
{
	json_t *act = json_object();

	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		json_object_set_new(act, agent_channel_name(ch),
			json_string(agent_activity_name(st->activity[ch])));

	return json_pack("{s:s,s:o,s:o,s:o}",
			 "status", agent_status_name(st),
			 "reason", st->reason[0] ? json_string(st->reason) :
						   json_null(),
			 "since", time_json(st->status_since_ms),
			 "activity", act);
}

/**
 * An agent as the API shows it, secrets left out. Skills are an object of
 * name to level, capacity an object of channel to count. Returns a new
 * reference, NULL on ENOMEM.
 */
json_t *agent_json(const struct agent *a)
{
	json_t *skills = json_object(), *cap = json_object();

	for (size_t i = 0; i < a->skillc; i++)
		json_object_set_new(skills, a->skillv[i].name,
				    json_integer(a->skillv[i].level));
	for (int ch = 0; ch < AGENT_CH_COUNT; ch++)
		json_object_set_new(cap, agent_channel_name(ch),
				    json_integer(a->capacity[ch]));

	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
			 "id", (json_int_t)a->id, "name", a->name,
			 "extension", a->extension, "skills", skills,
			 "capacity", cap, "state", agent_state_json(&a->st),
			 "created_at", time_json(a->created_ms),
			 "updated_at", time_json(a->updated_ms));
}
