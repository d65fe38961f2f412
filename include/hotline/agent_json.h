/** @file hotline/agent_json.h  The JSON representation of an agent and of
 *  its state, shared by REST replies and event data (no I/O). */
#ifndef HOTLINE_AGENT_JSON_H
#define HOTLINE_AGENT_JSON_H

#include <jansson.h>
#include <hotline/agent.h>

/** {"status","reason","since","activity":{"voice","chat","email"}} */
json_t *agent_state_json(const struct agent_state *st);

/** {"id","name","extension","skills","capacity","state","created_at",
 *  "updated_at"}: never the HA1. The REST API adds the agent's SIP
 *  registrations, which live in the store. */
json_t *agent_json(const struct agent *a);

#endif
