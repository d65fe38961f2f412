/** @file core/flow/parse_route.c  Flow steps from JSON: schedule, queue,
 *  dial and transfer (where a call goes), destinations (no I/O) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <hotline/agent.h>
#include <hotline/trunk.h>
#include "parse.h"

/* ---- schedule ---- */

static const char *day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

static flow_fields hours_fields = {"days", "from", "to", NULL};

static int hours_days(struct flow_parse *p, const json_t *o, uint8_t *days)
{
	const json_t *a = NULL;
	size_t mark, i;
	char q[64];
	int err;

	err = flow_parse_array(p, o, "days", true, 7, &a);
	if (err)
		return err;
	mark = flow_parse_push(p, "days");
	for (i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		char idx[24];
		int d;

		(void)snprintf(idx, sizeof(idx), "%zu", i);
		for (d = 0; s && d < 7 && strcmp(s, day_names[d]); d++)
			;
		if (!s || d == 7)
			return flow_parse_fail(p, idx, s ? FLOW_E_VALUE :
					       FLOW_E_TYPE, "days are mon, "
					       "tue, wed, thu, fri, sat or "
					       "sun, got %s%s%s",
					       s ? "'" : "",
					       s ? flow_parse_quote(q, sizeof(q),
								    s) :
					       flow_parse_type_name(
						       json_array_get(a, i)),
					       s ? "'" : "");
		*days |= (uint8_t)(1u << d);
	}
	flow_parse_pop(p, mark);
	return 0;
}

static int hours_time(struct flow_parse *p, const json_t *o,
		      const char *name, bool end, uint16_t *min)
{
	const char *s = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, name, true, FLOW_TEXT_MAX, &s);
	if (err)
		return err;
	if (!flow_time_parse(s, end, min))
		return 0;
	return flow_parse_fail(p, name, FLOW_E_VALUE,
			       "%s must be a time HH:MM from %s, got '%s'",
			       name, end ? "00:01 to 24:00" :
			       "00:00 to 23:59",
			       flow_parse_quote(q, sizeof(q), s));
}

static int hours_range(struct flow_parse *p, const json_t *o,
		       struct flow_hours *h)
{
	int err;

	if (!json_is_object(o))
		return flow_parse_fail(p, NULL, FLOW_E_TYPE,
				       "each hours entry must be an object "
				       "{days, from, to}, got %s",
				       flow_parse_type_name(o));
	p->what = "an hours range";
	err = flow_parse_fields(p, o, "an hours range", hours_fields);
	err = err ? err : hours_days(p, o, &h->days);
	err = err ? err : hours_time(p, o, "from", false, &h->from_min);
	err = err ? err : hours_time(p, o, "to", true, &h->to_min);
	if (err)
		return err;
	if (h->from_min >= h->to_min)
		return flow_parse_fail(p, "to", FLOW_E_VALUE,
				       "to (%02u:%02u) must be later than "
				       "from (%02u:%02u)", h->to_min / 60,
				       h->to_min % 60, h->from_min / 60,
				       h->from_min % 60);
	return 0;
}

static int sched_hours(struct flow_parse *p, const json_t *o,
		       struct flow_schedule *sc)
{
	const json_t *a = NULL;
	const char *what = p->what;
	size_t mark, i;
	int err;

	err = flow_parse_array(p, o, "hours", false, FLOW_HOURS_MAX, &a);
	if (err || !a)
		return err;
	mark = flow_parse_push(p, "hours");
	for (i = 0; i < json_array_size(a); i++) {
		size_t m = flow_parse_push_index(p, i);

		err = hours_range(p, json_array_get(a, i),
				  &sc->hoursv[sc->hoursc]);
		if (err)
			return err;
		sc->hoursc++;
		flow_parse_pop(p, m);
	}
	flow_parse_pop(p, mark);
	p->what = what;
	return 0;
}

static int sched_holidays(struct flow_parse *p, const json_t *o,
			  struct flow_schedule *sc)
{
	const json_t *a = NULL;
	size_t mark, i;
	char q[64];
	int err;

