// The caller puts the agent on hold and takes them off again: re-INVITE
// with a=sendonly, then a=sendrecv. Hotline answers each, passes the hold
// on to the agent's leg, publishes call.held and call.resumed, and does not
// count the silence of a held call towards the media timeout.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord,
	recordMatchesLastEvent, assertRelayed, isRelayAddr, openCallSuite, closeCallSuite,
} from './lib/calls.mjs';

// shorter than the hold below: a held call must survive its silence
const RTP_TIMEOUT_S = 1;
let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite({ config: { rtp_timeout_s: RTP_TIMEOUT_S } })));
after(() => closeCallSuite(d, watch));

test('hold and resume: re-INVITEs relayed to the agent, call.held / call.resumed, silence allowed', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_hold.xml', vars: { ring_ms: 100 } });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_hold.xml', from: '5550401',
			vars: { hold_after_ms: 600, held_ms: 1800, talk_ms: 800 } });

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await watch.wait(id, 'call.answered');

		// on hold: both sides go silent (longer than rtp_timeout_s)
		const hold = await caller.sipp.waitLog(/^HOLD_ANSWER (\w*)/, 5000);
		caller.rtp.stop();
		phone.rtp.stop();
		assert.ok(['recvonly', 'inactive'].includes(hold[1]),
			`Hotline answers a sendonly offer with recvonly or inactive, got "${hold[1]}"`);
		const held = await watch.wait(id, 'call.held');
		assert.equal(held.data.state, 'held');
		const g = await d.api.get(`/api/v1/calls/${id}`);
		assert.equal(g.body.state, 'held', g.text);
		assert.equal(g.body.held, true, g.text);
		const reinv = await phone.uas.waitLog(/^REINVITE (\w*) (\d+)/, 3000);
		assert.equal(reinv[1], 'sendonly', 'the agent leg is put on hold with a=sendonly');
		assert.ok(isRelayAddr(d, '127.0.0.1', Number(reinv[2])), 'the hold offer keeps the relay port');

		// resumed: media again
		const resume = await caller.sipp.waitLog(/^RESUME_ANSWER (\w*)/, 5000);
		assert.equal(resume[1], 'sendrecv', 'Hotline answers the resume with sendrecv');
		const before = { c: caller.rtp.rx.packets, a: phone.rtp.rx.packets };
		caller.rtp.resume();
		phone.rtp.resume();
		const resumed = await watch.wait(id, 'call.resumed');
		assert.equal(resumed.data.state, 'answered');
		const reinv2 = phone.uas.logMatches(/^REINVITE (\w*) (\d+)/);
		assert.equal(reinv2.length, 2, 'the agent leg got a second re-INVITE');
		assert.ok(['sendrecv', ''].includes(reinv2[1][1]), `resume offer to the agent: "${reinv2[1][1]}"`);

		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone)');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');

		assert.ok(caller.rtp.rx.packets - before.c >= 20 && phone.rtp.rx.packets - before.a >= 20,
			`media flows again after the resume: ${caller.rtp.summary()} / ${phone.rtp.summary()}`);
		await assertRelayed(d, caller, phone, { min: 40 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.held',
			'call.resumed', 'call.ended'], { agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550401', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
		assert.ok(rec.talk_duration_ms >= 3000, `talk_duration_ms ${rec.talk_duration_ms} counts the hold`);
	});
});
