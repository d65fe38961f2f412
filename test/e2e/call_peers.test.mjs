// The test peers on their own, without Hotline: every sipp scenario in
// calls/ against its counterpart, and baresip against sipp, so that a call
// test failing against the daemon is known not to be a broken peer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startSipp, freeUdpPort, register } from './lib/sipp.mjs';
import { RtpPeer, PT_PCMA } from './lib/rtp.mjs';
import { startBaresip } from './lib/baresip.mjs';
import { Scope, attachMedia } from './lib/calls.mjs';
import { freePort } from './lib/daemon.mjs';

/** A UAS scenario on a free port and a UAC scenario calling it, each with
 *  an RTP endpoint as its media. */
async function pair(scope, uas, uac, { uasVars = {}, uacVars = {}, uasKeys = {}, uacKeys = {}, service = '1001',
	transport, auth, callerRtp = true } = {}) {
	const aRtp = scope.add(await RtpPeer.open('callee media'));
	const cRtp = scope.add(await RtpPeer.open('caller media'));
	const port = transport === 'tcp' ? await freePort() : await freeUdpPort();
	const callee = scope.add(await startSipp(uas, { localPort: port, transport, timeoutS: 10,
		vars: uasVars, keys: { rtp_port: aRtp.port, ...uasKeys }, label: 'callee' }));
	await callee.bound();
	const caller = scope.add(await startSipp(uac, { remote: `127.0.0.1:${port}`, service, transport,
		timeoutS: 10, vars: uacVars, auth, keys: { caller: 'alice', rtp_port: cRtp.port, ...uacKeys },
		label: 'caller' }));
	return {
		callee, caller, aRtp, cRtp,
		aMedia: attachMedia(callee, aRtp), cMedia: callerRtp ? attachMedia(caller, cRtp) : null,
	};
}

function lines(sipp) {
	return sipp.logText().trim().split('\n');
}

test('uac_call -> uas_answer: ringing, answer, RTP both ways, caller BYE', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_answer.xml', 'uac_call.xml',
			{ uasVars: { ring_ms: 100 }, uacVars: { talk_ms: 600 } });
		await p.caller.expectOk();
		await p.callee.expectOk();
		p.aRtp.stop();
		p.cRtp.stop();
		assert.deepEqual(lines(p.caller), ['RINGING', 'ANSWERED', `MEDIA 127.0.0.1 ${p.aRtp.port}`, 'BYE_OK']);
		const l = lines(p.callee);
		assert.equal(l[0], `INVITE sip:1001@127.0.0.1:${p.callee.port}`);
		assert.match(l[1], /^FROM +<sip:alice@127\.0\.0\.1:\d+>;tag=/);
		assert.match(l[2], /^TO +<sip:1001@/);
		assert.deepEqual(l.slice(3), [`MEDIA 127.0.0.1 ${p.cRtp.port}`, 'ACK', 'BYE']);
		for (const [x, y] of [[p.aRtp, p.cRtp], [p.cRtp, p.aRtp]]) {
			assert.ok(x.rx.packets >= 15, x.summary());
			assert.ok(x.rx.ssrcs.has(y.ssrc), x.summary());
			assert.ok(x.rxRms > 1000, `tone decoded at ${x.label}: ${x.rxRms}`);
		}
	});
});

test('uac_call -> uas_answer over TCP', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_answer.xml', 'uac_call.xml',
			{ transport: 'tcp', uacVars: { talk_ms: 200 } });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.callee).slice(-2), ['ACK', 'BYE']);
	});
});

test('uac_pcap -> uas_answer: sipp plays the G.711 A-law pcap', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_answer.xml', 'uac_pcap.xml', { uacVars: { talk_ms: 600 },
			callerRtp: false });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.ok(p.aRtp.rx.packets >= 15, p.aRtp.summary());
		assert.deepEqual([...p.aRtp.rx.pts], [PT_PCMA], p.aRtp.summary());
	});
});

test('uac_cancel -> uas_ring: CANCEL while ringing, 200 + 487, ACK', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_ring.xml', 'uac_cancel.xml', { uacVars: { ring_ms: 200 } });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller), ['RINGING', 'CANCEL_OK', 'FINAL 487']);
		assert.deepEqual(lines(p.callee).slice(-2), ['CANCEL', 'ACK']);
	});
});

for (const code of [486, 603, 480, 404]) {
	test(`uac_fail -> uas_reject ${code}`, async () => {
		const scope = new Scope();
		await scope.run(async () => {
			const p = await pair(scope, 'uas_reject.xml', 'uac_fail.xml',
				{ uasVars: { reject_code: code, ring_ms: 50 } });
			await p.caller.expectOk();
			await p.callee.expectOk();
			assert.deepEqual(lines(p.caller), ['RINGING', `FINAL ${code}`]);
			assert.deepEqual(lines(p.callee).slice(-2), [`REJECTED ${code}`, 'ACK']);
		});
	});
}

