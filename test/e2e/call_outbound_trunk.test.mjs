// An agent's phone dials an external number: Hotline challenges the INVITE
// (407, the agent's extension and password), picks the trunk with the
// longest matching prefix, rewrites the number (strip, prepend), presents
// the trunk's caller id, and bridges the phone with the carrier.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, startCarrier, uriUser, assertCallEvents,
	assertEndedRecord, recordMatchesLastEvent, assertRelayed, waitReleased, assertAgentSeized, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

async function createTrunk(body) {
	const r = await d.api.post('/api/v1/trunks', { transport: 'udp', prefix: '', strip: 0, prepend: '', ...body });
	assert.equal(r.status, 201, r.text);
	return r.body;
}

test('an agent phone dials out through the trunk: 407 digest, caller id, number, media bridged', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		await agentPhone(scope, agent, { rtp: false });   // registered, as a desk phone is
		const carrier = await startCarrier(scope, { vars: { ring_ms: 200 } });
		await createTrunk({ id: 'carrier1', name: 'Carrier 1', host: carrier.host, caller_id: '+15550100' });

		const number = '15551234567';
		const phone = await dial(scope, number, { scenario: 'uac_auth.xml', from: agent.extension,
			auth: { user: agent.extension, password: agent.password }, vars: { talk_ms: 1200 },
			label: `phone-${agent.extension}-dials` });
		const id = (await watch.created((c) => c.to === number)).id;
		await phone.sipp.expectOk('(agent phone dialling)');
		await carrier.uas.expectOk('(carrier)');
		phone.rtp.stop();
		carrier.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		const pl = logLines(phone.sipp);
		assert.deepEqual([pl[0], pl[1], pl[2]], ['CHALLENGED 407', 'RINGING', 'ANSWERED'], 'phone log');
		const cl = logLines(carrier.uas);
		assert.equal(uriUser(cl[0]), number, `Request-URI user is the dialled number: ${cl[0]}`);
		assert.equal(uriUser(cl[1]), '+15550100', `From user is the trunk's caller id: ${cl[1]}`);
		assert.deepEqual(cl.slice(-2), ['ACK', 'BYE'], 'the carrier got the BYE');
		await assertRelayed(d, phone, carrier, { min: 40 });

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'outbound', to: number, did: null, trunk_id: 'carrier1', agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
		assert.ok([agent.extension, '+15550100'].includes(rec.from),
			`from is the agent or the presented caller id: ${rec.from}`);
		assertAgentSeized(watch, agent.id, id);
		const byTrunk = await d.api.get('/api/v1/calls?trunk_id=carrier1&direction=outbound');
		assert.deepEqual(byTrunk.body.items.map((c) => c.id), [id]);
	});
});

test('the longest prefix wins; strip and prepend rewrite the number; no caller id = the extension', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const carrier = await startCarrier(scope, { label: 'carrier-intl', vars: { ring_ms: 50 } });
		await createTrunk({ id: 'intl', name: 'International', host: carrier.host, prefix: '9', strip: 1,
			prepend: '+1', caller_id: '' });

		const phone = await dial(scope, '95551230000', { scenario: 'uac_auth.xml', from: agent.extension,
			auth: { user: agent.extension, password: agent.password }, vars: { talk_ms: 500 } });
		const id = (await watch.created((c) => c.to === '95551230000')).id;
		await phone.sipp.expectOk('(agent phone dialling)');
		await carrier.uas.expectOk('(carrier behind the "9" trunk)');
		phone.rtp.stop();
		carrier.rtp.stop();
		await watch.wait(id, 'call.ended');

		const cl = logLines(carrier.uas);
		assert.equal(uriUser(cl[0]), '+15551230000', `9 stripped, +1 prepended: ${cl[0]}`);
		assert.equal(uriUser(cl[1]), agent.extension, `no trunk caller id: the agent's extension: ${cl[1]}`);
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'outbound', to: '95551230000', trunk_id: 'intl', agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller',
		}, { rang: true, answered: true });
	});
});

test('the carrier refuses (486): the phone gets 486, cause busy', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const carrier = await startCarrier(scope, { scenario: 'uas_reject.xml', label: 'carrier-busy',
			vars: { reject_code: 486, ring_ms: 100 }, rtp: false });
		await createTrunk({ id: 'busy', name: 'Busy', host: carrier.host, prefix: '8' });

		const phone = await dial(scope, '8123', { scenario: 'uac_auth.xml', from: agent.extension,
			auth: { user: agent.extension, password: agent.password }, rtp: false });
		const r = await phone.sipp.wait();
		await carrier.uas.expectOk('(carrier)');
		assert.ok(phone.sipp.logMatches(/^CHALLENGED 407/).length === 1, phone.sipp.logText());
		assert.equal(r.code, 1, 'uac_auth expects an answer: a 486 fails it');
		assert.match(phone.sipp.result().errors, /SIP\/2\.0 486/, 'the phone got 486');
		const id = (await watch.created((c) => c.to === '8123')).id;
		await watch.wait(id, 'call.ended');
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'outbound', to: '8123', trunk_id: 'busy', agent_id: agent.id,
			hangup_cause: 'busy', hangup_by: 'callee', sip_status: 486,
		}, { rang: true, answered: false });
	});
});
