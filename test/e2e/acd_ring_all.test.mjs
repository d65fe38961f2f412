// Strategy ring_all: every ready member rings at once for one call; the
// first to answer takes it (one task.accepted, one call.bridged), the
// others' legs are cancelled ("taken"). When two phones answer at the
// same instant, exactly one is bridged and the other is hung up at once
// (ACK + BYE) and never becomes busy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp, freeUdpPort } from './lib/sipp.mjs';
import { RtpPeer } from './lib/rtp.mjs';
import { newAgent, logLines, Scope, SLOW } from './lib/calls.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, loginReady,
	queueCaller, waitEvent, mark, eventsOf, callTimeline, types, voiceChanges, waitActivity, sippTime, atMs,
	acdPhone,
} from './lib/acd.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

test('peer check: uac_call -> uas_answer_now (answers with no ringing), without Hotline', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const rtp = scope.add(await RtpPeer.open('callee media'));
		const port = await freeUdpPort();
		const callee = scope.add(await startSipp('uas_answer_now.xml', { localPort: port, timeoutS: 10,
			keys: { rtp_port: rtp.port }, label: 'callee' }));
		await callee.bound();
		const caller = scope.add(await startSipp('uac_call.xml', { remote: `127.0.0.1:${port}`, service: '1001',
			timeoutS: 10, vars: { talk_ms: 200 }, keys: { caller: 'alice' }, label: 'caller' }));
		await caller.expectOk();
		await callee.expectOk();
		assert.deepEqual(logLines(caller), ['ANSWERED', `MEDIA 127.0.0.1 ${rtp.port}`, 'BYE_OK']);
		assert.deepEqual(logLines(callee).slice(-2), ['ACK', 'BYE']);
	});
});

test('ring_all: both phones ring, the first to answer wins, the other leg is cancelled', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557800';
		await makeQueue(d.api, 'all', { strategy: 'ring_all' });
		await queueDid(d.api, number, 'all');
		const p = await newAgent(d.api, { name: 'Answers' });
		const q = await newAgent(d.api, { name: 'Rings' });
		for (const ag of [p, q])
			await addMember(d.api, 'all', ag.id);
		const pp = await acdPhone(scope, p, { scenario: 'uas_bye.xml', vars: { ring_ms: 400, talk_ms: 800 } });
		const qp = await acdPhone(scope, q, { scenario: 'uas_ring.xml', rtp: false });
		await loginReady(d.api, p.id);
		await loginReady(d.api, q.id);

		const m0 = mark(watch);
		const c = await queueCaller(scope, watch, number, '5557801', { scenario: 'uac_wait_bye.xml' });
		await pp.uas.expectOk('(the phone that answers)');
		await qp.uas.expectOk('(the phone that only rings: CANCEL)');
		await c.sipp.expectOk('(caller)');
		c.rtp.stop();
		pp.rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
		await waitActivity(watch, q.id, 'idle', { from: m0 });

		const offered = eventsOf(watch, 'task.offered', (x) => x.task_id === c.id);
		assert.deepEqual(offered.map((e) => e.data.agent_id).sort(), [p.id, q.id].sort(), 'both rang');
		assert.notEqual(offered[0].data.offer_id, offered[1].data.offer_id, 'one offer each');
		const accepted = eventsOf(watch, 'task.accepted', (x) => x.task_id === c.id);
		assert.deepEqual(accepted.map((e) => e.data.agent_id), [p.id], 'one task.accepted, by P');
		const ended = eventsOf(watch, 'task.offer_ended', (x) => x.task_id === c.id);
		assert.deepEqual(ended.map((e) => [e.data.agent_id, e.data.reason]), [[q.id, 'taken']]);
		assert.deepEqual(eventsOf(watch, 'call.bridged', (x) => x.id === c.id).map((e) => e.data.agent_id), [p.id]);
		const tl = types(callTimeline(watch, c.id));
		assert.deepEqual(tl.slice(0, 5), ['call.created', 'call.answered', 'task.queued', 'task.offered', 'task.offered']);
		assert.deepEqual(tl.slice(5).sort(), ['call.bridged', 'call.ended', 'task.accepted', 'task.offer_ended']);
		assert.equal(tl[tl.length - 1], 'call.ended');

		assert.deepEqual(logLines(qp.uas).slice(-2), ['CANCEL', 'ACK'], 'Q\'s leg was cancelled');
		const late = sippTime(qp.uas, /^CANCEL /) - atMs(ended[0]);
		assert.ok(late < 500 * SLOW, `Q's phone got the CANCEL ${late} ms after its offer ended (taken): ` +
			'it must stop ringing when P answers, not when the call ends');
		assert.equal(qp.rtp.rx.packets, 0, 'nothing relayed to Q');
		assert.ok(c.rtp.rx.ssrcs.has(pp.rtp.ssrc), `the caller hears P: ${c.rtp.summary()}`);
		assert.deepEqual(voiceChanges(watch, q.id, m0).map((v) => v.slice(0, 3)),
			[['offer', 'idle', 'offered'], ['decline', 'offered', 'idle']], 'Q: offered, then idle again');
		const qs = (await d.api.get(`/api/v1/agents/${q.id}`)).body.state;
		assert.deepEqual([qs.status, qs.activity.voice], ['ready', 'idle'], 'a taken offer is not a miss');
		const rec = (await d.api.get(`/api/v1/calls/${c.id}`)).body;
		assert.deepEqual([rec.agent_id, rec.queue_result], [p.id, 'answered']);
	});
});

