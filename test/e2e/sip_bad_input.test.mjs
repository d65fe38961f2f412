// Malformed and hostile SIP over UDP and TCP: the daemon answers what it
// can parse (4xx), drops what it cannot, never answers 2xx to nonsense,
// never rings an agent for a broken INVITE, and stays up: OPTIONS is still
// answered on both transports, /healthz is 200, a real call still works,
// and it stops cleanly with no sanitizer report.
//
// Every case runs even when one fails; the test then lists all the cases
// whose answer was wrong.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { SipUdp, sipTcp, buildRequest, sdp, ackFor } from './lib/sipraw.mjs';
import { startSipDaemon, Scope, newAgent, agentPhone, dial } from './lib/calls.mjs';

let d;
let udp;
let scope;
let agent;
let phone;

before(async () => {
	d = await startSipDaemon();
	udp = await SipUdp.open();
	scope = new Scope(d);
	agent = await newAgent(d.api);
	// a registered phone that must never be called by any of these INVITEs
	// (should one get through, it answers 486 and the case shows it)
	phone = await agentPhone(scope, agent, { scenario: 'uas_reject.xml', vars: { reject_code: 486 },
		calls: 100, rtp: false, timeoutS: 60 });
});

after(async () => {
	udp?.close();
	await scope?.cleanup();
	if (d) {
		await d.stop();
		await d.cleanup();
	}
});

const host = () => d.sipAddr;
const req = (o) => buildRequest({ host: host(), localPort: udp.port, ...o });
const invite = (o = {}) => req({ method: 'INVITE', ruri: `sip:${agent.extension}@${host()}`, body: sdp(), ...o });

/** expect: a status, an array of statuses/'none', '4xx', or 'any'. */
function verdict(expect, got) {
	const finals = got.filter((r) => r.status >= 200).map((r) => r.status);
	const status = finals.length ? finals[0] : 'none';
	if (finals.some((s) => s < 300))
		return expect === 'any' || expect === 200 || (Array.isArray(expect) && expect.includes(200)) ? null
			: `a 2xx (${finals})`;
	if (expect === 'any')
		return null;
	if (expect === '4xx')
		return status !== 'none' && status >= 400 && status < 500 ? null : `${status}, want a 4xx`;
	if (expect === '4xx|none')
		return status === 'none' || (status >= 400 && status < 500) ? null : `${status}, want a 4xx or nothing`;
	const allowed = Array.isArray(expect) ? expect : [expect];
	return allowed.includes(status) ? null : `${status}, want ${allowed.join(' or ')}`;
}

/** How many INVITEs the agent's phone has seen. */
function phoneInvites() {
	return phone.uas.logMatches(/^INVITE /).length;
}

/** OPTIONS over UDP is answered 200 (retransmitted like a SIP client
 *  would: a flood can overflow the socket buffer and lose datagrams). */
async function alive(what) {
	let r = [];
	for (let i = 0; i < 6 && !r.length; i++)
		r = await udp.send(d.sipPort, req({}), { waitMs: 500 });
	assert.deepEqual(r.map((x) => x.status), [200], `OPTIONS over UDP after ${what}`);
}

const big = (n) => 'x'.repeat(n);

