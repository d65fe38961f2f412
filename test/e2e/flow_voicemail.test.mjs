// Voicemail: a record step beeps (the caller hears a 1 kHz tone), then
// records what the caller sends (a 600 Hz tone from sipp) into a WAV
// file under <data_dir>/recordings/<date>/<id>.wav until the caller hangs
// up or presses #. Checked: recording.created, GET /recordings?call_id=,
// the audio endpoint, and the file itself (header, duration, content).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { logLines } from './lib/calls.mjs';
import { waitEvent, mark, sippTime } from './lib/acd.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, flowDid, flowCaller, waitTrace, traceRows,
	waitRecording, parseWav, wavAudibleMs, samplesOf, toneShare, bursts, rmsOf, SLOW,
} from './lib/flow.mjs';

const NUMBER = '+15558500';
const BEEP_HZ = 1000;
const VOICE_HZ = 600;

let d;
let watch;

before(async () => {
	({ d, watch } = await openFlowSuite());
	await createFlow(d.api, 'voicemail', { steps: [
		{ id: 'vm', action: 'record', beep: true, max_s: 20, silence_s: 0, terminator: '#', next: 'thanks' },
		{ id: 'thanks', action: 'say', text: 'Thank you, goodbye.', next: 'bye' },
		{ id: 'bye', action: 'hangup' },
	] });
	await flowDid(d.api, NUMBER, 'voicemail');
});
after(() => closeFlowSuite(d, watch));

/** The beep the caller heard: 100 ms windows of the 1 kHz tone from the
 *  start; returns {ms, end (performance.now() of its last packet)}. */
function beepHeard(tap) {
	const audio = tap.audio();
	let ms = 0, end = null;
	for (let i = 0; i + 5 <= audio.length && i < 100; i += 5) {
		const w = audio.slice(i, i + 5);
		const s = samplesOf(w);
		if (rmsOf(s) > 1000 && toneShare(s, BEEP_HZ) > 0.8) {
			ms += 100;
			end = w[4].at;
		} else if (ms) {
			break;
		}
	}
	return { ms, end };
}

/** Everything about one recording: the event, the listing, the audio
 *  endpoint and the file agree; returns {ev, wav, file}. */
async function checkRecording(c, m0) {
	const ev = await waitEvent(watch, 'recording.created', (x) => x.call_id === c.id, { from: m0 });
	const x = ev.data;
	for (const k of ['id', 'call_id', 'path', 'duration_ms'])
		assert.ok(k in x, `recording.created has ${k}: ${JSON.stringify(x)}`);
	assert.equal(x.call_id, c.id);
	assert.deepEqual(ev.topics, [`call:${c.id}`, `recording:${x.id}`]);
	const day = new Date().toISOString().slice(0, 10);
	assert.equal(path.relative(d.dataDir, x.path).replace(/\d{4}-\d{2}-\d{2}/, day),
		path.join('recordings', day, `${x.id}.wav`), `path ${x.path} under ${d.dataDir}`);

	const items = await waitRecording(d.api, c.id);
	assert.equal(items.length, 1, JSON.stringify(items));
	for (const [k, v] of Object.entries(x))
		assert.deepEqual(items[0][k], v, `the listing agrees with the event on ${k}`);
	const one = await d.api.get(`/api/v1/recordings/${x.id}`);
	assert.equal(one.status, 200, one.text);
	assert.deepEqual(one.body, items[0], 'GET /recordings/{id} is the listed item');
	const file = await fs.readFile(x.path);
	assert.equal(items[0].bytes, file.length, 'bytes');
	const r = await fetch(`${d.url}/api/v1/recordings/${x.id}/audio`, {
		headers: { authorization: `Bearer ${d.token}` } });
	assert.equal(r.status, 200);
	assert.match(r.headers.get('content-type') || '', /^audio\/wav/);
	assert.ok(Buffer.from(await r.arrayBuffer()).equals(file), 'the audio endpoint serves the file');

	const wav = parseWav(file);
	assert.ok(Math.abs(wav.durationMs - x.duration_ms) <= 40,
		`duration_ms ${x.duration_ms} is the file's ${wav.durationMs} ms`);
	return { ev, wav, file };
}

