// Offers that are not taken: an agent whose phone rings without answering
// is cancelled after the queue's offer_timeout_s (task.offer_ended
// "timeout") and the next agent gets the call; after max_missed_offers
// consecutive misses the ACD makes that agent not_ready with reason
// "missed". A phone refusing with 486 ends the offer as "declined" and
// does not count as a miss.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newAgent, logLines, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, loginReady,
	queueCaller, waitEvent, mark, eventsOf, atMs, assertAnsweredCall, voiceChanges, waitActivity, sippTimeline,
	acdPhone,
} from './lib/acd.mjs';
import { sleep } from './lib/daemon.mjs';

const OFFER_TIMEOUT_S = 5;       // the smallest the API allows
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

const MISSED_TIMELINE = ['call.created', 'call.answered', 'task.queued', 'task.offered', 'task.offer_ended',
	'task.offered', 'task.accepted', 'call.bridged', 'call.ended'];

/** A caller waiting for the agent to hang up; resolves when the call
 *  ended and the agent who took it is idle again. */
async function callThrough(scope, number, from) {
	const m0 = mark(watch);
	const c = await queueCaller(scope, watch, number, from, { scenario: 'uac_wait_bye.xml' });
	const acc = await waitEvent(watch, 'task.accepted', (x) => x.task_id === c.id,
		{ from: m0, timeoutMs: (OFFER_TIMEOUT_S * 1000 + 8000) * SLOW });
	await c.sipp.expectOk(`(caller ${from})`);
	c.rtp.stop();
	await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
	await waitActivity(watch, acc.data.agent_id, 'idle', { from: m0 });
	return { ...c, from, m0 };
}

test('a phone that only rings is skipped after offer_timeout_s, then autopaused after 2 misses', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557400';
		await makeQueue(d.api, 'miss', { strategy: 'round_robin', offer_timeout_s: OFFER_TIMEOUT_S,
			max_missed_offers: 2 });
		await queueDid(d.api, number, 'miss');
		const x = await newAgent(d.api, { name: 'Rings' });
		const y = await newAgent(d.api, { name: 'Answers' });
		await addMember(d.api, 'miss', x.id, { position: 1 });
		await addMember(d.api, 'miss', y.id, { position: 2 });
		const xp = await acdPhone(scope, x, { scenario: 'uas_ring.xml', calls: 2, rtp: false,
			timeoutS: 60 * SLOW });
		const yp = await acdPhone(scope, y, { scenario: 'uas_bye.xml', calls: 2, rtp: false,
			vars: { ring_ms: 700, talk_ms: 300 }, timeoutS: 60 * SLOW });
		await loginReady(d.api, x.id);
		await loginReady(d.api, y.id);

		// call 1: X rings for offer_timeout_s, is cancelled; Y answers
		const c1 = await callThrough(scope, number, '5557401');
		await assertAnsweredCall(d, watch, c1.id, { queueId: 'miss', agentId: y.id, did: number,
			timeline: MISSED_TIMELINE, hangupBy: 'callee' });
		const offered1 = eventsOf(watch, 'task.offered', (e) => e.task_id === c1.id);
		assert.deepEqual(offered1.map((e) => e.data.agent_id), [x.id, y.id], 'X first, then Y');
		const ended1 = eventsOf(watch, 'task.offer_ended', (e) => e.task_id === c1.id);
		assert.equal(ended1.length, 1);
		assert.deepEqual([ended1[0].data.agent_id, ended1[0].data.offer_id, ended1[0].data.reason],
			[x.id, offered1[0].data.offer_id, 'timeout'], 'X\'s offer ended by timeout');
		const rang = atMs(ended1[0]) - atMs(offered1[0]);
		assert.ok(rang >= OFFER_TIMEOUT_S * 1000 - 50 && rang < OFFER_TIMEOUT_S * 1000 + 1500 * SLOW,
			`X rang ${rang} ms ~ offer_timeout_s`);
		assert.ok(Math.abs(Date.parse(offered1[0].data.expires_at) - atMs(offered1[0]) - OFFER_TIMEOUT_S * 1000) <= 50 * SLOW,
			`expires_at ${offered1[0].data.expires_at} = offered at ${offered1[0].at} + ${OFFER_TIMEOUT_S} s`);
		assert.ok(atMs(offered1[1]) >= atMs(ended1[0]), 'Y offered once X\'s offer ended');
		let st = (await d.api.get(`/api/v1/agents/${x.id}`)).body.state;
		assert.deepEqual([st.status, st.activity.voice], ['ready', 'idle'], 'one miss: X still ready');

		// call 2: the rotation comes back to X, who misses again: not_ready
		// "missed" (the router keeps an agent who missed out of offers for
		// at least a second: wait that out)
		await sleep(Math.max(0, atMs(ended1[0]) + 1500 - Date.now()));
		const c2 = await callThrough(scope, number, '5557402');
		await assertAnsweredCall(d, watch, c2.id, { queueId: 'miss', agentId: y.id, did: number,
			timeline: MISSED_TIMELINE, hangupBy: 'callee' });
		const offered2 = eventsOf(watch, 'task.offered', (e) => e.task_id === c2.id);
		assert.deepEqual(offered2.map((e) => e.data.agent_id), [x.id, y.id], 'X again, then Y');
		const ended2 = eventsOf(watch, 'task.offer_ended', (e) => e.task_id === c2.id);
		assert.deepEqual(ended2.map((e) => [e.data.agent_id, e.data.reason]), [[x.id, 'timeout']]);
		const paused = eventsOf(watch, 'agent.state_changed', (e) => e.agent_id === x.id &&
			e.action === 'not_ready');
		assert.equal(paused.length, 1, 'X was paused once');
		assert.deepEqual([paused[0].data.action, paused[0].data.from, paused[0].data.reason, paused[0].data.actor],
			['not_ready', 'ready', 'missed', 'acd'], 'autopause: not_ready, reason missed, by the ACD');
		assert.ok(paused[0].seq > offered2[0].seq, 'paused after the second offer');
		st = (await d.api.get(`/api/v1/agents/${x.id}`)).body.state;
		assert.deepEqual([st.status, st.reason, st.activity.voice], ['not_ready', 'missed', 'idle']);

		// each miss: X's phone got INVITE, rang, got CANCEL; its activity
		// went offered -> idle; Y stays ready
		await xp.uas.expectOk('(X\'s phone: two INVITEs, each cancelled)');
		await yp.uas.expectOk('(Y\'s phone: two calls)');
		assert.deepEqual(logLines(xp.uas).filter((l) => /^(CANCEL|ACK)$/.test(l)), ['CANCEL', 'ACK', 'CANCEL', 'ACK']);
		// and the CANCEL came when the offer timed out, not when the call ended
		const cancels = sippTimeline(xp.uas).filter((m) => m.dir === 'in' && m.line.startsWith('CANCEL '));
		assert.equal(cancels.length, 2);
		for (const [i, e] of [ended1[0], ended2[0]].entries()) {
			const late = cancels[i].at - atMs(e);
			assert.ok(late > -50 && late < 300 * SLOW,
				`X's phone got CANCEL ${i + 1} ${late} ms after its offer timed out (it kept ringing)`);
		}
		assert.deepEqual(voiceChanges(watch, x.id).map((v) => v.slice(0, 3)),
			[['offer', 'idle', 'offered'], ['decline', 'offered', 'idle'],
				['offer', 'idle', 'offered'], ['decline', 'offered', 'idle']], 'X\'s voice activity');
		st = (await d.api.get(`/api/v1/agents/${y.id}`)).body.state;
		assert.equal(st.status, 'ready');
	});
});

