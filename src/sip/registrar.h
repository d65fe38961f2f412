/** @file sip/registrar.h  The registrar: agents' phones REGISTER with the
 *  agent's extension as user name and its password (digest). Private to
 *  src/sip/.
 *
 * Bindings (several contacts per agent) live in memory for routing and in
 * the store so they survive a restart; expired ones are removed by a
 * timer. Each new binding publishes agent.registered (a refresh does
 * not), each removal agent.unregistered, with topics agent:<id>:
 *   agent.registered    {agent_id, contact, source, transport, expires_at}
 *   agent.unregistered  {agent_id, contact, reason}
 * reason: "unregistered" (expires 0 or '*') or "expired". When an agent
 * is deleted, the REST API publishes agent.unregistered (reason
 * "deleted") from the store's rows, which cascade away; our memory keeps
 * those bindings until they expire and then drops them silently, so
 * registrar_contacts() may list a deleted agent's phones until then.
 *
 * A REGISTER is answered, in order: 400/416/483 (sipstack_request_check),
 * the digest outcome (401, 400, 403), 403 when the authenticated user is
 * not the To user, 400 for a bad Contact or Expires ('*' needs Expires: 0
 * and no other contact), 423 with Min-Expires, 400 when a binding's
 * Call-ID is reused without a higher CSeq (RFC 3261 §10.3 step 7 only
 * says "abort"), 403 "Too Many Registrations" beyond
 * REGISTRAR_BINDINGS_MAX per agent, 500 if the store fails, else 200
 * with every current binding (Contact: <uri>;expires=N) and a Date.
 * Contacts are compared as strings (not by RFC 3261 URI equality).
 */
#ifndef SIP_REGISTRAR_H
#define SIP_REGISTRAR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <hotline/registration.h>

struct config;
struct store;
struct bus;
struct sipstack;
struct digest;
struct registrar;
struct sip_msg;

#define REGISTRAR_BINDINGS_MAX   10     /* per agent */
#define REGISTRAR_DEFAULT_EXPIRES 3600

/** Listen for REGISTER on ss; load stored bindings (dropping expired
 *  ones, with agent.unregistered). Borrowed arguments outlive it. */
int registrar_alloc(struct registrar **rp, struct sipstack *ss,
		    struct digest *dg, const struct config *cfg,
		    struct store *st, struct bus *bus);

typedef void (registrar_contact_h)(const struct registration *reg,
				   void *arg);

/** Call h for each live binding of agent_id; returns how many. */
size_t registrar_contacts(const struct registrar *r, uint64_t agent_id,
			  registrar_contact_h *h, void *arg);

bool registrar_is_registered(const struct registrar *r, uint64_t agent_id);

/* Pure part (registrar_req.c), for tests and the fuzz target */

struct registrar_limits {
	uint32_t min_expires;          /* shorter non-zero requests: 423 */
	uint32_t max_expires;          /* longer ones are capped */
};

struct registrar_contact {
	char uri[REG_CONTACT_MAX];     /* as written, without <> */
	uint32_t expires;              /* granted; 0 = remove */
};

/* What a REGISTER asks for */
struct registrar_req {
	bool star;                     /* "Contact: *": remove all */
	size_t contactc;               /* 0 and !star: a query */
	struct registrar_contact contactv[REGISTRAR_BINDINGS_MAX];
};

/**
 * Read the Contact and Expires headers of a REGISTER. Each contact's
 * expiry is its expires parameter, else the Expires header, else
 * REGISTRAR_DEFAULT_EXPIRES, capped at lim->max_expires; a contact listed
 * twice counts once (the last wins). Returns 0 with *rq filled, or the
 * status to answer with and *reason: 400 (malformed contact or expiry,
 * '*' misused, URI longer than REG_CONTACT_MAX - 1), 423 (too brief),
 * 403 (more than REGISTRAR_BINDINGS_MAX contacts).
 */
uint16_t registrar_req_parse(struct registrar_req *rq,
			     const struct sip_msg *msg,
			     const struct registrar_limits *lim,
			     const char **reason);

#endif
