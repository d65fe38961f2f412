// SIP over TLS (sip_tls_listen / --sip-tls, sip_tls_cert): the daemon
// presents the configured certificate; a hand-made TLS user agent (node
// tls) gets OPTIONS answered and REGISTERs with digest (the registration
// says transport "tls") and is then called over its own connection; a
// baresip phone registered over TLS is called back on its TLS listener;
// a TLS caller reaches a sipp agent over UDP. A missing or unloadable
// certificate stops the start with an ERROR naming sip_tls_cert.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { freePort, runBin } from './lib/daemon.mjs';
import { parseSip, parseDigest, digestCredentials } from './lib/sipmsg.mjs';
import { RtpPeer } from './lib/rtp.mjs';
import { startBaresip } from './lib/baresip.mjs';
import {
	Scope, newAgent, agentPhone, dial, assertCallEvents, assertEndedRecord, recordMatchesLastEvent,
	assertRelayed, waitReleased, isRelayAddr, logLines, openCallSuite, closeCallSuite, SLOW,
} from './lib/calls.mjs';

const run = promisify(execFile);
const WAIT_MS = 5000 * SLOW;

let d;
let watch;
let dir;            // temp dir of the certificate files
let certPem;        // the certificate alone (the clients' CA)
let pemFile;        // certificate + key: sip_tls_cert
let tlsAddr;        // "127.0.0.1:port" of the TLS listener
let tlsPort;

/** A self-signed certificate for 127.0.0.1 (CN and IP SAN) made by the
 *  openssl CLI (scripts/deps.sh test installs it). */
async function makeCertificate(where) {
	const key = path.join(where, 'key.pem');
	const cert = path.join(where, 'cert.pem');
	await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
		'-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert]);
	const both = path.join(where, 'hotline.pem');
	await fs.writeFile(both, (await fs.readFile(cert, 'utf8')) + (await fs.readFile(key, 'utf8')));
	return { cert, both };
}

before(async () => {
	dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hotline-e2e-tls-'));
	const c = await makeCertificate(dir);
	certPem = await fs.readFile(c.cert, 'utf8');
	pemFile = c.both;
	tlsPort = await freePort();
	tlsAddr = `127.0.0.1:${tlsPort}`;
	// the flag for the address, the config key for the certificate
	({ d, watch } = await openCallSuite({ config: { sip_tls_cert: pemFile }, args: ['--sip-tls', tlsAddr] }));
	assert.match(d.output, new RegExp(`INFO +sip: listening on tls ${tlsAddr.replace(/\./g, '\\.')}\\b`));
});

after(async () => {
	await closeCallSuite(d, watch);
	if (dir)
		await fs.rm(dir, { recursive: true, force: true });
});

const tag = () => crypto.randomBytes(5).toString('hex');

/**
 * A SIP user agent on one TLS connection to the daemon, verifying its
 * certificate against ours. It sends hand-made requests and responses;
 * every message received (either kind) lands in inbox.
 */
class SipTls {
	static open(port) {
		return new Promise((resolve, reject) => {
			const sock = tls.connect({ host: '127.0.0.1', port, ca: certPem });
			sock.once('secureConnect', () => resolve(new SipTls(sock)));
			sock.once('error', reject);
		});
	}

	constructor(sock) {
		this.sock = sock;
		this.localPort = sock.localPort;
		this.buf = '';
		this.inbox = [];
		this.waiters = new Set();
		sock.setEncoding('latin1');
		sock.on('data', (s) => this.onData(s));
		sock.on('error', () => {});
	}

	onData(s) {
		this.buf += s;
		for (;;) {
			this.buf = this.buf.replace(/^(\r\n)+/, '');     // keep-alives
			const end = this.buf.indexOf('\r\n\r\n');
			if (end < 0)
				return;
			const m = /\r\ncontent-length:\s*(\d+)/i.exec(this.buf.slice(0, end));
			const len = end + 4 + (m ? Number(m[1]) : 0);
			if (this.buf.length < len)
				return;
			const msg = parseSip(this.buf.slice(0, len));
			msg.body = this.buf.slice(end + 4, len);
			this.buf = this.buf.slice(len);
			this.inbox.push(msg);
			for (const w of this.waiters)
				w();
		}
	}