test('record with beep: 3 s of the caller\'s audio, the caller hangs up: a 3 s WAV of that audio', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const m0 = mark(watch);
		// the audio starts right after the beep (400 ms), the BYE right
		// after the audio
		const c = await flowCaller(scope, watch, NUMBER, '5558501', { scenario: 'uac_voicemail.xml',
			vars: { wait_ms: 500, audio_s: 3, hash: 0, hangup_ms: 1 } });
		await c.sipp.expectOk('(caller: beep, 3 s of audio, BYE)');
		assert.deepEqual(logLines(c.sipp).slice(-3), ['AUDIO_START', 'AUDIO_END', 'BYE_OK']);
		const { wav } = await checkRecording(c, m0);

		const beep = beepHeard(c.tap);
		assert.ok(beep.ms >= 300 && beep.ms <= 500, `the caller heard a ${beep.ms} ms beep: ${c.tap.summary()}`);
		assert.ok(Math.abs(wav.durationMs - 3000) <= 300, `WAV of ${wav.durationMs} ms for 3 s of audio`);
		const span = sippTime(c.sipp, /^BYE /, 'out') - (performance.timeOrigin + beep.end);
		assert.ok(Math.abs(wav.durationMs - span) <= 250,
			`WAV ${wav.durationMs} ms ~ from the beep's end to the BYE (${span.toFixed(0)} ms)`);
		const loud = wavAudibleMs(wav.samples);
		assert.ok(loud >= 2700 && loud <= 3100, `${loud} ms of sound in the WAV`);
		assert.ok(toneShare(Float64Array.from(wav.samples.subarray(800, 800 + 16000)), VOICE_HZ) > 0.8,
			'the recording is the caller\'s 600 Hz tone');
		assert.ok(toneShare(Float64Array.from(wav.samples), BEEP_HZ) < 0.05, 'the beep is not in it');

		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 1);
		assert.deepEqual(traceRows(steps), [['vm', 'record', 'caller_hangup', null]], JSON.stringify(steps));
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
		assert.equal(ended.data.hangup_by, 'caller');
	});
});

test('record ended by #: the flow goes on (thanks, hangup) and the WAV holds the 2 s before it', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const m0 = mark(watch);
		const c = await flowCaller(scope, watch, NUMBER, '5558502', { scenario: 'uac_voicemail.xml',
			vars: { wait_ms: 500, audio_s: 2, hash: 1, hangup_ms: 0 } });
		await c.sipp.expectOk('(caller: beep, 2 s of audio, #, then Hotline thanks and hangs up)');
		assert.deepEqual(logLines(c.sipp).slice(-4), ['AUDIO_START', 'AUDIO_END', 'DTMF #', 'BYE']);
		const { ev, wav } = await checkRecording(c, m0);
		assert.ok(Math.abs(wav.durationMs - 2000) <= 300, `WAV of ${wav.durationMs} ms for 2 s of audio`);
		const loud = wavAudibleMs(wav.samples);
		assert.ok(loud >= 1700 && loud <= 2100, `${loud} ms of sound in the WAV`);

		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 3);
		assert.deepEqual(traceRows(steps), [['vm', 'record', 'ok', 'thanks'], ['thanks', 'say', 'ok', 'bye'],
			['bye', 'hangup', 'hangup', null]], JSON.stringify(steps));
		assert.deepEqual(steps[0].input, { recording_id: ev.data.id, duration_ms: ev.data.duration_ms,
			stopped: true });
		// the thanks came after the #, to the same port the keys left from
		const thanksAt = Date.parse(steps[1].started_at);
		const after = bursts(c.tap.audio().filter((p) => p.wall >= thanksAt - 50));
		assert.equal(after.length, 1, `the thanks after the #: ${JSON.stringify(after)} ${c.tap.summary()}`);
		assert.ok(after[0].ms >= 500 * (SLOW > 1 ? 0 : 1), `${after[0].ms} ms of thanks`);
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
		assert.equal(ended.data.hangup_by, 'system');
	});
});