	err = flow_parse_array(p, o, "holidays", false, FLOW_HOLIDAYS_MAX,
			       &a);
	if (err || !a)
		return err;
	mark = flow_parse_push(p, "holidays");
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		struct flow_date *d = &sc->holidayv[sc->holidayc];
		char idx[24];

		(void)snprintf(idx, sizeof(idx), "%zu", i);
		if (!json_is_string(v))
			return flow_parse_fail(p, idx, FLOW_E_TYPE,
					       "holidays are dates "
					       "\"YYYY-MM-DD\", got %s",
					       flow_parse_type_name(v));
		if (!flow_date_parse(json_string_value(v), d))
			return flow_parse_fail(p, idx, FLOW_E_VALUE,
					       "holidays are real dates "
					       "YYYY-MM-DD, got '%s'",
					       flow_parse_quote(q, sizeof(q),
						  json_string_value(v)));
		sc->holidayc++;
	}
	flow_parse_pop(p, mark);
	return 0;
}

/* An IANA zone name: "UTC", "Europe/Paris", "America/Argentina/Salta",
 * "Etc/GMT+5"; whether it exists is for refs->timezone */
static bool tz_name_ok(const char *s)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"abcdefghijklmnopqrstuvwxyz0123456789/_+-";

	return s[0] && s[0] != '/' && s[strspn(s, set)] == '\0' &&
	       !strstr(s, "//") && s[strlen(s) - 1] != '/' &&
	       !strstr(s, "..");
}

/** "schedule": timezone, hours, holidays, open, closed */
int flow_parse_schedule(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	struct flow_schedule *sc = &s->u.schedule;
	const char *tz = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, "timezone", true, FLOW_TZ_MAX - 1, &tz);
	if (err)
		return err;
	if (!tz_name_ok(tz))
		return flow_parse_fail(p, "timezone", FLOW_E_VALUE,
				       "timezone must be an IANA time zone "
				       "name such as Europe/Paris, got '%s'",
				       flow_parse_quote(q, sizeof(q), tz));
	str_ncpy(sc->tz, tz, sizeof(sc->tz));
	err = sched_hours(p, o, sc);
	err = err ? err : sched_holidays(p, o, sc);
	err = err ? err : flow_parse_target(p, o, "open", true, &sc->open);
	err = err ? err : flow_parse_target(p, o, "closed", true,
					    &sc->closed);
	return err;
}


/* ---- queue ---- */

static int queue_skill(struct flow_parse *p, const json_t *skills,
		       const char *name, struct task_skill *sk)
{
	int64_t level = 0;
	char q[64];
	int err;

	if (!agent_skill_name_valid(name))
		return flow_parse_fail(p, name, FLOW_E_VALUE,
				       "'%s' is not a skill name ([a-z0-9_.-], "
				       "1 to %d characters)",
				       flow_parse_quote(q, sizeof(q), name),
				       AGENT_SKILL_MAX - 1);
	p->label = "skill ";
	err = flow_parse_int(p, skills, name, 1, AGENT_SKILL_LEVEL_MAX,
			     &level);
	p->label = NULL;
	if (err)
		return err;
	str_ncpy(sk->name, name, sizeof(sk->name));
	sk->min_level = (uint8_t)level;
	return 0;
}

static int queue_skills(struct flow_parse *p, const json_t *o,
			struct flow_queue *qu)
{
	const json_t *skills = NULL, *v;
	const char *key;
	size_t mark;
	int err;

	err = flow_parse_object(p, o, "skills", false, &skills);
	if (err || !skills)
		return err;
	if (json_object_size(skills) > TASK_SKILLS_MAX)
		return flow_parse_fail(p, "skills", FLOW_E_VALUE,
				       "skills has %zu entries, at most %d",
				       json_object_size(skills),
				       TASK_SKILLS_MAX);
	mark = flow_parse_push(p, "skills");
	json_object_foreach((json_t *)skills, key, v) {
		err = queue_skill(p, skills, key, &qu->skillv[qu->skillc]);
		if (err)
			return err;
		qu->skillc++;
	}
	flow_parse_pop(p, mark);
	return 0;
}

