// The dial step's branches end to end. Each flow dials one destination
// and sends every outcome to its own short message (a say step) before
// hanging up, so the trace names the branch taken and the caller hears
// it: an extension whose phone answers 486 (busy), one that only rings
// past timeout_s (no_answer: Hotline cancels it), an agent with no
// registered phone (failed, at once), and a number through a trunk whose
// carrier answers (the caller is bridged to it, the number rewritten and
// the step's caller id presented; the call ends when the carrier hangs
// up), and a carrier refusing 486 behind a trunk with its own caller id
// (the step's caller_id is still the one presented; no busy branch: the
// call ends busy). A callee that does not answer must not stay on the
// call: the record ends without it and its phone can be called again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	newAgent, dial, startCarrier, uriUser, assertEndedRecord, recordMatchesLastEvent, isRelayAddr, logLines,
} from './lib/calls.mjs';
import { acdPhone, waitEvent, mark, types, callTimeline, sippTime } from './lib/acd.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, flowDid, flowCaller, dtmfVars, waitTrace, traceRows,
	audibleMs, SLOW,
} from './lib/flow.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openFlowSuite()));
after(() => closeFlowSuite(d, watch));

const MESSAGES = { busy: 'The line is busy.', no_answer: 'Nobody answered.', failed: 'That call failed.' };

/** A flow dialling `to` (a dial step "call", with extra fields), each
 *  unhappy outcome to its own say step, then a hangup. */
function dialFlow(to, extra = {}) {
	return { steps: [
		{ id: 'call', action: 'dial', to, busy: 'busy_msg', no_answer: 'no_answer_msg', failed: 'failed_msg',
			...extra },
		...Object.entries(MESSAGES).map(([k, text]) => ({ id: `${k}_msg`, action: 'say', text, next: 'bye' })),
		{ id: 'bye', action: 'hangup' },
	] };
}

/** A flow and the DID running it. */
async function dialLine(id, number, to, extra) {
	await createFlow(d.api, id, dialFlow(to, extra));
	await flowDid(d.api, number, id);
}

/** The caller of c ended up where the flow's `result` branch leads: the
 *  trace is dial (result) -> its message -> hangup, the dial step saw
 *  `to`; returns the trace steps. */
async function assertBranch(c, result, to) {
	const steps = await waitTrace(d.api, c.id, (s) => s.length >= 3, { what: 'dial, say, hangup' });
	assert.deepEqual(traceRows(steps), [
		['call', 'dial', result, `${result}_msg`],
		[`${result}_msg`, 'say', 'ok', 'bye'],
		['bye', 'hangup', 'hangup', null],
	], JSON.stringify(steps));
	assert.deepEqual(steps[0].input, { to }, 'the dial step\'s input');
	assert.equal(steps[1].input.text, MESSAGES[result]);
	return steps;
}

/** The caller heard nothing while the dial step ran (it was not even
 *  answered) and then the branch's message: sound for most of the say
 *  step, after the dial step ended. */
function assertHeardMessage(c, steps) {
	const dialEnd = Date.parse(steps[0].ended_at);
	const say = steps[1];
	const t0 = Date.parse(say.started_at), t1 = Date.parse(say.ended_at);
	const during = c.tap.audio().filter((p) => p.wall < dialEnd - 20);
	assert.equal(audibleMs(during), 0, `nothing audible while the dial step rang: ${c.tap.summary()}`);
	const heard = c.tap.audio().filter((p) => p.wall >= t0 - 100 && p.wall <= t1 + 100);
	const loud = audibleMs(heard);
	assert.ok(say.duration_ms >= 500, `the say step lasted ${say.duration_ms} ms`);
	assert.ok(loud >= 0.5 * say.duration_ms, `the message is heard: ${loud} ms of sound in a ${say.duration_ms} ms ` +
		`step: ${c.tap.summary()}`);
}

/** The caller (uac_dtmf.xml, no keys) was answered by the flow and hung
 *  up on by Hotline. */
function assertCallerHungUp(c) {
	const l = logLines(c.sipp);
	assert.ok(l.includes('ANSWERED'), `the flow answered the caller: ${l}`);
	assert.equal(l[l.length - 1], 'BYE', `Hotline hung up: ${l}`);
}

/** The call ended by the flow's hangup step, without the agent the dial
 *  step rang: no agent_id, no agent topic on call.ended. */
