// The flow callers on their own, without Hotline: calls/uac_dtmf.xml and
// calls/uac_voicemail.xml against a sipp callee whose SDP points at a
// node socket, so that a flow test failing against the daemon is known
// not to be a caller that sends the wrong thing. The keys must arrive as
// RFC 4733 events (PT 101, right event codes, marker, end packets, from
// sipp's media port), spaced as asked; the voice message as one PCMU
// stream of a 600 Hz tone lasting audio_s seconds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp, freeUdpPort } from './lib/sipp.mjs';
import { Scope } from './lib/calls.mjs';
import { MediaTap, callerMedia, dtmfVars, samplesOf, toneShare, PT_TE } from './lib/flow.mjs';
import { PT_PCMU } from './lib/rtp.mjs';

/** A callee (scenario, answering PCMU + telephone-event with a MediaTap
 *  as its media) and a caller running uac (its own tap on -mp + 4);
 *  returns {callee, caller, tap (the callee's), own (the caller's)}. */
async function pair(scope, uas, uac, { uasVars = {}, uacVars = {} } = {}) {
	const tap = scope.add(await MediaTap.open('callee media'));
	const own = await callerMedia('caller media');
	scope.add(own.tap);
	const port = await freeUdpPort();
	const callee = scope.add(await startSipp(uas, { localPort: port, timeoutS: 15, vars: uasVars,
		keys: { rtp_port: tap.port, codecs: '0 101' }, label: 'callee' }));
	await callee.bound();
	const caller = scope.add(await startSipp(uac, { remote: `127.0.0.1:${port}`, service: '2000', timeoutS: 15,
		vars: uacVars, mediaPort: own.mediaPort, keys: { caller: 'alice', codecs: '0 8 101' }, label: 'caller' }));
	return { callee, caller, tap, own: own.tap };
}

const lines = (sipp) => sipp.logText().trim().split('\n');

test('uac_dtmf: three keys as RFC 4733 events, spaced as asked, then the caller hangs up', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_answer.xml', 'uac_dtmf.xml',
			{ uacVars: dtmfVars('12#', [300, 400, 600], { hangupMs: 300 }) });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller), ['RINGING', 'ANSWERED', `MEDIA 127.0.0.1 ${p.tap.port}`, 'DTMF 1', 'DTMF 2',
			'DTMF #', 'BYE_OK']);
		assert.match(lines(p.callee).find((l) => l.startsWith('MEDIA')), new RegExp(` ${p.own.port}$`),
			'the caller offers -mp + 4');
		const ev = p.tap.dtmf();
		assert.deepEqual(ev.map((e) => e.key), ['1', '2', '#'], p.tap.summary());
		assert.deepEqual(ev.map((e) => e.event), [1, 2, 11]);
		for (const e of ev) {
			assert.equal(e.src, `127.0.0.1:${p.own.port}`, 'sent from the port the caller offers');
			assert.ok(e.marker, `key ${e.key}: marker bit on its first packet`);
			assert.ok(e.ended, `key ${e.key}: end packets`);
			assert.equal(e.volume, 10);
			assert.equal(e.duration, 2240, `key ${e.key}: 280 ms at 8 kHz`);
			assert.equal(e.packets, 10, `key ${e.key}: 7 packets and 3 end packets`);
		}
		assert.ok(p.tap.packets.every((x) => x.pt === PT_TE), 'nothing but telephone-event');
		const gaps = [ev[1].at - ev[0].at, ev[2].at - ev[1].at];
		assert.ok(Math.abs(gaps[0] - 400) < 100 && Math.abs(gaps[1] - 600) < 100,
			`keys spaced 400 and 600 ms apart: ${gaps.map((g) => g.toFixed(0))}`);
	});
});

test('uac_dtmf: one key, then the caller waits for the callee\'s BYE', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_bye.xml', 'uac_dtmf.xml',
			{ uasVars: { talk_ms: 1200 }, uacVars: dtmfVars('5', 300) });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller).slice(-2), ['DTMF 5', 'BYE']);
		assert.deepEqual(p.tap.dtmf().map((e) => [e.key, e.ended]), [['5', true]]);
	});
});

test('uac_dtmf: a BYE during a pause between keys ends the call cleanly', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_bye.xml', 'uac_dtmf.xml',
			{ uasVars: { talk_ms: 1000 }, uacVars: dtmfVars('12', [300, 4000]) });
		const t0 = Date.now();
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.ok(Date.now() - t0 < 3500, 'the caller did not sit out its pause');
		assert.deepEqual(lines(p.caller).slice(-2), ['DTMF 1', 'BYE']);
		assert.deepEqual(p.tap.dtmf().map((e) => e.key), ['1']);
	});
});

test('uac_voicemail: two seconds of a 600 Hz tone as one PCMU stream, then "#"', async () => {
	const scope = new Scope();
	await scope.run(async () => {
		const p = await pair(scope, 'uas_answer.xml', 'uac_voicemail.xml',
			{ uacVars: { wait_ms: 200, audio_s: 2, hash: 1, hangup_ms: 200 } });
		await p.caller.expectOk();
		await p.callee.expectOk();
		assert.deepEqual(lines(p.caller).slice(3), ['AUDIO_START', 'AUDIO_END', 'DTMF #', 'BYE_OK']);
		const audio = p.tap.packets.filter((x) => x.pt === PT_PCMU);
		assert.equal(audio.length, 100, `50 packets a second: ${p.tap.summary()}`);
		assert.equal(new Set(audio.map((x) => x.ssrc)).size, 1, 'one SSRC');
		audio.forEach((x, i) => {
			assert.equal(x.seq, 1000 + i, 'sequence numbers continue from file to file');
			assert.equal(x.ts, 160000 + 160 * i, 'timestamps continue from file to file');
			assert.equal(x.src, `127.0.0.1:${p.own.port}`, 'sent from the port the caller offers');
		});
		const span = audio[audio.length - 1].at - audio[0].at;
		assert.ok(span > 1850 && span < 2150, `sent over ~1980 ms, took ${span.toFixed(0)}`);
		assert.ok(toneShare(samplesOf(audio).subarray(0, 15200), 600) > 0.9, 'a 600 Hz tone');
		const ev = p.tap.dtmf();
		assert.deepEqual(ev.map((e) => e.key), ['#']);
		assert.ok(ev[0].at > audio[audio.length - 1].at, '# after the audio');
	});
});
