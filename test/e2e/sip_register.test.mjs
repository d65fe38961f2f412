// The registrar and its digest authentication, against real SIP clients:
// sipp (test/e2e/sip/register.xml) for whole registrations, hand-made
// UDP/TCP requests (lib/sipmsg.mjs) where the bytes matter (replays, digest
// uris, methods nobody implements).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, createAgent, agentBody, until, TS_RE } from './lib/daemon.mjs';
import { runSipp } from './lib/sipp.mjs';
import { openSipUdp, parseDigest, digestCredentials, sipTcpRequest } from './lib/sipmsg.mjs';

const SCENARIO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'sip', 'register.xml');
const MIN_EXPIRES = 2;
const BLOCK_RE = /WARN +sip: auth: blocking 127\.0\.0\.1 for 60 s after 3 failures/;

let d;
let api;
let ua;             // a hand-made UDP user agent

before(async () => {
	d = await startDaemon({ sip: true,
		config: { sip_min_expires: MIN_EXPIRES, sip_auth_fail_limit: 50 } });
	api = d.api;
	ua = await openSipUdp(d.sipPort);
});

after(async () => {
	if (ua)
		await ua.close();
	if (d) {
		if (d.proc)
			await d.stop();
		assert.doesNotMatch(d.output, /unhandeled/, 'libre answered a request on its own');
		await d.cleanup();
	}
});

/** An agent and its credentials */
async function newAgent() {
	const body = agentBody();
	const a = await createAgent(api, body);
	return { ...a, password: body.password };
}

/** Run register.xml for agent a; returns {sipp, final, contact, date,
 *  minexp, port}. */
async function sippRegister(a, { expires = 120, password = a.password } = {}) {
	const s = await runSipp(SCENARIO, {
		remote: d.sipAddr, label: `register-${a.extension}`, timeoutS: 8,
		keys: { ext: a.extension, expires },
		auth: { user: a.extension, password },
	});
	const line = (key) => {
		const m = s.logText().match(new RegExp(`^${key}(?: (.*))?$`, 'm'));
		return m ? (m[1] ?? '').trim() : null;
	};
	const out = { final: Number(line('FINAL')), contact: line('CONTACT'),
		date: line('DATE'), minexp: line('MINEXP'), port: s.port };
	try {
		assert.equal(s.exit.code, 0, `sipp register ${a.extension}:\n${s.describe()}`);
		assert.match(s.logText(), /^CHALLENGED 401$/m, s.describe());
	} finally {
		await s.cleanup();
	}
	return out;
}

async function agentEvents(id, type) {
	const items = await api.all(`/api/v1/events?topics=agent:${id}`);
	return items.filter((e) => !type || e.type === type);
}

async function registrations(id) {
	const r = await api.get(`/api/v1/agents/${id}`);
	assert.equal(r.status, 200, r.text);
	return r.body.registrations;
}

test('sipp registers with the right password: 200 lists the binding, the agent shows it, agent.registered', async () => {
	const a = await newAgent();
	const before = Date.now();
	const r = await sippRegister(a, { expires: 120 });
	assert.equal(r.final, 200);
	const uri = `sip:${a.extension}@127.0.0.1:${r.port};transport=UDP`;
	const m = r.contact.match(/^<([^>]+)>;expires=(\d+)$/);
	assert.ok(m, `Contact of the 200: ${r.contact}`);
	assert.equal(m[1], uri);
	assert.ok(Number(m[2]) >= 119 && Number(m[2]) <= 120, r.contact);
	assert.match(r.date, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);

	const regs = await registrations(a.id);
	assert.equal(regs.length, 1, JSON.stringify(regs));
	assert.equal(regs[0].contact, uri);
	assert.equal(regs[0].source, `127.0.0.1:${r.port}`);
	assert.equal(regs[0].transport, 'udp');
	assert.equal(regs[0].user_agent, 'sipp-e2e');
	const exp = Date.parse(regs[0].expires_at);
	assert.ok(exp >= before + 119000 && exp <= Date.now() + 120000, regs[0].expires_at);

	const evs = await until(async () => {
		const e = await agentEvents(a.id, 'agent.registered');
		return e.length ? e : null;
	}, { what: 'agent.registered' });
	assert.equal(evs.length, 1);
	assert.deepEqual(evs[0].topics, [`agent:${a.id}`]);
	assert.deepEqual(Object.keys(evs[0].data).sort(),
		['agent_id', 'contact', 'expires_at', 'source', 'transport']);
	assert.equal(evs[0].data.agent_id, a.id);
	assert.equal(evs[0].data.contact, uri);
	assert.equal(evs[0].data.source, `127.0.0.1:${r.port}`);
	assert.equal(evs[0].data.transport, 'udp');
	assert.match(evs[0].data.expires_at, TS_RE);
	assert.equal(evs[0].data.expires_at, regs[0].expires_at);
});