async function assertEndedWithoutAgent(c, { number, from, flowId, rang }) {
	const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id);
	assert.deepEqual(ended.topics, [`call:${c.id}`], 'call.ended names no agent');
	const rec = await recordMatchesLastEvent(d.api, watch, c.id);
	assertEndedRecord(rec, {
		direction: 'inbound', from, to: number, did: number, trunk_id: null, agent_id: null,
		hangup_cause: 'normal_clearing', hangup_by: 'system',
	}, { rang, answered: true });
	assert.equal(rec.flow_id, flowId, JSON.stringify(rec));
	return rec;
}

/** The agent's voice activity was never seized by the call and is idle. */
async function assertAgentIdle(agent, callId) {
	const seized = watch.agentEvents(agent.id).filter((e) => e.data.channel === 'voice' && e.data.to === 'busy');
	assert.deepEqual(seized.map((e) => e.data.actor), [], `the agent was never busy with call ${callId}`);
	const r = await d.api.get(`/api/v1/agents/${agent.id}`);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.state.activity.voice, 'idle', `agent ${agent.id}: ${r.text}`);
}

test('busy: the phone answers 486, the flow takes "busy", says so and hangs up; the agent is free again', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const number = '+15558301', from = '5558311';
		const agent = await newAgent(d.api, { name: 'Busy' });
		await dialLine('dial-busy', number, { extension: agent.extension });
		// two calls: the flow's, then a direct one proving the agent was
		// released (a leaked "on a call" would get Hotline's own 486)
		const p = await acdPhone(scope, agent, { scenario: 'uas_reject.xml', vars: { reject_code: 486, ring_ms: 200 },
			calls: 2, rtp: false });

		const c = await flowCaller(scope, watch, number, from, { vars: dtmfVars('') });
		await c.sipp.expectOk('(caller: hears the busy message, Hotline hangs up)');
		assertCallerHungUp(c);
		const pl = logLines(p.uas);
		assert.match(pl[0], new RegExp(`^INVITE sip:${agent.extension}@`), 'the agent\'s phone rang');
		assert.match(pl[1], new RegExp(`^FROM .*<sip:${from}@`), 'the phone sees the caller');
		assert.deepEqual(pl.slice(-2), ['REJECTED 486', 'ACK'], 'Hotline ACKed the 486');

		const steps = await assertBranch(c, 'busy', agent.extension);
		assert.ok(steps[0].duration_ms >= 150 && steps[0].duration_ms < 2000 * SLOW,
			`the dial step ended with the 486 (${steps[0].duration_ms} ms, ring_ms 200)`);
		assertHeardMessage(c, steps);
		await assertEndedWithoutAgent(c, { number, from, flowId: 'dial-busy', rang: true });
		await assertAgentIdle(agent, c.id);

		// the phone is called again when its extension is dialled
		const direct = await dial(scope, agent.extension, { scenario: 'uac_fail.xml', from: '5558312', rtp: false });
		await direct.sipp.expectOk('(direct caller)');
		assert.deepEqual(logLines(direct.sipp), ['RINGING', 'FINAL 486'],
			'the phone\'s own 486 (Hotline\'s "agent on a call" 486 comes without RINGING)');
		await p.uas.expectOk('(agent phone: two calls, both refused)');
		assert.equal(logLines(p.uas).filter((l) => l.startsWith('INVITE')).length, 2,
			'the phone got the second INVITE: the flow call did not keep the agent');
	});
});

