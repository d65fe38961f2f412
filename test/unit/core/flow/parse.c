/** @file test/unit/core/flow/parse.c  flow_doc_parse: good documents with
 *  every action (explicit values and defaults), a corpus of bad ones
 *  (code and JSON Pointer of each), the graph checks and references */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <re_types.h>
#include <re_mem.h>
#include <jansson.h>
#include <hotline/flow.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#include <sanitizer/lsan_interface.h>
#endif
#endif

/* ---- leak check around every test ---- */

static struct memstat mem0;
static bool mem_ok;

static int setup(void **state)
{
	(void)state;
	mem_ok = mem_get_stat(&mem0) == 0;
	return 0;
}

static int teardown(void **state)
{
	struct memstat m;
	(void)state;

	if (mem_ok && !mem_get_stat(&m) && m.blocks_cur != mem0.blocks_cur)
		fail_msg("leak: %zu blocks before, %zu after",
			 mem0.blocks_cur, m.blocks_cur);
#ifdef HAVE_LSAN
	if (__lsan_do_recoverable_leak_check())
		fail_msg("leak reported by LeakSanitizer");
#endif
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)


/* ---- what exists, for the reference checks ---- */

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++) {
		if (!strcmp(*list, s))
			return true;
	}
	return false;
}

static bool has_queue(void *arg, const char *id)
{
	static const char *const l[] = {"sales", "support", NULL};
	(void)arg;
	return in_list(l, id);
}

static bool has_agent(void *arg, uint64_t id)
{
	(void)arg;
	return id == 7 || id == 8;
}

static bool has_flow(void *arg, const char *id)
{
	static const char *const l[] = {"other", NULL};
	(void)arg;
	return in_list(l, id);
}

static bool has_tz(void *arg, const char *tz)
{
	static const char *const l[] = {"UTC", "Europe/Paris", NULL};
	(void)arg;
	return in_list(l, tz);
}

static bool has_file(void *arg, const char *path)
{
	static const char *const l[] = {"/snd/hello.wav", "/snd/x.wav",
					"/snd/invalid.wav", "/snd/acct.wav",
					NULL};
	(void)arg;
	return in_list(l, path);
}

static const struct flow_refs refs = {
	has_queue, has_agent, has_flow, has_tz, has_file, NULL,
};


/* ---- documents written with ' for " ---- */

/* A copy of s with ' turned into " and %LONG% (2048 bytes of text, one
 * over the limit) and %NAME% (FLOW_NAME_MAX bytes) expanded; free() it */
static char *jq(const char *s)
{
	size_t cap = strlen(s) + 2 * FLOW_TEXT_MAX + 1, n = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	while (*s) {
		if (!strncmp(s, "%LONG%", 6) || !strncmp(s, "%NAME%", 6)) {
			size_t k = s[1] == 'L' ? FLOW_TEXT_MAX : FLOW_NAME_MAX;

			memset(out + n, 'x', k);
			n += k;
			s += 6;
			continue;
		}
		out[n++] = *s == '\'' ? '"' : *s;
		s++;
	}
	out[n] = '\0';
	return out;
}

static int parse(const char *doc, const struct flow_refs *r,
		 struct flow_doc **docp, struct flow_error *err)
{
	char *json = jq(doc);
	int e;

	*docp = NULL;
	e = flow_doc_parse(docp, json, strlen(json), r, err);
	free(json);
	return e;
}

/* Parse doc, which must be valid */
static struct flow_doc *good(const char *doc)
{
	struct flow_doc *d = NULL;
	struct flow_error err;
	int e = parse(doc, &refs, &d, &err);

	if (e)
		fail_msg("rejected (%d): %s at '%s': %s", e,
			 flow_error_code_name(err.code), err.path,
			 err.message);
	assert_int_equal(err.code, FLOW_E_NONE);
	assert_non_null(d);
	return d;
}

static const struct flow_step *step(const struct flow_doc *d, const char *id)
{
	flow_ref r = flow_doc_find(d, id);

	assert_true(r != FLOW_END);
	return &d->stepv[r];
}

static flow_ref ref(const struct flow_doc *d, const char *id)
{
	flow_ref r = flow_doc_find(d, id);

	assert_true(r != FLOW_END);
	return r;
}

static bool rx_match(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}


/* ---- (1) good documents ---- */

static const char *doc_full =
"{'id':'main','name':'Main line','description':'d','start':'hello',"
" 'steps':["
"  {'id':'closed','action':'say','text':'We are closed','next':'other'},"
"  {'id':'hello','action':'answer','next':'greet'},"
"  {'id':'greet','action':'play','file':'/snd/hello.wav','loop':2,"
"   'next':'intro'},"
"  {'id':'intro','action':'say','text':'Hi {{ contact.name }}','loop':3,"
"   'next':'hours'},"
"  {'id':'hours','action':'schedule','timezone':'Europe/Paris',"
"   'hours':[{'days':['mon','tue','wed','thu','fri'],'from':'09:00',"
"             'to':'17:30'},"
"            {'days':['sat','sun'],'from':'10:00','to':'24:00'}],"
"   'holidays':['2026-12-25','2028-02-29'],'open':'route',"
"   'closed':'closed'},"
"  {'id':'route','action':'branch','conditions':["
"    {'var':'caller','op':'matches','value':'^\\\\+33','next':'fr'},"
"    {'var':'contact.vip','op':'exists','next':'vip'},"
"    {'var':'n','op':'ge','value':'{{limit}}','next':'menu'}],"
"   'next':'menu'},"
"  {'id':'fr','action':'set','variables':{'lang':'fr',"
"   'greeting':'Bonjour {{caller_name}}','empty':''},'next':'menu'},"
"  {'id':'menu','action':'menu','prompt':{'say':'Press 1 or 2'},"
"   'options':{'1':'sales','2':'acct','#':'operator','*':'menu'},"
"   'timeout_ms':7000,'retries':3,"
"   'invalid_prompt':{'play':'/snd/invalid.wav'},'invalid':'operator',"
"   'no_input':'bye'},"
"  {'id':'acct','action':'gather','prompt':{'play':'/snd/acct.wav'},"
"   'min_digits':4,'max_digits':8,'terminator':'*','timeout_ms':8000,"
"   'inter_digit_ms':2000,'retries':1,'pattern':'^[0-9]{4,8}$',"
"   'variable':'account','next':'lookup','invalid':'operator',"
"   'no_input':'bye'},"
"  {'id':'lookup','action':'webhook',"
"   'url':'https://crm.example/lookup?acct={{account}}',"
"   'timeout_ms':2500,'next':'vip','failure':'operator'},"
"  {'id':'vip','action':'dial','to':{'agent':7},'timeout_s':20,"
"   'caller_id':'{{did}}','busy':'sales','no_answer':'vm',"
"   'failed':'operator'},"
"  {'id':'sales','action':'queue','queue':'sales','priority':-5,"
"   'skills':{'french':3,'billing.pro':100},"
"   'sticky_agent':'{{contact.last_agent_id}}','sticky_wait_s':45},"
"  {'id':'operator','action':'transfer','to':{'number':'+15551234'}},"
"  {'id':'vm','action':'record','beep':false,'max_s':60,'silence_s':0,"
"   'terminator':'','next':'bye'},"
"  {'id':'bye','action':'hangup','cause':'busy'},"
"  {'id':'other','action':'transfer','to':{'flow':'other'}}"
"]}";

