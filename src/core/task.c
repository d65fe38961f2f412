/** @file core/task.c  Tasks: defaults and skill matching (no I/O) */
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <hotline/task.h>


/**
 * A task on the voice channel with priority 0, no required skills and no
 * sticky agent; id copied (truncated to TASK_ID_MAX - 1 bytes; NULL
 * leaves it empty).
 */
void task_init(struct task *t, const char *id)
{
	if (!t)
		return;

	memset(t, 0, sizeof(*t));
	t->channel = AGENT_CH_VOICE;
	if (id)
		str_ncpy(t->id, id, sizeof(t->id));
}


static const struct agent_skill *skill_find(const struct agent_skill *v,
					    size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(v[i].name, name, sizeof(v[i].name)))
			return &v[i];
	}

	return NULL;
}


/**
 * Whether an agent with skills skillv[skillc] meets every requirement of
 * t: each required skill present at min_level or above (a task without
 * requirements matches anyone). *score (optional) receives the sum of
 * the agent's levels on the required skills, set only on a match.
 * O(required x agent skills), both at most a few dozen.
 */
bool task_skills_match(const struct task *t, const struct agent_skill *skillv,
		       size_t skillc, uint32_t *score)
{
	uint32_t sum = 0;
	size_t n;

	if (!t)
		return false;

	n = t->skillc < TASK_SKILLS_MAX ? t->skillc : TASK_SKILLS_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct task_skill *req = &t->skillv[i];
		const struct agent_skill *s;

		s = skillv ? skill_find(skillv, skillc, req->name) : NULL;
		if (!s || s->level < req->min_level)
			return false;
		sum += s->level;
	}

	if (score)
		*score = sum;

	return true;
}