	/** The first received message matching pred (taken from the inbox). */
	next(pred, what = 'a SIP message', timeoutMs = WAIT_MS) {
		return new Promise((resolve, reject) => {
			const check = () => {
				const i = this.inbox.findIndex(pred);
				if (i < 0)
					return;
				done();
				resolve(this.inbox.splice(i, 1)[0]);
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`no ${what} over TLS within ${timeoutMs} ms; inbox: ` +
					this.inbox.map((m) => m.raw.split('\r\n')[0]).join(' | ')));
			}, timeoutMs);
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(check);
			};
			this.waiters.add(check);
			check();
		});
	}

	send(lines, body = '') {
		const all = [...lines];
		if (body)
			all.push('Content-Type: application/sdp');
		all.push(`Content-Length: ${Buffer.byteLength(body)}`, '', '');
		this.sock.write(all.join('\r\n') + body, 'latin1');
	}

	contact(user) {
		return `<sip:${user}@127.0.0.1:${this.localPort};transport=tls>`;
	}

	/** Send a request; resolves its final response. o: {method, ruri,
	 *  user, from, to, callId, cseq, headers, body}. */
	async request(o) {
		const branch = `z9hG4bK${tag()}`;
		this.send([
			`${o.method} ${o.ruri} SIP/2.0`,
			`Via: SIP/2.0/TLS 127.0.0.1:${this.localPort};rport;branch=${branch}`,
			'Max-Forwards: 70',
			`From: ${o.from ?? `<sip:${o.user}@${tlsAddr}>;tag=${tag()}`}`,
			`To: ${o.to ?? `<sip:${o.user}@${tlsAddr}>`}`,
			`Call-ID: ${o.callId ?? `${tag()}@127.0.0.1`}`,
			`CSeq: ${o.cseq ?? 1} ${o.method}`,
			...(o.headers || []),
		], o.body);
		if (o.method === 'ACK')
			return null;
		return this.next((m) => m.status >= 200 && (m.header('via') || '').includes(branch),
			`final response to ${o.method}`);
	}

	/** Answer the request req (To gets toTag when it has none). */
	reply(req, status, reason, { toTag, headers = [], body = '' } = {}) {
		const to = req.header('to');
		this.send([
			`SIP/2.0 ${status} ${reason}`,
			...req.headers.via.map((v) => `Via: ${v}`),
			`From: ${req.header('from')}`,
			`To: ${to}${toTag && !/;tag=/.test(to) ? `;tag=${toTag}` : ''}`,
			`Call-ID: ${req.header('call-id')}`,
			`CSeq: ${req.header('cseq')}`,
			...headers,
		], body);
	}

	close() {
		this.sock.destroy();
	}
}

/** {host, port} of the audio in an SDP body. */
function sdpMedia(body) {
	const c = /^c=IN IP4 (\S+)/m.exec(body);
	const m = /^m=audio (\d+) /m.exec(body);
	assert.ok(c && m, `an audio stream in the SDP:\n${body}`);
	return { host: c[1], port: Number(m[1]) };
}