test('no answer: after timeout_s Hotline cancels the ringing phone and the flow takes "no_answer"', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const number = '+15558302', from = '5558321';
		const agent = await newAgent(d.api, { name: 'Ringing' });
		await dialLine('dial-noanswer', number, { extension: agent.extension }, { timeout_s: 5 });
		const p = await acdPhone(scope, agent, { scenario: 'uas_ring.xml', rtp: false });

		const m0 = mark(watch);
		const c = await flowCaller(scope, watch, number, from, { vars: dtmfVars('') });
		await waitEvent(watch, 'call.ringing', (x) => x.id === c.id, { from: m0 });
		await p.uas.expectOk('(agent phone: rings until cancelled)');
		await c.sipp.expectOk('(caller: hears the no-answer message, Hotline hangs up)');
		assertCallerHungUp(c);
		const pl = logLines(p.uas);
		assert.match(pl[0], new RegExp(`^INVITE sip:${agent.extension}@`), 'the agent\'s phone rang');
		assert.deepEqual(pl.slice(-2), ['CANCEL', 'ACK'], 'the phone was cancelled (and ACKed its 487)');
		const rang = sippTime(p.uas, /^INVITE /), cancelled = sippTime(p.uas, /^CANCEL /);
		assert.ok(cancelled - rang >= 4900 && cancelled - rang < 5000 + 1000 * SLOW,
			`CANCEL ${cancelled - rang} ms after the INVITE (timeout_s 5)`);

		const steps = await assertBranch(c, 'no_answer', agent.extension);
		assert.ok(steps[0].duration_ms >= 4900 && steps[0].duration_ms < 5000 + 1000 * SLOW,
			`the dial step rang for timeout_s: ${steps[0].duration_ms} ms`);
		assertHeardMessage(c, steps);
		await assertEndedWithoutAgent(c, { number, from, flowId: 'dial-noanswer', rang: true });
		await assertAgentIdle(agent, c.id);
	});
});

test('failed: an agent with no registered phone takes "failed" at once', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const number = '+15558303', from = '5558331';
		const agent = await newAgent(d.api, { name: 'Absent' });
		await dialLine('dial-failed', number, { extension: agent.extension });

		const m0 = mark(watch);
		const c = await flowCaller(scope, watch, number, from, { vars: dtmfVars('') });
		await c.sipp.expectOk('(caller: hears the failure message, Hotline hangs up)');
		assertCallerHungUp(c);

		const steps = await assertBranch(c, 'failed', agent.extension);
		assert.ok(steps[0].duration_ms < 300 * SLOW, `the dial step failed at once: ${steps[0].duration_ms} ms`);
		assertHeardMessage(c, steps);
		await assertEndedWithoutAgent(c, { number, from, flowId: 'dial-failed', rang: false });
		assert.deepEqual(types(callTimeline(watch, c.id)), ['call.created', 'call.answered', 'call.ended']);
		assert.equal(watch.events.slice(m0).filter((e) => e.topics?.includes(`agent:${agent.id}`)).length, 0,
			'no event about the absent agent');
		await assertAgentIdle(agent, c.id);
	});
});

/** A trunk to the carrier taking numbers that start with prefix. */
async function carrierTrunk(id, carrier, over) {
	const r = await d.api.post('/api/v1/trunks', { id, name: `Trunk ${id}`, host: carrier.host, transport: 'udp',
		strip: 0, prepend: '', caller_id: '', ...over });
	assert.equal(r.status, 201, r.text);
}

