// A flow's queue step routes with the task attributes it sets: skills
// (a "skills" queue offers the call to the member whose level is high
// enough, and a call asking for a skill nobody has waits until the
// caller gives up), priority (a later caller of priority 10 is offered
// before an earlier one of priority 0) and a sticky agent (taken from a
// variable a set step filled: the offer goes to that agent although
// longest_idle would pick the other). Each case has a control call
// without the attribute that goes to the other agent, so the outcome is
// the attribute's doing. Checked through task.queued (what the ACD was
// given), task.offered and the INVITEs each agent's phone received.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { newAgent, logLines } from './lib/calls.mjs';
import {
	makeQueue, addMember, agentState, loginReady, acdPhone, waitEvent, waitActivity, mark, eventsOf,
	callTimeline, types, atMs, getStats, ANSWERED_TIMELINE,
} from './lib/acd.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, flowDid, flowCaller, dtmfVars, waitTrace, SLOW,
} from './lib/flow.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openFlowSuite()));
after(() => closeFlowSuite(d, watch));

/** An agent's phone: answers after 100 ms, hangs up 300 ms later (calls
 *  of them, one after the other). */
function phone(scope, a, calls = 1) {
	return acdPhone(scope, a, { scenario: 'uas_bye.xml', calls, vars: { ring_ms: 100, talk_ms: 300 } });
}

/** A caller to number that presses nothing: waits for Hotline's BYE, or
 *  hangs up hangupMs after the answer. */
function caller(scope, number, from, hangupMs = 0) {
	return flowCaller(scope, watch, number, from, { vars: dtmfVars('', 500, { hangupMs }) });
}

/** A flow [pre steps..., queue step q] run by DID number. */
async function queueFlow(id, number, q, pre = []) {
	await createFlow(d.api, id, { steps: [...pre, { id: 'q', action: 'queue', ...q }] });
	await flowDid(d.api, number, id);
}

/** The task.queued event of call id (asserts there is exactly one). */
function queuedOf(id) {
	const q = eventsOf(watch, 'task.queued', (x) => x.task_id === id);
	assert.equal(q.length, 1, `one task.queued for ${id}`);
	return q[0];
}

/** Agent ids of every task.offered of call id, in order. */
function offersOf(id) {
	return eventsOf(watch, 'task.offered', (x) => x.task_id === id).map((e) => e.data.agent_id);
}

/** The callers (From users) of the INVITEs a phone received, in order. */
function rungBy(p) {
	return logLines(p.uas).filter((l) => l.startsWith('FROM ')).map((l) => /<sip:([^@]+)@/.exec(l)?.[1]);
}

/** Caller c is offered to agentId (first), answered by its phone and hung
 *  up by it; waits for call.ended and the agent idle again. */
async function answeredBy(c, agentId, m0) {
	const off = await waitEvent(watch, 'task.offered', (x) => x.task_id === c.id, { from: m0 });
	assert.equal(off.data.agent_id, agentId, `${c.id} offered to agent ${agentId}`);
	await c.sipp.expectOk('(caller: the agent hangs up)');
	await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
	await waitActivity(watch, agentId, 'idle', { from: m0 });
	assert.deepEqual(types(callTimeline(watch, c.id)), ANSWERED_TIMELINE, `events of ${c.id}`);
	assert.deepEqual(offersOf(c.id), [agentId], `the only offer of ${c.id}`);
}

test('skills: {"french": 3} goes to the level-5 agent, {"german": 1} waits until the caller hangs up', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		await makeQueue(d.api, 'langs', { strategy: 'skills' });
		// A: lower id and ready first, so A is the longest idle (and wins
		// the id tie): with no requirement the skills strategy picks A
		const a = await newAgent(d.api, { name: 'A', skills: { french: 1 } });
		const b = await newAgent(d.api, { name: 'B', skills: { french: 5 } });
		assert.deepEqual([a.skills, b.skills], [{ french: 1 }, { french: 5 }], 'skills kept');
		const pa = await phone(scope, a);
		const pb = await phone(scope, b);
		for (const ag of [a, b]) {
			await addMember(d.api, 'langs', ag.id);
			await loginReady(d.api, ag.id);
		}
		await queueFlow('fr', '+15558501', { queue: 'langs', skills: { french: 3 } });
		await queueFlow('de', '+15558502', { queue: 'langs', skills: { german: 1 } });
		await queueFlow('any', '+15558503', { queue: 'langs' });

		// nobody speaks German: queued, no offer while both agents are
		// idle, abandoned when the caller hangs up
		let m0 = mark(watch);
		const de = await caller(scope, '+15558502', '5558511', 1800);
		const deq = await waitEvent(watch, 'task.queued', (x) => x.task_id === de.id, { from: m0 });
		assert.deepEqual(deq.data.skills, [{ name: 'german', min_level: 1 }], 'the flow\'s skills reach the ACD');
		const st = await getStats(d.api, 'langs');
		assert.deepEqual([st.waiting, st.ringing, st.agents.idle], [1, 0, 2], `waits, agents idle: ${JSON.stringify(st)}`);
		const ab = await waitEvent(watch, 'task.abandoned', (x) => x.task_id === de.id, { from: m0 });
		await de.sipp.expectOk('(German caller hangs up)');
		assert.ok(atMs(ab) - atMs(deq) >= 1500, `waited ${atMs(ab) - atMs(deq)} ms`);
		assert.deepEqual(offersOf(de.id), [], 'no offer for German');
		assert.deepEqual(types(callTimeline(watch, de.id)).filter((t) => t.startsWith('task.')),
			['task.queued', 'task.abandoned']);
		await waitEvent(watch, 'call.ended', (x) => x.id === de.id, { from: m0 });

		// French 3: only B (level 5) qualifies
		m0 = mark(watch);
		const fr = await caller(scope, '+15558501', '5558512');
		const frq = await waitEvent(watch, 'task.queued', (x) => x.task_id === fr.id, { from: m0 });
		assert.deepEqual(frq.data.skills, [{ name: 'french', min_level: 3 }]);
		assert.equal(frq.data.queue_id, 'langs');
		await answeredBy(fr, b.id, m0);
		const steps = await waitTrace(d.api, fr.id, (s) => s.length >= 1, { what: 'the queue step' });
		assert.deepEqual(steps.map((s) => [s.step, s.action, s.result]), [['q', 'queue', 'queued']]);

		// control: no requirement, same queue: A (longest idle, the B call
		// made B idle later still)
		m0 = mark(watch);
		const any = await caller(scope, '+15558503', '5558513');
		assert.deepEqual(queuedOf(any.id).data.skills ?? [], []);
		await answeredBy(any, a.id, m0);
		await pa.uas.expectOk('(A)');
		await pb.uas.expectOk('(B)');
		assert.deepEqual([rungBy(pa), rungBy(pb)], [['5558513'], ['5558512']],
			'A\'s phone rang only for the control call, B\'s only for French');
	});
});

