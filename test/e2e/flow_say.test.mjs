// A flow that speaks: a say step is heard by the caller as speech (RTP
// from Hotline, decoded: loud enough, not a tone, lasting what a short
// sentence lasts), then a gather step collects the keys the caller
// presses (RFC 4733) and the trace shows them; the flow hangs up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { logLines } from './lib/calls.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, flowDid, flowCaller, dtmfVars, waitTrace, traceRows,
	levels, audibleMs, samplesOf, toneShare, rmsOf, assertSchema, SLOW,
} from './lib/flow.mjs';
import { waitEvent, answerFormats } from './lib/acd.mjs';
import { sippTrace } from './lib/sipptrace.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openFlowSuite()));
after(() => closeFlowSuite(d, watch));

const SENTENCE = 'Thank you for calling our support line.';   // 7 words

test('say: the caller hears the sentence; gather: the keys pressed reach the trace', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const number = '+15558100';
		const flow = await createFlow(d.api, 'speak', { steps: [
			{ id: 'hello', action: 'say', text: SENTENCE, next: 'ask' },
			{ id: 'ask', action: 'gather', prompt: { say: 'Enter your code.' }, max_digits: 4,
				timeout_ms: 4000, inter_digit_ms: 2000, retries: 0, next: 'bye', no_input: 'bye',
				invalid: 'bye' },
			{ id: 'bye', action: 'hangup' },
		] });
		await flowDid(d.api, number, flow.id);

		// keys after both prompts (the sentence ~2.5 s, the prompt ~1 s)
		const c = await flowCaller(scope, watch, number, '5558101',
			{ vars: dtmfVars('47#', [5000 * SLOW, 300, 300]) });
		await c.sipp.expectOk('(caller: keys, then Hotline hangs up)');
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id);
		assert.deepEqual(logLines(c.sipp).slice(-4), ['DTMF 4', 'DTMF 7', 'DTMF #', 'BYE'], 'Hotline hung up');

		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 3, { what: 'three steps' });
		assert.deepEqual(traceRows(steps), [
			['hello', 'say', 'ok', 'ask'],
			['ask', 'gather', 'ok', 'bye'],
			['bye', 'hangup', 'hangup', null],
		], JSON.stringify(steps));
		assert.deepEqual(steps.map((s) => s.seq), [0, 1, 2].map((i) => steps[0].seq + i), 'seq in order');
		assert.equal(steps[0].input.text, SENTENCE);
		assert.deepEqual(steps[1].input, { digits: '47', attempts: 1 }, 'gather saw "47" then #');

		// what the caller heard during the say step: speech of a sane length
		const say = steps[0];
		const t0 = Date.parse(say.started_at), t1 = Date.parse(say.ended_at);
		assert.ok(say.duration_ms >= 1000 && say.duration_ms <= 5000 * SLOW,
			`the say step lasted ${say.duration_ms} ms for ${SENTENCE.split(' ').length} words`);
		const heard = c.tap.audio().filter((p) => p.wall >= t0 - 100 && p.wall <= t1 + 100);
		const loud = audibleMs(heard);
		assert.ok(loud >= 1000 && loud <= 5000, `${loud} ms of sound during the say step: ${c.tap.summary()}`);
		assert.ok(loud >= 0.5 * say.duration_ms, `sound for most of the step (${loud} of ${say.duration_ms} ms)`);
		const s = samplesOf(heard.filter((p) => rmsOf(p.samples) > 300));
		assert.ok(rmsOf(s) > 500, `speech is loud enough: RMS ${rmsOf(s).toFixed(0)}`);
		for (const f of [440, 600, 1000])
			assert.ok(toneShare(s, f) < 0.3, `speech, not a ${f} Hz tone (${toneShare(s, f).toFixed(2)})`);
		// not one flat level: speech has loud and quiet 20 ms frames
		const lv = levels(heard).map((l) => l.rms).sort((a, b) => a - b);
		assert.ok(lv[Math.floor(lv.length * 0.9)] > 3 * lv[Math.floor(lv.length * 0.3)] + 100,
			'levels vary like speech');
		// the answer names one codec plus telephone-event (offered: 0 8
		// 101); Hotline's RTP is that codec, from its relay, one SSRC
		assert.deepEqual(answerFormats(sippTrace(c.sipp)), [0, 101], 'PCMU and telephone-event answered');
		const audio = c.tap.audio();
		assert.deepEqual([...new Set(audio.map((p) => p.pt))], [0], c.tap.summary());
		assert.equal(new Set(audio.map((p) => p.ssrc)).size, 1, c.tap.summary());

		const rec = ended.data;
		assertSchema('Call', rec);
		assert.deepEqual([steps.body.flow_id, steps.body.flow_version], ['speak', 1], 'the trace names the flow');
		assert.deepEqual([rec.flow_id, rec.flow_version, rec.hangup_by, rec.did], ['speak', 1, 'system', number],
			JSON.stringify(rec));
		assert.ok(rec.answered_at !== null, 'the flow answered');
		const r = await d.api.get(`/api/v1/calls/${c.id}`);
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.body, rec, 'GET /calls/{id} equals call.ended');
		// the caller became a contact, named in the record
		assert.ok(Number.isInteger(rec.contact_id) && rec.contact_id > 0, `contact_id: ${JSON.stringify(rec)}`);
		const ct = await d.api.get(`/api/v1/contacts/${rec.contact_id}`);
		assert.equal(ct.status, 200, ct.text);
		assert.equal(ct.body.phone, '5558101', ct.text);
		assertSchema('Contact', ct.body);
	});
});
