/** @file sip/trunkreg.h  Registrations of Hotline at the trunks that ask
 *  for one (trunk.do_register): a REGISTER refreshed before it expires,
 *  with the trunk's digest credentials. Private to src/sip/. */
#ifndef SIP_TRUNKREG_H
#define SIP_TRUNKREG_H

struct sipstack;
struct store;
struct trunkreg;

/** Register with every enabled trunk that wants it. 0 or errno. */
int trunkreg_alloc(struct trunkreg **trp, struct sipstack *ss,
		   struct store *st);

/** Trunks changed: start, restart (changed settings) or stop
 *  registrations to match the store. */
void trunkreg_reload(struct trunkreg *tr);

#endif
