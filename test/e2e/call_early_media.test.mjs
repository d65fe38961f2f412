// Early media: the called side answers 183 Session Progress with SDP and
// sends audio (ringback, an announcement) before its 200 OK. Hotline
// points its relay at the 183's SDP and passes a 183 with its own SDP (the
// relay's address) to the caller, after the 180 every accepted call gets,
// so audio flows both ways before the answer; the answer then bridges the
// same relay ports. Outbound (agent phone -> trunk -> carrier) and inbound
// (caller -> agent phone).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	Scope, openCallSuite, closeCallSuite, newAgent, agentPhone, dial, startCarrier, attachMedia, assertCallEvents,
	assertEndedRecord, recordMatchesLastEvent, assertRelayed, waitReleased, isRelayAddr, SLOW,
} from './lib/calls.mjs';
import { startSipp, freeUdpPort } from './lib/sipp.mjs';
import { RtpPeer } from './lib/rtp.mjs';
import { sippTrace, traceLine } from './lib/sipptrace.mjs';

const EARLY_MS = 1000 * SLOW;    // 183 -> 200 at the called side
const EARLY_PACKETS = 10;        // 200 ms of audio each way before the answer

let d;
let watch;

// the callee answers EARLY_MS after its 183: the ring timeout must be longer
before(async () => ({ d, watch } = await openCallSuite({
	config: { sip_ring_timeout_s: Math.ceil(EARLY_MS / 1000) + 4 } })));
after(() => closeCallSuite(d, watch));

function logLines(sipp) {
	return sipp.logText().trim().split('\n');
}

/** {host, port} of a "WORD ip port" log line. */
function addrOf(line) {
	const m = /^\S+ (\S+) (\d+)$/.exec(line || '');
	assert.ok(m, `an address line: ${line}`);
	return { host: m[1], port: Number(m[2]) };
}

const tagOf = (hdrLine) => (/;tag=([^;>\s]+)/.exec(hdrLine || '') || [])[1];

/**
 * The calling side's log (uac_*_early.xml) after a call with early
 * media: 180, then 183 with the relay's address, then 200 with the same
 * address and To tag. Returns the relay address the caller was given.
 */
function assertCallerSawEarlyMedia(d, sipp, prefix = []) {
	const l = logLines(sipp);
	const ctx = `caller log:\n${l.join('\n')}`;
	const kinds = l.map((x) => x.split(' ')[0]);
	assert.deepEqual(kinds, [...prefix, 'RINGING', 'EARLY', 'MEDIA', 'EARLY_TO', 'ANSWERED', 'MEDIA',
		'ANSWER_TO', 'BYE_OK'], `180 Ringing, then 183 with SDP, then 200 (${ctx})`);
	const at = (k, n = 0) => l.filter((x) => x.split(' ')[0] === k)[n];
	const early = addrOf(at('EARLY'));
	const answer = addrOf(at('MEDIA', 1));
	assert.ok(isRelayAddr(d, early.host, early.port), `the 183 SDP is Hotline's relay ${d.rtpPorts}: ${ctx}`);
	assert.deepEqual(answer, early, `the 200 keeps the relay address of the 183 (${ctx})`);
	const t183 = tagOf(at('EARLY_TO')), t200 = tagOf(at('ANSWER_TO'));
	assert.ok(t183, `the 183 has a To tag (${ctx})`);
	assert.equal(t200, t183, `the 183 and the 200 belong to one dialog (${ctx})`);

	// the wire: the 183 carries application/sdp with the relay address
	const trace = sippTrace(sipp);
	const p183 = trace.filter((t) => t.dir === 'in' && t.status === 183);
	assert.equal(p183.length, 1, `one 183:\n${trace.map(traceLine).join('\n')}`);
	assert.match(p183[0].header('content-type') || '', /^application\/sdp/i, p183[0].raw);
	assert.match(p183[0].body, /^c=IN IP4 127\.0\.0\.1\r?$/m, p183[0].raw);
	assert.match(p183[0].body, new RegExp(`^m=audio ${early.port} RTP/AVP `, 'm'), p183[0].raw);
	const order = trace.filter((t) => t.dir === 'in' && t.status >= 180 && t.status < 300 &&
		/INVITE/.test(t.header('cseq'))).map((t) => t.status);
	assert.deepEqual(order.filter((s, i) => s !== order[i - 1]), [180, 183, 200], 'responses to the INVITE');
	return early;
}

