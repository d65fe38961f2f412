/** @file core/flow/vars.c  Flow variables and {{name}} templates (no I/O) */
#include <errno.h>
#include <string.h>
#include <re_types.h>
#include <re_fmt.h>
#include <re_mem.h>
#include <hotline/utf8text.h>
#include "exec.h"

/** Whether name is a variable name: [a-z0-9_.]{1,63}. */
bool flow_var_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.");
	return n > 0 && n < FLOW_VAR_NAME_MAX && name[n] == '\0';
}

static struct flow_var *var_find(const struct flow_exec *x, const char *name)
{
	for (uint8_t i = 0; i < x->varc; i++) {
		if (!strcmp(x->varv[i].name, name))
			return (struct flow_var *)&x->varv[i];
	}
	return NULL;
}

/**
 * Set variable name to value (NULL = ""), cut at FLOW_VAR_VALUE_MAX - 1
 * bytes on a UTF-8 boundary. A new name is appended (flow_vars_walk
 * keeps the order of first setting); an existing one keeps its place.
 * 0; EINVAL (x NULL or a bad name); ENOSPC (FLOW_VARS_MAX already set);
 * ENOMEM (the old value is kept).
 */
int flow_var_set(struct flow_exec *x, const char *name, const char *value)
{
	struct flow_var *v;
	size_t n;
	char *copy;

	if (!x || !flow_var_name_valid(name))
		return EINVAL;
	if (!value)
		value = "";

	v = var_find(x, name);
	if (!v && x->varc >= FLOW_VARS_MAX)
		return ENOSPC;

	n = strlen(value);
	if (n > FLOW_VAR_VALUE_MAX - 1)
		n = utf8text_cut(value, FLOW_VAR_VALUE_MAX - 1);
	copy = mem_alloc(n + 1, NULL);
	if (!copy)
		return ENOMEM;
	memcpy(copy, value, n);
	copy[n] = '\0';

	if (!v) {
		v = &x->varv[x->varc++];
		str_ncpy(v->name, name, sizeof(v->name));
	}
	mem_deref(v->value);
	v->value = copy;
	return 0;
}

/** The value of variable name, or NULL when unset (or x/name NULL). The
 *  pointer stays valid until the variable is set again or x is freed. */
const char *flow_var_get(const struct flow_exec *x, const char *name)
{
	const struct flow_var *v;

	if (!x || !name)
		return NULL;
	v = var_find(x, name);
	return v ? v->value : NULL;
}

/** Call h(name, value, arg) for each variable in the order they were
 *  first set. h must not set variables. */
void flow_vars_walk(const struct flow_exec *x, flow_var_h *h, void *arg)
{
	if (!x || !h)
		return;
	for (uint8_t i = 0; i < x->varc; i++)
		h(x->varv[i].name, x->varv[i].value, arg);
}

/* Free every value (destructor of the run) */
void flow_vars_free(struct flow_exec *x)
{
	for (uint8_t i = 0; i < x->varc; i++)
		x->varv[i].value = mem_deref(x->varv[i].value);
	x->varc = 0;
}


/* An output buffer that remembers it was too small */
struct tout {
	char *p;
	size_t size, len;
	bool cut;
};

static void tout_put(struct tout *o, const char *s, size_t n)
{
	if (o->cut)
		return;
	if (n > o->size - 1 - o->len) {
		/* cut inside s: keep whole UTF-8 sequences of s only */
		n = utf8text_cut(s, o->size - 1 - o->len);
		o->cut = true;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/*
 * The variable name between "{{" at tpl and the next "}}" (spaces and
 * tabs around it allowed): 0 with name[] and *endp just past "}}";
 * ENOENT when there is no "}}"; EINVAL when what is inside is not a
 * variable name.
 */
static int tag_parse(const char *tpl, char name[FLOW_VAR_NAME_MAX],
		     const char **endp)
{
	const char *b = tpl + 2, *close = strstr(b, "}}"), *e;
	size_t n;

	if (!close)
		return ENOENT;
	e = close;
	while (*b == ' ' || *b == '\t')
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - b);
	if (!n || n >= FLOW_VAR_NAME_MAX)
		return EINVAL;
	memcpy(name, b, n);
	name[n] = '\0';
	if (!flow_var_name_valid(name))
		return EINVAL;
	*endp = close + 2;
	return 0;
}

int flow_template_expand(const struct flow_exec *x, const char *tpl,
			 char *out, size_t outsz)
{
	struct tout o = {out, outsz, 0, false};
	char name[FLOW_VAR_NAME_MAX];

	if (!tpl || !out || !outsz)
		return EINVAL;

	while (*tpl && !o.cut) {
		const char *open = strstr(tpl, "{{"), *end, *v;
		int err;

		if (!open) {
			tout_put(&o, tpl, strlen(tpl));
			break;
		}
		tout_put(&o, tpl, (size_t)(open - tpl));
		err = tag_parse(open, name, &end);
		if (err == ENOENT) {            /* a lone "{{": literal */
			tout_put(&o, open, strlen(open));
			break;
		}
		if (err) {                      /* "{{{x}}}": skip one '{' */
			tout_put(&o, open, 1);
			tpl = open + 1;
			continue;
		}
		v = flow_var_get(x, name);
		if (v)
			tout_put(&o, v, strlen(v));
		tpl = end;
	}

	out[o.len] = '\0';
	return o.cut ? E2BIG : 0;
}

int flow_template_check(const char *tpl, size_t *offp)
{
	char name[FLOW_VAR_NAME_MAX];
	const char *p = tpl, *end;

	if (!tpl)
		return EINVAL;

	while ((p = strstr(p, "{{"))) {
		int err = tag_parse(p, name, &end);

		if (err == ENOENT)
			break;
		if (!err) {
			p = end;
			continue;
		}
		if (p[2] != '{') {      /* not a run of braces: a bad name */
			if (offp)
				*offp = (size_t)(p - tpl);
			return EINVAL;
		}
		p++;
	}
	return 0;
}
