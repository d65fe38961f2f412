// Inbound calls to an agent's extension, end to end: a sipp caller INVITEs
// Hotline, Hotline rings the agent's registered sipp phone(s), bridges the
// call and relays RTP both ways; either side hangs up. Checks the SIP
// seen by both peers, the media, the call record, the call.* and
// agent.state_changed events, and the call list.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertAgentSeized,
	assertEndedRecord, recordMatchesLastEvent, assertRelayed, waitReleased, isRelayAddr, SLOW, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

let d;
let watch;
const callIds = [];   // every call of this file, oldest first

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

test('caller -> agent: rings, answered, RTP relayed both ways, caller hangs up', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 300 } });
		const caller = await dial(scope, agent.extension, { from: '5550001', vars: { talk_ms: 1500 } });

		const created = await watch.created((c) => c.to === agent.extension);
		const id = created.id;
		callIds.push(id);
		await watch.wait(id, 'call.answered');

		// while it lasts: listed as active, counting talk time
		const act = await d.api.get('/api/v1/calls?state=active');
		assert.equal(act.status, 200, act.text);
		const live = act.body.items.find((c) => c.id === id);
		assert.ok(live, `call ${id} listed as active: ${act.text}`);
		assert.equal(live.state, 'answered');
		assert.equal(live.ended_at, null);

		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone)');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		// SIP as each peer saw it
		const cl = logLines(caller.sipp);
		assert.deepEqual([cl[0], cl[1], cl[3]], ['RINGING', 'ANSWERED', 'BYE_OK'], 'caller log');
		const al = logLines(phone.uas);
		assert.equal(al[0], `INVITE sip:${agent.extension}@127.0.0.1:${phone.port};transport=udp`,
			'Hotline INVITEs the registered contact');
		assert.match(al[1], /^FROM .*<sip:5550001@/, 'the agent sees the caller\'s number');
		assert.deepEqual(al.slice(-2), ['ACK', 'BYE'], 'agent phone: ACK, then the BYE relayed from the caller');

		await assertRelayed(d, caller, phone, { min: 40 });

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550001', to: agent.extension, did: null, trunk_id: null,
			agent_id: agent.id, hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
		assert.ok(rec.ring_duration_ms >= 250 && rec.ring_duration_ms < 2000 * SLOW,
			`ring_duration_ms ${rec.ring_duration_ms} ~ the phone's 300 ms of ringing`);
		assert.ok(rec.talk_duration_ms >= 1400 && rec.talk_duration_ms < 4000 * SLOW,
			`talk_duration_ms ${rec.talk_duration_ms} ~ the caller's 1500 ms`);
		assertAgentSeized(watch, agent.id, id);
		const ag = await d.api.get(`/api/v1/agents/${agent.id}`);
		assert.equal(ag.body.state.activity.voice, 'idle');
	});
});

test('the agent hangs up: the caller gets the BYE, hangup_by callee', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_bye.xml',
			vars: { ring_ms: 100, talk_ms: 1000 } });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_wait_bye.xml', from: '5550002' });

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		callIds.push(id);
		await phone.uas.expectOk('(agent phone)');
		await caller.sipp.expectOk('(caller)');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		assert.deepEqual(logLines(caller.sipp).slice(-1), ['BYE'], 'the caller got the BYE');
		assert.deepEqual(logLines(phone.uas).slice(-1), ['BYE_OK'], 'Hotline answered the agent\'s BYE');
		await assertRelayed(d, caller, phone, { min: 25 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550002', to: agent.extension, did: null, trunk_id: null,
			agent_id: agent.id, hangup_cause: 'normal_clearing', hangup_by: 'callee', sip_status: null,
		}, { rang: true, answered: true });
		assertAgentSeized(watch, agent.id, id);
	});
});

test('a DID routes to its extension; the record names the DID', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const number = '+15557000';
		const r = await d.api.post('/api/v1/dids', { number, name: 'Sales line', target_type: 'extension',
			target: agent.extension });
		assert.equal(r.status, 201, r.text);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 100 } });
		const caller = await dial(scope, number, { from: '+15559999', vars: { talk_ms: 800 } });

		const id = (await watch.created((c) => c.to === number)).id;
		callIds.push(id);
		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone)');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');

		await assertRelayed(d, caller, phone, { min: 20 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '+15559999', to: number, did: number, trunk_id: null,
			agent_id: agent.id, hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
		const byDid = await d.api.get(`/api/v1/calls?did=${encodeURIComponent(number)}`);
		assert.equal(byDid.status, 200, byDid.text);
		assert.deepEqual(byDid.body.items.map((c) => c.id), [id], 'filter by did');
	});
});

test('every registered phone of the agent rings; the first to answer wins, the other is cancelled', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const desk = await agentPhone(scope, agent, { vars: { ring_ms: 400 } });
		const mobile = await agentPhone(scope, agent, { scenario: 'uas_ring.xml', rtp: false });
		const caller = await dial(scope, agent.extension, { from: '5550003', vars: { talk_ms: 800 } });

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		callIds.push(id);
		await caller.sipp.expectOk('(caller)');
		await desk.uas.expectOk('(desk phone)');
		await mobile.uas.expectOk('(mobile phone: rings, then CANCEL)');
		caller.rtp.stop();
		desk.rtp.stop();
		await watch.wait(id, 'call.ended');

		assert.deepEqual(logLines(mobile.uas).slice(-2), ['CANCEL', 'ACK'], 'the other phone was cancelled');
		const mm = await mobile.media;
		assert.ok(mm && isRelayAddr(d, mm.host, mm.port), 'the other phone was offered relay media too');
		await assertRelayed(d, caller, desk, { min: 20 });
		assert.equal(mobile.rtp.rx.packets, 0, 'nothing relayed to the cancelled phone');
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550003', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
	});
});

test('over TCP: caller and agent phone both on TCP', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 100 }, transport: 'tcp' });
		const caller = await dial(scope, agent.extension, { from: '5550004', vars: { talk_ms: 800 },
			transport: 'tcp' });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		callIds.push(id);
		await caller.sipp.expectOk('(caller over TCP)');
		await phone.uas.expectOk('(agent phone over TCP)');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');

		assert.equal(logLines(phone.uas)[0], `INVITE sip:${agent.extension}@127.0.0.1:${phone.port};transport=tcp`);
		assert.match(phone.uas.result().stats?.['SuccessfulCall(C)'] ?? '', /^1$/);
		await assertRelayed(d, caller, phone, { min: 20 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550004', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
	});
});

test('the call list is newest first, filters by agent, and nothing is left active', async () => {
	assert.ok(callIds.length >= 2, 'earlier tests placed calls');
	const r = await d.api.get('/api/v1/calls');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body.items.map((c) => c.id), [...callIds].reverse(), 'newest first');
	const act = await d.api.get('/api/v1/calls?state=active');
	assert.deepEqual(act.body.items, [], 'no call is active');
	const first = r.body.items[r.body.items.length - 1];
	const byAgent = await d.api.get(`/api/v1/calls?agent_id=${first.agent_id}`);
	assert.deepEqual(byAgent.body.items.map((c) => c.id), [first.id], 'filter by agent');
	const inbound = await d.api.get('/api/v1/calls?direction=inbound&state=ended');
	assert.equal(inbound.body.items.length, callIds.length);
});