static void test_full_head(void **state)
{
	struct flow_doc *d = good(doc_full);
	(void)state;

	assert_string_equal(d->name, "Main line");
	assert_int_equal(d->stepc, 16);
	assert_int_equal(d->start, 1);
	assert_string_equal(d->stepv[0].id, "closed");
	assert_int_equal(d->stepv[1].action, FLOW_ANSWER);
	assert_int_equal(d->stepv[1].next, ref(d, "greet"));
	mem_deref(d);
}

static void test_full_media(void **state)
{
	struct flow_doc *d = good(doc_full);
	const struct flow_step *s;
	(void)state;

	s = step(d, "greet");
	assert_int_equal(s->action, FLOW_PLAY);
	assert_string_equal(s->u.play.file, "/snd/hello.wav");
	assert_int_equal(s->u.play.loop, 2);
	assert_int_equal(s->next, ref(d, "intro"));

	s = step(d, "intro");
	assert_int_equal(s->action, FLOW_SAY);
	assert_string_equal(s->u.say.text, "Hi {{ contact.name }}");
	assert_int_equal(s->u.say.loop, 3);

	s = step(d, "vm");
	assert_int_equal(s->action, FLOW_RECORD);
	assert_false(s->u.record.beep);
	assert_int_equal(s->u.record.max_s, 60);
	assert_int_equal(s->u.record.silence_s, 0);
	assert_int_equal(s->u.record.terminator, 0);
	assert_int_equal(s->next, ref(d, "bye"));

	s = step(d, "lookup");
	assert_int_equal(s->action, FLOW_WEBHOOK);
	assert_string_equal(s->u.webhook.url,
			    "https://crm.example/lookup?acct={{account}}");
	assert_int_equal(s->u.webhook.timeout_ms, 2500);
	assert_int_equal(s->next, ref(d, "vip"));
	assert_int_equal(s->u.webhook.failure, ref(d, "operator"));

	s = step(d, "bye");
	assert_int_equal(s->action, FLOW_HANGUP);
	assert_int_equal(s->u.hangup.cause, CALL_CAUSE_BUSY);
	assert_int_equal(s->next, FLOW_END);
	mem_deref(d);
}

static void test_full_dialogue(void **state)
{
	struct flow_doc *d = good(doc_full);
	const struct flow_step *s;
	const struct flow_menu *m;
	const struct flow_gather *g;
	(void)state;

	s = step(d, "menu");
	m = &s->u.menu;
	assert_int_equal(s->action, FLOW_MENU);
	assert_int_equal(m->prompt.kind, FLOW_PROMPT_SAY);
	assert_string_equal(m->prompt.text, "Press 1 or 2");
	assert_int_equal(m->optc, 4);
	assert_int_equal(m->optv[0].digit, '1');
	assert_int_equal(m->optv[0].to, ref(d, "sales"));
	assert_int_equal(m->optv[1].digit, '2');
	assert_int_equal(m->optv[1].to, ref(d, "acct"));
	assert_int_equal(m->optv[2].digit, '#');
	assert_int_equal(m->optv[2].to, ref(d, "operator"));
	assert_int_equal(m->optv[3].digit, '*');
	assert_int_equal(m->optv[3].to, ref(d, "menu"));
	assert_int_equal(m->timeout_ms, 7000);
	assert_int_equal(m->retries, 3);
	assert_int_equal(m->invalid_prompt.kind, FLOW_PROMPT_PLAY);
	assert_string_equal(m->invalid_prompt.text, "/snd/invalid.wav");
	assert_int_equal(m->invalid, ref(d, "operator"));
	assert_int_equal(m->no_input, ref(d, "bye"));

	s = step(d, "acct");
	g = &s->u.gather;
	assert_int_equal(s->action, FLOW_GATHER);
	assert_int_equal(g->prompt.kind, FLOW_PROMPT_PLAY);
	assert_string_equal(g->prompt.text, "/snd/acct.wav");
	assert_int_equal(g->min_digits, 4);
	assert_int_equal(g->max_digits, 8);
	assert_int_equal(g->terminator, '*');
	assert_int_equal(g->timeout_ms, 8000);
	assert_int_equal(g->inter_digit_ms, 2000);
	assert_int_equal(g->retries, 1);
	assert_true(g->has_pattern);
	assert_true(rx_match(&g->pattern, "12345"));
	assert_false(rx_match(&g->pattern, "123"));
	assert_false(rx_match(&g->pattern, "12a45"));
	assert_string_equal(g->var, "account");
	assert_int_equal(s->next, ref(d, "lookup"));
	assert_int_equal(g->invalid, ref(d, "operator"));
	assert_int_equal(g->no_input, ref(d, "bye"));
	mem_deref(d);
}

static void test_full_logic(void **state)
{
	struct flow_doc *d = good(doc_full);
	const struct flow_branch *b;
	const struct flow_set *st;
	const struct flow_step *s;
	(void)state;

	s = step(d, "route");
	b = &s->u.branch;
	assert_int_equal(s->action, FLOW_BRANCH);
	assert_int_equal(b->condc, 3);
	assert_string_equal(b->condv[0].var, "caller");
	assert_int_equal(b->condv[0].op, FLOW_OP_MATCHES);
	assert_string_equal(b->condv[0].value, "^\\+33");
	assert_true(b->condv[0].has_re);
	assert_true(rx_match(&b->condv[0].re, "+33612345678"));
	assert_false(rx_match(&b->condv[0].re, "+44612345678"));
	assert_int_equal(b->condv[0].to, ref(d, "fr"));
	assert_int_equal(b->condv[1].op, FLOW_OP_EXISTS);
	assert_null(b->condv[1].value);
	assert_false(b->condv[1].has_re);
	assert_int_equal(b->condv[1].to, ref(d, "vip"));
	assert_int_equal(b->condv[2].op, FLOW_OP_GE);
	assert_string_equal(b->condv[2].value, "{{limit}}");
	assert_int_equal(s->next, ref(d, "menu"));

	s = step(d, "fr");
	st = &s->u.set;
	assert_int_equal(s->action, FLOW_SET);
	assert_int_equal(st->assignc, 3);
	assert_string_equal(st->assignv[0].name, "lang");
	assert_string_equal(st->assignv[0].value, "fr");
	assert_string_equal(st->assignv[1].name, "greeting");
	assert_string_equal(st->assignv[1].value, "Bonjour {{caller_name}}");
	assert_string_equal(st->assignv[2].value, "");
	mem_deref(d);
}

static void test_full_schedule(void **state)
{
	struct flow_doc *d = good(doc_full);
	const struct flow_schedule *sc;
	const struct flow_step *s;
	(void)state;

	s = step(d, "hours");
	sc = &s->u.schedule;
	assert_int_equal(s->action, FLOW_SCHEDULE);
	assert_string_equal(sc->tz, "Europe/Paris");
	assert_int_equal(sc->hoursc, 2);
	assert_int_equal(sc->hoursv[0].days, 0x3e);      /* mon..fri */
	assert_int_equal(sc->hoursv[0].from_min, 9 * 60);
	assert_int_equal(sc->hoursv[0].to_min, 17 * 60 + 30);
	assert_int_equal(sc->hoursv[1].days, 0x41);      /* sat, sun */
	assert_int_equal(sc->hoursv[1].from_min, 600);
	assert_int_equal(sc->hoursv[1].to_min, 1440);
	assert_int_equal(sc->holidayc, 2);
	assert_int_equal(sc->holidayv[0].year, 2026);
	assert_int_equal(sc->holidayv[0].mon, 12);
	assert_int_equal(sc->holidayv[0].mday, 25);
	assert_int_equal(sc->holidayv[1].year, 2028);
	assert_int_equal(sc->holidayv[1].mon, 2);
	assert_int_equal(sc->holidayv[1].mday, 29);
	assert_int_equal(sc->open, ref(d, "route"));
	assert_int_equal(sc->closed, ref(d, "closed"));
	assert_int_equal(s->next, FLOW_END);
	mem_deref(d);
}

