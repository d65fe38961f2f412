// No RTP from either side for rtp_timeout_s: Hotline ends the call with
// cause media_timeout and sends BYE to both legs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord,
	recordMatchesLastEvent, waitReleased, SLOW, openCallSuite, closeCallSuite, logLines,
} from './lib/calls.mjs';

const RTP_TIMEOUT_S = 1;
let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite({ config: { rtp_timeout_s: RTP_TIMEOUT_S } })));
after(() => closeCallSuite(d, watch));

/** A call whose media stops after mediaMs (0: never starts). */
async function silentCall(mediaMs, from) {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { vars: { ring_ms: 50 }, rtp: mediaMs > 0 });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_wait_bye.xml', from,
			rtp: mediaMs > 0 });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		const answered = await watch.wait(id, 'call.answered');
		if (mediaMs > 0) {
			await Promise.all([caller.media, phone.media]);
			await new Promise((r) => setTimeout(r, mediaMs));
			caller.rtp.stop();
			phone.rtp.stop();
			assert.ok(caller.rtp.rx.packets > 5 && phone.rtp.rx.packets > 5, 'media flowed at first');
		}
		const silentSince = Date.now();
		const ended = await watch.wait(id, 'call.ended', (5000 + RTP_TIMEOUT_S * 1000) * SLOW);
		await caller.sipp.expectOk('(caller: gets a BYE)');
		await phone.uas.expectOk('(agent phone: gets a BYE)');
		await waitReleased(watch, agent.id);

		assert.deepEqual(logLines(caller.sipp).slice(-1), ['BYE'], 'Hotline sent BYE to the caller');
		assert.deepEqual(logLines(phone.uas).slice(-1), ['BYE'], 'Hotline sent BYE to the agent');
		const silence = Date.parse(ended.data.ended_at) - Math.max(silentSince - 50, Date.parse(answered.data.answered_at));
		assert.ok(silence >= RTP_TIMEOUT_S * 1000 - 100 && silence < RTP_TIMEOUT_S * 1000 + 2500 * SLOW,
			`ended ${silence} ms after the media stopped (rtp_timeout_s ${RTP_TIMEOUT_S})`);
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from, to: agent.extension, agent_id: agent.id,
			hangup_cause: 'media_timeout', hangup_by: 'system', sip_status: null,
		}, { rang: true, answered: true });
	});
}

test('media stops mid-call: the call ends with media_timeout, BYE to both legs', async () => {
	await silentCall(700, '5550501');
});

test('media never starts: the call ends with media_timeout after answer', async () => {
	await silentCall(0, '5550502');
});
