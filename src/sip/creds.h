/** @file sip/creds.h  Digest credentials handed to libre (sipreg,
 *  sipsess) for a trunk. Private to src/sip/.
 *
 * libre keeps calling the auth handler after our own object is gone (an
 * unregistration or a BYE challenged by the carrier), so the handler's
 * argument is this small refcounted copy, held by libre (aref = true),
 * zeroed when the last reference goes.
 */
#ifndef SIP_CREDS_H
#define SIP_CREDS_H

struct creds;

/** A copy of user and pass (user "" = no credentials: EAUTH). */
int creds_alloc(struct creds **cp, const char *user, const char *pass);

/** libre's sip_auth_h over a struct creds. */
int creds_auth_h(char **user, char **pass, const char *realm, void *arg);

#endif