static void test_full_routing(void **state)
{
	struct flow_doc *d = good(doc_full);
	const struct flow_step *s;
	const struct flow_queue *q;
	(void)state;

	s = step(d, "vip");
	assert_int_equal(s->action, FLOW_DIAL);
	assert_int_equal(s->u.dial.to.kind, FLOW_DEST_AGENT);
	assert_int_equal(s->u.dial.to.agent_id, 7);
	assert_string_equal(s->u.dial.to.target, "7");
	assert_int_equal(s->u.dial.timeout_s, 20);
	assert_string_equal(s->u.dial.caller_id, "{{did}}");
	assert_int_equal(s->u.dial.busy, ref(d, "sales"));
	assert_int_equal(s->u.dial.no_answer, ref(d, "vm"));
	assert_int_equal(s->u.dial.failed, ref(d, "operator"));

	s = step(d, "sales");
	q = &s->u.queue;
	assert_int_equal(s->action, FLOW_QUEUE);
	assert_string_equal(q->queue_id, "sales");
	assert_int_equal(q->priority, -5);
	assert_int_equal(q->skillc, 2);
	assert_string_equal(q->skillv[0].name, "french");
	assert_int_equal(q->skillv[0].min_level, 3);
	assert_string_equal(q->skillv[1].name, "billing.pro");
	assert_int_equal(q->skillv[1].min_level, 100);
	assert_string_equal(q->sticky_agent, "{{contact.last_agent_id}}");
	assert_int_equal(q->sticky_wait_s, 45);

	s = step(d, "operator");
	assert_int_equal(s->u.transfer.to.kind, FLOW_DEST_NUMBER);
	assert_string_equal(s->u.transfer.to.target, "+15551234");
	s = step(d, "other");
	assert_int_equal(s->u.transfer.to.kind, FLOW_DEST_FLOW);
	assert_string_equal(s->u.transfer.to.target, "other");
	mem_deref(d);
}

/* Every action with only its required fields */
static const char *doc_defaults =
"{'steps':["
" {'id':'a','action':'answer','next':'p'},"
" {'id':'p','action':'play','file':'/snd/x.wav','next':'s'},"
" {'id':'s','action':'say','text':'hi','next':'g'},"
" {'id':'g','action':'gather','next':'m'},"
" {'id':'m','action':'menu','options':{'1':'b','2':'tr','3':'r',"
"  '4':'w','5':'h','6':'d'}},"
" {'id':'b','action':'branch','conditions':[{'var':'x','op':'empty',"
"  'next':'t'}]},"
" {'id':'t','action':'set','variables':{'x':'1'},'next':'sc'},"
" {'id':'sc','action':'schedule','timezone':'UTC','open':'q',"
"  'closed':'d'},"
" {'id':'q','action':'queue','queue':'sales'},"
" {'id':'d','action':'dial','to':{'extension':'1001'}},"
" {'id':'tr','action':'transfer','to':{'queue':'support'}},"
" {'id':'r','action':'record'},"
" {'id':'w','action':'webhook','url':'http://127.0.0.1:9/x'},"
" {'id':'h','action':'hangup'}"
"]}";

static void test_defaults_media(void **state)
{
	struct flow_doc *d = good(doc_defaults);
	const struct flow_step *s;
	(void)state;

	assert_string_equal(d->name, "");
	assert_int_equal(d->start, 0);
	assert_int_equal(step(d, "p")->u.play.loop, 1);
	assert_int_equal(step(d, "s")->u.say.loop, 1);

	s = step(d, "r");
	assert_true(s->u.record.beep);
	assert_int_equal(s->u.record.max_s, 120);
	assert_int_equal(s->u.record.silence_s, 5);
	assert_int_equal(s->u.record.terminator, '#');
	assert_int_equal(s->next, FLOW_END);

	s = step(d, "w");
	assert_int_equal(s->u.webhook.timeout_ms, 5000);
	assert_int_equal(s->u.webhook.failure, FLOW_END);
	assert_int_equal(s->next, FLOW_END);

	s = step(d, "h");
	assert_int_equal(s->u.hangup.cause, CALL_CAUSE_NORMAL_CLEARING);
	mem_deref(d);
}

static void test_defaults_dialogue(void **state)
{
	struct flow_doc *d = good(doc_defaults);
	const struct flow_gather *g;
	const struct flow_menu *m;
	const struct flow_step *s;
	(void)state;

	s = step(d, "g");
	g = &s->u.gather;
	assert_int_equal(g->prompt.kind, FLOW_PROMPT_NONE);
	assert_null(g->prompt.text);
	assert_int_equal(g->min_digits, 1);
	assert_int_equal(g->max_digits, FLOW_DIGITS_MAX);
	assert_int_equal(g->terminator, '#');
	assert_int_equal(g->timeout_ms, 5000);
	assert_int_equal(g->inter_digit_ms, 3000);
	assert_int_equal(g->retries, 2);
	assert_false(g->has_pattern);
	assert_string_equal(g->var, "digits");
	assert_int_equal(g->invalid, FLOW_END);
	assert_int_equal(g->no_input, FLOW_END);
	assert_int_equal(s->next, ref(d, "m"));

	s = step(d, "m");
	m = &s->u.menu;
	assert_int_equal(m->prompt.kind, FLOW_PROMPT_NONE);
	assert_int_equal(m->optc, 6);
	assert_int_equal(m->timeout_ms, 5000);
	assert_int_equal(m->retries, 2);
	assert_int_equal(m->invalid_prompt.kind, FLOW_PROMPT_NONE);
	assert_int_equal(m->invalid, FLOW_END);
	assert_int_equal(m->no_input, FLOW_END);
	assert_int_equal(s->next, FLOW_END);

	s = step(d, "b");
	assert_int_equal(s->u.branch.condc, 1);
	assert_int_equal(s->u.branch.condv[0].op, FLOW_OP_EMPTY);
	assert_int_equal(s->u.branch.condv[0].to, ref(d, "t"));
	assert_int_equal(s->next, FLOW_END);
	mem_deref(d);
}

static void test_defaults_routing(void **state)
{
	struct flow_doc *d = good(doc_defaults);
	const struct flow_step *s;
	(void)state;

	s = step(d, "sc");
	assert_int_equal(s->u.schedule.hoursc, 0);
	assert_int_equal(s->u.schedule.holidayc, 0);
	assert_string_equal(s->u.schedule.tz, "UTC");

	s = step(d, "q");
	assert_int_equal(s->u.queue.priority, 0);
	assert_int_equal(s->u.queue.skillc, 0);
	assert_null(s->u.queue.sticky_agent);
	assert_int_equal(s->u.queue.sticky_wait_s, 20);

	s = step(d, "d");
	assert_int_equal(s->u.dial.to.kind, FLOW_DEST_EXTENSION);
	assert_string_equal(s->u.dial.to.target, "1001");
	assert_int_equal(s->u.dial.timeout_s, 30);
	assert_null(s->u.dial.caller_id);
	assert_int_equal(s->u.dial.busy, FLOW_END);
	assert_int_equal(s->u.dial.no_answer, FLOW_END);
	assert_int_equal(s->u.dial.failed, FLOW_END);

	s = step(d, "tr");
	assert_int_equal(s->u.transfer.to.kind, FLOW_DEST_QUEUE);
	assert_string_equal(s->u.transfer.to.target, "support");
	mem_deref(d);
}