test('a wrong password is challenged again (401) and binds nothing', async () => {
	const a = await newAgent();
	const r = await sippRegister(a, { password: 'not-the-password' });
	assert.equal(r.final, 401);
	assert.deepEqual(await registrations(a.id), []);
	assert.deepEqual(await agentEvents(a.id, 'agent.registered'), []);
});

test('an expiry below sip_min_expires gets 423 with Min-Expires', async () => {
	const a = await newAgent();
	const r = await sippRegister(a, { expires: MIN_EXPIRES - 1 });
	assert.equal(r.final, 423);
	assert.equal(r.minexp, String(MIN_EXPIRES));
	assert.deepEqual(await registrations(a.id), []);
});

test('REGISTER with expires 0 removes the binding: agent.unregistered (unregistered)', async () => {
	const a = await newAgent();
	const r1 = await sippRegister(a, { expires: 120 });
	assert.equal(r1.final, 200);
	// sipp binds the same port again? not guaranteed: remove by hand with
	// the contact sipp registered, over our own UDP agent
	const uri = `sip:${a.extension}@127.0.0.1:${r1.port};transport=UDP`;
	const r = await ua.register({ user: a.extension, password: a.password, expires: 0,
		contact: false, headers: [`Contact: <${uri}>`] });
	assert.equal(r.final.status, 200, r.final.raw);
	assert.equal(r.final.headers.contact, undefined, 'no binding left to list');
	assert.deepEqual(await registrations(a.id), []);
	const evs = await until(async () => {
		const e = await agentEvents(a.id, 'agent.unregistered');
		return e.length ? e : null;
	}, { what: 'agent.unregistered' });
	assert.deepEqual(evs.map((e) => e.data),
		[{ agent_id: a.id, contact: uri, reason: 'unregistered' }]);

	// and with sipp itself: register then unregister the same contact
	const b = await newAgent();
	const s = await sippRegister(b, { expires: 0 });
	assert.equal(s.final, 200);
	assert.equal(s.contact, '', 'nothing bound');
	assert.deepEqual(await agentEvents(b.id, 'agent.registered'), []);
});

test("'*' with Expires: 0 removes every binding; '*' otherwise is 400", async () => {
	const a = await newAgent();
	for (const port of [5901, 5902]) {
		const r = await ua.register({ user: a.extension, password: a.password, expires: 60,
			contact: false, headers: [`Contact: <sip:${a.extension}@127.0.0.1:${port}>`] });
		assert.equal(r.final.status, 200, r.final.raw);
	}
	assert.equal((await registrations(a.id)).length, 2);
	const bad = await ua.register({ user: a.extension, password: a.password, expires: 60,
		contact: false, headers: ['Contact: *'] });
	assert.equal(bad.final.status, 400, bad.final.raw);
	const r = await ua.register({ user: a.extension, password: a.password, expires: 0,
		contact: false, headers: ['Contact: *'] });
	assert.equal(r.final.status, 200, r.final.raw);
	assert.deepEqual(await registrations(a.id), []);
	const evs = await until(async () => {
		const e = await agentEvents(a.id, 'agent.unregistered');
		return e.length === 2 ? e : null;
	}, { what: 'two agent.unregistered' });
	assert.deepEqual(evs.map((e) => e.data.reason), ['unregistered', 'unregistered']);
});

test('a binding that is not refreshed expires: agent.unregistered (expired)', async () => {
	const a = await newAgent();
	const r = await ua.register({ user: a.extension, password: a.password, expires: MIN_EXPIRES });
	assert.equal(r.final.status, 200, r.final.raw);
	assert.match(r.final.header('contact'), new RegExp(`;expires=${MIN_EXPIRES}$`));
	const evs = await until(async () => {
		const e = await agentEvents(a.id, 'agent.unregistered');
		return e.length ? e : null;
	}, { what: 'agent.unregistered (expired)', timeoutMs: MIN_EXPIRES * 1000 + 3000, intervalMs: 100 });
	assert.equal(evs[0].data.reason, 'expired');
	assert.equal(evs[0].data.contact, `sip:${a.extension}@127.0.0.1:${ua.localPort}`);
	assert.deepEqual(await registrations(a.id), []);
});