function sdpOffer(port) {
	return ['v=0', 'o=tls 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
		`m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

async function registrations(id) {
	const r = await d.api.get(`/api/v1/agents/${id}`);
	assert.equal(r.status, 200, r.text);
	return r.body.registrations;
}

test('the TLS listener presents sip_tls_cert and answers OPTIONS with 200', async () => {
	const ua = await SipTls.open(tlsPort);
	try {
		assert.ok(ua.sock.authorized, `the certificate verifies against ours: ${ua.sock.authorizationError}`);
		const ours = new crypto.X509Certificate(certPem);
		assert.equal(ua.sock.getPeerX509Certificate().fingerprint256, ours.fingerprint256,
			'the certificate presented is the configured one');
		const r = await ua.request({ method: 'OPTIONS', ruri: `sip:${tlsAddr};transport=tls`, user: 'probe' });
		assert.equal(r.status, 200, r.raw);
		assert.match(r.header('allow') || '', /\bINVITE\b/, r.raw);
		assert.match(r.header('via'), /^SIP\/2\.0\/TLS /, 'the Via is ours, answered on the same connection');
	} finally {
		ua.close();
	}
});

test('REGISTER over TLS with digest: the registration says tls; a UDP caller reaches the agent on that connection', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const ua = scope.add(await SipTls.open(tlsPort));
		const ruri = `sip:${tlsAddr};transport=tls`;
		const contact = ua.contact(agent.extension);
		const base = { method: 'REGISTER', ruri, user: agent.extension, callId: `${tag()}@127.0.0.1`,
			from: `<sip:${agent.extension}@${tlsAddr}>;tag=${tag()}` };
		const hdrs = [`Contact: ${contact}`, 'Expires: 120'];
		const first = await ua.request({ ...base, cseq: 1, headers: hdrs });
		assert.equal(first.status, 401, first.raw);
		const ch = parseDigest(first.header('www-authenticate'));
		const auth = digestCredentials({ user: agent.extension, password: agent.password, realm: ch.realm,
			nonce: ch.nonce, method: 'REGISTER', uri: ruri });
		const ok = await ua.request({ ...base, cseq: 2, headers: [...hdrs, `Authorization: ${auth}`] });
		assert.equal(ok.status, 200, ok.raw);
		assert.match(ok.header('contact') || '', new RegExp(`^<sip:${agent.extension}@127\\.0\\.0\\.1:${ua.localPort};transport=tls>;expires=1[12]\\d$`));

		const regs = await registrations(agent.id);
		assert.equal(regs.length, 1, JSON.stringify(regs));
		assert.equal(regs[0].transport, 'tls');
		assert.equal(regs[0].contact, `sip:${agent.extension}@127.0.0.1:${ua.localPort};transport=tls`);
		assert.equal(regs[0].source, `127.0.0.1:${ua.localPort}`);
		const ev = await watch.stream.waitFor((e) => e.type === 'agent.registered' && e.data?.agent_id === agent.id,
			WAIT_MS, { what: 'agent.registered' });
		assert.equal(ev.msg.data.transport, 'tls');
		const list = await d.api.get('/api/v1/agents?limit=500');
		assert.equal(list.status, 200, list.text);
		assert.equal(list.body.items.find((a) => a.id === agent.id)?.registrations[0]?.transport, 'tls',
			'GET /api/v1/agents shows tls');

		// a caller over UDP: Hotline INVITEs the contact over this TLS
		// connection (libre reuses it: the contact is its far end)
		const phone = { rtp: scope.add(await RtpPeer.open('tls agent media')) };
		const caller = await dial(scope, agent.extension, { from: '5550701', vars: { talk_ms: 1500 } });
		const inv = await ua.next((m) => m.method === 'INVITE', 'INVITE');
		assert.equal(inv.raw.split(' ')[1], `sip:${agent.extension}@127.0.0.1:${ua.localPort};transport=tls`);
		assert.match(inv.header('via'), /^SIP\/2\.0\/TLS /, inv.raw);
		assert.match(inv.header('contact'), new RegExp(`^<sip:[^@]+@${tlsAddr.replace(/\./g, '\\.')};transport=tls>$`),
			'Hotline\'s Contact is its TLS address');
		const offer = sdpMedia(inv.body);
		assert.ok(isRelayAddr(d, offer.host, offer.port), `the offer points at the relay: ${inv.body}`);
		phone.media = Promise.resolve(offer);
		const toTag = tag();
		ua.reply(inv, 180, 'Ringing', { toTag });
		ua.reply(inv, 200, 'OK', { toTag, headers: [`Contact: ${contact}`], body: sdpOffer(phone.rtp.port) });
		await ua.next((m) => m.method === 'ACK', 'ACK');
		phone.rtp.start(offer.host, offer.port);

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await caller.sipp.expectOk('(caller)');
		const bye = await ua.next((m) => m.method === 'BYE', 'BYE');
		ua.reply(bye, 200, 'OK');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		await assertRelayed(d, caller, phone, { min: 40 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		assertEndedRecord(await recordMatchesLastEvent(d.api, watch, id), {
			direction: 'inbound', from: '5550701', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller',
		}, { rang: true, answered: true });

		// unregister over the same connection
		const nonce2 = await ua.request({ ...base, cseq: 3, headers: [`Contact: ${contact}`, 'Expires: 0'] });
		assert.equal(nonce2.status, 401, nonce2.raw);
		const ch2 = parseDigest(nonce2.header('www-authenticate'));
		const gone = await ua.request({ ...base, cseq: 4, headers: [`Contact: ${contact}`, 'Expires: 0',
			`Authorization: ${digestCredentials({ user: agent.extension, password: agent.password,
				realm: ch2.realm, nonce: ch2.nonce, method: 'REGISTER', uri: ruri })}`] });
		assert.equal(gone.status, 200, gone.raw);
		assert.deepEqual(await registrations(agent.id), []);
	});
});

test('a baresip phone registered over TLS is called back on its TLS listener: audio both ways, caller hangs up', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = scope.add(await startBaresip({ ext: agent.extension, password: agent.password,
			registrar: tlsAddr, transport: 'tls', certificate: pemFile }));
		await phone.registered(WAIT_MS);
		const regs = await registrations(agent.id);
		assert.equal(regs.length, 1, JSON.stringify(regs));
		assert.equal(regs[0].transport, 'tls');
		// baresip listens for TLS on its SIP port + 1: a new connection
		assert.match(regs[0].contact, new RegExp(`@127\\.0\\.0\\.1:${phone.sipPort + 1};transport=tls$`), regs[0].contact);

		const caller = await dial(scope, agent.extension, { from: '5550702', vars: { talk_ms: 2000 } });
		const id = (await watch.created((c) => c.to === agent.extension)).id;
		const est = await phone.waitEvent('CALL_ESTABLISHED', WAIT_MS);
		assert.match(est.peeruri || '', /^sip:5550702@/, 'the phone shows the caller\'s number');
		await caller.sipp.expectOk('(caller)');
		caller.rtp.stop();
		await phone.waitEvent('CALL_CLOSED', WAIT_MS);
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		assert.ok(caller.rtp.rx.packets >= 50, caller.rtp.summary());
		assert.ok(caller.rtp.rxRms > 1000, `baresip's tone at the caller: RMS ${caller.rtp.rxRms.toFixed(0)}`);
		const dec = await phone.recordingStats('dec');
		assert.ok(dec.seconds >= 1.5, `baresip recorded ${dec.seconds} s (${dec.file})`);
		assert.ok(dec.rms > 1000, `the caller's tone in baresip's recording: RMS ${dec.rms.toFixed(0)}`);
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		assertEndedRecord(await recordMatchesLastEvent(d.api, watch, id), {
			direction: 'inbound', from: '5550702', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'caller',
		}, { rang: true, answered: true });
	});
});

