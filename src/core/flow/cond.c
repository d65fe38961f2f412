/** @file core/flow/cond.c  Branch conditions (no I/O) */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec.h"

/* s as a finite number: the whole string must parse (no leading or
 * trailing space, not empty) */
static bool number_parse(const char *s, double *d)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	*d = strtod(s, &end);
	return *end == '\0' && isfinite(*d);
}

static bool compare(enum flow_op op, const char *l, const char *r)
{
	double a, b;

	if (!number_parse(l, &a) || !number_parse(r, &b))
		return false;
	switch (op) {

	case FLOW_OP_LT: return a < b;
	case FLOW_OP_LE: return a <= b;
	case FLOW_OP_GT: return a > b;
	case FLOW_OP_GE: return a >= b;
	default:         return false;
	}
}

/**
 * Whether condition c holds in x. The variable's value is "" when unset
 * (only exists/empty tell the two apart). c->value is expanded into
 * rhs[rhssz] so the trace can show it ("" for exists/empty and a NULL
 * value; the pattern as written for matches). lt/le/gt/ge are false
 * unless both sides parse whole as finite numbers (strtod); matches runs
 * the regex compiled at parse (false without one); an unknown op is
 * false.
 */
bool flow_cond_holds(const struct flow_exec *x, const struct flow_cond *c,
		     char *rhs, size_t rhssz)
{
	const char *l = flow_var_get(x, c->var);
	bool set = l != NULL;

	rhs[0] = '\0';
	if (!l)
		l = "";
	if (c->value && c->op == FLOW_OP_MATCHES)
		snprintf(rhs, rhssz, "%s", c->value);   /* shown, not used */
	else if (c->value && c->op != FLOW_OP_EXISTS &&
		 c->op != FLOW_OP_EMPTY)
		(void)flow_template_expand(x, c->value, rhs, rhssz);

	switch (c->op) {

	case FLOW_OP_EQ:          return !strcmp(l, rhs);
	case FLOW_OP_NE:          return strcmp(l, rhs) != 0;
	case FLOW_OP_LT:
	case FLOW_OP_LE:
	case FLOW_OP_GT:
	case FLOW_OP_GE:          return compare(c->op, l, rhs);
	case FLOW_OP_CONTAINS:    return strstr(l, rhs) != NULL;
	case FLOW_OP_STARTS_WITH: return !strncmp(l, rhs, strlen(rhs));
	case FLOW_OP_MATCHES:
		return c->has_re && !regexec(&c->re, l, 0, NULL, 0);
	case FLOW_OP_EXISTS:      return set && *l;
	case FLOW_OP_EMPTY:       return !*l;
	default:                  return false;
	}
}
