// The caller's side of a queue: Hotline answers at once with one G.711
// codec and plays the queue's music on hold (a WAV of a known tone) as
// RTP from its relay while the caller waits; once an agent answers the
// music stops and the caller hears the agent (relayed), the agent hears
// the caller. Without a queue file the built-in music plays.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newAgent, isRelayAddr, logLines, SLOW } from './lib/calls.mjs';
import { tone } from './lib/rtp.mjs';
import { sippTrace } from './lib/sipptrace.mjs';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, addMember, queueDid, agentState,
	queueCaller, waitEvent, mark, answerFormats, offerFormats, samplesOf, toneShare, rmsOf, assertAnsweredCall,
	toneWav, eventsOf, atMs, SLOWISH,
	acdPhone,
} from './lib/acd.mjs';

const MUSIC_HZ = 1000;      // the queue's music
const VOICE_HZ = 440;       // what every lib/rtp.mjs peer sends
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

test('the tone detector tells 1000 Hz from 440 Hz (self-check)', () => {
	const m = tone(8000, { freq: MUSIC_HZ });
	const v = tone(8000, { freq: VOICE_HZ });
	assert.ok(toneShare(m, MUSIC_HZ) > 0.99 && toneShare(m, VOICE_HZ) < 0.01);
	assert.ok(toneShare(v, VOICE_HZ) > 0.99 && toneShare(v, MUSIC_HZ) < 0.01);
});

test('a waiting caller hears the queue\'s music from Hotline, then the agent instead', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557300';
		const wav = await toneWav(scope, MUSIC_HZ, 5);
		await makeQueue(d.api, 'music', { strategy: 'ring_all', moh_file: wav });
		await queueDid(d.api, number, 'music');
		const agent = await newAgent(d.api);
		await addMember(d.api, 'music', agent.id);
		await agentState(d.api, agent.id, 'login');          // logged in, not ready
		const phone = await acdPhone(scope, agent, { scenario: 'uas_bye.xml',
			vars: { ring_ms: 200, talk_ms: 1000 + 600 * SLOW } });

		const m0 = mark(watch);
		const caller = await queueCaller(scope, watch, number, '5557301', { scenario: 'uac_wait_bye.xml' });
		await waitEvent(watch, 'task.queued', (x) => x.task_id === caller.id, { from: m0 });
		const media = await caller.media;
		assert.ok(media && isRelayAddr(d, media.host, media.port), `answer SDP ${JSON.stringify(media)} is the relay`);

		// one second of music: paced RTP from the relay address of the SDP
		await caller.tap.waitFor((p) => p.length >= 50, '50 packets of music');
		const music = caller.tap.packets.slice(0, 50);
		const ctx = caller.tap.summary();
		assert.deepEqual([...new Set(music.map((p) => p.src))], [`${media.host}:${media.port}`],
			`music comes from Hotline's media address of the answer: ${ctx}`);
		assert.equal(new Set(music.map((p) => p.ssrc)).size, 1, `one music stream: ${ctx}`);
		assert.deepEqual([...new Set(music.map((p) => p.pt))], [0], `PCMU, the codec answered: ${ctx}`);
		const span = music[49].at - music[0].at;
		assert.ok(span >= 700, `50 packets took ${span.toFixed(0)} ms: paced at 20 ms, not a burst`);
		const ms = samplesOf(music);
		assert.ok(rmsOf(ms) > 1000, `music is audible (RMS ${rmsOf(ms).toFixed(0)})`);
		assert.ok(toneShare(ms, MUSIC_HZ) > 0.8,
			`music is the queue's ${MUSIC_HZ} Hz WAV (share ${toneShare(ms, MUSIC_HZ).toFixed(3)})`);
		assert.equal(phone.rtp.rx.packets, 0, 'nothing reaches the agent before the offer');
		const musicSsrc = music[0].ssrc;

		// the agent becomes ready, is offered the call, answers
		await agentState(d.api, agent.id, 'ready');
		const br = await watch.stream.waitFor((e) => e.type === 'call.bridged' && e.data?.id === caller.id,
			10000 * SLOW, { from: m0, what: 'call.bridged' });
		const bridgedAt = br.at;
		const agentSsrc = phone.rtp.ssrc;
		const grace = 200 * SLOW;
		await caller.tap.waitFor((p) => p.filter((x) => x.ssrc === agentSsrc && x.at > bridgedAt + grace).length >= 25,
			'25 packets of the agent after the bridge');
		const early = caller.tap.packets.filter((p) => p.ssrc === agentSsrc && p.at < bridgedAt);
		assert.equal(early.length, 0, `the caller heard the agent's phone before it answered: ${early.length} ` +
			`packets of the agent's stream before call.bridged (${caller.tap.summary()})`);
		const after = caller.tap.between(bridgedAt + grace);
		const ctx2 = caller.tap.summary();
		assert.deepEqual([...new Set(after.map((p) => p.ssrc))], [agentSsrc],
			`after the bridge the caller receives the agent's stream only (music stopped): ${ctx2}`);
		for (const p of after) {
			const [host, port] = p.src.split(':');
			assert.ok(isRelayAddr(d, host, Number(port)), `from the relay: ${p.src}`);
		}
		const vs = samplesOf(after);
		assert.ok(toneShare(vs, VOICE_HZ) > 0.8 && toneShare(vs, MUSIC_HZ) < 0.05,
			`the caller hears the agent's ${VOICE_HZ} Hz, not the music ` +
			`(${toneShare(vs, VOICE_HZ).toFixed(3)} / ${toneShare(vs, MUSIC_HZ).toFixed(3)})`);
		assert.equal(caller.tap.packets.filter((p) => p.ssrc === musicSsrc && p.at > bridgedAt + grace).length, 0,
			'no music after the bridge');

		await phone.uas.expectOk('(agent phone hangs up)');
		await caller.sipp.expectOk('(caller)');
		caller.rtp.stop();
		phone.rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === caller.id, { from: m0 });

		// the agent heard the caller only (not the music)
		assert.deepEqual([...phone.rtp.rx.ssrcs], [caller.rtp.ssrc], `agent received: ${phone.rtp.summary()}`);
		assert.ok(phone.rtp.rxRms > 1000, phone.rtp.summary());
		assert.deepEqual(answerFormats(sippTrace(caller.sipp)), [0, 101],
			'Hotline answered with one G.711 codec (the caller\'s first) and telephone-event');
		assert.deepEqual(offerFormats(sippTrace(phone.uas)), [0, 101],
			'and offered the agent that same codec (the relay does not transcode)');
		const [cr, an] = ['call.created', 'call.answered'].map((t) => eventsOf(watch, t, (x) => x.id === caller.id)[0]);
		assert.ok(atMs(an) - atMs(cr) < 200 * SLOW, `Hotline answered at once (${atMs(an) - atMs(cr)} ms)`);
		assert.match(logLines(phone.uas)[1], /^FROM .*<sip:5557301@/, 'the agent sees the caller\'s number');
		const { record } = await assertAnsweredCall(d, watch, caller.id, { queueId: 'music', agentId: agent.id,
			did: number, from: '5557301', hangupBy: 'callee' });
		assert.ok(record.wait_ms >= 1000, `wait_ms ${record.wait_ms}: at least the second of music`);
	});
});

