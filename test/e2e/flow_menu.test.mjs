// A menu flow: "Press 1 or 2." Key 1 queues the call in "sales" (a
// ready member's phone rings and answers: task.queued, offered, accepted,
// bridged), key 2 dials the support agent's extension (that phone rings),
// and a caller who presses nothing hears the prompt again (retries) and
// is then put through to the operator's extension. Checked through the
// trace (menu result, digits, attempts), the events, the call record and
// what each phone received (the INVITE, the other side's RTP).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newAgent, logLines } from './lib/calls.mjs';
import {
	makeQueue, addMember, loginReady, acdPhone, waitEvent, mark, eventsOf, callTimeline, types,
} from './lib/acd.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, flowDid, flowCaller, dtmfVars, waitTrace, traceRows,
	bursts, SLOW,
} from './lib/flow.mjs';

const NUMBER = '+15558200';
const PROMPT = 'Press 1 or 2.';
const TIMEOUT_MS = 1500;

let d;
let watch;
let sales;       // member of queue "sales"
let support;     // dialled on key 2
let operator;    // dialled when nothing is pressed

before(async () => {
	({ d, watch } = await openFlowSuite());
	await makeQueue(d.api, 'sales', { offer_timeout_s: 5 });
	sales = await newAgent(d.api, { name: 'Sales' });
	support = await newAgent(d.api, { name: 'Support' });
	operator = await newAgent(d.api, { name: 'Operator' });
	await addMember(d.api, 'sales', sales.id);
	await loginReady(d.api, sales.id);
	await createFlow(d.api, 'menu', { steps: [
		{ id: 'menu', action: 'menu', prompt: { say: PROMPT }, options: { 1: 'sales', 2: 'support' },
			timeout_ms: TIMEOUT_MS, retries: 1, no_input: 'operator', invalid: 'operator' },
		{ id: 'sales', action: 'queue', queue: 'sales' },
		{ id: 'support', action: 'dial', to: { extension: support.extension }, timeout_s: 5 },
		{ id: 'operator', action: 'dial', to: { extension: operator.extension }, timeout_s: 5 },
	] });
	await flowDid(d.api, NUMBER, 'menu');
});
after(() => closeFlowSuite(d, watch));

/** The phone of agent a: answers after 100 ms, hangs up 800 ms later,
 *  sends its tone meanwhile. */
function phone(scope, a) {
	return acdPhone(scope, a, { scenario: 'uas_bye.xml', vars: { ring_ms: 100, talk_ms: 800 } });
}

/** The caller's key reached Hotline while the prompt played (barge-in):
 *  the menu step ended soon after the key left the caller. */
async function keySent(c, key) {
	await c.sipp.waitLog(new RegExp(`^DTMF ${key.replace(/[*]/g, '\\*')}$`), 8000 * SLOW);
	return Date.now();
}

test('key 1: the call is queued in "sales" and the ready member\'s phone answers', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const p = await phone(scope, sales);
		const m0 = mark(watch);
		const c = await flowCaller(scope, watch, NUMBER, '5558201', { vars: dtmfVars('1', 700) });
		const sentAt = await keySent(c, '1');
		await p.uas.expectOk('(sales phone: rings, answers, hangs up)');
		await c.sipp.expectOk('(caller: Hotline hangs up after the agent)');
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });

		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 2, { what: 'menu and queue steps' });
		assert.deepEqual(traceRows(steps), [['menu', 'menu', 'ok', 'sales'], ['sales', 'queue', 'queued', null]],
			JSON.stringify(steps));
		assert.deepEqual(steps[0].input, { digits: '1', attempts: 1 });
		assert.deepEqual(steps[1].input, { queue: 'sales', priority: 0 });
		const menuEnd = Date.parse(steps[0].ended_at);
		assert.ok(menuEnd - sentAt < 500 * SLOW, `the key cut the prompt short (${menuEnd - sentAt} ms after it)`);

		assert.deepEqual(types(callTimeline(watch, c.id)), ['call.created', 'call.answered', 'task.queued',
			'task.offered', 'task.accepted', 'call.bridged', 'call.ended']);
		const queued = eventsOf(watch, 'task.queued', (x) => x.task_id === c.id)[0];
		assert.equal(queued.data.queue_id, 'sales');
		const offered = eventsOf(watch, 'task.offered', (x) => x.task_id === c.id)[0];
		assert.equal(offered.data.agent_id, sales.id);
		const rec = ended.data;
		assert.deepEqual([rec.flow_id, rec.flow_version, rec.queue_id, rec.queue_result, rec.agent_id, rec.hangup_by],
			['menu', 1, 'sales', 'answered', sales.id, 'callee'], JSON.stringify(rec));

		// the phone got the caller; the caller hears the agent's phone
		assert.match(logLines(p.uas)[1], /^FROM .*<sip:5558201@/, 'the agent\'s phone sees the caller');
		assert.ok(c.tap.packets.filter((x) => x.ssrc === p.rtp.ssrc).length >= 10,
			`the agent's RTP reaches the caller through the relay: ${c.tap.summary()}`);
		// the prompt was heard before the key
		assert.ok(bursts(c.tap.audio(0, performance.now() - (Date.now() - sentAt))).length >= 1,
			`the prompt before the key: ${c.tap.summary()}`);
	});
});