// [name, bytes (function), expected, {mayRing}]
const UDP_CASES = [
	['valid OPTIONS', () => req({}), 200],
	['truncated start line', () => 'INVITE sip:10', 'none'],
	['truncated in a header, no blank line', () => req({}).slice(0, 120), 'none'],
	['binary garbage', () => crypto.randomBytes(512), 'none'],
	['empty datagram', () => Buffer.alloc(0), 'none'],
	['CRLF keep-alive', () => '\r\n\r\n', 'none'],
	['NUL bytes in a header', () => req({ headers: ['Subject: a\0b\0c'] }), [400, 'none', 200]],
	['a 9000-byte Request-URI', () => req({ ruri: `sip:${big(9000)}@${host()}` }), '4xx|none'],
	['a 60 KB header', () => req({ headers: [`Subject: ${big(60000)}`] }), [200, 400, 413, 513, 'none']],
	['500 Via headers', () => req({ headers: Array.from({ length: 500 },
		(_, i) => `Via: SIP/2.0/UDP 10.0.0.${i % 250}:5060;branch=z9hG4bK${i}`) }), 'any'],
	['Content-Length beyond the datagram', () => req({ body: 'abc', contentType: 'text/plain', contentLength: 5000 }),
		[400, 'none']],
	['Content-Length not a number', () => req({ contentLength: 'abc' }), [400, 'none']],
	['negative Content-Length', () => req({ contentLength: -5 }), [400, 'none']],
	['no Via', () => req({ via: null }), 'none'],
	['no From', () => req({ omit: ['From'] }), 400],
	['no To', () => req({ omit: ['To'] }), 400],
	['no Call-ID', () => req({ omit: ['Call-ID'] }), 400],
	['no CSeq', () => req({ omit: ['CSeq'] }), 400],
	['CSeq method differs from the request', () => req({ cseq: '1 INVITE' }), 400],
	// libre's parser rejects a CSeq without a number: the message never
	// reaches Hotline, so silence is all it can give
	['CSeq not a number', () => req({ cseq: 'x OPTIONS' }), [400, 'none']],
	['unknown method', () => req({ method: 'FROB' }), [405, 501]],
	['SIP/3.0', () => req({}).replace(' SIP/2.0\r\n', ' SIP/3.0\r\n'), [505, 400, 'none']],
	['garbage Request-URI', () => req({ ruri: 'not-a-uri' }), [400, 416, 'none']],
	['INVITE with Max-Forwards 0', () => invite({ maxForwards: 0 }), 483],
	['INVITE without Contact', () => invite({ contact: null }), 400],
	['INVITE with garbage as SDP', () => invite({ body: 'hello, this is not SDP\r\n' }), '4xx'],
	['INVITE SDP without m= line', () => invite({ body: sdp({ media: false }) }), '4xx'],
	['INVITE SDP without c= line', () => invite({ body: sdp({ conn: false }) }), '4xx'],
	['INVITE SDP with no common codec', () => invite({ body: sdp({ codecs: '18', extra: ['a=rtpmap:18 G729/8000'] }) }),
		488],
	['INVITE SDP with video only', () => invite({ body: sdp({ media: false,
		extra: ['m=video 40000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000'] }) }), 488],
	['INVITE SDP with audio port 0', () => invite({ body: sdp({ port: 0 }) }), 488],
	['INVITE SDP with a bad port', () => invite({ body: sdp({ port: 99999 }) }), '4xx'],
	['INVITE with a text/plain body', () => invite({ contentType: 'text/plain', body: 'hi' }), [415, 488, 400]],
	// valid, only large: Hotline may take it (the agent's phone answers 486
	// here) or refuse it, but must not choke on it
	['INVITE with 2000 SDP attributes', () => invite({ body: sdp({ extra: Array.from({ length: 2000 },
		(_, i) => `a=x-junk:${i}`) }) }), '4xx|none', { mayRing: true }],
	['BYE outside a dialog', () => req({ method: 'BYE', ruri: `sip:${agent.extension}@${host()}`,
		to: `<sip:${agent.extension}@${host()}>;tag=nosuchtag` }), 481],
	['CANCEL of no transaction', () => req({ method: 'CANCEL', ruri: `sip:${agent.extension}@${host()}` }), 481],
	['ACK of no transaction', () => req({ method: 'ACK', ruri: `sip:${agent.extension}@${host()}` }), 'none'],
	['REGISTER with a garbage Contact', () => req({ method: 'REGISTER', to: `<sip:${agent.extension}@${host()}>`,
		from: `<sip:${agent.extension}@${host()}>;tag=1`, contact: '<<<garbage' }), '4xx'],
];

test('UDP: each malformed message gets a sensible answer or none, and the daemon stays up', async () => {
	const wrong = [];
	for (const [name, bytes, expect, opts = {}] of UDP_CASES) {
		const rang = phoneInvites();
		const msg = bytes();
		const quiet = expect === 'none' || String(expect).includes('none');
		const got = await udp.send(d.sipPort, msg, { waitMs: quiet ? 150 : 1500 });
		const final = got.find((r) => r.status >= 300);
		if (final && typeof msg === 'string' && msg.startsWith('INVITE '))
			udp.sock.send(Buffer.from(ackFor(msg, final), 'latin1'), d.sipPort, '127.0.0.1');
		const v = verdict(expect, got);
		if (v)
			wrong.push(`${name}: got ${v}${got.length ? `  [${got.map((r) => r.raw.split('\r\n')[0]).join(' | ')}]` : ''}`);
		if (phoneInvites() !== rang && !opts.mayRing)
			wrong.push(`${name}: reached the agent's phone`);
		await alive(name);
	}
	assert.deepEqual(wrong, [], `wrong answers over UDP:\n${wrong.join('\n')}`);
});