/* Templates in destinations; every hangup cause but none and shutdown */
static void test_dests_and_causes(void **state)
{
	static const char *causes[] = {
		"normal_clearing", "no_answer", "busy", "cancelled",
		"rejected", "unavailable", "not_found", "incompatible",
		"media_timeout", "api_hangup", "failure",
	};
	struct flow_doc *d = good(
		"{'steps':[{'id':'a','action':'dial',"
		"'to':{'number':'{{ digits }}'},'failed':'b'},"
		"{'id':'b','action':'transfer','to':{'extension':'{{ext}}'}}]}");
	char doc[160];
	(void)state;

	assert_int_equal(d->stepv[0].u.dial.to.kind, FLOW_DEST_NUMBER);
	assert_string_equal(d->stepv[0].u.dial.to.target, "{{ digits }}");
	assert_int_equal(d->stepv[1].u.transfer.to.kind,
			 FLOW_DEST_EXTENSION);
	d = mem_deref(d);

	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		enum call_cause c;

		(void)snprintf(doc, sizeof(doc), "{'steps':[{'id':'h',"
			       "'action':'hangup','cause':'%s'}]}", causes[i]);
		d = good(doc);
		assert_int_equal(call_cause_parse(causes[i], &c), 0);
		assert_int_equal(d->stepv[0].u.hangup.cause, c);
		d = mem_deref(d);
	}
}


/* ---- (2) the corpus ---- */

struct row {
	const char *json;
	enum flow_error_code code;   /* FLOW_E_NONE: must be accepted */
	const char *path;
};

#define S(x) "{'steps':[" x "]}"
#define SAY(id, next) "{'id':'" id "','action':'say','text':'t','next':'" \
		      next "'}"
#define END(id) "{'id':'" id "','action':'hangup'}"

#define E_SYN  FLOW_E_SYNTAX
#define E_TYP  FLOW_E_TYPE
#define E_MIS  FLOW_E_MISSING
#define E_VAL  FLOW_E_VALUE
#define E_FLD  FLOW_E_UNKNOWN_FIELD
#define E_ACT  FLOW_E_UNKNOWN_ACTION
#define E_DUP  FLOW_E_DUPLICATE
#define E_DNG  FLOW_E_DANGLING
#define E_UNR  FLOW_E_UNREACHABLE
#define E_LOOP FLOW_E_LOOP
#define E_RE   FLOW_E_REGEX
#define E_REF  FLOW_E_REFERENCE