test('a caller over TLS reaches a sipp agent over UDP; the agent hangs up and the BYE comes back over TLS', async () => {
	const scope = new Scope(d);
	await scope.run(async () => {
		const agent = await newAgent(d.api);
		const phone = await agentPhone(scope, agent, { scenario: 'uas_bye.xml', vars: { ring_ms: 100, talk_ms: 1500 } });
		const ua = scope.add(await SipTls.open(tlsPort));
		const caller = { rtp: scope.add(await RtpPeer.open('tls caller media')) };
		const from = `<sip:5550703@${tlsAddr}>;tag=${tag()}`;
		const callId = `${tag()}@127.0.0.1`;
		const ruri = `sip:${agent.extension}@${tlsAddr};transport=tls`;
		const ok = await ua.request({ method: 'INVITE', ruri, from, to: `<sip:${agent.extension}@${tlsAddr}>`,
			callId, cseq: 1, headers: [`Contact: ${ua.contact('5550703')}`], body: sdpOffer(caller.rtp.port) });
		assert.equal(ok.status, 200, ok.raw);
		const target = /<([^>]+)>/.exec(ok.header('contact') || '');
		assert.ok(target && target[1].endsWith(`@${tlsAddr};transport=tls`),
			`Hotline's Contact is its TLS address: ${ok.header('contact')}`);
		await ua.request({ method: 'ACK', ruri: target[1], from, to: ok.header('to'), callId, cseq: 1 });
		const answer = sdpMedia(ok.body);
		caller.media = Promise.resolve(answer);
		caller.rtp.start(answer.host, answer.port);

		const id = (await watch.created((c) => c.to === agent.extension)).id;
		await phone.uas.expectOk('(agent phone)');
		const bye = await ua.next((m) => m.method === 'BYE', 'BYE from Hotline');
		assert.equal(bye.raw.split(' ')[1], `sip:5550703@127.0.0.1:${ua.localPort};transport=tls`,
			'the BYE goes to our Contact, over this connection');
		ua.reply(bye, 200, 'OK');
		caller.rtp.stop();
		phone.rtp.stop();
		await watch.wait(id, 'call.ended');
		await waitReleased(watch, agent.id);

		assert.deepEqual(logLines(phone.uas).slice(-1), ['BYE_OK'], 'Hotline answered the agent\'s BYE');
		await assertRelayed(d, caller, phone, { min: 25 });
		assertCallEvents(watch, id, ['call.created', 'call.ringing', 'call.answered', 'call.ended'],
			{ agentId: agent.id });
		assertEndedRecord(await recordMatchesLastEvent(d.api, watch, id), {
			direction: 'inbound', from: '5550703', to: agent.extension, agent_id: agent.id,
			hangup_cause: 'normal_clearing', hangup_by: 'callee',
		}, { rang: true, answered: true });
	});
});

