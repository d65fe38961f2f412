// Inbound calls that do not get through: the agent's phone refuses (486
// busy, 603 decline), the destination is unknown (404), the agent has no
// registered phone (480), the agent is already on a call (486), or the
// caller offers no codec Hotline relays (488).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord,
	recordMatchesLastEvent, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

/** The agent phone refuses with code: the caller gets code, the record
 *  says cause/callee/code. */
async function refusedByPhone(code, cause, from) {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_reject.xml',
			vars: { reject_code: code, ring_ms: 200 }, rtp: false });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_fail.xml', from, rtp: false });

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone)');
		await watch.wait(id, 'call.ended');

		assert.deepEqual(logLines(caller.sipp), ['RINGING', `FINAL ${code}`], `the caller got ${code}`);
		assert.deepEqual(logLines(phone.uas).slice(-2), [`REJECTED ${code}`, 'ACK'],
			'Hotline ACKed the refusal');
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.ended'], { agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from, to: agent.extension, did: null, trunk_id: null,
			agent_id: agent.id, hangup_cause: cause, hangup_by: 'callee', sip_status: code,
		}, { rang: true, answered: false });
		assert.ok(rec.ring_duration_ms >= 150, `ring_duration_ms ${rec.ring_duration_ms}`);
		assert.equal(watch.agentEvents(agent.id).filter((e) => e.data.channel === 'voice').length, 0,
			'an unanswered call leaves the agent\'s voice activity alone');
	});
}

test('the agent\'s phone is busy (486): the caller gets 486, cause busy', async () => {
	await refusedByPhone(486, 'busy', '5550101');
});

test('the agent declines (603): the caller gets 603, cause rejected', async () => {
	await refusedByPhone(603, 'rejected', '5550102');
});

/** A caller refused by Hotline itself: returns the caller's log. */
async function refusedByHotline(scope, to, { from, keys } = {}) {
	const caller = await dial(scope, to, { scenario: 'uac_fail.xml', from, keys, rtp: false });
	await caller.sipp.expectOk('(caller)');
	return logLines(caller.sipp);
}

test('an unknown destination is 404', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		assert.deepEqual(await refusedByHotline(scope, '7777', { from: '5550103' }), ['FINAL 404']);
		assert.deepEqual(await refusedByHotline(scope, '+4930000000', { from: '5550103' }), ['FINAL 404'],
			'a number with no DID and no trunk');
	});
});

test('an agent without a registered phone is 480', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		assert.deepEqual(await refusedByHotline(scope, agent.extension, { from: '5550104' }), ['FINAL 480']);

		// registered, then unregistered: 480 again
		const phone = await agentPhone(scope, agent, { rtp: false });
		await phone.unregister();
		assert.deepEqual(await refusedByHotline(scope, agent.extension, { from: '5550104' }), ['FINAL 480']);
		assert.equal(phone.uas.logText(), '', 'the unregistered phone was not called');
	});
});

test('an agent already on a call is 486 and the phone does not ring twice', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 50 } });
		const first = await dial(scope, agent.extension, { from: '5550105', vars: { talk_ms: 1500 } });
		const id = (await watch.created((c) => c.to === agent.extension && c.from === '5550105')).id;
		await watch.wait(id, 'call.answered');

		assert.deepEqual(await refusedByHotline(scope, agent.extension, { from: '5550106' }), ['FINAL 486']);

		await first.sipp.expectOk('(first caller)');
		await phone.uas.expectOk('(agent phone: one call only)');
		first.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');
		assert.equal(logLines(phone.uas).filter((l) => l.startsWith('INVITE')).length, 1);
	});
});

test('an offer without PCMU or PCMA is 488 and the agent is not called', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { rtp: false });
		assert.deepEqual(await refusedByHotline(scope, agent.extension,
			{ from: '5550107', keys: { codecs: '18' } }), ['FINAL 488']);
		assert.equal(phone.uas.logText(), '', 'the phone was not called');
	});
});