/**
 * While the called side has not answered yet (its ANSWERING line is not
 * logged, no call.answered), audio went both ways through the relay: the
 * caller got the callee's packets from the relay address of its 183, the
 * callee got the caller's from the relay address of Hotline's offer.
 * Returns the packet counts at that moment.
 */
async function assertEarlyMediaFlows({ callId, caller, callee, calleeSipp, callerSipp }) {
	await caller.rtp.waitPackets(EARLY_PACKETS, EARLY_MS);
	await callee.rtp.waitPackets(EARLY_PACKETS, EARLY_MS);
	const snap = { caller: caller.rtp.rx.packets, callee: callee.rtp.rx.packets };
	// checked after the counts: what was counted arrived before these
	assert.equal(calleeSipp.logMatches(/^ANSWERING/).length, 0,
		`packets counted before the callee answered (early_ms too short?): ${calleeSipp.logText()}`);
	assert.equal(callerSipp.logMatches(/^ANSWERED/).length, 0, 'the caller has no 200 yet');
	assert.ok(!watch.callEvents(callId).some((e) => e.type === 'call.answered'), 'no call.answered yet');
	assert.ok(watch.callEvents(callId).some((e) => e.type === 'call.ringing'), 'call.ringing already');

	const callerAddr = await caller.media;       // from the 183
	const calleeAddr = await callee.media;       // Hotline's offer
	for (const [x, y, via] of [[caller.rtp, callee.rtp, callerAddr], [callee.rtp, caller.rtp, calleeAddr]]) {
		assert.ok(x.rx.ssrcs.has(y.ssrc), `${x.label} got ${y.label}'s early audio: ${x.summary()}`);
		assert.deepEqual(Object.keys(x.rx.bySource), [`${via.host}:${via.port}`],
			`${x.label}: early packets come from the relay address it was given: ${x.summary()}`);
		assert.ok(x.rxRms > 1000, `${x.label}: the early tone arrived (RMS ${x.rxRms.toFixed(0)})`);
	}
	return snap;
}

test('peer check: uac_call_early -> uas_early_media (no Hotline): 183 with SDP, RTP before 200', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const aRtp = scope.add(await RtpPeer.open('callee media'));
		const cRtp = scope.add(await RtpPeer.open('caller media'));
		const port = await freeUdpPort();
		const callee = scope.add(await startSipp('uas_early_media.xml', { localPort: port, timeoutS: 10,
			vars: { early_ms: 600 }, keys: { rtp_port: aRtp.port }, label: 'callee' }));
		await callee.bound();
		const caller = scope.add(await startSipp('uac_call_early.xml', { remote: `127.0.0.1:${port}`,
			service: '1001', timeoutS: 10, vars: { talk_ms: 200 }, keys: { caller: 'alice', rtp_port: cRtp.port },
			label: 'caller' }));
		attachMedia(callee, aRtp);
		attachMedia(caller, cRtp);
		await cRtp.waitPackets(5, 600);
		assert.equal(callee.logMatches(/^ANSWERING/).length, 0, 'RTP before the 200');
		await caller.expectOk();
		await callee.expectOk();
		const l = logLines(caller);
		assert.deepEqual(l.slice(0, 2), [`EARLY 127.0.0.1 ${aRtp.port}`, `MEDIA 127.0.0.1 ${aRtp.port}`]);
		assert.deepEqual(l.slice(3, 5), ['ANSWERED', `MEDIA 127.0.0.1 ${aRtp.port}`]);
		assert.equal(tagOf(l[2]), tagOf(l[5]));
		assert.deepEqual(logLines(callee).map((x) => x.split(' ')[0]),
			['INVITE', 'FROM', 'TO', 'PROGRESS', 'MEDIA', 'ANSWERING', 'ACK', 'BYE']);
		assert.ok(aRtp.rx.ssrcs.has(cRtp.ssrc), aRtp.summary());
	});
});