test('answered through a trunk: the carrier gets the rewritten number and the step\'s caller id, media is bridged',
	async () => {
		const scope = flowScope(d, watch);
		await scope.run(async () => {
			const number = '+15558304', from = '5558341';
			const dialled = '95551230000';
			const carrier = await startCarrier(scope, { scenario: 'uas_bye.xml', label: 'carrier-9',
				vars: { ring_ms: 300, talk_ms: 2500 } });
			await carrierTrunk('out9', carrier, { prefix: '9', strip: 1, prepend: '+1' });
			await dialLine('dial-trunk', number, { number: dialled }, { timeout_s: 10, caller_id: '{{did}}' });

			const m0 = mark(watch);
			// the caller sends one second of a 600 Hz tone once answered
			const c = await flowCaller(scope, watch, number, from, { scenario: 'uac_voicemail.xml',
				vars: { wait_ms: 300, audio_s: 1, hash: 0, hangup_ms: 0 } });
			const bridged = await waitEvent(watch, 'call.bridged', (x) => x.id === c.id, { from: m0 });
			await carrier.uas.expectOk('(carrier: answers, talks, hangs up)');
			await c.sipp.expectOk('(caller: bridged, then Hotline\'s BYE)');
			carrier.rtp.stop();
			const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });

			const cl = logLines(carrier.uas);
			assert.equal(uriUser(cl[0]), '+15551230000', `9 stripped, +1 prepended: ${cl[0]}`);
			assert.equal(uriUser(cl[1]), number, `From is the step's caller id ({{did}}): ${cl[1]}`);
			assert.equal(cl[cl.length - 1], 'BYE_OK', `the carrier hung up: ${cl}`);
			const ll = logLines(c.sipp);
			assert.ok(ll.includes('ANSWERED') && ll[ll.length - 1] === 'BYE', `caller: ${ll}`);

			const steps = await waitTrace(d.api, c.id, (s) => s.length >= 1, { what: 'the dial step' });
			assert.deepEqual(traceRows(steps), [['call', 'dial', 'answered', null]], JSON.stringify(steps));
			assert.deepEqual(steps[0].input, { to: dialled });
			assert.equal(bridged.data.trunk_id, 'out9', JSON.stringify(bridged.data));

			// media both ways through the relay: the carrier's RTP reaches
			// the caller, the caller's tone reaches the carrier
			const fromCarrier = c.tap.packets.filter((x) => x.ssrc === carrier.rtp.ssrc);
			assert.ok(fromCarrier.length >= 20, `the carrier's RTP reaches the caller: ${c.tap.summary()}`);
			const m = await carrier.media;
			assert.ok(m && isRelayAddr(d, m.host, m.port), `the carrier's INVITE offers the relay: ${JSON.stringify(m)}`);
			const rx = carrier.rtp.rx;
			assert.ok(rx.packets >= 30, `the caller's tone reaches the carrier: ${carrier.rtp.summary()}`);
			for (const src of Object.keys(rx.bySource)) {
				const [h, port] = src.split(':');
				assert.ok(isRelayAddr(d, h, Number(port)), `the carrier gets RTP from the relay only: ${src}`);
			}
			assert.ok(carrier.rtp.rxRms > 1000, `the carrier hears a tone (RMS ${carrier.rtp.rxRms.toFixed(0)})`);

			const rec = ended.data;
			assertEndedRecord(rec, {
				direction: 'inbound', from, to: number, did: number, trunk_id: 'out9', agent_id: null,
				hangup_cause: 'normal_clearing', hangup_by: 'callee',
			}, { rang: true, answered: true });
			assert.equal(rec.flow_id, 'dial-trunk');
			const tl = types(callTimeline(watch, c.id));
			assert.equal(tl.filter((x) => x === 'call.bridged').length, 1, tl.join(' '));
			assert.equal(tl[tl.length - 1], 'call.ended', tl.join(' '));
			assert.ok(rec.talk_duration_ms >= 2000, `talked ${rec.talk_duration_ms} ms (carrier talk_ms 2500)`);
		});
	});

test('a trunk with its own caller id: the step\'s caller_id is presented; the carrier\'s 486 is "busy"', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const number = '+15558305', from = '5558351';
		const carrier = await startCarrier(scope, { scenario: 'uas_reject.xml', label: 'carrier-8',
			vars: { reject_code: 486, ring_ms: 100 }, rtp: false });
		await carrierTrunk('out8', carrier, { prefix: '8', caller_id: '+15550100' });
		// no branches: busy ends the flow, and the call with cause busy
		await createFlow(d.api, 'dial-trunk-cid', { steps: [
			{ id: 'call', action: 'dial', to: { number: '8123' }, caller_id: '+15557777' },
		] });
		await flowDid(d.api, number, 'dial-trunk-cid');

		const caller = await dial(scope, number, { scenario: 'uac_fail.xml', from, rtp: false });
		const id = (await watch.created((x) => x.to === number && x.from === from)).id;
		await caller.sipp.expectOk('(caller: refused)');
		await carrier.uas.expectOk('(carrier: 486)');
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === id);

		const steps = await waitTrace(d.api, id, (s) => s.length >= 1, { what: 'the dial step' });
		assert.deepEqual(traceRows(steps), [['call', 'dial', 'busy', null]], JSON.stringify(steps));
		assert.equal(logLines(caller.sipp).at(-1), 'FINAL 486', `the caller is refused busy: ${logLines(caller.sipp)}`);
		const rec = ended.data;
		assertEndedRecord(rec, {
			direction: 'inbound', from, to: number, did: number, trunk_id: null, agent_id: null,
			hangup_cause: 'busy', hangup_by: 'system',
		}, { rang: true, answered: false });

		const cl = logLines(carrier.uas);
		assert.equal(uriUser(cl[0]), '8123', `the number as dialled (no strip): ${cl[0]}`);
		assert.equal(uriUser(cl[1]), '+15557777',
			`From is the dial step's caller_id, not the trunk's +15550100: ${cl[1]}`);
	});
});
