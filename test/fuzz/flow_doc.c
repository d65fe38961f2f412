/** @file test/fuzz/flow_doc.c  Flow documents: errors well-formed, accepted
 *  documents consistent, references checked last */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <re_types.h>
#include <re_mem.h>
#include <hotline/flow.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* What exists: decided by the name itself, so that runs repeat */
static bool has_queue(void *arg, const char *id)
{
	(void)arg;
	return id[0] != 'z';
}

static bool has_agent(void *arg, uint64_t id)
{
	(void)arg;
	return id % 3 != 0;
}

static bool has_flow(void *arg, const char *id)
{
	(void)arg;
	return strlen(id) % 2 == 0;
}

static bool has_tz(void *arg, const char *tz)
{
	(void)arg;
	return !strcmp(tz, "UTC") || strchr(tz, '/') != NULL;
}

static bool has_file(void *arg, const char *path)
{
	size_t n = strlen(path);
	(void)arg;
	return n >= 4 && !strcmp(path + n - 4, ".wav");
}

static const struct flow_refs refs = {
	has_queue, has_agent, has_flow, has_tz, has_file, NULL,
};

/* NUL-terminated, valid UTF-8 (it goes into JSON replies) */
static void check_text(const char *s, size_t sz)
{
	json_t *j;

	CHECK(memchr(s, '\0', sz) != NULL);
	j = json_string(s);
	CHECK(j != NULL);
	json_decref(j);
}

static void check_error(const struct flow_error *err)
{
	CHECK(err->code > FLOW_E_NONE && err->code < FLOW_E_COUNT);
	check_text(err->path, sizeof(err->path));
	check_text(err->message, sizeof(err->message));
	CHECK(err->path[0] == '\0' || err->path[0] == '/');
	CHECK(err->message[0] != '\0');
}

static void check_ref(const struct flow_doc *d, flow_ref r)
{
	CHECK(r == FLOW_END || (r >= 0 && r < d->stepc));
}

static void check_prompt(const struct flow_prompt *p)
{
	CHECK(p->kind == FLOW_PROMPT_NONE ? p->text == NULL :
	      p->text != NULL && p->text[0] != '\0');
	if (p->kind == FLOW_PROMPT_PLAY)
		CHECK(p->text[0] == '/' && has_file(NULL, p->text));
}

static void check_dest(const struct flow_dest *to)
{
	CHECK(to->target != NULL && to->target[0] != '\0');
	switch (to->kind) {

	case FLOW_DEST_AGENT:
		CHECK(to->agent_id >= 1 && has_agent(NULL, to->agent_id));
		break;
	case FLOW_DEST_QUEUE:
		CHECK(has_queue(NULL, to->target));
		break;
	case FLOW_DEST_FLOW:
		CHECK(has_flow(NULL, to->target));
		break;
	default:
		CHECK(to->kind == FLOW_DEST_EXTENSION ||
		      to->kind == FLOW_DEST_NUMBER);
		break;
	}
}

static void check_dialogue(const struct flow_doc *d, const struct flow_step *s)
{
	if (s->action == FLOW_GATHER) {
		const struct flow_gather *g = &s->u.gather;

		check_prompt(&g->prompt);
		CHECK(g->min_digits >= 1 && g->min_digits <= g->max_digits);
		CHECK(g->max_digits <= FLOW_DIGITS_MAX);
		CHECK(!g->terminator || g->terminator == '#' ||
		      g->terminator == '*');
		CHECK(g->var[0] != '\0');
		check_ref(d, g->invalid);
		check_ref(d, g->no_input);
		return;
	}
	check_prompt(&s->u.menu.prompt);
	check_prompt(&s->u.menu.invalid_prompt);
	CHECK(s->u.menu.optc >= 1 && s->u.menu.optc <= FLOW_OPTIONS_MAX);
	for (size_t i = 0; i < s->u.menu.optc; i++) {
		CHECK(strchr("0123456789*#", s->u.menu.optv[i].digit));
		CHECK(s->u.menu.optv[i].to != FLOW_END);
		check_ref(d, s->u.menu.optv[i].to);
	}
	check_ref(d, s->u.menu.invalid);
	check_ref(d, s->u.menu.no_input);
}