/** "queue": queue, priority, skills, sticky_agent, sticky_wait_s */
int flow_parse_queue(struct flow_parse *p, const json_t *o,
		     struct flow_step *s)
{
	struct flow_queue *qu = &s->u.queue;
	const char *id = NULL;
	int64_t prio = 0;
	char q[64];
	int err;

	err = flow_parse_string(p, o, "queue", true, FLOW_TEXT_MAX, &id);
	if (err)
		return err;
	if (!queue_id_valid(id))
		return flow_parse_fail(p, "queue", FLOW_E_VALUE,
				       "queue must be a queue id "
				       "([a-z0-9][a-z0-9_-], at most %d "
				       "characters), got '%s'",
				       QUEUE_ID_MAX - 1,
				       flow_parse_quote(q, sizeof(q), id));
	str_ncpy(qu->queue_id, id, sizeof(qu->queue_id));
	err = flow_parse_int(p, o, "priority", -100, 100, &prio);
	if (err)
		return err;
	qu->priority = (int32_t)prio;
	err = queue_skills(p, o, qu);
	err = err ? err : flow_parse_text(p, o, "sticky_agent", 0,
					  &qu->sticky_agent);
	err = err ? err : flow_parse_u32(p, o, "sticky_wait_s", 0, 600,
					 &qu->sticky_wait_s);
	return err;
}


/* ---- destinations: dial, transfer ---- */

static const char *dest_names[] = {
	[FLOW_DEST_EXTENSION] = "extension", [FLOW_DEST_AGENT] = "agent",
	[FLOW_DEST_NUMBER] = "number", [FLOW_DEST_QUEUE] = "queue",
	[FLOW_DEST_FLOW] = "flow",
};

static flow_fields dest_fields = {"extension", "agent", "number", "queue",
				  "flow", NULL};

/* extension and number: a template, or a literal of the right form */
static int dest_text(struct flow_parse *p, const json_t *o,
		     struct flow_dest *d)
{
	const char *key = dest_names[d->kind];
	bool ext = d->kind == FLOW_DEST_EXTENSION;
	char q[64];
	int err;

	err = flow_parse_text(p, o, key, FLOW_PARSE_REQUIRED |
			      FLOW_PARSE_NONEMPTY, &d->target);
	if (err || strstr(d->target, "{{"))
		return err;
	if (ext ? agent_extension_valid(d->target) :
	    trunk_number_valid(d->target))
		return 0;
	return flow_parse_fail(p, key, FLOW_E_VALUE, ext ?
			       "extension must be an extension "
			       "([0-9A-Za-z_.+-], 1 to 31 characters) or a "
			       "template, got '%s'" :
			       "number must be a phone number ([0-9+*#], 1 "
			       "to 63 characters) or a template, got '%s'",
			       flow_parse_quote(q, sizeof(q), d->target));
}

/* queue and flow: an id; whether it exists is for refs */
static int dest_id(struct flow_parse *p, const json_t *o,
		   struct flow_dest *d)
{
	const char *key = dest_names[d->kind], *id = NULL;
	char q[64];
	int err;

	err = flow_parse_string(p, o, key, true, FLOW_TEXT_MAX, &id);
	if (err)
		return err;
	if (!flow_slug_valid(id))
		return flow_parse_fail(p, key, FLOW_E_VALUE,
				       "%s must be an id ([a-z0-9][a-z0-9_-], "
				       "at most %d characters), got '%s'", key,
				       FLOW_ID_MAX - 1,
				       flow_parse_quote(q, sizeof(q), id));
	d->target = flow_doc_strdup(p->doc, id);
	return d->target ? 0 : ENOMEM;
}