static const struct row corpus[] = {
	/* the document */
	{"not json", E_SYN, ""},
	{"", E_SYN, ""},
	{"{'steps':[" END("a") "]} trailing", E_SYN, ""},
	{"{'steps':[],'steps':[" END("a") "]}", E_SYN, ""},
	{"[" END("a") "]", E_TYP, ""},
	{"'steps'", E_TYP, ""},
	{"{}", E_MIS, "/steps"},
	{"{'steps':[]}", E_MIS, "/steps"},
	{"{'steps':{}}", E_TYP, "/steps"},
	{"{'nme':'x','steps':[" END("a") "]}", E_FLD, "/nme"},
	{"{'a/b~c':1,'steps':[" END("a") "]}", E_FLD, "/a~1b~0c"},
	{"{'name':5,'steps':[" END("a") "]}", E_TYP, "/name"},
	{"{'name':'%NAME%','steps':[" END("a") "]}", E_VAL, "/name"},
	{"{'description':[],'steps':[" END("a") "]}", E_TYP,
	 "/description"},
	{"{'start':'nope','steps':[" END("a") "]}", E_DNG, "/start"},
	{"{'start':0,'steps':[" END("a") "]}", E_TYP, "/start"},
	{"{'id':5,'start':'b','steps':[" END("a") "," END("b") "]}", E_UNR,
	 "/steps/0"},
	/* step ids and actions */
	{S("5"), E_TYP, "/steps/0"},
	{S("{'action':'answer'}"), E_MIS, "/steps/0/id"},
	{S("{'id':7,'action':'answer'}"), E_TYP, "/steps/0/id"},
	{S("{'id':'Bad Id','action':'answer'}"), E_VAL, "/steps/0/id"},
	{S("{'id':'-a','action':'answer'}"), E_VAL, "/steps/0/id"},
	{S(END("a") "," END("a")), E_DUP, "/steps/1/id"},
	{S("{'id':'a'}"), E_MIS, "/steps/0/action"},
	{S("{'id':'a','action':'sya','text':'x'}"), E_ACT, "/steps/0/action"},
	{S("{'id':'a','action':['say']}"), E_TYP, "/steps/0/action"},
	{S("{'id':'a','action':'answer','text':'x'}"), E_FLD,
	 "/steps/0/text"},
	/* next, graph */
	{S("{'id':'a','action':'answer','next':'b'}"), E_DNG,
	 "/steps/0/next"},
	{S("{'id':'a','action':'answer','next':null}"), E_TYP,
	 "/steps/0/next"},
	{S(SAY("a", "c") "," END("b") "," END("c")), E_UNR, "/steps/1"},
	{S("{'id':'s','action':'set','variables':{'x':'1'},'next':'b'},"
	   "{'id':'b','action':'branch','conditions':[{'var':'x','op':'eq',"
	   "'value':'1','next':'s'}],'next':'e'}," END("e")), E_LOOP,
	 "/steps/0"},
	{S("{'id':'s','action':'set','variables':{'x':'1'},'next':'s'}"),
	 E_LOOP, "/steps/0"},
	{S(SAY("a", "sc") ",{'id':'sc','action':'schedule','timezone':'UTC',"
	   "'open':'an','closed':'sc'},{'id':'an','action':'answer',"
	   "'next':'a'}"), E_LOOP, "/steps/1"},
	{S("{'id':'m','action':'menu','options':{'1':'s'},'no_input':'m'},"
	   "{'id':'s','action':'set','variables':{'x':'1'},'next':'b'},"
	   "{'id':'b','action':'branch','conditions':[{'var':'x','op':'eq',"
	   "'value':'1','next':'s2'}],'next':'m'},"
	   "{'id':'s2','action':'say','text':'again','next':'m'}"),
	 FLOW_E_NONE, ""},
	{S("{'id':'a','action':'answer','next':'w'},"
	   "{'id':'w','action':'webhook','url':'https://x/{{caller}}'},"
	   END("only_by_webhook")), FLOW_E_NONE, ""},
	/* play */
	{S("{'id':'a','action':'play'}"), E_MIS, "/steps/0/file"},
	{S("{'id':'a','action':'play','file':'snd/x.wav'}"), E_VAL,
	 "/steps/0/file"},
	{S("{'id':'a','action':'play','file':'/snd/nope.wav'}"), E_REF,
	 "/steps/0/file"},
	{S("{'id':'a','action':'play','file':'/snd/x.wav','loop':101}"),
	 E_VAL, "/steps/0/loop"},
	/* say */
	{S("{'id':'a','action':'say'}"), E_MIS, "/steps/0/text"},
	{S("{'id':'a','action':'say','txt':'hi'}"), E_FLD, "/steps/0/txt"},
	{S("{'id':'a','action':'say','text':'hi','nxt':'a'}"), E_FLD,
	 "/steps/0/nxt"},
	{S("{'id':'a','action':'say','text':''}"), E_VAL, "/steps/0/text"},
	{S("{'id':'a','action':'say','text':5}"), E_TYP, "/steps/0/text"},
	{S("{'id':'a','action':'say','text':'%LONG%'}"), E_VAL,
	 "/steps/0/text"},
	{S("{'id':'a','action':'say','text':'hi {{caller'}"), E_VAL,
	 "/steps/0/text"},
	{S("{'id':'a','action':'say','text':'hi {{Caller}}'}"), E_VAL,
	 "/steps/0/text"},
	{S("{'id':'a','action':'say','text':'hi {{}}'}"), E_VAL,
	 "/steps/0/text"},
	{S("{'id':'a','action':'say','text':'x','loop':0}"), E_VAL,
	 "/steps/0/loop"},
	{S("{'id':'a','action':'say','text':'x','loop':'2'}"), E_TYP,
	 "/steps/0/loop"},
	/* gather */
	{S("{'id':'a','action':'gather','max_digits':40}"), E_VAL,
	 "/steps/0/max_digits"},
	{S("{'id':'a','action':'gather','min_digits':0}"), E_VAL,
	 "/steps/0/min_digits"},
	{S("{'id':'a','action':'gather','min_digits':5,'max_digits':3}"),
	 E_VAL, "/steps/0/min_digits"},
	{S("{'id':'a','action':'gather','terminator':'x'}"), E_VAL,
	 "/steps/0/terminator"},
	{S("{'id':'a','action':'gather','timeout_ms':5.5}"), E_TYP,
	 "/steps/0/timeout_ms"},
	{S("{'id':'a','action':'gather','inter_digit_ms':99}"), E_VAL,
	 "/steps/0/inter_digit_ms"},
	{S("{'id':'a','action':'gather','retries':11}"), E_VAL,
	 "/steps/0/retries"},
	{S("{'id':'a','action':'gather','pattern':'([0-9]'}"), E_RE,
	 "/steps/0/pattern"},
	{S("{'id':'a','action':'gather','pattern':'((a{1,100}){1,100})"
	   "{1,100}'}"), E_RE, "/steps/0/pattern"},
	{S("{'id':'a','action':'gather','pattern':'(1)\\\\1'}"), E_RE,
	 "/steps/0/pattern"},
	/* glibc builds x+ as x x*: each '+' doubles, even of "()" */
	{S("{'id':'a','action':'gather','pattern':'()++++++++++++++++++++'}"),
	 E_RE, "/steps/0/pattern"},
	/* repeated anchors and empty groups: exponential closures */
	{S("{'id':'a','action':'gather','pattern':'((^)*){24}'}"), E_RE,
	 "/steps/0/pattern"},
	{S("{'id':'a','action':'gather','pattern':'((a|\\\\b)*){20}'}"), E_RE,
	 "/steps/0/pattern"},
	{S("{'id':'a','action':'gather','pattern':'(()?){20}(a?)*'}"), E_RE,
	 "/steps/0/pattern"},
	{S("{'id':'a','action':'gather','pattern':'^(\\\\+33|0033)[0-9]{9}$'}"),
	 FLOW_E_NONE, ""},
	/* a ')' outside a group is a character, and can be repeated */
	{S("{'id':'a','action':'gather','pattern':'){100}{100}{10}'}"), E_RE,
	 "/steps/0/pattern"},
	{S("{'id':'a','action':'gather','variable':'Bad Var'}"), E_VAL,
	 "/steps/0/variable"},
	{S("{'id':'a','action':'gather','invalid':'nope'}"), E_DNG,
	 "/steps/0/invalid"},
	{S("{'id':'a','action':'gather','no_input':'nope'}"), E_DNG,
	 "/steps/0/no_input"},
	{S("{'id':'a','action':'gather','prompt':'hello'}"), E_TYP,
	 "/steps/0/prompt"},
	{S("{'id':'a','action':'gather','prompt':{}}"), E_MIS,
	 "/steps/0/prompt"},
	{S("{'id':'a','action':'gather','prompt':{'say':'a',"
	   "'play':'/snd/x.wav'}}"), E_VAL, "/steps/0/prompt"},
	{S("{'id':'a','action':'gather','prompt':{'sing':'la'}}"), E_FLD,
	 "/steps/0/prompt/sing"},
	{S("{'id':'a','action':'gather','prompt':{'say':'{{ x y }}'}}"),
	 E_VAL, "/steps/0/prompt/say"},
	{S("{'id':'a','action':'gather','prompt':{'play':'/tmp/nope.wav'}}"),
	 E_REF, "/steps/0/prompt/play"},
	/* menu */
	{S("{'id':'a','action':'menu'}"), E_MIS, "/steps/0/options"},
	{S("{'id':'a','action':'menu','options':{}}"), E_MIS,
	 "/steps/0/options"},
	{S("{'id':'a','action':'menu','options':['b']}," END("b")), E_TYP,
	 "/steps/0/options"},
	{S("{'id':'a','action':'menu','options':{'ab':'b'}}," END("b")),
	 E_VAL, "/steps/0/options/ab"},
	{S("{'id':'a','action':'menu','options':{'A':'b'}}," END("b")),
	 E_VAL, "/steps/0/options/A"},
	{S("{'id':'a','action':'menu','options':{'1':'b','7':'x'}},"
	   END("b")), E_DNG, "/steps/0/options/7"},
	{S("{'id':'a','action':'menu','options':{'1':5}}"), E_TYP,
	 "/steps/0/options/1"},
	{S("{'id':'a','action':'menu','options':{'1':'b'},'next':'b'},"
	   END("b")), E_FLD, "/steps/0/next"},
	{S("{'id':'a','action':'menu','options':{'1':'b'},'retries':-1},"
	   END("b")), E_VAL, "/steps/0/retries"},
	{S("{'id':'a','action':'menu','options':{'1':'b'},"
	   "'invalid_prompt':{'play':'/snd/gone.wav'}}," END("b")), E_REF,
	 "/steps/0/invalid_prompt/play"},
	/* branch */
	{S("{'id':'a','action':'branch','next':'b'}," END("b")), E_MIS,
	 "/steps/0/conditions"},
	{S("{'id':'a','action':'branch','conditions':[],'next':'b'},"
	   END("b")), E_MIS, "/steps/0/conditions"},
	{S("{'id':'a','action':'branch','conditions':['x']}"), E_TYP,
	 "/steps/0/conditions/0"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'like','value':'1','next':'b'}]}," END("b")), E_VAL,
	 "/steps/0/conditions/0/op"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'eq','value':'1'}]}"), E_MIS, "/steps/0/conditions/0/next"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'eq','next':'b'}]}," END("b")), E_MIS,
	 "/steps/0/conditions/0/value"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'X',"
	   "'op':'eq','value':'','next':'b'}]}," END("b")), E_VAL,
	 "/steps/0/conditions/0/var"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'exists','value':'1','next':'b'}]}," END("b")), E_VAL,
	 "/steps/0/conditions/0/value"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'exists','next':'b','then':'b'}]}," END("b")), E_FLD,
	 "/steps/0/conditions/0/then"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'empty','next':'b'},{'var':'caller','op':'matches',"
	   "'value':'^(+33','next':'b'}]}," END("b")), E_RE,
	 "/steps/0/conditions/1/value"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'eq','value':'{{x','next':'b'}]}," END("b")), E_VAL,
	 "/steps/0/conditions/0/value"},
	{S("{'id':'a','action':'branch','conditions':[{'var':'x',"
	   "'op':'eq','value':'1','next':'nope'}]}"), E_DNG,
	 "/steps/0/conditions/0/next"},
	/* set */
	{S("{'id':'a','action':'set'}"), E_MIS, "/steps/0/variables"},
	{S("{'id':'a','action':'set','variables':{}}"), E_MIS,
	 "/steps/0/variables"},
	{S("{'id':'a','action':'set','variables':{'Bad':'1'}}"), E_VAL,
	 "/steps/0/variables/Bad"},
	{S("{'id':'a','action':'set','variables':{'x':5}}"), E_TYP,
	 "/steps/0/variables/x"},
	{S("{'id':'a','action':'set','variables':{'x':'{{y'}}"), E_VAL,
	 "/steps/0/variables/x"},
	/* schedule */
