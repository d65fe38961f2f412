/** @file core/event.c  Event topics, types, timestamps and envelope (no I/O) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include <hotline/event.h>

#define TOPIC_CHARS "abcdefghijklmnopqrstuvwxyz" \
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:@+-"
#define TYPE_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_"

/* 9999-12-31T23:59:59.999Z: the last instant with a 4-digit year */
#define TIME_MAX_MS 253402300799999ULL


/**
 * Does topic match one subscription pattern? A pattern ending in '*'
 * matches every topic that starts with the rest ("*" matches all,
 * "agent:*" matches "agent:7" but not "agent"); any other pattern must
 * equal the topic. NULL never matches.
 */
bool event_topic_match(const char *pattern, const char *topic)
{
	size_t n;

	if (!pattern || !topic)
		return false;

	n = strlen(pattern);
	if (n > 0 && pattern[n - 1] == '*')
		return !strncmp(pattern, topic, n - 1);

	return !strcmp(pattern, topic);
}


/** Topic: 1..95 bytes of [A-Za-z0-9_.:@+-] (so no '*'). */
bool event_topic_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;

	n = strspn(s, TOPIC_CHARS);

	return n >= 1 && n < EVENT_TOPIC_MAX && s[n] == '\0';
}


/** Pattern: a topic, "*", or a topic prefix followed by one final '*'
 *  (95 bytes at most in all). */
bool event_pattern_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;

	n = strspn(s, TOPIC_CHARS);
	if (s[n] == '*')
		n++;

	return n >= 1 && n < EVENT_TOPIC_MAX && s[n] == '\0';
}


/** Type: [a-z_]+ '.' [a-z_]+, shorter than EVENT_TYPE_MAX bytes. */
bool event_type_valid(const char *s)
{
	size_t noun, verb;

	if (!s)
		return false;

	noun = strspn(s, TYPE_CHARS);
	if (noun == 0 || s[noun] != '.')
		return false;

	verb = strspn(s + noun + 1, TYPE_CHARS);

	return verb > 0 && s[noun + 1 + verb] == '\0'
		&& noun + 1 + verb < EVENT_TYPE_MAX;
}


size_t event_topics_split(const char *joined, char *buf, size_t bufsz,
			  const char **topicv, size_t max)
{
	char *tok, *save = NULL;
	size_t n = 0;

	if (!bufsz)
		return 0;
	snprintf(buf, bufsz, "%s", joined ? joined : "");
	for (tok = strtok_r(buf, " ", &save); tok && n < max;
	     tok = strtok_r(NULL, " ", &save))
		topicv[n++] = tok;
	return n;
}


/**
 * Format ms since the epoch as RFC 3339 UTC with milliseconds,
 * "2026-11-21T08:00:00.123Z" (24 characters + NUL). Times after year
 * 9999 are clamped to 9999-12-31T23:59:59.999Z.
 */
void event_time_format(char out[25], uint64_t ms)
{
	time_t secs;
	struct tm tm;

	if (ms > TIME_MAX_MS)
		ms = TIME_MAX_MS;

	secs = (time_t)(ms / 1000);
	if (!gmtime_r(&secs, &tm)) {
		/* cannot happen in range; keep out a valid string anyway */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 70;
		tm.tm_mday = 1;
	}

	/* gcc cannot see the fields' ranges: format wide, then copy */
	char buf[64];

	(void)snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		       tm.tm_hour, tm.tm_min, tm.tm_sec,
		       (unsigned)(ms % 1000));
	memcpy(out, buf, 24);
	out[24] = '\0';
}


static json_t *topics_array(const char *const *topicv, size_t topicc)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < topicc; i++) {
		if (json_array_append_new(arr, json_string(topicv[i]))) {
			json_decref(arr);
			return NULL;
		}
	}

	return arr;
}


/**
 * Serialize an envelope as compact JSON with keys in this order:
 * {"seq":..,"type":..,"at":..,"topics":[..],"data":..}.
 *
 * @param seq     Sequence number (below 2^63: JSON integers are signed)
 * @param type    Event type, e.g. EV_AGENT_STATE_CHANGED
 * @param at_ms   Time, formatted by event_time_format()
 * @param topicv  topicc topics
 * @param data    Borrowed (its reference count is unchanged afterwards);
 *                NULL is written as {}
 * @param lenp    Optional; receives strlen() of the result
 *
 * @return A malloc'd string the caller free()s; NULL when memory runs out
 *         or a string is NULL or not valid UTF-8.
 */
char *event_envelope_dump(uint64_t seq, const char *type, uint64_t at_ms,
			  const char *const *topicv, size_t topicc,
			  const json_t *data, size_t *lenp)
{
	char at[25];
	json_t *env = json_object();
	char *s = NULL;
	int err = 0;

	if (!env)
		return NULL;

	event_time_format(at, at_ms);

	err |= json_object_set_new(env, "seq", json_integer((json_int_t)seq));
	err |= json_object_set_new(env, "type", json_string(type));
	err |= json_object_set_new(env, "at", json_string(at));
	err |= json_object_set_new(env, "topics",
				   topics_array(topicv, topicc));
	/* env takes a reference of its own and drops it with env */
	err |= json_object_set_new(env, "data", data
				   ? json_incref((json_t *)data)
				   : json_object());
	if (err)
		goto out;

	s = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s && lenp)
		*lenp = strlen(s);

 out:
	json_decref(env);
	return s;
}
