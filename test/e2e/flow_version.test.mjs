// A call keeps the flow version it started with: the flow is saved again
// (version 2, other steps) while a caller is in version 1's prompt; that
// caller goes on through version 1's steps and its record says version 1,
// while the next caller runs version 2.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, updateFlow, flowDid, flowCaller, dtmfVars,
	waitTrace, traceRows,
} from './lib/flow.mjs';
import { waitEvent } from './lib/acd.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openFlowSuite()));
after(() => closeFlowSuite(d, watch));

const doc = (word) => ({ steps: [
	{ id: 'hello', action: 'say', text: `This is version ${word} of the flow, thank you.`, next: word },
	{ id: word, action: 'hangup', cause: word === 'one' ? 'normal_clearing' : 'rejected' },
] });

test('a call keeps its version when the flow is saved again; the next call runs the new one', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const number = '+15558900';
		await createFlow(d.api, 'versions', doc('one'));
		await flowDid(d.api, number, 'versions');

		const first = await flowCaller(scope, watch, number, '5558901', { vars: dtmfVars('') });
		// saved while the first caller hears version 1's prompt
		await waitEvent(watch, 'call.answered', (x) => x.id === first.id);
		const v2 = await updateFlow(d.api, 'versions', doc('two'));
		assert.equal(v2.version, 2, JSON.stringify(v2));

		const second = await flowCaller(scope, watch, number, '5558902', { vars: dtmfVars('') });
		for (const c of [first, second])
			await c.sipp.expectOk('(caller: Hotline hangs up after the prompt)');

		const s1 = await waitTrace(d.api, first.id, (s) => s.length >= 2, { what: 'first call over' });
		const s2 = await waitTrace(d.api, second.id, (s) => s.length >= 2, { what: 'second call over' });
		assert.deepEqual(traceRows(s1), [['hello', 'say', 'ok', 'one'], ['one', 'hangup', 'hangup', null]],
			'the first call ran version 1 to its end');
		assert.deepEqual(traceRows(s2), [['hello', 'say', 'ok', 'two'], ['two', 'hangup', 'hangup', null]],
			'the second call ran version 2');
		assert.ok(Date.parse(s1[0].ended_at) > Date.parse(v2.updated_at),
			'version 2 was saved while the first call was still in its prompt');

		const rec1 = (await d.api.get(`/api/v1/calls/${first.id}`)).body;
		const rec2 = (await d.api.get(`/api/v1/calls/${second.id}`)).body;
		assert.deepEqual([rec1.flow_id, rec1.flow_version, rec1.hangup_cause],
			['versions', 1, 'normal_clearing'], JSON.stringify(rec1));
		assert.deepEqual([rec2.flow_id, rec2.flow_version, rec2.hangup_cause],
			['versions', 2, 'rejected'], JSON.stringify(rec2));
	});
});
