// Live queue statistics against what happened: two answered calls (one
// within the service level, one after it) and one abandoned call; GET
// /api/v1/queues/{id}/stats agrees with the task.* events observed
// (offered, answered, abandoned, service level, ASA, AHT, abandoned
// wait), shows the waiting call while it waits, and queue.stats events
// come at most once a second and end equal to the REST view.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './lib/daemon.mjs';
import { newAgent, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, agentState, getStats,
	queueCaller, waitEvent, mark, eventsOf, atMs, waitActivity, assertAnsweredCall,
	acdPhone,
} from './lib/acd.mjs';

const SL_S = SLOW > 1 ? 8 : 2;     // the service level threshold
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite({ config: { reason_codes: 'break' } })));
after(() => closeAcdSuite(d, watch));

test('stats: answered, abandoned, service level, ASA and AHT match the calls', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557700';
		const q = 'stats';
		await makeQueue(d.api, q, { strategy: 'longest_idle', service_level_s: SL_S });
		await queueDid(d.api, number, q);
		const s = await newAgent(d.api, { name: 'Counted' });
		await addMember(d.api, q, s.id);
		await acdPhone(scope, s, { scenario: 'uas_bye.xml', calls: 2, rtp: false,
			vars: { ring_ms: 200, talk_ms: 500 }, timeoutS: 60 * SLOW });
		await agentState(d.api, s.id, 'login');

		const empty = await getStats(d.api, q);
		assert.deepEqual(empty, {
			queue_id: q, waiting: 0, ringing: 0, longest_wait_ms: 0,
			agents: { logged_out: 0, not_ready: 1, idle: 0, offered: 0, busy: 0, wrap_up: 0 },
			today: { offered: 0, answered: 0, abandoned: 0, overflowed: 0, answered_within_sl: 0,
				service_level: 1, asa_ms: 0, aht_ms: 0, abandoned_wait_ms: 0 },
		}, 'a new queue: nothing yet, its one member not ready');

		// 1: answered at once (within the service level)
		await agentState(d.api, s.id, 'ready');
		let m0 = mark(watch);
		const c1 = await queueCaller(scope, watch, number, '5557701', { scenario: 'uac_wait_bye.xml' });
		await c1.sipp.expectOk('(caller 1)');
		c1.rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === c1.id, { from: m0 });
		await waitActivity(watch, s.id, 'idle', { from: m0 });

		// 2: waits longer than the service level, then answered
		await agentState(d.api, s.id, 'not_ready', 'break');
		m0 = mark(watch);
		const c2 = await queueCaller(scope, watch, number, '5557702', { scenario: 'uac_wait_bye.xml' });
		await waitEvent(watch, 'task.queued', (x) => x.task_id === c2.id, { from: m0 });
		await sleep(SL_S * 1000 + 300);
		const mid = await getStats(d.api, q);
		assert.deepEqual([mid.waiting, mid.ringing, mid.agents.not_ready, mid.today.offered, mid.today.answered],
			[1, 0, 1, 2, 1], `while call 2 waits: ${JSON.stringify(mid)}`);
		assert.ok(mid.longest_wait_ms >= SL_S * 1000 && mid.longest_wait_ms < SL_S * 1000 + 1500 * SLOW,
			`longest_wait_ms ${mid.longest_wait_ms}`);
		await agentState(d.api, s.id, 'ready');
		await c2.sipp.expectOk('(caller 2)');
		c2.rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === c2.id, { from: m0 });
		await waitActivity(watch, s.id, 'idle', { from: m0 });

		// 3: hangs up while waiting
		await agentState(d.api, s.id, 'not_ready', 'break');
		m0 = mark(watch);
		const c3 = await queueCaller(scope, watch, number, '5557703', { vars: { talk_ms: 800 } });
		await c3.sipp.expectOk('(caller 3 gives up)');
		c3.rtp.stop();
		const ab = await waitEvent(watch, 'task.abandoned', (x) => x.task_id === c3.id, { from: m0 });
		await waitEvent(watch, 'call.ended', (x) => x.id === c3.id, { from: m0 });

		// what the events say
		const acc = [c1, c2].map((c) => eventsOf(watch, 'task.accepted', (x) => x.task_id === c.id)[0]);
		assert.ok(acc.every(Boolean), 'both answered calls were accepted');
		assert.ok(acc[0].data.wait_ms < SL_S * 1000, `call 1 waited ${acc[0].data.wait_ms} ms`);
		assert.ok(acc[1].data.wait_ms > SL_S * 1000, `call 2 waited ${acc[1].data.wait_ms} ms`);
		const handle = [];
		for (const c of [c1, c2]) {
			await assertAnsweredCall(d, watch, c.id, { queueId: q, agentId: s.id, did: number, hangupBy: 'callee' });
			const br = eventsOf(watch, 'call.bridged', (x) => x.id === c.id)[0];
			const en = eventsOf(watch, 'call.ended', (x) => x.id === c.id)[0];
			handle.push(atMs(en) - atMs(br));
		}
		const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
		const asa = mean(acc.map((e) => e.data.wait_ms));
		const aht = mean(handle);

		const st = await getStats(d.api, q);
		const ctx = JSON.stringify(st);
		assert.deepEqual([st.queue_id, st.waiting, st.ringing, st.longest_wait_ms], [q, 0, 0, 0], ctx);
		assert.deepEqual(st.agents, { logged_out: 0, not_ready: 1, idle: 0, offered: 0, busy: 0, wrap_up: 0 }, ctx);
		const t = st.today;
		assert.deepEqual([t.offered, t.answered, t.abandoned, t.overflowed, t.answered_within_sl], [3, 2, 1, 0, 1], ctx);
		assert.ok(Math.abs(t.service_level - 1 / 3) < 1e-6, `service level 1 of (2 answered + 1 abandoned): ${ctx}`);
		assert.ok(Math.abs(t.asa_ms - asa) <= 1, `asa_ms ${t.asa_ms} = mean task.accepted wait_ms ${asa}`);
		assert.ok(Math.abs(t.abandoned_wait_ms - ab.data.wait_ms) <= 1,
			`abandoned_wait_ms ${t.abandoned_wait_ms} = task.abandoned wait_ms ${ab.data.wait_ms}`);
		assert.ok(Math.abs(t.aht_ms - aht) <= 150 * SLOW, `aht_ms ${t.aht_ms} ~ mean bridged..ended ${aht.toFixed(0)} ms`);

		// queue.stats: at most one a second, the last one equal to GET
		const last = await waitEvent(watch, 'queue.stats', (x) => x.queue_id === q && x.today?.abandoned === 1,
			{ from: m0, timeoutMs: 3000 * SLOW });
		assert.deepEqual(last.topics, [`queue:${q}`]);
		assert.deepEqual(last.data, await getStats(d.api, q), 'the last queue.stats equals GET stats');
		const all = eventsOf(watch, 'queue.stats', (x) => x.queue_id === q);
		assert.ok(all.length >= 3, `queue.stats events: ${all.length}`);
		for (let i = 1; i < all.length; i++) {
			const gap = atMs(all[i]) - atMs(all[i - 1]);
			assert.ok(gap >= 990, `queue.stats ${gap} ms after the previous one (at most one a second)`);
		}
	});
});
