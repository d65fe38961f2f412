// What a waiting caller hears besides the music: the queue's greeting,
// spoken by flite when the call joins, and every announce_s an
// announcement of its position, both on the same RTP stream as the music
// (a WAV of a known tone), which pauses while Hotline speaks and resumes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	openAcdSuite, closeAcdSuite, acdScope, makeQueue, queueDid, queueCaller, waitEvent, mark,
	samplesOf, toneShare, rmsOf, toneWav, SLOW,
} from './lib/acd.mjs';

const MUSIC_HZ = 1000;
const ANNOUNCE_S = 10;     // the shortest period the API allows
let d;
let watch;

before(async () => ({ d, watch } = await openAcdSuite()));
after(() => closeAcdSuite(d, watch));

// Each 100 ms of received audio: the music tone, speech (audible and not
// the tone), or neither (silence, a transition)
function classify(packets) {
	const out = [];
	for (let i = 0; i + 5 <= packets.length; i += 5) {
		const s = samplesOf(packets.slice(i, i + 5));
		const share = toneShare(s, MUSIC_HZ);
		const kind = share > 0.8 ? 'music' : (share < 0.3 && rmsOf(s) > 300 ? 'speech' : 'other');
		out.push({ at: packets[i].at, kind });
	}
	return out;
}

const speechIn = (windows, t0, t1) => windows.filter((w) => w.kind === 'speech' && w.at >= t0 && w.at < t1).length;

test('greeting on entry, position announcements every announce_s, music in between', async () => {
	const scope = acdScope(d, watch);
	await scope.run(async () => {
		const number = '+15557900';
		const wav = await toneWav(scope, MUSIC_HZ, 5);
		await makeQueue(d.api, 'talk', { join_empty: true, moh_file: wav, greeting: 'Thank you for calling.',
			announce_s: ANNOUNCE_S });
		await queueDid(d.api, number, 'talk');

		const m0 = mark(watch);
		const caller = await queueCaller(scope, watch, number, '5557901',
			{ vars: { talk_ms: (ANNOUNCE_S + 4) * 1000 } });
		await waitEvent(watch, 'task.queued', (x) => x.task_id === caller.id, { from: m0 });
		await caller.sipp.expectOk('(caller hangs up after waiting)');
		caller.rtp.stop();
		await waitEvent(watch, 'task.abandoned', (x) => x.task_id === caller.id, { from: m0 });

		const pk = caller.tap.packets;
		assert.ok(pk.length >= 40 * ANNOUNCE_S, `RTP all along: ${caller.tap.summary()}`);
		assert.equal(new Set(pk.map((p) => p.ssrc)).size, 1, `one stream for music and speech: ${caller.tap.summary()}`);
		const t0 = pk[0].at;
		const w = classify(pk);
		const kinds = w.map((x) => x.kind[0]).join('');
		// the greeting (~1.3 s of speech) comes first, at most a moment
		// after the music started (synthesis runs on a worker thread)
		assert.ok(speechIn(w, t0, t0 + 4000 * SLOW) >= 5, `greeting heard first: ${kinds}`);
		assert.ok(w.filter((x) => x.kind === 'music').length >= 30, `music while waiting: ${kinds}`);
		// after announce_s the position is announced, between stretches of music
		const firstMusicAfterGreeting = w.find((x) => x.kind === 'music' && x.at > t0 + 500);
		assert.ok(firstMusicAfterGreeting, `music after the greeting: ${kinds}`);
		const ann = speechIn(w, t0 + (ANNOUNCE_S - 1) * 1000, Infinity);
		assert.ok(ann >= 5, `an announcement after ${ANNOUNCE_S} s (${ann} windows of speech): ${kinds}`);
		assert.equal(speechIn(w, t0 + 4500 * SLOW, t0 + (ANNOUNCE_S - 1) * 1000), 0,
			`no speech between the greeting and the announcement: ${kinds}`);
	});
});
