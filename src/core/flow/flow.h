/** @file core/flow/flow.h  Private to core/flow: building documents. */
#ifndef CORE_FLOW_FLOW_H
#define CORE_FLOW_FLOW_H

#include <hotline/flow.h>

/**
 * A document of stepc steps, each an "answer" with next FLOW_END (use
 * flow_step_set_action to change the action), start 0. The char * fields of steps are owned by the
 * document: set them with flow_doc_strdup; has_pattern / has_re regexes
 * are freed with it. 0, EINVAL (stepc 0 or > FLOW_STEPS_MAX), ENOMEM.
 */
int flow_doc_alloc(struct flow_doc **docp, uint16_t stepc);

/** Give step s action a with its documented defaults and every branch
 *  target FLOW_END (frees what it owned before; next is kept). Branch
 *  and menu entries get FLOW_END when added by the caller. */
void flow_step_set_action(struct flow_step *s, enum flow_action a);

/** A copy of s owned by doc's steps (freed with doc), NULL on ENOMEM. */
char *flow_doc_strdup(struct flow_doc *doc, const char *s);

/**
 * Expand template tpl into out[outsz]: each {{name}} or {{ name }}
 * (spaces around a valid variable name) becomes the value of variable
 * name in x ("" when unset or when x is NULL); anything else, including
 * a "{{" without a closing "}}" or with an invalid name inside, is copied
 * as is. 0; E2BIG when out was too small (it then holds the output cut
 * at outsz - 1 bytes on a UTF-8 boundary); EINVAL (tpl/out NULL,
 * outsz 0). Defined in vars.c.
 */
struct flow_exec;
int flow_template_expand(const struct flow_exec *x, const char *tpl,
			 char *out, size_t outsz);

/** Whether every "{{ ... }}" of tpl holds a valid variable name: 0, or
 *  EINVAL with *offp (optional) the offset of the first bad "{{". */
int flow_template_check(const char *tpl, size_t *offp);

#endif