test('ring_all race: two phones answer at once; exactly one is bridged, the other gets a BYE', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557810';
		await makeQueue(d.api, 'race', { strategy: 'ring_all' });
		await queueDid(d.api, number, 'race');
		const a = await newAgent(d.api, { name: 'Quick 1' });
		const b = await newAgent(d.api, { name: 'Quick 2' });
		const phones = {};
		for (const ag of [a, b]) {
			await addMember(d.api, 'race', ag.id);
			phones[ag.id] = await acdPhone(scope, ag, { scenario: 'uas_answer_now.xml' });
			await loginReady(d.api, ag.id);
		}

		const m0 = mark(watch);
		const c = await queueCaller(scope, watch, number, '5557811', { vars: { talk_ms: 1500 * SLOW } });
		const acc = await waitEvent(watch, 'task.accepted', (x) => x.task_id === c.id, { from: m0 });
		const winner = acc.data.agent_id;
		const loser = winner === a.id ? b.id : a.id;
		await phones[loser].uas.expectOk('(the phone that lost the race: ACK, BYE)');
		phones[loser].rtp.stop();          // a phone stops sending once hung up
		await c.sipp.expectOk('(caller)');
		c.rtp.stop();
		await phones[winner].uas.expectOk('(the phone that won)');
		phones[winner].rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });

		// media: caller <-> winner only
		const [wr, lr] = [phones[winner].rtp, phones[loser].rtp];
		assert.ok(c.rtp.rx.ssrcs.has(wr.ssrc), `the caller hears the winner (ssrc ${wr.ssrc}), ` +
			`not the loser (ssrc ${lr.ssrc}): ${c.rtp.summary()}`);
		assert.ok(!c.rtp.rx.ssrcs.has(lr.ssrc), `the caller never hears the loser (ssrc ${lr.ssrc}): ${c.rtp.summary()}`);
		assert.ok(wr.rx.ssrcs.has(c.rtp.ssrc) && wr.rx.packets >= 20, `the winner hears the caller: ${wr.summary()}`);
		assert.equal(lr.rx.packets, 0, `the caller's audio never reaches the loser: ${lr.summary()}`);
		// the loser's phone is hung up right away, not when the call ends
		const late = sippTime(phones[loser].uas, /^BYE /) - atMs(acc);
		assert.ok(late < 500 * SLOW, `the losing phone got its BYE ${late} ms after task.accepted`);

		assert.equal(eventsOf(watch, 'task.offered', (x) => x.task_id === c.id).length, 2, 'both were offered');
		assert.equal(eventsOf(watch, 'task.accepted', (x) => x.task_id === c.id).length, 1, 'one task.accepted');
		const br = eventsOf(watch, 'call.bridged', (x) => x.id === c.id);
		assert.deepEqual(br.map((e) => e.data.agent_id), [winner], 'one call.bridged, to the winner');
		const ll = logLines(phones[loser].uas);
		assert.ok(ll.includes('ACK') && ll[ll.length - 1] === 'BYE', `loser: ACK then BYE: ${ll.join(' | ')}`);
		const lv = voiceChanges(watch, loser, m0).map((v) => v[2]);
		assert.ok(!lv.includes('busy'), `the loser never became busy: ${JSON.stringify(voiceChanges(watch, loser, m0))}`);
		assert.equal(lv[lv.length - 1], 'idle', 'the loser is idle again');
		await waitActivity(watch, winner, 'idle', { from: m0 });
		const rec = (await d.api.get(`/api/v1/calls/${c.id}`)).body;
		assert.deepEqual([rec.agent_id, rec.queue_result], [winner, 'answered']);
	});
});
