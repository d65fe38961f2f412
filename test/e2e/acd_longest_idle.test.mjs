// ACD strategy longest_idle with real SIP peers: three agents made ready
// in a known order, callers to the queue's DID one after the other. Each
// call is offered to the agent idle the longest; an agent who just hung
// up (no wrap-up) becomes the most recently idle and goes last.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './lib/daemon.mjs';
import { newAgent, logLines, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, agentState,
	callsInTurn, assertAnsweredCall, voiceChanges,
	acdPhone,
} from './lib/acd.mjs';

const NUMBER = '+15557100';
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

test('longest_idle: offers follow idle time; the agent who just finished goes to the back', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		await makeQueue(d.api, 'sales', { strategy: 'longest_idle' });
		await queueDid(d.api, NUMBER, 'sales');
		const a = await newAgent(d.api, { name: 'A' });
		const b = await newAgent(d.api, { name: 'B' });
		const c = await newAgent(d.api, { name: 'C' });
		const name = { [a.id]: 'A', [b.id]: 'B', [c.id]: 'C' };
		// member positions say A, B, C: only idle time may decide
		for (const [i, ag] of [a, b, c].entries())
			await addMember(d.api, 'sales', ag.id, { position: i + 1 });
		const phones = {};
		for (const ag of [a, b, c]) {
			phones[ag.id] = await acdPhone(scope, ag, { scenario: 'uas_bye.xml', calls: 4, rtp: false,
				vars: { ring_ms: 100, talk_ms: 300 }, timeoutS: 60 * SLOW });
		}
		for (const ag of [a, b, c])
			await agentState(d.api, ag.id, 'login');
		// ready B, then C, then A: B has been idle the longest
		for (const ag of [b, c, a]) {
			await agentState(d.api, ag.id, 'ready');
			await sleep(100);
		}

		const calls = await callsInTurn(scope, watch, NUMBER, { count: 4, fromBase: 5557101 });
		assert.deepEqual(calls.map((x) => x.offers.map((id) => name[id])), [['B'], ['C'], ['A'], ['B']],
			'one offer per call, to the longest idle agent: B, C, A, then B again');

		for (const x of calls) {
			await assertAnsweredCall(d, watch, x.id, { queueId: 'sales', agentId: x.agentId, did: NUMBER,
				from: x.from, hangupBy: 'callee' });
		}
		// what the phones saw: Hotline's INVITEs with the caller as From
		const invites = (ag) => logLines(phones[ag.id].uas).filter((l) => l.startsWith('FROM '));
		assert.equal(invites(a).length, 1, 'A was rung once');
		assert.equal(invites(c).length, 1, 'C was rung once');
		assert.equal(invites(b).length, 2, 'B was rung twice');
		assert.match(invites(b)[0], /<sip:5557101@/, 'B saw the first caller\'s number');
		assert.match(invites(b)[1], /<sip:5557104@/, 'and the fourth\'s');
		assert.match(invites(c)[0], /<sip:5557102@/);
		assert.match(invites(a)[0], /<sip:5557103@/);

		// each agent went idle -> offered -> busy -> idle per call, by the ACD
		for (const ag of [a, b, c]) {
			const n = invites(ag).length;
			const one = [['offer', 'idle', 'offered', 'acd'], ['accept', 'offered', 'busy', 'acd'],
				['release', 'busy', 'idle', 'acd']];
			assert.deepEqual(voiceChanges(watch, ag.id), Array(n).fill(one).flat(),
				`voice activity of ${name[ag.id]}`);
		}
		const ag = await d.api.get(`/api/v1/agents/${b.id}`);
		assert.equal(ag.body.state.status, 'ready');
		assert.equal(ag.body.state.activity.voice, 'idle');
	});
});