test('a phone refusing with 486: offer_ended "declined", the next agent answers, no autopause', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557410';
		// top_down would offer W first again at once: the decline delay
		// keeps W out for this call
		await makeQueue(d.api, 'refuse', { strategy: 'top_down', max_missed_offers: 1, decline_delay_s: 30 });
		await queueDid(d.api, number, 'refuse');
		const w = await newAgent(d.api, { name: 'Refuses' });
		const v = await newAgent(d.api, { name: 'Takes' });
		await addMember(d.api, 'refuse', w.id, { position: 1 });
		await addMember(d.api, 'refuse', v.id, { position: 2 });
		const wp = await acdPhone(scope, w, { scenario: 'uas_reject.xml', rtp: false,
			vars: { ring_ms: 100, reject_code: 486 } });
		await acdPhone(scope, v, { scenario: 'uas_bye.xml', rtp: false, vars: { ring_ms: 100, talk_ms: 300 } });
		await loginReady(d.api, w.id);
		await loginReady(d.api, v.id);

		const c = await callThrough(scope, number, '5557411');
		await assertAnsweredCall(d, watch, c.id, { queueId: 'refuse', agentId: v.id, did: number,
			timeline: MISSED_TIMELINE, hangupBy: 'callee' });
		const ended = eventsOf(watch, 'task.offer_ended', (e) => e.task_id === c.id);
		assert.deepEqual(ended.map((e) => [e.data.agent_id, e.data.reason]), [[w.id, 'declined']]);
		await wp.uas.expectOk('(W\'s phone refused)');
		assert.ok(logLines(wp.uas).includes('REJECTED 486'), logLines(wp.uas).join('\n'));
		const st = (await d.api.get(`/api/v1/agents/${w.id}`)).body.state;
		assert.deepEqual([st.status, st.activity.voice], ['ready', 'idle'],
			'a refusal is not a miss: W stays ready even with max_missed_offers 1');
	});
});
