// The caller gives up while the agent's phone rings: Hotline answers the
// CANCEL (200, then 487 for the INVITE), cancels the agent's leg, and
// records the call as cancelled by the caller.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord,
	recordMatchesLastEvent, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

test('CANCEL while ringing: caller gets 487, the agent leg is cancelled, cause cancelled', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_ring.xml', rtp: false });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_cancel.xml', from: '5550201',
			vars: { ring_ms: 500 }, rtp: false });

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone)');
		await watch.wait(id, 'call.ended');

		const cl = logLines(caller.sipp);
		assert.deepEqual(cl.filter((l) => l !== 'CANCEL_OK'), ['RINGING', 'FINAL 487'], 'caller: 180, then 487');
		assert.ok(cl.includes('CANCEL_OK'), 'the CANCEL got its 200');
		assert.deepEqual(logLines(phone.uas).slice(-2), ['CANCEL', 'ACK'],
			'the agent leg was cancelled and its 487 ACKed');

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.ended'], { agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550201', to: agent.extension, did: null, trunk_id: null,
			agent_id: agent.id, hangup_cause: 'cancelled', hangup_by: 'caller', sip_status: 487,
		}, { rang: true, answered: false });
		assert.ok(rec.ring_duration_ms >= 450, `ring_duration_ms ${rec.ring_duration_ms} ~ 500 ms of ringing`);
		const ag = await d.api.get(`/api/v1/agents/${agent.id}`);
		assert.equal(ag.body.state.activity.voice, 'idle', 'the agent stays idle');

		// the agent is free again: a new call reaches its (new) phone
		await phone.unregister();
		const phone2 = await agentPhone(scope, agent, { scenario: 'uas_reject.xml',
			vars: { reject_code: 486 }, rtp: false });
		const again = await dial(scope, agent.extension, { scenario: 'uac_fail.xml', from: '5550202', rtp: false });
		await again.sipp.expectOk('(second caller)');
		assert.deepEqual(logLines(again.sipp).slice(-1), ['FINAL 486'], 'the new call reached the phone');
		await phone2.uas.expectOk();
	});
});
