// POST /api/v1/calls/{id}/hangup ends a live call: 202, BYE to both legs
// of an answered call (CANCEL to a ringing agent leg and a final answer
// to its caller), call.ended with cause api_hangup by api.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertError } from './lib/daemon.mjs';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord,
	recordMatchesLastEvent, assertRelayed, waitReleased, assertAgentSeized, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

test('hang up an answered call: 202, BYE to caller and agent, cause api_hangup', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 50 } });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_wait_bye.xml', from: '5550601' });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await watch.wait(id, 'call.answered');
		await Promise.all([caller.media, phone.media]);
		await caller.rtp.waitPackets(20);
		await phone.rtp.waitPackets(20);

		const r = await d.api.post(`/api/v1/calls/${id}/hangup`);
		assert.equal(r.status, 202, r.text);
		assert.equal(r.text, '', 'no body');
		await watch.wait(id, 'call.ended');
		await caller.sipp.expectOk('(caller: gets a BYE)');
		await phone.uas.expectOk('(agent phone: gets a BYE)');
		caller.rtp.stop();
		phone.rtp.stop();
		await waitReleased(watch, agent.id);

		assert.deepEqual(logLines(caller.sipp).slice(-1), ['BYE']);
		assert.deepEqual(logLines(phone.uas).slice(-1), ['BYE']);
		await assertRelayed(d, caller, phone, { min: 20 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550601', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'api_hangup', hangup_by: 'api', sip_status: null,
		}, { rang: true, answered: true });
		assertAgentSeized(watch, agent.id, id);

		assertError(await d.api.post(`/api/v1/calls/${id}/hangup`), 404, 'call_not_live');
		assertError(await d.api.post(`/api/v1/calls/${'0'.repeat(32)}/hangup`), 404, 'not_found');
	});
});

test('hang up a ringing call: the agent leg is cancelled, the caller gets a final failure', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_ring.xml', rtp: false });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_fail.xml', from: '5550602', rtp: false });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await watch.wait(id, 'call.ringing');

		const r = await d.api.post(`/api/v1/calls/${id}/hangup`);
		assert.equal(r.status, 202, r.text);
		await watch.wait(id, 'call.ended');
		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone: CANCEL)');

		const final = caller.sipp.logMatches(/^FINAL (\d+)/);
		assert.equal(final.length, 1, 'the caller got a final response');
		assert.ok(Number(final[0][1]) >= 400, `final ${final[0][1]}`);
		assert.deepEqual(logLines(phone.uas).slice(-2), ['CANCEL', 'ACK']);
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.ended'], { agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550602', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'api_hangup', hangup_by: 'api', sip_status: Number(final[0][1]),
		}, { rang: true, answered: false });
	});
});
