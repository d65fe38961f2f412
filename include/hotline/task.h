/** @file hotline/task.h  A task: a unit of work routed to one agent (a
 *  queued call now; chats and callbacks later). Pure core: no I/O. */
#ifndef HOTLINE_TASK_H
#define HOTLINE_TASK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <hotline/agent.h>

#define TASK_ID_MAX      40    /* bytes incl. NUL; a call id for calls */
#define TASK_SKILLS_MAX  8     /* required skills per task */
#define TASK_PRIORITY_MIN (-100)
#define TASK_PRIORITY_MAX 100

/* A required skill: the agent must have it at min_level or above */
struct task_skill {
	char name[AGENT_SKILL_MAX];
	uint8_t min_level;            /* 1..AGENT_SKILL_LEVEL_MAX */
};

/* What the router is asked to route. Copied on enqueue. */
struct task {
	char id[TASK_ID_MAX];         /* unique among live tasks */
	enum agent_channel channel;   /* voice: at most one offer per agent */
	int32_t priority;             /* higher first; TASK_PRIORITY_MIN..MAX */
	struct task_skill skillv[TASK_SKILLS_MAX];
	size_t skillc;
	uint64_t sticky_agent;        /* preferred agent, 0 = none: while
					 its wait runs only it may take the
					 task (at any tier); no wait if it
					 is unknown, logged out or not a
					 member of the queue */
	uint32_t sticky_wait_s;       /* wait for it this long, then anyone */
};

/** Zeroed task on channel voice, priority 0, no skills, no sticky agent. */
void task_init(struct task *t, const char *id);

/** Whether an agent with skills skillv[skillc] meets every requirement of
 *  t; *score (optional) receives the sum of the agent's levels on the
 *  required skills (higher = better match). */
bool task_skills_match(const struct task *t, const struct agent_skill *skillv,
		       size_t skillc, uint32_t *score);

#endif
