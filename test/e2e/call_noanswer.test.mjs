// Nobody answers: after sip_ring_timeout_s Hotline cancels the agent's leg
// and answers the caller 480; the call ends with cause no_answer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord,
	recordMatchesLastEvent, SLOW, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

const RING_TIMEOUT_S = 1;
let d;
let watch;

// SIP and RTP from the command line (--sip, --rtp-ports) here
before(async () => ({ d, watch } = await openCallSuite({ sip: 'flags',
	config: { sip_ring_timeout_s: RING_TIMEOUT_S } })));
after(() => closeCallSuite(d, watch));

test('ring timeout: the agent leg is cancelled, the caller gets 480, cause no_answer', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_ring.xml', rtp: false });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_fail.xml', from: '5550301', rtp: false });

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone)');
		await watch.wait(id, 'call.ended');

		assert.deepEqual(logLines(caller.sipp), ['RINGING', 'FINAL 480'], 'the caller got 180, then 480');
		assert.deepEqual(logLines(phone.uas).slice(-2), ['CANCEL', 'ACK'], 'the agent leg was cancelled');
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.ended'], { agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550301', to: agent.extension, did: null, trunk_id: null,
			agent_id: agent.id, hangup_cause: 'no_answer', hangup_by: 'system', sip_status: 480,
		}, { rang: true, answered: false });
		const limit = RING_TIMEOUT_S * 1000;
		assert.ok(rec.ring_duration_ms >= limit - 50 && rec.ring_duration_ms < limit + 1000 * SLOW,
			`ring_duration_ms ${rec.ring_duration_ms} ~ sip_ring_timeout_s`);
	});
});