#define SCH(x) S("{'id':'a','action':'schedule'," x "}," END("o") "," \
		 END("c"))
	{SCH("'open':'o','closed':'c'"), E_MIS, "/steps/0/timezone"},
	{SCH("'timezone':'UTC','closed':'c'"), E_MIS, "/steps/0/open"},
	{SCH("'timezone':'UTC','open':'o'"), E_MIS, "/steps/0/closed"},
	{SCH("'timezone':'UTC','open':'o','closed':'x'"), E_DNG,
	 "/steps/0/closed"},
	{SCH("'timezone':'Mars/Olympus','open':'o','closed':'c'"), E_REF,
	 "/steps/0/timezone"},
	{SCH("'timezone':'../etc/passwd','open':'o','closed':'c'"), E_VAL,
	 "/steps/0/timezone"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','next':'o'"), E_FLD,
	 "/steps/0/next"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['monday'],'from':'09:00','to':'17:00'}]"), E_VAL,
	 "/steps/0/hours/0/days/0"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "[],'from':'09:00','to':'17:00'}]"), E_MIS,
	 "/steps/0/hours/0/days"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['mon'],'from':'25:00','to':'26:00'}]"), E_VAL,
	 "/steps/0/hours/0/from"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['mon'],'from':'09:00','to':'24:01'}]"), E_VAL,
	 "/steps/0/hours/0/to"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['mon'],'from':'9:00','to':'17:00'}]"), E_VAL,
	 "/steps/0/hours/0/from"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['mon'],'from':'17:00','to':'09:00'}]"), E_VAL,
	 "/steps/0/hours/0/to"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['mon'],'from':'09:00'}]"), E_MIS, "/steps/0/hours/0/to"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','hours':[{'days':"
	     "['mon'],'from':'09:00','to':'10:00','tz':'x'}]"), E_FLD,
	 "/steps/0/hours/0/tz"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','holidays':"
	     "['2026-02-30']"), E_VAL, "/steps/0/holidays/0"},
	{SCH("'timezone':'UTC','open':'o','closed':'c','holidays':"
	     "['2026-01-01',20260101]"), E_TYP, "/steps/0/holidays/1"},
	/* queue */
	{S("{'id':'a','action':'queue'}"), E_MIS, "/steps/0/queue"},
	{S("{'id':'a','action':'queue','queue':'Sales!'}"), E_VAL,
	 "/steps/0/queue"},
	{S("{'id':'a','action':'queue','queue':'billing'}"), E_REF,
	 "/steps/0/queue"},
	{S("{'id':'a','action':'queue','queue':'sales','priority':101}"),
	 E_VAL, "/steps/0/priority"},
	{S("{'id':'a','action':'queue','queue':'sales','skills':{"
	   "'french':0}}"), E_VAL, "/steps/0/skills/french"},
	{S("{'id':'a','action':'queue','queue':'sales','skills':{"
	   "'French':1}}"), E_VAL, "/steps/0/skills/French"},
	{S("{'id':'a','action':'queue','queue':'sales','skills':{"
	   "'a':1,'b':1,'c':1,'d':1,'e':1,'f':1,'g':1,'h':1,'i':1}}"),
	 E_VAL, "/steps/0/skills"},
	{S("{'id':'a','action':'queue','queue':'sales','sticky_wait_s':601}"),
	 E_VAL, "/steps/0/sticky_wait_s"},
	{S("{'id':'a','action':'queue','queue':'sales',"
	   "'sticky_agent':'{{x'}"), E_VAL, "/steps/0/sticky_agent"},
	{S("{'id':'a','action':'queue','queue':'sales','next':'a'}"), E_FLD,
	 "/steps/0/next"},
	/* dial */
	{S("{'id':'a','action':'dial'}"), E_MIS, "/steps/0/to"},
	{S("{'id':'a','action':'dial','to':{}}"), E_MIS, "/steps/0/to"},
	{S("{'id':'a','action':'dial','to':'1001'}"), E_TYP, "/steps/0/to"},
	{S("{'id':'a','action':'dial','to':{'queue':'sales'}}"), E_VAL,
	 "/steps/0/to/queue"},
	{S("{'id':'a','action':'dial','to':{'extension':'1','number':'2'}}"),
	 E_VAL, "/steps/0/to"},
	{S("{'id':'a','action':'dial','to':{'agent':0}}"), E_VAL,
	 "/steps/0/to/agent"},
	{S("{'id':'a','action':'dial','to':{'agent':'7'}}"), E_TYP,
	 "/steps/0/to/agent"},
	{S("{'id':'a','action':'dial','to':{'agent':99}}"), E_REF,
	 "/steps/0/to/agent"},
	{S("{'id':'a','action':'dial','to':{'extension':'a b'}}"), E_VAL,
	 "/steps/0/to/extension"},
	{S("{'id':'a','action':'dial','to':{'number':'555-1234'}}"), E_VAL,
	 "/steps/0/to/number"},
	{S("{'id':'a','action':'dial','to':{'number':'1'},'timeout_s':4}"),
	 E_VAL, "/steps/0/timeout_s"},
	{S("{'id':'a','action':'dial','to':{'number':'1'},'busy':'b'}"),
	 E_DNG, "/steps/0/busy"},
	{S("{'id':'a','action':'dial','to':{'number':'1'},'caller_id':7}"),
	 E_TYP, "/steps/0/caller_id"},
	/* transfer */
	{S("{'id':'a','action':'transfer','to':{'phone':'1'}}"), E_FLD,
	 "/steps/0/to/phone"},
	{S("{'id':'a','action':'transfer','to':{'flow':'nowhere'}}"), E_REF,
	 "/steps/0/to/flow"},
	{S("{'id':'a','action':'transfer','to':{'flow':'Other'}}"), E_VAL,
	 "/steps/0/to/flow"},
	{S("{'id':'a','action':'transfer','to':{'queue':'billing'}}"), E_REF,
	 "/steps/0/to/queue"},
	/* record */
	{S("{'id':'a','action':'record','max_s':0}"), E_VAL,
	 "/steps/0/max_s"},
	{S("{'id':'a','action':'record','beep':'yes'}"), E_TYP,
	 "/steps/0/beep"},
	{S("{'id':'a','action':'record','silence_s':61}"), E_VAL,
	 "/steps/0/silence_s"},
	{S("{'id':'a','action':'record','terminator':'##'}"), E_VAL,
	 "/steps/0/terminator"},
	/* webhook */
	{S("{'id':'a','action':'webhook'}"), E_MIS, "/steps/0/url"},
	{S("{'id':'a','action':'webhook','url':'ftp://x/y'}"), E_VAL,
	 "/steps/0/url"},
	{S("{'id':'a','action':'webhook','url':'https://'}"), E_VAL,
	 "/steps/0/url"},
	{S("{'id':'a','action':'webhook','url':'http://x','timeout_ms':50}"),
	 E_VAL, "/steps/0/timeout_ms"},
	{S("{'id':'a','action':'webhook','url':'http://x','failure':'f'}"),
	 E_DNG, "/steps/0/failure"},
	/* hangup */
	{S("{'id':'a','action':'hangup','cause':'shutdown'}"), E_VAL,
	 "/steps/0/cause"},
	{S("{'id':'a','action':'hangup','cause':''}"), E_VAL,
	 "/steps/0/cause"},
	{S("{'id':'a','action':'hangup','cause':'bogus'}"), E_VAL,
	 "/steps/0/cause"},
	{S("{'id':'a','action':'hangup','cause':486}"), E_TYP,
	 "/steps/0/cause"},
};