test('outbound through a trunk: the carrier\'s 183 early media reaches the agent phone before the 200', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		await agentPhone(scope, agent, { rtp: false });   // registered, as a desk phone is
		const carrier = await startCarrier(scope, { scenario: 'uas_early_media.xml', label: 'carrier-early',
			vars: { early_ms: EARLY_MS } });
		const r = await d.api.post('/api/v1/trunks', { id: 'early', name: 'Early media', host: carrier.host,
			transport: 'udp', caller_id: '+15550100' });
		assert.equal(r.status, 201, r.text);

		const number = '15557654321';
		const phone = await dial(scope, number, { scenario: 'uac_auth_early.xml', from: agent.extension,
			auth: { user: agent.extension, password: agent.password }, vars: { talk_ms: 600 },
			label: `phone-${agent.extension}-dials` });
		const id = (await watch.created((c) => c.to === number)).id;

		const early = await assertEarlyMediaFlows({ callId: id, caller: phone, callee: carrier,
			calleeSipp: carrier.uas, callerSipp: phone.sipp });

		await phone.sipp.expectOk('(agent phone dialling)');
		await carrier.uas.expectOk('(carrier with early media)');
		phone.rtp.stop();
		carrier.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		assertCallerSawEarlyMedia(d, phone.sipp, ['CHALLENGED']);
		assert.deepEqual(logLines(carrier.uas).slice(3).map((x) => x.split(' ')[0]),
			['PROGRESS', 'MEDIA', 'ANSWERING', 'ACK', 'BYE'], 'carrier log');
		await assertRelayed(d, phone, carrier, { min: 40 });
		assert.ok(phone.rtp.rx.packets > early.caller && carrier.rtp.rx.packets > early.callee,
			'media went on after the answer');

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'outbound', to: number, trunk_id: 'early', agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
		assert.ok(rec.ring_duration_ms >= EARLY_MS * 0.8, `rang through the early media: ${rec.ring_duration_ms} ms`);
	});
});

test('inbound: the agent phone\'s 183 early media reaches the caller before the 200', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_early_media.xml',
			vars: { early_ms: EARLY_MS } });
		const caller = await dial(scope, agent.extension, { scenario: 'uac_call_early.xml', from: '5550002',
			vars: { talk_ms: 600 } });
		const id = (await watch.created((c) => c.to === agent.extension)).id;

		const callee = { rtp: phone.rtp, media: phone.media };
		const early = await assertEarlyMediaFlows({ callId: id, caller, callee, calleeSipp: phone.uas,
			callerSipp: caller.sipp });

		await caller.sipp.expectOk('(caller)');
		await phone.uas.expectOk('(agent phone with early media)');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		assertCallerSawEarlyMedia(d, caller.sipp);
		assert.deepEqual(logLines(phone.uas).slice(3).map((x) => x.split(' ')[0]),
			['PROGRESS', 'MEDIA', 'ANSWERING', 'ACK', 'BYE'], 'agent phone log');
		await assertRelayed(d, caller, callee, { min: 40 });
		assert.ok(caller.rtp.rx.packets > early.caller && phone.rtp.rx.packets > early.callee,
			'media went on after the answer');

		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		const rec = await recordMatchesLastEvent(d.api, watch, id);
		assertEndedRecord(rec, {
			direction: 'inbound', from: '5550002', to: agent.extension, trunk_id: null, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller', sip_status: null,
		}, { rang: true, answered: true });
		assert.ok(rec.ring_duration_ms >= EARLY_MS * 0.8, `rang through the early media: ${rec.ring_duration_ms} ms`);
	});
});