static int dest_agent(struct flow_parse *p, const json_t *o,
		      struct flow_dest *d)
{
	const json_t *v = json_object_get(o, "agent");
	char num[24];

	if (!json_is_integer(v))
		return flow_parse_fail(p, "agent", FLOW_E_TYPE,
				       "agent must be an agent id (an "
				       "integer), got %s",
				       flow_parse_type_name(v));
	if (json_integer_value(v) < 1)
		return flow_parse_fail(p, "agent", FLOW_E_VALUE,
				       "agent must be an agent id (1 or "
				       "more), got %" JSON_INTEGER_FORMAT,
				       json_integer_value(v));
	d->agent_id = (uint64_t)json_integer_value(v);
	(void)snprintf(num, sizeof(num), "%" PRIu64, d->agent_id);
	d->target = flow_doc_strdup(p->doc, num);
	return d->target ? 0 : ENOMEM;
}

static int dest_kind(struct flow_parse *p, const json_t *o, bool dial,
		     enum flow_dest_kind *kind)
{
	const char *key = json_object_iter_key(json_object_iter((json_t *)o));

	if (json_object_size(o) != 1)
		return flow_parse_fail(p, NULL, json_object_size(o) ?
				       FLOW_E_VALUE : FLOW_E_MISSING,
				       "a destination has exactly one of "
				       "%s", dial ? "extension, agent or "
				       "number" : "extension, agent, number, "
				       "queue or flow");
	for (int k = 0; k <= FLOW_DEST_FLOW; k++) {
		if (!strcmp(key, dest_names[k]))
			*kind = (enum flow_dest_kind)k;
	}
	if (dial && (*kind == FLOW_DEST_QUEUE || *kind == FLOW_DEST_FLOW))
		return flow_parse_fail(p, key, FLOW_E_VALUE,
				       "dial calls an extension, an agent or "
				       "a number; use a %s step to send the "
				       "call to a %s", *kind == FLOW_DEST_QUEUE
				       ? "queue (or transfer)" : "transfer",
				       key);
	return 0;
}

/* Member "to" of o: a destination; dial: only extension, agent, number */
static int parse_dest(struct flow_parse *p, const json_t *o, bool dial,
		      struct flow_dest *d)
{
	const json_t *to = NULL;
	size_t mark;
	int err;

	err = flow_parse_object(p, o, "to", true, &to);
	if (err)
		return err;
	mark = flow_parse_push(p, "to");
	err = flow_parse_fields(p, to, "a destination", dest_fields);
	err = err ? err : dest_kind(p, to, dial, &d->kind);
	if (err)
		return err;
	switch (d->kind) {

	case FLOW_DEST_AGENT:
		err = dest_agent(p, to, d);
		break;
	case FLOW_DEST_QUEUE:
	case FLOW_DEST_FLOW:
		err = dest_id(p, to, d);
		break;
	default:
		err = dest_text(p, to, d);
		break;
	}
	if (!err)
		flow_parse_pop(p, mark);
	return err;
}

/** "dial": to, timeout_s, caller_id, busy, no_answer, failed */
int flow_parse_dial(struct flow_parse *p, const json_t *o,
		    struct flow_step *s)
{
	struct flow_dial *dl = &s->u.dial;
	int err;

	err = parse_dest(p, o, true, &dl->to);
	err = err ? err : flow_parse_u32(p, o, "timeout_s", 5, 300,
					 &dl->timeout_s);
	err = err ? err : flow_parse_text(p, o, "caller_id", 0,
					  &dl->caller_id);
	err = err ? err : flow_parse_target(p, o, "busy", false, &dl->busy);
	err = err ? err : flow_parse_target(p, o, "no_answer", false,
					    &dl->no_answer);
	err = err ? err : flow_parse_target(p, o, "failed", false,
					    &dl->failed);
	return err;
}

/** "transfer": to */
int flow_parse_transfer(struct flow_parse *p, const json_t *o,
			struct flow_step *s)
{
	return parse_dest(p, o, false, &s->u.transfer.to);
}
