// Wrap-up after a queued call: the agent goes busy -> wrap_up when the
// call ends and back to idle after the queue's wrap_up_s, by the ACD;
// no call is offered during wrap-up; POST /agents/{id}/wrap_up ends it
// early (the waiting call is offered at once) or extends it, and answers
// 409 not_in_wrap_up otherwise; an agent who chose not_ready during
// wrap-up stays not ready after it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, sleep } from './lib/daemon.mjs';
import { newAgent, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, loginReady, agentState,
	queueCaller, waitEvent, mark, atMs, assertAnsweredCall, waitActivity, voiceChanges, wrapUp, eventsOf,
	acdPhone,
} from './lib/acd.mjs';

const WRAP_S = 2;
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite({ config: { reason_codes: 'break,lunch' } })));
after(() => closeAcdSuite(d, watch));

/** A caller that the agent answers and hangs up on; resolves once the
 *  call ended, with the caller and the index of the events before it. */
async function answeredCall(scope, number, from) {
	const m0 = mark(watch);
	const c = await queueCaller(scope, watch, number, from, { scenario: 'uac_wait_bye.xml' });
	await c.sipp.expectOk(`(caller ${from})`);
	c.rtp.stop();
	const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
	return { ...c, m0, ended };
}

test('wrap-up: wrap_up_s after each call, ended early or extended over REST', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557600';
		await makeQueue(d.api, 'care', { wrap_up_s: WRAP_S });
		await queueDid(d.api, number, 'care');
		const a = await newAgent(d.api, { name: 'Wraps' });
		await addMember(d.api, 'care', a.id);
		await acdPhone(scope, a, { scenario: 'uas_bye.xml', calls: 3, rtp: false,
			vars: { ring_ms: 100, talk_ms: 300 }, timeoutS: 60 * SLOW });
		await loginReady(d.api, a.id);

		// not in wrap-up: 409
		assertError(await wrapUp(d.api, a.id, { action: 'end' }), 409, 'not_in_wrap_up');
		assertError(await wrapUp(d.api, a.id, { action: 'extend', seconds: 10 }), 409, 'not_in_wrap_up');

		// call 1: busy -> wrap_up at the end of the call, idle WRAP_S later
		const c1 = await answeredCall(scope, number, '5557601');
		const idle1 = await waitActivity(watch, a.id, 'idle', { from: c1.m0 });
		await assertAnsweredCall(d, watch, c1.id, { queueId: 'care', agentId: a.id, did: number, hangupBy: 'callee' });
		assert.deepEqual(voiceChanges(watch, a.id, c1.m0),
			[['offer', 'idle', 'offered', 'acd'], ['accept', 'offered', 'busy', 'acd'],
				['wrap_up', 'busy', 'wrap_up', 'acd'], ['release', 'wrap_up', 'idle', 'acd']],
			'voice activity around call 1');
		const wrap1 = eventsOf(watch, 'agent.state_changed', (x) => x.agent_id === a.id && x.to === 'wrap_up')[0];
		assert.ok(wrap1.seq > c1.ended.seq || Math.abs(atMs(wrap1) - atMs(c1.ended)) <= 100,
			'wrap-up starts when the call ends');
		const wrapped = atMs(idle1) - atMs(wrap1);
		assert.ok(wrapped >= WRAP_S * 1000 - 50 && wrapped < WRAP_S * 1000 + 1000 * SLOW,
			`wrap-up lasted ${wrapped} ms ~ wrap_up_s ${WRAP_S}`);
		assert.equal(idle1.data.state.status, 'ready');

		// a long wrap-up from now on
		const p = await d.api.patch('/api/v1/queues/care', { wrap_up_s: 600 });
		assert.equal(p.status, 200, p.text);

		// call 2: wrap-up; extend it; a new caller waits, unoffered
		const c2 = await answeredCall(scope, number, '5557602');
		await waitActivity(watch, a.id, 'wrap_up', { from: c2.m0 });
		const ext = await wrapUp(d.api, a.id, { action: 'extend', seconds: 30 });
		assert.equal(ext.status, 200, ext.text);
		assert.equal((await d.api.get(`/api/v1/agents/${a.id}`)).body.state.activity.voice, 'wrap_up');
		assertError(await wrapUp(d.api, a.id, { action: 'extend', seconds: 0 }), 422, 'invalid_value', 'seconds');
		assertError(await wrapUp(d.api, a.id, { action: 'stop' }), 422, 'invalid_value', 'action');

		const m3 = mark(watch);
		const c3 = await queueCaller(scope, watch, number, '5557603', { scenario: 'uac_wait_bye.xml' });
		await waitEvent(watch, 'task.queued', (x) => x.task_id === c3.id, { from: m3 });
		await sleep(1000);
		assert.equal(eventsOf(watch, 'task.offered', (x) => x.task_id === c3.id).length, 0,
			'nothing offered to an agent in wrap-up');

		// end it early: idle at once, and the waiting call is offered
		const endAt = performance.now();
		const end = await wrapUp(d.api, a.id, { action: 'end' });
		assert.equal(end.status, 200, end.text);
		const rel = await waitActivity(watch, a.id, 'idle', { from: m3 });
		assert.deepEqual([rel.data.action, rel.data.from, rel.data.actor], ['release', 'wrap_up', 'acd']);
		const off = await watch.stream.waitFor((e) => e.type === 'task.offered' && e.data?.task_id === c3.id,
			2000 * SLOW, { from: m3, what: 'offer of the waiting call' });
		assert.ok(off.at - endAt < 1000 * SLOW, `offered ${(off.at - endAt).toFixed(0)} ms after the early end`);
		assertError(await wrapUp(d.api, a.id, { action: 'end' }), 409, 'not_in_wrap_up');

		await c3.sipp.expectOk('(caller 3)');
		c3.rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === c3.id, { from: m3 });
		await assertAnsweredCall(d, watch, c3.id, { queueId: 'care', agentId: a.id, did: number, hangupBy: 'callee' });

		// in wrap-up after call 3 the agent picks not_ready (break): after
		// the wrap-up the agent is idle but not ready
		await waitActivity(watch, a.id, 'wrap_up', { from: m3 });
		const st = await agentState(d.api, a.id, 'not_ready', 'break');
		assert.deepEqual([st.status, st.reason, st.activity.voice], ['not_ready', 'break', 'wrap_up']);
		const m4 = mark(watch);
		assert.equal((await wrapUp(d.api, a.id, { action: 'end' })).status, 200);
		await waitActivity(watch, a.id, 'idle', { from: m4 });
		const ag = (await d.api.get(`/api/v1/agents/${a.id}`)).body.state;
		assert.deepEqual([ag.status, ag.reason, ag.activity.voice], ['not_ready', 'break', 'idle']);
	});
});

test('wrap_up on an unknown agent: 404', async () => {
	const r = await wrapUp(d.api, 999999, { action: 'end' });
	assertError(r, 404, 'not_found');
});
