/** @file hotline/registration.h  A SIP registration binding: one contact
 *  of one agent's phone (an agent may have several). */
#ifndef HOTLINE_REGISTRATION_H
#define HOTLINE_REGISTRATION_H

#include <stdint.h>

#define REG_CONTACT_MAX  256
#define REG_CALLID_MAX   128
#define REG_UA_MAX       128

struct registration {
	uint64_t agent_id;
	char contact[REG_CONTACT_MAX];   /* the Contact URI, without <> */
	char call_id[REG_CALLID_MAX];    /* of the REGISTER that made it */
	uint32_t cseq;
	char source[64];                 /* "ip:port" the REGISTER came from */
	char transport[8];               /* "udp" or "tcp" */
	char user_agent[REG_UA_MAX];
	uint64_t expires_ms;             /* absolute */
	uint64_t updated_ms;
};

#endif