// [name, bytes (function; an array = separate writes), expected, opts]
const TCP_CASES = [
	['valid OPTIONS', () => req({ transport: 'TCP' }), 200],
	['OPTIONS in three pieces', () => {
		const m = req({ transport: 'TCP' });
		return [m.slice(0, 10), m.slice(10, 100), m.slice(100)];
	}, 200],
	['two pipelined OPTIONS', () => req({ transport: 'TCP' }) + req({ transport: 'TCP' }), 200, { finals: 2, count: 2 }],
	['truncated, then half-closed', () => req({ transport: 'TCP' }).slice(0, 100), 'none', { endAfter: true }],
	['Content-Length beyond what is sent', () => req({ transport: 'TCP', body: 'abc', contentType: 'text/plain',
		contentLength: 500 }), 'none'],
	['binary garbage', () => crypto.randomBytes(4096), 'none'],
	['a 300 KB header', () => req({ transport: 'TCP', headers: [`Subject: ${big(300000)}`] }), [400, 413, 513, 'none']],
	['a 2 MB body', () => req({ transport: 'TCP', body: big(2 * 1024 * 1024), contentType: 'text/plain' }),
		[400, 413, 513, 'none']],
	['no CSeq', () => req({ transport: 'TCP', omit: ['CSeq'] }), 400],
	['INVITE with no common codec', () => invite({ transport: 'TCP',
		body: sdp({ codecs: '18', extra: ['a=rtpmap:18 G729/8000'] }) }), 488],
	['INVITE with garbage as SDP', () => invite({ transport: 'TCP', body: 'not sdp at all' }), '4xx'],
];

test('TCP: framing abuse, huge messages and bad SDP; the daemon stays up', async () => {
	const wrong = [];
	for (const [name, bytes, expect, opts = {}] of TCP_CASES) {
		const rang = phoneInvites();
		const quiet = expect === 'none' || (Array.isArray(expect) && expect.includes('none'));
		const r = await sipTcp(d.sipPort, bytes(), { waitMs: quiet ? 600 : 2000, finals: opts.finals ?? 1,
			endAfter: opts.endAfter });
		const v = verdict(expect, r.responses);
		if (v)
			wrong.push(`${name}: got ${v}`);
		if (opts.count && r.responses.filter((x) => x.status === expect).length !== opts.count)
			wrong.push(`${name}: ${r.responses.length} responses, want ${opts.count}`);
		if (phoneInvites() !== rang)
			wrong.push(`${name}: reached the agent's phone`);
		const ok = await sipTcp(d.sipPort, req({ transport: 'TCP' }), { waitMs: 2000 });
		assert.deepEqual(ok.responses.map((x) => x.status), [200], `OPTIONS over TCP after ${name}`);
	}
	assert.deepEqual(wrong, [], `wrong answers over TCP:\n${wrong.join('\n')}`);
});

test('a flood of garbage datagrams does not stop the daemon', async () => {
	for (let i = 0; i < 2000; i++)
		udp.sock.send(crypto.randomBytes(1 + (i % 1400)), d.sipPort, '127.0.0.1');
	await alive('2000 garbage datagrams');
});

test('after all that: /healthz is 200, OPTIONS is answered, a real call still works', async () => {
	const h = await fetch(`${d.url}/healthz`);
	assert.equal(h.status, 200);
	await alive('everything');
	const ok = await sipTcp(d.sipPort, req({ transport: 'TCP' }), { waitMs: 2000 });
	assert.deepEqual(ok.responses.map((x) => x.status), [200]);

	const s = new Scope(d);
	await s.run(async () => {
		const a = await newAgent(d.api);
		const p = await agentPhone(s, a, { vars: { ring_ms: 50 } });
		const caller = await dial(s, a.extension, { from: '5550901', vars: { talk_ms: 400 } });
		await caller.sipp.expectOk('(caller)');
		await p.uas.expectOk('(agent phone)');
		assert.ok(caller.rtp.rx.packets > 5, caller.rtp.summary());
	});
});
