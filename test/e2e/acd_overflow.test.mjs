// Overflow after max wait: a caller nobody takes within the queue's
// max_wait_s leaves it (task.overflowed, reason max_wait) and takes the
// queue's overflow action: join another queue (answered there), ring an
// extension directly, or hear a message and be hung up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newAgent, logLines, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, loginReady, getStats,
	queueCaller, waitEvent, mark, eventsOf, atMs, assertAnsweredCall, callTimeline, types,
	toneWav, samplesOf, toneShare, rmsOf, sippTime,
	acdPhone,
} from './lib/acd.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

test('overflow "queue": after max_wait_s the call moves to the second queue and is answered there', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557500';
		await makeQueue(d.api, 'back', {});
		await makeQueue(d.api, 'front', { max_wait_s: 2, overflow: 'queue', overflow_target: 'back',
			join_empty: true });
		await queueDid(d.api, number, 'front');
		const z = await newAgent(d.api, { name: 'Backup' });
		await addMember(d.api, 'back', z.id);
		const zp = await acdPhone(scope, z, { scenario: 'uas_bye.xml', rtp: false,
			vars: { ring_ms: 100, talk_ms: 300 } });
		await loginReady(d.api, z.id);

		const m0 = mark(watch);
		const c = await queueCaller(scope, watch, number, '5557501', { scenario: 'uac_wait_bye.xml' });
		const ov = await waitEvent(watch, 'task.overflowed', (x) => x.task_id === c.id, { from: m0 });
		await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
		const { record } = await assertAnsweredCall(d, watch, c.id, { queueId: 'back', agentId: z.id, did: number,
			from: '5557501', hangupBy: 'callee',
			timeline: ['call.created', 'call.answered', 'task.queued', 'task.overflowed', 'task.queued',
				'task.offered', 'task.accepted', 'call.bridged', 'call.ended'] });
		await zp.uas.expectOk('(backup agent)');
		await c.sipp.expectOk('(caller)');
		c.rtp.stop();
		assert.deepEqual(ov.data, { task_id: c.id, queue_id: 'front', reason: 'max_wait', action: 'queue',
			target: 'back' }, 'task.overflowed');
		assert.deepEqual(ov.topics, [`call:${c.id}`, 'queue:front']);
		const queued = eventsOf(watch, 'task.queued', (x) => x.task_id === c.id);
		assert.deepEqual(queued.map((e) => e.data.queue_id), ['front', 'back']);
		const waited = atMs(ov) - atMs(queued[0]);
		assert.ok(waited >= 1950 && waited < 2000 + 1000 * SLOW, `overflowed after ${waited} ms ~ max_wait_s 2`);
		assert.ok(record.wait_ms >= 2000, `wait_ms ${record.wait_ms} counts both queues`);
		const ovAt = watch.stream.messages.find((m) => m.msg === ov).at;
		const beforeOv = c.tap.packets.filter((p) => p.at < ovAt);
		assert.ok(beforeOv.length >= (SLOW > 1 ? 1 : 50), `music while waiting in front: ${c.tap.summary()}`);

		const front = await getStats(d.api, 'front');
		const back = await getStats(d.api, 'back');
		assert.deepEqual([front.today.offered, front.today.overflowed, front.today.answered, front.waiting],
			[1, 1, 0, 0], `front stats: ${JSON.stringify(front)}`);
		assert.deepEqual([back.today.offered, back.today.overflowed, back.today.answered, back.waiting],
			[1, 0, 1, 0], `back stats: ${JSON.stringify(back)}`);
	});
});