test('start-up fails with an ERROR naming sip_tls_cert when it is missing or does not load', async () => {
	const certOnly = path.join(dir, 'cert.pem');
	const cases = [
		{ conf: {}, why: /ERROR .*sip_tls_listen needs sip_tls_cert/ },
		{ conf: { sip_tls_cert: path.join(dir, 'nope.pem') }, why: /ERROR .*sip_tls_cert .*nope\.pem: No such file/ },
		{ conf: { sip_tls_cert: certOnly }, why: /ERROR .*sip_tls_cert .*cert\.pem: not a PEM certificate .*private key/ },
	];
	for (const [i, c] of cases.entries()) {
		const data = path.join(dir, `data-${i}`);
		const conf = {
			data_dir: data, http_listen: `127.0.0.1:${await freePort()}`,
			sip_listen: `127.0.0.1:${await freePort()}`, sip_tls_listen: `127.0.0.1:${await freePort()}`,
			...c.conf,
		};
		const file = path.join(dir, `bad-${i}.conf`);
		await fs.writeFile(file, Object.entries(conf).map(([k, v]) => `${k} ${v}`).join('\n') + '\n');
		const r = await runBin(['--config', file], { timeoutMs: 10000 * SLOW });
		const out = r.stdout + r.stderr;
		assert.notEqual(r.code, 0, `case ${i} must fail:\n${out}`);
		assert.match(out, c.why, `case ${i}`);
		assert.doesNotMatch(out, /sip: listening on tls/, `case ${i}: no TLS listener`);
	}
	// the key without sip_listen is refused too
	const r = await runBin(['--sip-tls', tlsAddr, '--data', path.join(dir, 'data-x'),
		'--http', `127.0.0.1:${await freePort()}`]);
	assert.notEqual(r.code, 0);
	assert.match(r.stdout + r.stderr, /ERROR .*sip_tls_listen needs sip_listen/);
});