test('no music file: the built-in music plays; the caller gives up (abandoned)', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557310';
		await makeQueue(d.api, 'plain', { join_empty: true });
		await queueDid(d.api, number, 'plain');
		const m0 = mark(watch);
		const holdMs = 1500 * SLOWISH;
		const caller = await queueCaller(scope, watch, number, '5557311', { vars: { talk_ms: holdMs } });
		await caller.sipp.expectOk('(caller hangs up while waiting)');
		caller.rtp.stop();
		const ab = await waitEvent(watch, 'task.abandoned', (x) => x.task_id === caller.id, { from: m0 });
		await waitEvent(watch, 'call.ended', (x) => x.id === caller.id, { from: m0 });

		const media = await caller.media;
		const pk = caller.tap.packets;
		assert.ok(pk.length >= 40, `music while waiting: ${caller.tap.summary()}`);
		assert.ok(pk.every((p) => p.src === `${media.host}:${media.port}`), caller.tap.summary());
		assert.ok(rmsOf(samplesOf(pk)) > 300, `built-in music is not silence (RMS ${rmsOf(samplesOf(pk)).toFixed(0)})`);
		assert.equal(eventsOf(watch, 'task.offered', (x) => x.task_id === caller.id).length, 0, 'no offer');
		assert.ok(ab.data.wait_ms >= holdMs - 200 && ab.data.wait_ms < holdMs + 1500 * SLOW,
			`task.abandoned wait_ms ${ab.data.wait_ms} ~ the caller's ${holdMs} ms`);
		const r = await d.api.get(`/api/v1/calls/${caller.id}`);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.body.queue_id, 'plain');
		assert.equal(r.body.queue_result, 'abandoned');
		assert.equal(r.body.agent_id, null);
		assert.equal(r.body.hangup_by, 'caller');
		assert.ok(Math.abs(r.body.wait_ms - ab.data.wait_ms) <= 100 * SLOW,
			`record wait_ms ${r.body.wait_ms} ~ task.abandoned ${ab.data.wait_ms}`);
	});
});