test('the To user must be the authenticated user (403); a query lists the bindings', async () => {
	const a = await newAgent();
	const b = await newAgent();
	const r = await ua.register({ user: a.extension, password: a.password, expires: 60 });
	assert.equal(r.final.status, 200);

	// b's credentials for a's address of record
	const first = await ua.request({ method: 'REGISTER', user: a.extension, contact: true, expires: 60 });
	const ch = parseDigest(first.header('www-authenticate'));
	const cred = digestCredentials({ user: b.extension, password: b.password, realm: ch.realm,
		nonce: ch.nonce, method: 'REGISTER', uri: `sip:127.0.0.1:${d.sipPort}` });
	const r2 = await ua.request({ method: 'REGISTER', user: a.extension, contact: true, expires: 60,
		cseq: 2, headers: [`Authorization: ${cred}`] });
	assert.equal(r2.status, 403, r2.raw);
	assert.deepEqual(await registrations(b.id), []);

	// a REGISTER without Contact only lists
	const q = await ua.register({ user: a.extension, password: a.password, contact: false });
	assert.equal(q.final.status, 200);
	assert.deepEqual(q.final.headers.contact.map((c) => c.replace(/;expires=\d+$/, '')),
		[`<sip:${a.extension}@127.0.0.1:${ua.localPort}>`]);
});

test('the same Call-ID with a CSeq that is not higher is refused (400)', async () => {
	const a = await newAgent();
	const r = await ua.register({ user: a.extension, password: a.password, expires: 60, cseq: 10 });
	assert.equal(r.final.status, 200);
	const again = await ua.register({ user: a.extension, password: a.password, expires: 60,
		callId: r.callId, cseq: 5 });
	assert.equal(again.final.status, 400, again.final.raw);
	const later = await ua.register({ user: a.extension, password: a.password, expires: 60,
		callId: r.callId, cseq: 20 });
	assert.equal(later.final.status, 200, later.final.raw);
});

test('digest: a replayed nonce count is challenged (stale), a wrong digest uri is 400', async () => {
	const a = await newAgent();
	const first = await ua.request({ method: 'REGISTER', user: a.extension, contact: true, expires: 60 });
	assert.equal(first.status, 401);
	const ch = parseDigest(first.header('www-authenticate'));
	assert.equal(ch.realm, 'hotline');
	assert.equal(ch.qop, 'auth');
	assert.equal(ch.algorithm, 'MD5');
	assert.equal(ch.stale, undefined);
	const uri = `sip:127.0.0.1:${d.sipPort}`;
	const cred = (nc, over = {}) => digestCredentials({ user: a.extension, password: a.password,
		realm: ch.realm, nonce: ch.nonce, method: 'REGISTER', uri, nc, cnonce: 'abcd1234', ...over });
	const reg = (cseq, auth) => ua.request({ method: 'REGISTER', user: a.extension, contact: true,
		expires: 60, cseq, callId: first.request.callId, headers: [`Authorization: ${auth}`] });

	const ok = await reg(2, cred('00000001'));
	assert.equal(ok.status, 200, ok.raw);
	// the very same credentials again (a new transaction)
	const replay = await reg(3, cred('00000001'));
	assert.equal(replay.status, 401, replay.raw);
	assert.equal(parseDigest(replay.header('www-authenticate')).stale, 'true');
	assert.notEqual(parseDigest(replay.header('www-authenticate')).nonce, ch.nonce);
	// the next count on the same nonce is fine
	const next = await reg(4, cred('00000002'));
	assert.equal(next.status, 200, next.raw);

	// a digest computed for another uri, or sent with another uri
	const wrong = await reg(5, cred('00000003', { uri: `sip:${a.extension}@127.0.0.1:${d.sipPort}` }));
	assert.equal(wrong.status, 400, wrong.raw);
	assert.match(wrong.reason, /uri/i);
	const alg = await reg(6, cred('00000004', { algorithm: 'SHA-256' }));
	assert.equal(alg.status, 400, alg.raw);
	// none of these blocked the address
	const last = await reg(7, cred('00000005'));
	assert.equal(last.status, 200, last.raw);
});