test('priority: a caller of priority 10 queued second is offered before one of priority 0', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		await makeQueue(d.api, 'prio');
		const ag = await newAgent(d.api, { name: 'P' });
		const p = await phone(scope, ag, 2);
		await addMember(d.api, 'prio', ag.id);
		await agentState(d.api, ag.id, 'login');
		await queueFlow('low', '+15558521', { queue: 'prio', priority: 0 });
		await queueFlow('high', '+15558522', { queue: 'prio', priority: 10 });

		const m0 = mark(watch);
		const low = await caller(scope, '+15558521', '5558531');
		const lq = await waitEvent(watch, 'task.queued', (x) => x.task_id === low.id, { from: m0 });
		const high = await caller(scope, '+15558522', '5558532');
		const hq = await waitEvent(watch, 'task.queued', (x) => x.task_id === high.id, { from: m0 });
		assert.deepEqual([lq.data.priority, lq.data.position], [0, 1], JSON.stringify(lq.data));
		assert.deepEqual([hq.data.priority, hq.data.position], [10, 1], `the later call goes ahead: ${JSON.stringify(hq.data)}`);
		assert.deepEqual((await getStats(d.api, 'prio')).waiting, 2);
		assert.deepEqual(offersOf(low.id).concat(offersOf(high.id)), [], 'nobody ready: no offer yet');

		const m1 = mark(watch);
		await agentState(d.api, ag.id, 'ready');
		const first = await waitEvent(watch, 'task.offered', () => true, { from: m1 });
		assert.equal(first.data.task_id, high.id, 'the first offer is the priority-10 call');
		assert.equal(first.data.agent_id, ag.id);
		// then the priority-0 call, once the agent is free again
		await answeredBy(high, ag.id, m0);
		await answeredBy(low, ag.id, m0);
		await p.uas.expectOk('(P)');
		assert.deepEqual(rungBy(p), ['5558532', '5558531'], 'the phone rang for the later caller first');
		assert.deepEqual(eventsOf(watch, 'task.offered', (x) => x.agent_id === ag.id).map((e) => e.data.task_id),
			[high.id, low.id]);
	});
});

test('sticky agent: a set step names agent B, and B is offered the call though A is the longest idle', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		await makeQueue(d.api, 'sticky', { strategy: 'longest_idle' });
		const a = await newAgent(d.api, { name: 'SA' });
		const b = await newAgent(d.api, { name: 'SB' });
		const pa = await phone(scope, a);
		const pb = await phone(scope, b);
		for (const ag of [a, b]) {
			await addMember(d.api, 'sticky', ag.id);
			await loginReady(d.api, ag.id);
		}
		await queueFlow('pref', '+15558541', { queue: 'sticky', sticky_agent: '{{agent_pref}}', sticky_wait_s: 10 },
			[{ id: 'who', action: 'set', variables: { agent_pref: String(b.id) }, next: 'q' }]);
		await queueFlow('nopref', '+15558542', { queue: 'sticky' });

		let m0 = mark(watch);
		const c = await caller(scope, '+15558541', '5558551');
		const q = await waitEvent(watch, 'task.queued', (x) => x.task_id === c.id, { from: m0 });
		assert.equal(q.data.sticky_agent_id, b.id, `the expanded template reaches the ACD: ${JSON.stringify(q.data)}`);
		const off = await waitEvent(watch, 'task.offered', (x) => x.task_id === c.id, { from: m0 });
		assert.equal(off.data.agent_id, b.id, 'offered to the sticky agent');
		assert.ok(atMs(off) - atMs(q) < 1000 * SLOW, `at once, not after a wait: ${atMs(off) - atMs(q)} ms`);
		await answeredBy(c, b.id, m0);
		const steps = await waitTrace(d.api, c.id, (s) => s.length >= 2, { what: 'set and queue steps' });
		assert.deepEqual(steps.map((s) => [s.step, s.action, s.result]), [['who', 'set', 'ok'], ['q', 'queue', 'queued']],
			JSON.stringify(steps));
		assert.deepEqual(steps[1].input, { queue: 'sticky', priority: 0, sticky_agent: b.id });

		// control: the same queue without a sticky agent picks A
		m0 = mark(watch);
		const n = await caller(scope, '+15558542', '5558552');
		assert.equal(queuedOf(n.id).data.sticky_agent_id, null);
		await answeredBy(n, a.id, m0);
		await pa.uas.expectOk('(SA)');
		await pb.uas.expectOk('(SB)');
		assert.deepEqual([rungBy(pa), rungBy(pb)], [['5558552'], ['5558551']]);
	});
});
