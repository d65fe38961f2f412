// Click-to-call: POST /api/v1/calls {agent_id, to} rings the agent's phone
// first; once the agent answers, Hotline dials `to` through the trunk and
// bridges the two.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, TS_RE } from './lib/daemon.mjs';
import {
	Scope, newAgent, agentPhone, startCarrier, uriUser, assertEndedRecord,
	recordMatchesLastEvent, assertRelayed, assertCallSchema, waitReleased, assertAgentSeized, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

let d;
let watch;

before(async () => {
	({ d, watch } = await openCallSuite());
	const r = await d.api.post('/api/v1/trunks', { id: 'pstn', name: 'PSTN', host: '127.0.0.1:9', transport: 'udp',
		caller_id: '+15550100', prefix: '', strip: 0, prepend: '' });
	assert.equal(r.status, 201, r.text);
});

after(() => closeCallSuite(d, watch));

test('the agent\'s phone rings first; on answer the number is dialled and bridged', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 500 } });
		// the far end answers, talks a second and hangs up
		const carrier = await startCarrier(scope, { scenario: 'uas_bye.xml', vars: { ring_ms: 100, talk_ms: 1000 } });
		const t = await d.api.patch('/api/v1/trunks/pstn', { host: carrier.host });
		assert.equal(t.status, 200, t.text);

		const number = '15551234567';
		const r = await d.api.post('/api/v1/calls', { agent_id: agent.id, to: number });
		assert.equal(r.status, 201, r.text);
		assertCallSchema(r.body);
		const id = r.body.id;
		assert.equal(r.headers.get('location'), `/api/v1/calls/${id}`);
		assert.equal(r.body.agent_id, agent.id);
		assert.equal(r.body.to, number);
		assert.equal(r.body.direction, 'outbound');
		assert.match(r.body.created_at, TS_RE);

		// the phone rings before anything reaches the carrier
		await phone.uas.waitLog(/^INVITE /, 3000);
		assert.equal(carrier.uas.logText(), '', 'the number is not dialled before the agent answers');
		await phone.uas.waitLog(/^ACK$/, 3000);
		const inv = await carrier.uas.waitLog(/^INVITE (\S+)/, 3000);
		assert.equal(uriUser(inv[1]), number, `the carrier is asked for the number: ${inv[1]}`);
		assert.equal(uriUser(carrier.uas.logMatches(/^FROM .*/)[0][0]), '+15550100', 'with the trunk\'s caller id');

		await carrier.uas.expectOk('(carrier hangs up)');
		await phone.uas.expectOk('(agent phone gets the BYE)');
		phone.rtp.stop();
		carrier.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		assert.deepEqual(logLines(phone.uas).slice(-1), ['BYE']);
		await assertRelayed(d, phone, carrier, { min: 25 });

		const types = watch.callEvents(id).map((e) => e.type);
		assert.equal(types[0], 'call.created', types.join());
		assert.equal(types[types.length - 1], 'call.ended', types.join());
		assert.equal(types.filter((x) => x === 'call.answered').length, 1, types.join());
		assert.ok(types.every((x) => ['call.created', 'call.ringing', 'call.answered', 'call.ended'].includes(x)),
			types.join());
		for (const e of watch.callEvents(id))
			assert.deepEqual(e.topics, [`call:${id}`, `agent:${agent.id}`]);
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'outbound', to: number, did: null, trunk_id: 'pstn', agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'callee', sip_status: null,
		}, { rang: true, answered: true });
		assertAgentSeized(watch, agent.id, id);
	});
});

test('the agent declines: the number is never dialled', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_reject.xml',
			vars: { reject_code: 603, ring_ms: 100 }, rtp: false });
		const carrier = await startCarrier(scope, { rtp: false });
		await d.api.patch('/api/v1/trunks/pstn', { host: carrier.host });

		const r = await d.api.post('/api/v1/calls', { agent_id: agent.id, to: '15550000001' });
		assert.equal(r.status, 201, r.text);
		const id = r.body.id;
		await phone.uas.expectOk('(agent phone declines)');
		const ended = await watch.wait(id, 'call.ended');
		assert.ok(['rejected', 'no_answer'].includes(ended.data.hangup_cause), JSON.stringify(ended.data));
		assert.equal(ended.data.answered_at, null);
		assert.equal(carrier.uas.logText(), '', 'nothing reached the carrier');
	});
});

test('refusals: unknown agent 404, unregistered agent 409, bad number 422', async () => {
	const agent = await newAgent(d.api);
	assertError(await d.api.post('/api/v1/calls', { agent_id: 999999, to: '15551234567' }), 404,
		'agent_not_found', 'agent_id');
	assertError(await d.api.post('/api/v1/calls', { agent_id: agent.id, to: '15551234567' }), 409,
		'agent_not_registered');
	assertError(await d.api.post('/api/v1/calls', { agent_id: agent.id, to: 'not a number!' }), 422,
		'invalid_value', 'to');
	const list = await d.api.get(`/api/v1/calls?agent_id=${agent.id}`);
	assert.deepEqual(list.body.items, [], 'refused requests leave no call record');
});