test('uac_fail answered after all logs ANSWERED and hangs up', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_answer.xml', 'uac_fail.xml');
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller), ['RINGING', 'ANSWERED']);
	});
});

test('uac_wait_bye -> uas_bye: the callee hangs up', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_bye.xml', 'uac_wait_bye.xml',
			{ uasVars: { ring_ms: 50, talk_ms: 400 } });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller).slice(-1), ['BYE']);
		assert.deepEqual(lines(p.callee).slice(-2), ['ACK', 'BYE_OK']);
		assert.ok(p.cRtp.rx.packets >= 10, p.cRtp.summary());
	});
});

test('uac_hold -> uas_hold: re-INVITE sendonly, then sendrecv', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_hold.xml', 'uac_hold.xml',
			{ uacVars: { hold_after_ms: 200, held_ms: 200, talk_ms: 200 } });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller).slice(-3), ['HOLD_ANSWER recvonly', 'RESUME_ANSWER sendrecv', 'BYE_OK']);
		assert.deepEqual(lines(p.callee).filter((l) => l.startsWith('REINVITE')),
			[`REINVITE sendonly ${p.cRtp.port}`, `REINVITE sendrecv ${p.cRtp.port}`]);
	});
});

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');

/** Check a logged digest (Authorization header) against the password. */
function assertDigest(header, { method, user, password, uri }) {
	const f = Object.fromEntries([...header.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
	assert.equal(f.username, user, header);
	assert.equal(f.uri, uri, `digest uri is the Request-URI: ${header}`);
	const ha1 = md5(`${user}:${f.realm}:${password}`);
	const ha2 = md5(`${method}:${f.uri}`);
	assert.equal(f.response, md5(`${ha1}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${ha2}`), header);
}

test('uac_auth -> uas_challenge: 407, digest with the Request-URI, answered', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_challenge.xml', 'uac_auth.xml', {
			service: '15551234567', uacVars: { talk_ms: 200 }, uacKeys: { caller: '1001' },
			auth: { user: '1001', password: 'secret' },
		});
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller).slice(0, 2), ['CHALLENGED 407', 'ANSWERED']);
		const auth = lines(p.callee)[0].replace(/^AUTHORIZATION +/, '');
		assertDigest(auth, { method: 'INVITE', user: '1001', password: 'secret',
			uri: `sip:15551234567@127.0.0.1:${p.callee.port}` });
	});
});

test('reg -> uas_registrar: 401, digest, 200 with the UAS contact', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const port = await freeUdpPort();
		const registrar = scope.add(await startSipp('uas_registrar.xml', { localPort: port, timeoutS: 5 }));
		await registrar.bound();
		const reg = scope.add(await register({ registrar: `127.0.0.1:${port}`, ext: '1001', password: 'secret',
			contactPort: 5999 }));
		await registrar.expectOk();
		assert.deepEqual(lines(reg), ['CHALLENGED 401', 'REGISTERED  <sip:1001@127.0.0.1:5999;transport=udp>']);
		const l = lines(registrar);
		assert.equal(l[0], 'REGISTER  <sip:1001@127.0.0.1:5999;transport=udp>');
		assertDigest(l[1].replace(/^AUTHORIZATION +/, ''), { method: 'REGISTER', user: '1001',
			password: 'secret', uri: `sip:127.0.0.1:${port}` });
	});
});

test('baresip registers (digest), auto-answers, sends its tone and records ours', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const port = await freeUdpPort();
		const registrar = scope.add(await startSipp('uas_registrar.xml', { localPort: port, timeoutS: 5 }));
		await registrar.bound();
		const phone = scope.add(await startBaresip({ ext: '1001', password: 'secret',
			registrar: `127.0.0.1:${port}` }));
		await phone.registered();
		await registrar.expectOk();
		assert.match(lines(registrar)[1], /username="1001"/);

		const rtp = scope.add(await RtpPeer.open('caller media'));
		const caller = scope.add(await startSipp('uac_call.xml', { remote: `127.0.0.1:${phone.sipPort}`,
			service: '1001', timeoutS: 10, vars: { talk_ms: 1000 }, keys: { rtp_port: rtp.port } }));
		const media = attachMedia(caller, rtp);
		await phone.waitEvent('CALL_ESTABLISHED');
		await caller.expectOk();
		await phone.waitEvent('CALL_CLOSED');
		rtp.stop();
		assert.ok(await media);
		assert.ok(rtp.rx.packets >= 25, rtp.summary());
		assert.ok(rtp.rxRms > 1000, `baresip's tone: RMS ${rtp.rxRms}`);
		const dec = await phone.recordingStats('dec');
		assert.ok(dec.seconds >= 0.5, `baresip recorded ${dec.seconds} s of our audio`);
		assert.ok(dec.rms > 1000, `our tone in baresip's recording: RMS ${dec.rms}`);
	});
});