test('overflow "hangup" with a message: the caller hears it, then Hotline hangs up', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557510';
		const text = 'Sorry, we are closed.';
		const wav = await toneWav(scope, 1000, 5);
		await makeQueue(d.api, 'closing', { max_wait_s: 1, overflow: 'hangup', overflow_target: text,
			join_empty: true, moh_file: wav });
		await queueDid(d.api, number, 'closing');

		const m0 = mark(watch);
		const c = await queueCaller(scope, watch, number, '5557511', { scenario: 'uac_wait_bye.xml' });
		const ovMsg = await watch.stream.waitFor((e) => e.type === 'task.overflowed' && e.data?.task_id === c.id,
			10000 * SLOW, { from: m0, what: 'task.overflowed' });
		await c.sipp.expectOk('(caller gets the BYE)');
		c.rtp.stop();
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
		const ov = ovMsg.msg;

		assert.deepEqual(ov.data, { task_id: c.id, queue_id: 'closing', reason: 'max_wait', action: 'hangup',
			target: text });
		assert.deepEqual(types(callTimeline(watch, c.id)),
			['call.created', 'call.answered', 'task.queued', 'task.overflowed', 'call.ended']);
		assert.deepEqual(logLines(c.sipp).slice(-1), ['BYE'], 'Hotline sent the BYE');
		const spoke = atMs(ended) - atMs(ov);
		assert.ok(spoke >= 800 && spoke < 10000 * SLOW, `the message lasted ${spoke} ms before the BYE`);
		// music (1000 Hz) before, speech (received within the 700 ms
		// before the BYE) at the end
		const musicPk = c.tap.packets.filter((p) => p.at < ovMsg.at);
		const byeAt = sippTime(c.sipp, /^BYE /);
		const speechPk = c.tap.packets.filter((p) => {
			const t = performance.timeOrigin + p.at;
			return t > byeAt - 800 && t < byeAt - 100;
		});
		assert.ok(musicPk.length >= 10 && toneShare(samplesOf(musicPk), 1000) > 0.8, `music first: ${c.tap.summary()}`);
		assert.ok(speechPk.length >= 20, `speech packets before the BYE: ${c.tap.summary()}`);
		const sp = samplesOf(speechPk);
		assert.ok(rmsOf(sp) > 300 && toneShare(sp, 1000) < 0.3,
			`the message is speech, not the music (RMS ${rmsOf(sp).toFixed(0)}, 1 kHz share ${toneShare(sp, 1000).toFixed(3)})`);

		const r = await d.api.get(`/api/v1/calls/${c.id}`);
		assert.equal(r.status, 200, r.text);
		const rec = r.body;
		assert.deepEqual(rec, ended.data, 'GET /calls/{id} equals call.ended');
		assert.deepEqual([rec.queue_id, rec.queue_result, rec.hangup_by, rec.agent_id],
			['closing', 'overflowed', 'system', null], JSON.stringify(rec));
		assert.ok(rec.wait_ms >= 950 && rec.wait_ms < 1000 + 1000 * SLOW, `wait_ms ${rec.wait_ms} ~ max_wait_s 1`);
		const st = await getStats(d.api, 'closing');
		assert.deepEqual([st.today.offered, st.today.overflowed, st.today.abandoned, st.waiting], [1, 1, 0, 0],
			JSON.stringify(st));
	});
});

test('overflow "extension": after max_wait_s the extension\'s phone rings directly', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557520';
		const e = await newAgent(d.api, { name: 'Supervisor' });
		await makeQueue(d.api, 'escalate', { max_wait_s: 1, overflow: 'extension', overflow_target: e.extension,
			join_empty: true });
		await queueDid(d.api, number, 'escalate');
		const ep = await acdPhone(scope, e, { scenario: 'uas_bye.xml', vars: { ring_ms: 100, talk_ms: 500 } });

		const m0 = mark(watch);
		const c = await queueCaller(scope, watch, number, '5557521', { scenario: 'uac_wait_bye.xml' });
		const ov = await waitEvent(watch, 'task.overflowed', (x) => x.task_id === c.id, { from: m0 });
		await ep.uas.expectOk('(the extension answers, then hangs up)');
		await c.sipp.expectOk('(caller)');
		c.rtp.stop();
		ep.rtp.stop();
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });

		assert.deepEqual(ov.data, { task_id: c.id, queue_id: 'escalate', reason: 'max_wait', action: 'extension',
			target: e.extension });
		assert.match(logLines(ep.uas)[1], /^FROM .*<sip:5557521@/, 'the extension sees the caller');
		assert.equal(eventsOf(watch, 'task.offered', (x) => x.task_id === c.id).length, 0, 'no ACD offer');
		const tl = types(callTimeline(watch, c.id));
		assert.deepEqual(tl.slice(0, 4), ['call.created', 'call.answered', 'task.queued', 'task.overflowed']);
		assert.ok(tl.includes('call.bridged') && tl[tl.length - 1] === 'call.ended', tl.join(' '));
		// the caller hears the extension's phone through the relay
		assert.ok(c.rtp.rx.ssrcs.has(ep.rtp.ssrc), c.rtp.summary());
		assert.ok(ep.rtp.rx.ssrcs.has(c.rtp.ssrc), ep.rtp.summary());
		const rec = ended.data;
		assert.deepEqual([rec.queue_id, rec.queue_result, rec.agent_id, rec.hangup_by],
			['escalate', 'overflowed', e.id, 'callee'], JSON.stringify(rec));
	});
});
