// baresip as a real agent phone: it registers at Hotline with digest auth,
// takes an inbound call (manual answer through ctrl_tcp) and exchanges
// audio through the relay (its recording holds our tone, we receive its
// tone), then dials out through a trunk (answering Hotline's 407 itself)
// and hangs up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, newAgent, dial, startCarrier, uriUser, assertCallEvents,
	assertEndedRecord, recordMatchesLastEvent, isRelayAddr, waitReleased, openCallSuite, closeCallSuite,
} from './lib/calls.mjs';
import { startBaresip } from './lib/baresip.mjs';

let d;
let watch;

before(async () => ({ d, watch } = await openCallSuite()));
after(() => closeCallSuite(d, watch));

/** Every RTP source seen by rtp is a relay port. */
function assertFromRelay(rtp) {
	for (const src of Object.keys(rtp.rx.bySource)) {
		const [h, p] = src.split(':');
		assert.ok(isRelayAddr(d, h, Number(p)), `${rtp.label}: packets from ${src}, not the relay`);
	}
}

test('inbound call to a baresip phone: ring, manual answer, audio both ways, caller hangs up', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = scope.add(await startBaresip({ ext: agent.extension, password: agent.password,
			registrar: d.sipAddr, answermode: 'manual' }));
		await phone.registered();

		const caller = await dial(scope, agent.extension, { from: '5550801', vars: { talk_ms: 2000 } });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		const incoming = await phone.waitEvent('CALL_INCOMING');
		assert.match(incoming.peeruri, /^sip:5550801@/, 'the phone shows the caller\'s number');
		await watch.wait(id, 'call.ringing');
		await phone.accept();
		await phone.waitEvent('CALL_ESTABLISHED');
		await caller.sipp.expectOk('(caller)');
		caller.rtp.stop();
		await phone.waitEvent('CALL_CLOSED');
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		// baresip's tone reached the caller through the relay
		assert.ok(caller.rtp.rx.packets >= 50, caller.rtp.summary());
		assert.ok(caller.rtp.rxRms > 1000, `baresip's tone at the caller: RMS ${caller.rtp.rxRms.toFixed(0)}`);
		assertFromRelay(caller.rtp);
		// our tone reached baresip: its recording of what it decoded
		const dec = await phone.recordingStats('dec');
		assert.ok(dec.seconds >= 1.5, `baresip recorded ${dec.seconds} s (${dec.file})`);
		assert.ok(dec.rms > 1000, `the caller's tone in baresip's recording: RMS ${dec.rms.toFixed(0)}`);

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550801', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
	});
});

test('baresip dials out through a trunk (407 digest) and hangs up', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const carrier = await startCarrier(scope, { vars: { ring_ms: 100 } });
		const t = await d.api.post('/api/v1/trunks', { id: 'carrier', name: 'Carrier', host: carrier.host,
			transport: 'udp', caller_id: '+15550100', prefix: '', strip: 0, prepend: '' });
		assert.equal(t.status, 201, t.text);
		const phone = scope.add(await startBaresip({ ext: agent.extension, password: agent.password,
			registrar: d.sipAddr }));
		await phone.registered();

		const number = '15551234567';
		await phone.dial(`sip:${number}@${d.sipAddr}`);
		const id = (await watch.created((c) => c.to === number)).id;
		await phone.waitEvent('CALL_ESTABLISHED');
		await carrier.rtp.waitPackets(50);
		await phone.hangup();
		await phone.waitEvent('CALL_CLOSED');
		await carrier.uas.expectOk('(carrier gets the BYE)');
		carrier.rtp.stop();
		await watch.wait(id, 'call.ended');

		const cl = carrier.uas.logText().trim().split('\n');
		assert.equal(uriUser(cl[0]), number);
		assert.equal(uriUser(cl[1]), '+15550100');
		assert.ok(carrier.rtp.rxRms > 1000, `baresip's tone at the carrier: RMS ${carrier.rtp.rxRms.toFixed(0)}`);
		assertFromRelay(carrier.rtp);
		const dec = await phone.recordingStats('dec');
		assert.ok(dec.rms > 1000, `the carrier's tone in baresip's recording: RMS ${dec.rms.toFixed(0)}`);

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'outbound', to: number, trunk_id: 'carrier', agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
	});
});
