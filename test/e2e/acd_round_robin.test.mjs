// ACD strategy round_robin with real SIP peers: three agents whose member
// positions, creation order and ready order all differ; callers to the
// queue's DID one after the other. Offers rotate in member position order
// and the rotation continues where it stopped (not from the top, not by
// idle time).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './lib/daemon.mjs';
import { newAgent, logLines, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, agentState,
	callsInTurn, assertAnsweredCall,
	acdPhone,
} from './lib/acd.mjs';

const NUMBER = '+15557200';
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

test('round_robin: offers rotate in member position order across calls', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		await makeQueue(d.api, 'support', { strategy: 'round_robin' });
		await queueDid(d.api, NUMBER, 'support');
		// created Z, X, Y; positions X 1, Y 2, Z 3; ready Y, Z, X
		const z = await newAgent(d.api, { name: 'Z' });
		const x = await newAgent(d.api, { name: 'X' });
		const y = await newAgent(d.api, { name: 'Y' });
		const name = { [x.id]: 'X', [y.id]: 'Y', [z.id]: 'Z' };
		await addMember(d.api, 'support', z.id, { position: 30 });
		await addMember(d.api, 'support', x.id, { position: 10 });
		await addMember(d.api, 'support', y.id, { position: 20 });
		const phones = {};
		for (const ag of [x, y, z]) {
			phones[ag.id] = await acdPhone(scope, ag, { scenario: 'uas_bye.xml', calls: 4, rtp: false,
				vars: { ring_ms: 100, talk_ms: 300 }, timeoutS: 60 * SLOW });
		}
		for (const ag of [y, z, x]) {
			await agentState(d.api, ag.id, 'login');
			await agentState(d.api, ag.id, 'ready');
			await sleep(100);
		}

		const calls = await callsInTurn(scope, watch, NUMBER, { count: 4, fromBase: 5557201 });
		// longest_idle would give Y, Z, X, Y; creation order Z, X, Y, Z
		assert.deepEqual(calls.map((c) => c.offers.map((id) => name[id])), [['X'], ['Y'], ['Z'], ['X']],
			'one offer per call, rotating X, Y, Z, then X again');
		for (const c of calls) {
			await assertAnsweredCall(d, watch, c.id, { queueId: 'support', agentId: c.agentId, did: NUMBER,
				from: c.from, hangupBy: 'callee' });
		}
		const rung = (ag) => logLines(phones[ag.id].uas).filter((l) => l.startsWith('FROM ')).length;
		assert.deepEqual([rung(x), rung(y), rung(z)], [2, 1, 1], 'INVITEs each phone received');
	});
});

test('round_robin: an agent not ready is skipped and the rotation goes on after it', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557210';
		await makeQueue(d.api, 'rr2', { strategy: 'round_robin' });
		await queueDid(d.api, number, 'rr2');
		const p = await newAgent(d.api, { name: 'P' });
		const q = await newAgent(d.api, { name: 'Q' });
		const r = await newAgent(d.api, { name: 'R' });
		const name = { [p.id]: 'P', [q.id]: 'Q', [r.id]: 'R' };
		for (const [i, ag] of [p, q, r].entries())
			await addMember(d.api, 'rr2', ag.id, { position: i + 1 });
		for (const ag of [p, q, r]) {
			await acdPhone(scope, ag, { scenario: 'uas_bye.xml', calls: 3, rtp: false,
				vars: { ring_ms: 50, talk_ms: 200 }, timeoutS: 60 * SLOW });
			await agentState(d.api, ag.id, 'login');
		}
		// Q is not ready at first: P, then R (Q skipped); Q ready: next is P
		// (after R, wrapping), then Q
		await agentState(d.api, p.id, 'ready');
		await agentState(d.api, r.id, 'ready');
		const first = await callsInTurn(scope, watch, number, { count: 2, fromBase: 5557211 });
		await agentState(d.api, q.id, 'ready');
		const then = await callsInTurn(scope, watch, number, { count: 2, fromBase: 5557213 });
		assert.deepEqual([...first, ...then].map((c) => c.offers.map((id) => name[id])),
			[['P'], ['R'], ['P'], ['Q']], 'P, R (Q not ready), then P and Q');
	});
});
