/** @file hotline/telephony.h  Telephony as one unit for main: the SIP
 *  stack, digest authentication, the registrar (and the B2BUA) */
#ifndef HOTLINE_TELEPHONY_H
#define HOTLINE_TELEPHONY_H

struct config;
struct store;
struct bus;
struct telephony;
struct api_telephony;
struct acd;
struct tzdb;

/** Start SIP on every cfg->sip_listenv address (cfg->sip_listenc > 0);
 *  queued calls go through acd (optional); flows' schedule steps use
 *  tzdb (optional). Borrowed arguments outlive
 *  *telp, a mem object: mem_deref() stops telephony. 0 or errno
 *  (logged). */
int telephony_alloc(struct telephony **telp, const struct config *cfg,
		    struct store *st, struct bus *bus, struct acd *acd,
		    struct tzdb *tzdb);

/** Fill hooks for api_set_telephony(); valid while tel lives. */
void telephony_hooks(struct telephony *tel, struct api_telephony *hooks);

#endif