static void test_corpus(void **state)
{
	const size_t n = sizeof(corpus) / sizeof(corpus[0]);
	bool seen[FLOW_E_COUNT] = {false};
	(void)state;

	assert_true(n >= 50);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &corpus[i];
		struct flow_doc *d = NULL;
		struct flow_error err;
		int e;

		memset(&err, 0xa5, sizeof(err));
		e = parse(r->json, &refs, &d, &err);
		if (err.code != r->code || strcmp(err.path, r->path)) {
			d = mem_deref(d);
			fail_msg("row %zu %s: got %s at '%s' (%s), want %s "
				 "at '%s'", i, r->json,
				 flow_error_code_name(err.code), err.path,
				 err.message, flow_error_code_name(r->code),
				 r->path);
		}
		if (getenv("FLOW_TEST_VERBOSE"))    /* to read the messages */
			printf("%-14s %-32s %s\n", flow_error_code_name(err.code),
			       err.path, err.message);
		seen[r->code] = true;
		if (r->code == FLOW_E_NONE) {
			assert_int_equal(e, 0);
			assert_non_null(d);
			mem_deref(d);
			continue;
		}
		assert_int_equal(e, EINVAL);
		assert_null(d);
		assert_true(strlen(err.message) > 10);
	}
	for (int c = 0; c < FLOW_E_COUNT; c++) {
		if (!seen[c])
			fail_msg("no row for %s", flow_error_code_name(c));
	}
}

