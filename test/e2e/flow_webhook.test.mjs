// Webhook steps: Hotline POSTs the call's facts and variables as JSON to
// a URL (a local receiver here) and follows the answer: {"next": "b",
// "variables": {"x": "1"}} jumps to step b with x set (a branch on x
// shows it); an answer later than the step's timeout_ms, or a non-2xx,
// takes the failure branch.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { logLines } from './lib/calls.mjs';
import { waitEvent } from './lib/acd.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, flowDid, flowCaller, dtmfVars, waitTrace, traceRows,
	WebhookServer, SLOW,
} from './lib/flow.mjs';

const NUMBER = '+15558400';
const TIMEOUT_MS = 1000;

let d;
let watch;
let hook;

before(async () => {
	({ d, watch } = await openFlowSuite());
	hook = await WebhookServer.start('crm');
	await createFlow(d.api, 'hook', { steps: [
		{ id: 'hello', action: 'answer', next: 'mark' },
		{ id: 'mark', action: 'set', variables: { order: '{{caller}}-42' }, next: 'ask' },
		{ id: 'ask', action: 'webhook', url: hook.url('/route?from={{caller}}'), timeout_ms: TIMEOUT_MS,
			next: 'plain', failure: 'failed' },
		{ id: 'plain', action: 'set', variables: { route: 'plain' }, next: 'b' },
		{ id: 'b', action: 'branch', conditions: [{ var: 'x', op: 'eq', value: '1', next: 'x_one' }],
			next: 'x_other' },
		{ id: 'x_one', action: 'hangup' },
		{ id: 'x_other', action: 'hangup' },
		{ id: 'failed', action: 'hangup' },
	] });
	await flowDid(d.api, NUMBER, 'hook');
});
after(async () => {
	hook?.close();
	await closeFlowSuite(d, watch);
});

/** A caller that presses nothing and waits for Hotline's BYE; returns
 *  {c, steps, ended}. */
async function call(scope, from, nsteps) {
	const c = await flowCaller(scope, watch, NUMBER, from, { vars: dtmfVars('') });
	await c.sipp.expectOk('(caller: Hotline hangs up)');
	assert.deepEqual(logLines(c.sipp).slice(-1), ['BYE']);
	const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id);
	const steps = await waitTrace(d.api, c.id, (s) => s.length >= nsteps, { what: `${nsteps} steps` });
	return { c, steps, ended };
}

test('the answer {"next":"b","variables":{"x":"1"}} jumps to b, and b sees x', async () => {
	const scope = flowScope(d, watch);
	scope.add({ describe: () => hook.describe() });
	await scope.run(async () => {
		hook.on('/route', () => ({ body: { next: 'b', variables: { x: '1', tier: 'gold' } } }));
		const n0 = hook.requests.length;
		const { c, steps, ended } = await call(scope, '5558401', 5);

		assert.equal(hook.requests.length, n0 + 1, 'one request');
		const req = hook.requests[n0];
		assert.equal(req.method, 'POST');
		assert.equal(req.url, '/route?from=5558401', 'the url is a template');
		assert.match(req.headers['content-type'] || '', /^application\/json\b/);
		assert.ok(req.json, `a JSON body: ${req.text}`);
		const b = req.json;
		assert.deepEqual([b.call_id, b.flow_id, b.flow_version, b.step, b.caller, b.did],
			[c.id, 'hook', 1, 'ask', '5558401', NUMBER], req.text);
		assert.equal(b.variables.order, '5558401-42', 'a variable set by an earlier step');
		assert.equal(b.variables.caller, '5558401');
		assert.equal(b.variables.did, NUMBER);
		assert.equal(b.variables.call_id, c.id);
		assert.equal(b.variables.x, undefined, 'x is not set yet');
		assert.equal(b.variables['contact.id'], String(ended.data.contact_id), 'the caller\'s contact');

		assert.deepEqual(traceRows(steps), [
			['hello', 'answer', 'ok', 'mark'],
			['mark', 'set', 'ok', 'ask'],
			['ask', 'webhook', 'ok', 'b'],
			['b', 'branch', 'matched', 'x_one'],
			['x_one', 'hangup', 'hangup', null],
		], JSON.stringify(steps));
		assert.deepEqual(steps[2].input, { status: 200, next: 'b' });
		assert.equal(steps[3].input.x, '1', `the branch saw x: ${JSON.stringify(steps[3].input)}`);
		assert.ok(steps[2].duration_ms < 500 * SLOW, `answered at once: ${steps[2].duration_ms} ms`);
	});
});

test('an answer later than timeout_ms takes the failure branch', async () => {
	const scope = flowScope(d, watch);
	scope.add({ describe: () => hook.describe() });
	await scope.run(async () => {
		hook.on('/route', () => ({ delayMs: TIMEOUT_MS + 1500, body: { next: 'b', variables: { x: '1' } } }));
		const n0 = hook.requests.length;
		const { steps } = await call(scope, '5558402', 4);
		assert.equal(hook.requests.length, n0 + 1, 'one request, no retry');
		assert.deepEqual(traceRows(steps), [
			['hello', 'answer', 'ok', 'mark'],
			['mark', 'set', 'ok', 'ask'],
			['ask', 'webhook', 'failure', 'failed'],
			['failed', 'hangup', 'hangup', null],
		], JSON.stringify(steps));
		assert.equal(steps[2].input.status, 'timeout', JSON.stringify(steps[2].input));
		const ms = steps[2].duration_ms;
		assert.ok(ms >= TIMEOUT_MS - 50 && ms < TIMEOUT_MS + 500 * SLOW, `gave up after ${ms} ms ~ timeout_ms`);
	});
});

test('a 500 answer takes the failure branch; a 2xx that is not a JSON object too', async () => {
	const scope = flowScope(d, watch);
	scope.add({ describe: () => hook.describe() });
	await scope.run(async () => {
		hook.on('/route', () => ({ status: 500, body: { next: 'b' } }));
		let { steps } = await call(scope, '5558403', 4);
		assert.deepEqual(traceRows(steps)[2], ['ask', 'webhook', 'failure', 'failed'], JSON.stringify(steps));
		assert.equal(steps[2].input.status, 500);

		hook.on('/route', () => ({ body: '["b"]' }));
		({ steps } = await call(scope, '5558404', 4));
		assert.deepEqual(traceRows(steps)[2], ['ask', 'webhook', 'failure', 'failed'], JSON.stringify(steps));
		assert.equal(steps[2].input.status, 200);
	});
});