test('OPTIONS is 200 with Allow and Accept, over UDP and TCP', async () => {
	const r = await ua.request({ method: 'OPTIONS' });
	assert.equal(r.status, 200, r.raw);
	const allow = r.header('allow').split(/\s*,\s*/);
	for (const m of ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER'])
		assert.ok(allow.includes(m), `Allow: ${r.header('allow')}`);
	assert.equal(r.header('accept'), 'application/sdp');
	assert.match(r.header('server'), /^Hotline\//);

	const text = ua.build({ method: 'OPTIONS' }).text.replace('SIP/2.0/UDP', 'SIP/2.0/TCP');
	const t = await sipTcpRequest(d.sipPort, text);
	assert.equal(t.status, 200, t.raw);
	assert.ok(t.header('allow').includes('REGISTER'));
});

test('methods nobody implements: 405 with Allow, 501, 481; bad requests: 483, 416', async () => {
	for (const method of ['MESSAGE', 'SUBSCRIBE', 'PUBLISH', 'NOTIFY', 'REFER']) {
		const r = await ua.request({ method, ruri: `sip:1001@127.0.0.1:${d.sipPort}` });
		assert.equal(r.status, 405, `${method}: ${r.raw}`);
		assert.ok(r.header('allow').includes('INVITE'), `${method}: ${r.raw}`);
	}
	const unknown = await ua.request({ method: 'FROBNICATE' });
	assert.equal(unknown.status, 501, unknown.raw);
	const cancel = await ua.request({ method: 'CANCEL', ruri: `sip:1001@127.0.0.1:${d.sipPort}` });
	assert.equal(cancel.status, 481, cancel.raw);
	const hops = await ua.request({ method: 'OPTIONS', maxForwards: 0 });
	assert.equal(hops.status, 483, hops.raw);
	const tel = await ua.request({ method: 'OPTIONS', ruri: 'tel:+4930123456' });
	assert.equal(tel.status, 416, tel.raw);
	const reg = await ua.request({ method: 'REGISTER', ruri: 'tel:+4930123456', contact: true });
	assert.equal(reg.status, 416, reg.raw);
	// a stray ACK gets no answer at all; the next request still works
	await ua.send(ua.build({ method: 'ACK', toTag: 'x' }).text);
	assert.equal((await ua.request({ method: 'OPTIONS' })).status, 200);
	assert.equal(ua.inbox.length, 0, 'nothing answered the ACK');
});

test('a binding survives a restart (same data dir): stored and routable', async () => {
	const a = await newAgent();
	const r = await sippRegister(a, { expires: 300 });
	assert.equal(r.final, 200);
	const uri = `sip:${a.extension}@127.0.0.1:${r.port};transport=UDP`;

	await d.restart();
	api = d.api;
	assert.match(d.output, /sip: registrar: \d+ bindings loaded/);
	const regs = await registrations(a.id);
	assert.deepEqual(regs.map((g) => g.contact), [uri]);
	// in the registrar's memory too: a query lists it
	const q = await ua.register({ user: a.extension, password: a.password, contact: false });
	assert.equal(q.final.status, 200, q.final.raw);
	assert.equal(q.final.headers.contact.length, 1, q.final.raw);
	const m = q.final.header('contact').match(/^<(.+)>;expires=(\d+)$/);
	assert.equal(m[1], uri);
	assert.ok(Number(m[2]) > 250 && Number(m[2]) <= 300, q.final.raw);
	// no second agent.registered for a loaded binding
	assert.equal((await agentEvents(a.id, 'agent.registered')).length, 1);
});

test('throttle: after 3 failures the address gets 403 for sip_auth_block_s, one warning', async () => {
	const t = await startDaemon({ sip: true, allowWarn: [BLOCK_RE],
		config: { sip_auth_fail_limit: 3, sip_auth_block_s: 60 } });
	const c = await openSipUdp(t.sipPort);
	try {
		const a = await createAgent(t.api, agentBody({ password: 'the-right-pw' }));
		for (let i = 0; i < 3; i++) {
			const r = await c.register({ user: a.extension, password: 'wrong', expires: 60 });
			assert.equal(r.final.status, 401, `attempt ${i + 1}: ${r.final.raw}`);
		}
		// blocked now, even with the right password, even unauthenticated
		const r = await c.register({ user: a.extension, password: 'the-right-pw', expires: 60 });
		assert.equal(r.first.status, 403, r.first.raw);
		const o = await c.request({ method: 'REGISTER', user: a.extension, contact: true });
		assert.equal(o.status, 403);
		// other requests are not authenticated and still work
		assert.equal((await c.request({ method: 'OPTIONS' })).status, 200);
		await until(() => BLOCK_RE.test(t.output), { what: 'the blocking warning' });
		assert.deepEqual(await t.api.get(`/api/v1/agents/${a.id}`).then((x) => x.body.registrations), []);
	} finally {
		await c.close();
		await t.stop();
		await t.cleanup();
	}
	// logged once for the whole block (the run's output is complete now)
	const lines = t.output.split('\n').filter((l) => BLOCK_RE.test(l));
	assert.equal(lines.length, 1, t.output);
});
