/** @file core/flow/parse.h  Private to the flow parser (parse*.c,
 *  validate.c): the parse context, field readers and value checks. */
#ifndef CORE_FLOW_PARSE_H
#define CORE_FLOW_PARSE_H

#include <jansson.h>
#include "flow.h"

/* Where the parser is: the JSON Pointer of the object being read. Every
 * error goes through flow_parse_fail, which writes err and returns
 * EINVAL; ENOMEM is returned as is (err then says so). */
struct flow_parse {
	struct flow_doc *doc;         /* borrowed: being built */
	struct flow_error *err;       /* borrowed */
	char path[sizeof(((struct flow_error *)0)->path)];
	size_t plen;                  /* strlen(path) */
	const char *what;             /* the object being read, for
					 messages: "a say step" */
	const char *label;            /* NULL, or what member names are
					 in messages: "option " */
	unsigned regex_cost;          /* of the patterns so far */
};

#define FLOW_REGEX_MAX 256            /* pattern bytes incl. NUL */
#define FLOW_REGEX_BUDGET 4096        /* sum of pattern sizes per doc */

/* flow_parse_text flags */
enum { FLOW_PARSE_REQUIRED = 1, FLOW_PARSE_NONEMPTY = 2 };

/* Allowed fields of an object: a NULL-terminated list of names */
typedef const char *const flow_fields[];

/* --- context (parse.c) --- */

size_t flow_parse_push(struct flow_parse *p, const char *key);
size_t flow_parse_push_index(struct flow_parse *p, size_t i);
void   flow_parse_pop(struct flow_parse *p, size_t mark);

int flow_parse_fail(struct flow_parse *p, const char *field,
		    enum flow_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *flow_parse_quote(char *buf, size_t sz, const char *s);
const char *flow_parse_type_name(const json_t *v);

/* --- field readers (parse.c). Each reads field name of object o; an
 * absent optional field leaves *out unchanged and returns 0; errors are
 * reported at <path>/<name>. --- */

int flow_parse_fields(struct flow_parse *p, const json_t *o,
		      const char *what, flow_fields allowed);
int flow_parse_string(struct flow_parse *p, const json_t *o,
		      const char *name, bool required, size_t max,
		      const char **out);
int flow_parse_text(struct flow_parse *p, const json_t *o, const char *name,
		    unsigned flags, char **out);
int flow_parse_int(struct flow_parse *p, const json_t *o, const char *name,
		   int64_t lo, int64_t hi, int64_t *out);
int flow_parse_u32(struct flow_parse *p, const json_t *o, const char *name,
		   uint32_t lo, uint32_t hi, uint32_t *out);
int flow_parse_u8(struct flow_parse *p, const json_t *o, const char *name,
		  uint8_t lo, uint8_t hi, uint8_t *out);
int flow_parse_bool(struct flow_parse *p, const json_t *o, const char *name,
		    bool *out);
int flow_parse_target(struct flow_parse *p, const json_t *o,
		      const char *name, bool required, flow_ref *out);
int flow_parse_var(struct flow_parse *p, const json_t *o, const char *name,
		   bool required, char out[FLOW_VAR_NAME_MAX]);
int flow_parse_terminator(struct flow_parse *p, const json_t *o,
			  char *out);
int flow_parse_regex(struct flow_parse *p, const char *field,
		     const char *re, regex_t *out);
int flow_parse_object(struct flow_parse *p, const json_t *o,
		      const char *name, bool required, const json_t **out);
int flow_parse_array(struct flow_parse *p, const json_t *o,
		     const char *name, bool required, size_t max,
		     const json_t **out);

/* --- step bodies (parse_actions.c, parse_route.c) --- */

int flow_parse_step(struct flow_parse *p, const json_t *o,
		    struct flow_step *s);
int flow_parse_prompt(struct flow_parse *p, const json_t *o,
		      const char *name, struct flow_prompt *pr);
int flow_parse_schedule(struct flow_parse *p, const json_t *o,
			struct flow_step *s);
int flow_parse_queue(struct flow_parse *p, const json_t *o,
		     struct flow_step *s);
int flow_parse_dial(struct flow_parse *p, const json_t *o,
		    struct flow_step *s);
int flow_parse_transfer(struct flow_parse *p, const json_t *o,
			struct flow_step *s);

/* --- value checks (parse_values.c); why gets a reason for people --- */

bool flow_slug_valid(const char *s);                 /* step/flow ids */
bool flow_var_name_ok(const char *s);                /* [a-z0-9_.]{1,63} */
bool flow_template_ok(const char *s, char *why, size_t sz);
bool flow_url_ok(const char *s, char *why, size_t sz);
bool flow_path_ok(const char *s, char *why, size_t sz);
bool flow_regex_simple(const char *re, unsigned *cost, char *why,
		       size_t sz);
int  flow_time_parse(const char *s, bool end, uint16_t *min);
bool flow_date_parse(const char *s, struct flow_date *d);

/* --- graph and references (validate.c), after a complete parse --- */

int flow_doc_validate(const struct flow_doc *doc,
		      const struct flow_refs *refs, struct flow_error *err);

#endif