test('key 2: the support agent\'s extension rings and is bridged; no ACD', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const p = await phone(scope, support);
		const m0 = mark(watch);
		const c = await flowCaller(scope, watch, NUMBER, '5558202', { vars: dtmfVars('2', 700) });
		await keySent(c, '2');
		await p.uas.expectOk('(support phone)');
		await c.sipp.expectOk('(caller)');
		const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });

		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 2, { what: 'menu and dial steps' });
		assert.deepEqual(traceRows(steps), [['menu', 'menu', 'ok', 'support'], ['support', 'dial', 'answered', null]],
			JSON.stringify(steps));
		assert.deepEqual(steps[0].input, { digits: '2', attempts: 1 });
		assert.deepEqual(steps[1].input, { to: support.extension });

		const tl = types(callTimeline(watch, c.id));
		assert.equal(tl.filter((t) => t.startsWith('task.')).length, 0, `not queued: ${tl}`);
		assert.ok(tl.includes('call.bridged'), tl.join(' '));
		assert.match(logLines(p.uas)[0], new RegExp(`^INVITE sip:${support.extension}@`), 'the support phone rang');
		assert.match(logLines(p.uas)[1], /^FROM .*<sip:5558202@/);
		assert.ok(c.tap.packets.filter((x) => x.ssrc === p.rtp.ssrc).length >= 10, c.tap.summary());
		const rec = ended.data;
		assert.deepEqual([rec.flow_id, rec.queue_id, rec.hangup_by], ['menu', null, 'callee'], JSON.stringify(rec));
	});
});

test('no key: the prompt plays again after timeout_ms, then the operator\'s phone rings', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const p = await phone(scope, operator);
		const m0 = mark(watch);
		const c = await flowCaller(scope, watch, NUMBER, '5558203', { vars: dtmfVars('') });
		await p.uas.expectOk('(operator phone)');
		await c.sipp.expectOk('(caller)');
		await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });

		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 2, { what: 'menu and dial steps' });
		assert.deepEqual(traceRows(steps), [['menu', 'menu', 'no_input', 'operator'],
			['operator', 'dial', 'answered', null]], JSON.stringify(steps));
		assert.deepEqual(steps[0].input, { digits: '', attempts: 2 });
		// two prompts and two waits of timeout_ms
		assert.ok(steps[0].duration_ms >= 2 * TIMEOUT_MS + 1000, `menu step: ${steps[0].duration_ms} ms`);

		// the caller heard the prompt twice, timeout_ms of silence apart,
		// before the operator answered
		const bridgedAt = c.tap.packets.find((x) => x.ssrc === p.rtp.ssrc)?.at;
		assert.ok(bridgedAt, `the operator's RTP reaches the caller: ${c.tap.summary()}`);
		const b = bursts(c.tap.audio(0, bridgedAt).filter((x) => x.ssrc !== p.rtp.ssrc), { gapMs: 700 });
		assert.equal(b.length, 2, `two prompts: ${JSON.stringify(b)}`);
		const gap = b[1].start - b[0].end;
		assert.ok(gap >= TIMEOUT_MS - 100 && gap < TIMEOUT_MS + 1000 * SLOW, `silence between prompts: ${gap} ms`);
		assert.ok(Math.abs(b[0].ms - b[1].ms) <= 200, `the same prompt twice: ${b[0].ms} / ${b[1].ms} ms`);
		assert.match(logLines(p.uas)[0], new RegExp(`^INVITE sip:${operator.extension}@`), 'the operator\'s phone rang');
	});
});