static void check_logic(const struct flow_doc *d, const struct flow_step *s)
{
	if (s->action == FLOW_BRANCH) {
		const struct flow_branch *b = &s->u.branch;

		CHECK(b->condc >= 1 && b->condc <= FLOW_CONDS_MAX);
		for (size_t i = 0; i < b->condc; i++) {
			const struct flow_cond *c = &b->condv[i];
			bool none = c->op == FLOW_OP_EXISTS ||
				c->op == FLOW_OP_EMPTY;

			CHECK(c->op < FLOW_OP_COUNT);
			CHECK(none == (c->value == NULL));
			CHECK(c->has_re == (c->op == FLOW_OP_MATCHES));
			CHECK(c->to != FLOW_END);
			check_ref(d, c->to);
		}
		return;
	}
	CHECK(s->u.set.assignc >= 1 && s->u.set.assignc <= FLOW_ASSIGNS_MAX);
	for (size_t i = 0; i < s->u.set.assignc; i++)
		CHECK(s->u.set.assignv[i].value != NULL &&
		      s->u.set.assignv[i].name[0] != '\0');
}

static void check_schedule(const struct flow_doc *d,
			   const struct flow_schedule *sc)
{
	CHECK(has_tz(NULL, sc->tz));
	CHECK(sc->hoursc <= FLOW_HOURS_MAX);
	CHECK(sc->holidayc <= FLOW_HOLIDAYS_MAX);
	for (size_t i = 0; i < sc->hoursc; i++) {
		const struct flow_hours *h = &sc->hoursv[i];

		CHECK(h->days != 0 && h->days < 0x80);
		CHECK(h->from_min < h->to_min && h->to_min <= 24 * 60);
	}
	for (size_t i = 0; i < sc->holidayc; i++) {
		const struct flow_date *dt = &sc->holidayv[i];

		CHECK(dt->mon >= 1 && dt->mon <= 12);
		CHECK(dt->mday >= 1 && dt->mday <= 31);
	}
	CHECK(sc->open != FLOW_END && sc->closed != FLOW_END);
	check_ref(d, sc->open);
	check_ref(d, sc->closed);
}

static void check_step(const struct flow_doc *d, const struct flow_step *s)
{
	CHECK(s->id[0] != '\0');
	CHECK(flow_doc_find(d, s->id) == s - d->stepv);
	check_ref(d, s->next);
	switch (s->action) {

	case FLOW_PLAY:
		CHECK(s->u.play.file && has_file(NULL, s->u.play.file));
		CHECK(s->u.play.loop >= 1 && s->u.play.loop <= 100);
		break;
	case FLOW_SAY:
		CHECK(s->u.say.text && s->u.say.text[0]);
		break;
	case FLOW_GATHER:
	case FLOW_MENU:
		check_dialogue(d, s);
		break;
	case FLOW_BRANCH:
	case FLOW_SET:
		check_logic(d, s);
		break;
	case FLOW_SCHEDULE:
		check_schedule(d, &s->u.schedule);
		break;
	case FLOW_QUEUE:
		CHECK(has_queue(NULL, s->u.queue.queue_id));
		CHECK(s->u.queue.skillc <= TASK_SKILLS_MAX);
		break;
	case FLOW_DIAL:
		check_dest(&s->u.dial.to);
		CHECK(s->u.dial.to.kind <= FLOW_DEST_NUMBER);
		break;
	case FLOW_TRANSFER:
		check_dest(&s->u.transfer.to);
		break;
	case FLOW_WEBHOOK:
		CHECK(s->u.webhook.url && s->u.webhook.url[0]);
		check_ref(d, s->u.webhook.failure);
		break;
	case FLOW_HANGUP:
		CHECK(s->u.hangup.cause > CALL_CAUSE_NONE &&
		      s->u.hangup.cause < CALL_CAUSE_SHUTDOWN);
		break;
	default:
		CHECK(s->action < FLOW_ACTION_COUNT);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flow_doc *d = NULL, *dn = NULL;
	struct flow_error err, errn;
	int e, en;

	memset(&err, 0x5a, sizeof(err));
	memset(&errn, 0x5a, sizeof(errn));
	e = flow_doc_parse(&d, (const char *)data, size, &refs, &err);
	en = flow_doc_parse(&dn, (const char *)data, size, NULL, &errn);
	CHECK(e == 0 || e == EINVAL);
	CHECK(en == 0 || en == EINVAL);

	/* references are checked last: without them, the same error or
	   none; with them, a reference error where none was */
	if (en) {
		check_error(&errn);
		CHECK(e == EINVAL && err.code == errn.code);
		CHECK(!strcmp(err.path, errn.path));
	}
	else if (e) {
		CHECK(err.code == FLOW_E_REFERENCE);
	}

	if (e) {
		CHECK(d == NULL);
		check_error(&err);
	}
	else {
		CHECK(err.code == FLOW_E_NONE);
		CHECK(d->stepc >= 1 && d->stepc <= FLOW_STEPS_MAX);
		CHECK(d->start >= 0 && d->start < d->stepc);
		for (uint16_t i = 0; i < d->stepc; i++)
			check_step(d, &d->stepv[i]);
	}
	mem_deref(d);
	mem_deref(dn);
	return 0;
}