/* Messages say what is wrong and what is expected */
static void test_messages(void **state)
{
	static const struct {
		const char *json;
		const char *message;
	} rows[] = {
		{S("{'id':'a','action':'gather','max_digits':40}"),
		 "max_digits must be 1..32, got 40"},
		{S("{'id':'s','action':'set','variables':{'x':'1'},'next':'b'},"
		   "{'id':'b','action':'branch','conditions':[{'var':'x',"
		   "'op':'eq','value':'1','next':'s'}]}"),
		 "steps s \xe2\x86\x92 b \xe2\x86\x92 s never wait"},
		{S("{'id':'a','action':'queue','queue':'billing'}"),
		 "queue 'billing' does not exist"},
		{S("{'id':'a','action':'dial','to':{'agent':99}}"),
		 "agent 99 does not exist"},
		{S("{'id':'a','action':'say','txt':'x'}"),
		 "unknown field 'txt' in a say step"},
		{S("{'id':'a','action':'say'}"),
		 "text is required for a say step"},
		{S("{'id':'a','action':'answer','next':'zz'}"),
		 "there is no step with id 'zz'"},
		{S(SAY("a", "a") "," END("b")),
		 "step 'b' cannot be reached from the start step 'a'"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct flow_doc *d = NULL;
		struct flow_error err;

		assert_int_equal(parse(rows[i].json, &refs, &d, &err), EINVAL);
		if (!strstr(err.message, rows[i].message))
			fail_msg("row %zu: message '%s' lacks '%s'", i,
				 err.message, rows[i].message);
	}
}


/* A long cycle is cut with an ellipsis; the message stays whole */
static void test_loop_long(void **state)
{
	char json[4096], id[64];
	struct flow_doc *d = NULL;
	struct flow_error err;
	size_t n;
	(void)state;

	n = (size_t)snprintf(json, sizeof(json), "{\"steps\":[");
	for (int i = 0; i < 10; i++) {
		(void)snprintf(id, sizeof(id), "%060d", i);
		n += (size_t)snprintf(json + n, sizeof(json) - n,
			"%s{\"id\":\"%s\",\"action\":\"set\","
			"\"variables\":{\"x\":\"1\"},\"next\":\"%060d\"}",
			i ? "," : "", id, (i + 1) % 10);
	}
	n += (size_t)snprintf(json + n, sizeof(json) - n, "]}");
	assert_int_equal(flow_doc_parse(&d, json, n, NULL, &err), EINVAL);
	assert_int_equal(err.code, FLOW_E_LOOP);
	assert_string_equal(err.path, "/steps/0");
	assert_non_null(strstr(err.message, "\xe2\x86\x92 \xe2\x80\xa6"));
	assert_non_null(strstr(err.message, "never wait"));
}

/* Quoted input is cut on a character boundary: messages are UTF-8 */
static void test_utf8_cut(void **state)
{
	char json[512], key[128] = "";
	struct flow_doc *d = NULL;
	struct flow_error err;
	json_t *j;
	(void)state;

	for (int i = 0; i < 41; i++)
		strcat(key, "\xc3\xa9");                /* é */
	(void)snprintf(json, sizeof(json), "{\"steps\":[{\"id\":\"a\","
		       "\"action\":\"say\",\"text\":\"x\",\"x%s\":1}]}",
		       key);
	assert_int_equal(flow_doc_parse(&d, json, strlen(json), NULL, &err),
			 EINVAL);
	assert_int_equal(err.code, FLOW_E_UNKNOWN_FIELD);
	assert_int_equal(strncmp(err.path, "/steps/0/x\xc3\xa9", 12), 0);
	assert_non_null(strstr(err.message, "\xe2\x80\xa6'"));
	j = json_string(err.message);
	assert_non_null(j);
	json_decref(j);
}


/* ---- limits and input handling ---- */

static void test_too_many_steps(void **state)
{
	struct flow_doc *d = NULL;
	struct flow_error err;
	size_t cap = 64 * (FLOW_STEPS_MAX + 2), n;
	char *json = malloc(cap);
	(void)state;

	assert_non_null(json);
	for (int steps = FLOW_STEPS_MAX; steps <= FLOW_STEPS_MAX + 1;
	     steps++) {
		n = (size_t)snprintf(json, cap, "{\"steps\":[");
		for (int i = 0; i < steps; i++)
			n += (size_t)snprintf(json + n, cap - n,
				"%s{\"id\":\"s%d\",\"action\":\"say\","
				"\"text\":\"x\",\"next\":\"s%d\"}",
				i ? "," : "", i,
				i + 1 < steps ? i + 1 : 0);
		n += (size_t)snprintf(json + n, cap - n, "]}");
		d = NULL;
		if (steps == FLOW_STEPS_MAX) {
			assert_int_equal(flow_doc_parse(&d, json, n, NULL,
							&err), 0);
			assert_int_equal(d->stepc, FLOW_STEPS_MAX);
			assert_int_equal(d->stepv[FLOW_STEPS_MAX - 1].next, 0);
			d = mem_deref(d);
		}
		else {
			assert_int_equal(flow_doc_parse(&d, json, n, NULL,
							&err), EINVAL);
			assert_int_equal(err.code, FLOW_E_VALUE);
			assert_string_equal(err.path, "/steps");
			assert_null(d);
		}
	}
	free(json);
}

static void test_too_big(void **state)
{
	static const char doc[] =
		"{\"steps\":[{\"id\":\"a\",\"action\":\"answer\"}]}";
	size_t n = FLOW_DOC_MAX + 1;
	char *json = malloc(n);
	struct flow_doc *d = NULL;
	struct flow_error err;
	(void)state;

	assert_non_null(json);
	memset(json, ' ', n);
	memcpy(json, doc, strlen(doc));
	assert_int_equal(flow_doc_parse(&d, json, n, NULL, &err), EINVAL);
	assert_int_equal(err.code, FLOW_E_SYNTAX);
	assert_null(d);
	/* the same with one byte less (trailing spaces) is fine */
	assert_int_equal(flow_doc_parse(&d, json, n - 1, NULL, &err), 0);
	assert_int_equal(err.code, FLOW_E_NONE);
	mem_deref(d);
	free(json);
}

/* Only len bytes are read: no NUL needed, what follows is ignored */
static void test_not_terminated(void **state)
{
	static const char buf[] = "{\"steps\":[{\"id\":\"a\",\"action\":"
		"\"hangup\"}]}GARBAGE";
	struct flow_doc *d = NULL;
	struct flow_error err;
	char *copy = malloc(sizeof(buf) - 1 - 7);
	(void)state;

	assert_non_null(copy);
	memcpy(copy, buf, sizeof(buf) - 1 - 7);   /* no NUL */
	assert_int_equal(flow_doc_parse(&d, copy, sizeof(buf) - 1 - 7, NULL,
					&err), 0);
	assert_int_equal(d->stepv[0].action, FLOW_HANGUP);
	d = mem_deref(d);
	free(copy);
	assert_int_equal(flow_doc_parse(&d, buf, sizeof(buf) - 1, NULL,
					&err), EINVAL);
	assert_int_equal(err.code, FLOW_E_SYNTAX);
	assert_int_equal(flow_doc_parse(&d, NULL, 0, NULL, &err), EINVAL);
	assert_int_equal(err.code, FLOW_E_SYNTAX);
	assert_int_equal(flow_doc_parse(NULL, buf, 10, NULL, &err), EINVAL);
	/* err may be NULL */
	assert_int_equal(flow_doc_parse(&d, "[]", 2, NULL, NULL), EINVAL);
	assert_null(d);
}

/* A pattern that would make regcomp take seconds is refused at once */
static void test_regex_cost(void **state)
{
	struct flow_doc *d = NULL;
	struct flow_error err;
	clock_t t0 = clock();
	(void)state;

	assert_int_equal(parse(S("{'id':'a','action':'gather','pattern':"
				 "'(((a{1,100}){1,100}){1,100})'}"), NULL, &d,
			       &err), EINVAL);
	assert_int_equal(err.code, FLOW_E_REGEX);
	assert_true(clock() - t0 < CLOCKS_PER_SEC);
	/* stacked repetitions of what can be empty: exponential closures */
	assert_int_equal(parse(S("{'id':'a','action':'gather','pattern':"
				 "'()??????????+++++'}"), NULL, &d, &err),
			 EINVAL);
	assert_int_equal(err.code, FLOW_E_REGEX);
	/* ordinary counted patterns pass */
	d = good(S("{'id':'a','action':'gather','pattern':"
		   "'^(\\\\*[0-9]{2})?[0-9]{4,16}#?$|^[[:digit:]]{1,32}$'}"));
	mem_deref(d);
	/* '+' doubles what it repeats: 22 of them would take seconds */
	assert_int_equal(parse(S("{'id':'a','action':'gather','pattern':"
				 "'a++++++++++++++++++++++'}"), NULL, &d, &err),
			 EINVAL);
	assert_int_equal(err.code, FLOW_E_REGEX);
	d = good(S("{'id':'a','action':'gather','pattern':'^[0-9]+$'}"));
	mem_deref(d);
}

/* Patterns have a budget per document: 16 of the largest size pass */
static void test_regex_budget(void **state)
{
	size_t cap = 100 * 40, n;
	char *json = malloc(cap);
	(void)state;

	assert_non_null(json);
	for (int steps = 16; steps <= 17; steps++) {
		struct flow_doc *d = NULL;
		struct flow_error err;

		n = (size_t)snprintf(json, cap, "{\"steps\":[");
		for (int i = 0; i < steps; i++)
			n += (size_t)snprintf(json + n, cap - n,
				"%s{\"id\":\"g%d\",\"action\":\"gather\","
				"\"pattern\":\"[0-9]{255}\",\"next\":\"g%d\"}",
				i ? "," : "", i, (i + 1) % steps);
		n += (size_t)snprintf(json + n, cap - n, "]}");
		assert_int_equal(flow_doc_parse(&d, json, n, NULL, &err),
				 steps == 16 ? 0 : EINVAL);
		if (steps == 17) {
			assert_int_equal(err.code, FLOW_E_REGEX);
			assert_string_equal(err.path, "/steps/16/pattern");
		}
		mem_deref(d);
	}
	free(json);
}

/* ---- (3) references ---- */

static const char *doc_refs = S(
	"{'id':'p','action':'play','file':'/elsewhere/a.wav','next':'sc'},"
	"{'id':'sc','action':'schedule','timezone':'Mars/Olympus',"
	" 'open':'q','closed':'m'},"
	"{'id':'q','action':'queue','queue':'billing'},"
	"{'id':'m','action':'menu','prompt':{'play':'/x.wav'},"
	" 'options':{'1':'d','2':'t'}},"
	"{'id':'d','action':'dial','to':{'agent':12345}},"
	"{'id':'t','action':'transfer','to':{'flow':'nowhere'}}");

static void test_refs_unchecked(void **state)
{
	const struct flow_refs none = {NULL, NULL, NULL, NULL, NULL, NULL};
	struct flow_doc *d = NULL;
	struct flow_error err;
	(void)state;

	assert_int_equal(parse(doc_refs, NULL, &d, &err), 0);
	assert_int_equal(err.code, FLOW_E_NONE);
	assert_int_equal(d->stepv[4].u.dial.to.agent_id, 12345);
	d = mem_deref(d);

	assert_int_equal(parse(doc_refs, &none, &d, &err), 0);
	d = mem_deref(d);

	/* with the table, the first bad reference is reported */
	assert_int_equal(parse(doc_refs, &refs, &d, &err), EINVAL);
	assert_int_equal(err.code, FLOW_E_REFERENCE);
	assert_string_equal(err.path, "/steps/0/file");
	assert_null(d);
}

/* Each handler alone: only its kind is checked */
static void test_refs_each(void **state)
{
	static const struct {
		struct flow_refs refs;
		const char *path;
	} rows[] = {
		{{NULL, NULL, NULL, has_tz, NULL, NULL}, "/steps/1/timezone"},
		{{has_queue, NULL, NULL, NULL, NULL, NULL}, "/steps/2/queue"},
		{{NULL, NULL, NULL, NULL, has_file, NULL}, "/steps/0/file"},
		{{NULL, has_agent, NULL, NULL, NULL, NULL},
		 "/steps/4/to/agent"},
		{{NULL, NULL, has_flow, NULL, NULL, NULL}, "/steps/5/to/flow"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct flow_doc *d = NULL;
		struct flow_error err;

		assert_int_equal(parse(doc_refs, &rows[i].refs, &d, &err),
				 EINVAL);
		assert_int_equal(err.code, FLOW_E_REFERENCE);
		assert_string_equal(err.path, rows[i].path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_full_head),
		T(test_full_media),
		T(test_full_dialogue),
		T(test_full_logic),
		T(test_full_schedule),
		T(test_full_routing),
		T(test_defaults_media),
		T(test_defaults_dialogue),
		T(test_defaults_routing),
		T(test_dests_and_causes),
		T(test_corpus),
		T(test_messages),
		T(test_loop_long),
		T(test_utf8_cut),
		T(test_too_many_steps),
		T(test_too_big),
		T(test_not_terminated),
		T(test_regex_cost),
		T(test_regex_budget),
		T(test_refs_unchecked),
		T(test_refs_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
