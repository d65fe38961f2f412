// Hotline registers at its carriers: a trunk with register:true makes the
// daemon REGISTER at the trunk's host (a sipp registrar standing in for
// the carrier), answer the 401 challenge with the trunk's digest
// credentials, and unregister (expires 0) when the trunk stops wanting a
// registration. The trunk password goes into digests only: never into the
// log, an event or a reply. A carrier that refuses is logged once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { until, sleep } from './lib/daemon.mjs';
import { startSipDaemon, Scope } from './lib/calls.mjs';
import { startSipp } from './lib/sipp.mjs';
import { sippTrace, traceLine, traceDigest } from './lib/sipptrace.mjs';

const USER = 'acme-trunk';
const PASSWORD = 'trunk-secret-Vq81-e2e';   // searched for everywhere
const REFUSED_RE = /\bWARN\s+sip: trunk refused: REGISTER refused: 403 Forbidden$/;

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');

/** Run body(d, scope) against a fresh daemon (debug log, so the secret
 *  check covers everything it can say), stop it cleanly and check that
 *  the password is not in its output; then afterStop(d, scope) while the
 *  peers still run. */
async function withDaemon(opts, body, afterStop = null) {
	const d = await startSipDaemon({ config: { log_level: 'debug' }, ...opts });
	try {
		const scope = new Scope(d);
		await scope.run(async () => {
			await body(d, scope);
			await d.stop();
			assert.ok(!d.output.includes(PASSWORD), `the trunk password is in the daemon's output:\n${d.output}`);
			if (afterStop)
				await afterStop(d, scope);
		});
	} finally {
		await d.cleanup();
	}
}

/** The carrier's registrar: a sipp UAS on a free port. */
async function startRegistrar(scope, { refuse = 0, label = 'carrier-registrar' } = {}) {
	const s = scope.add(await startSipp('uas_trunk_registrar.xml', { vars: { refuse }, timeoutS: 8, label }));
	await s.bound();
	return s;
}

async function createTrunk(d, body) {
	const r = await d.api.post('/api/v1/trunks', {
		name: 'Carrier', transport: 'udp', username: USER, password: PASSWORD,
		register: true, register_expires: 60, caller_id: '+15550100', ...body,
	});
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.password_set, true);
	return r.body;
}

/** Wait for the registrar's scenario to end and assert it succeeded;
 *  fails at once if the daemon dies meanwhile. */
async function registrarOk(d, registrar, what) {
	const first = await Promise.race([registrar.done.then(() => 'sipp'), d.run.exited.then(() => 'daemon')]);
	if (first === 'daemon')
		assert.fail(`hotline exited (code ${d.run.code}, signal ${d.run.signal}) while ${what}`);
	await registrar.expectOk(`(${what})`);
}

function logLines(sipp) {
	return sipp.logText().trim().split('\n');
}

/** The REGISTERs the registrar received and the responses it sent, with
 *  a readable summary for assertion messages. */
function registerExchange(reg) {
	const trace = sippTrace(reg);
	const regs = trace.filter((t) => t.dir === 'in' && t.method === 'REGISTER');
	const resps = trace.filter((t) => t.dir === 'out' && t.status);
	return { trace, regs, resps, text: trace.map(traceLine).join('\n') };
}

/** Contact "<sip:user@host:port>;expires=N": its parts. */
function parseContact(v) {
	const m = /^<sip:([^@>]+)@([^;>]+)((?:;[^>]*)?)>(.*)$/.exec(v || '');
	assert.ok(m, `Contact header: ${v}`);
	const params = Object.fromEntries(m[4].split(';').filter(Boolean).map((p) => {
		const [k, val = ''] = p.trim().split('=');
		return [k.toLowerCase(), val];
	}));
	return { user: m[1], hostport: m[2], uriParams: m[3], params };
}

/** The registration's expiry as sent: the Contact's expires parameter,
 *  and an Expires header (if any) saying the same. */
function expiresOf(req) {
	const c = parseContact(req.header('contact'));
	const hdr = req.header('expires');
	if (hdr !== undefined && c.params.expires !== undefined)
		assert.equal(hdr, c.params.expires, `Expires header and Contact expires agree: ${req.raw}`);
	const v = c.params.expires ?? hdr;
	assert.ok(v !== undefined, `the REGISTER states an expiry: ${req.raw}`);
	return Number(v);
}

/**
 * req answers challenge (a 401) with the trunk's credentials: username,
 * realm, nonce, uri = Request-URI, qop auth, and the MD5 response that
 * the password gives (RFC 2617: HA1 = md5(user:realm:pass), HA2 =
 * md5(REGISTER:uri), response = md5(HA1:nonce:nc:cnonce:qop:HA2)).
 */
function assertDigest(req, challenge, ctx) {
	const ch = traceDigest(challenge, 'www-authenticate');
	const dg = traceDigest(req);
	assert.ok(ch, `the 401 carries a challenge:\n${challenge.raw}`);
	assert.ok(dg, `the REGISTER after the 401 carries Authorization:\n${req.raw}\n${ctx}`);
	assert.equal(dg.username, USER, 'digest username is the trunk username');
	assert.equal(dg.realm, ch.realm, 'digest realm is the challenge\'s');
	assert.equal(dg.nonce, ch.nonce, 'digest nonce is the challenge\'s');
	assert.equal(dg.uri, req.ruri, 'digest uri is the Request-URI');
	assert.equal(dg.qop, 'auth', 'qop auth (the challenge offered it)');
	assert.match(dg.nc || '', /^[0-9a-f]{8}$/i, 'nonce count');
	assert.ok(dg.cnonce, 'cnonce');
	const ha1 = md5(`${USER}:${ch.realm}:${PASSWORD}`);
	const ha2 = md5(`REGISTER:${dg.uri}`);
	const want = md5(`${ha1}:${dg.nonce}:${dg.nc}:${dg.cnonce}:${dg.qop}:${ha2}`);
	assert.equal(dg.response.toLowerCase(), want, `digest response for the trunk password:\n${req.raw}`);
	assert.ok(!req.raw.includes(PASSWORD), 'the password itself is not on the wire');
}

/** What every REGISTER of one registration has in common: the trunk's
 *  AOR in From and To, the carrier as Request-URI, one Call-ID and From
 *  tag, increasing CSeq, a Contact at Hotline's SIP address. */
function assertRegisterHeaders(regs, d, registrar) {
	const host = `127.0.0.1:${registrar.port}`;
	const aor = `sip:${USER}@${host}`;
	let cseq = 0;
	for (const r of regs) {
		assert.equal(r.ruri, `sip:${host}`, 'Request-URI is the trunk host');
		assert.ok(r.header('to').includes(`<${aor}>`), `To is the AOR ${aor}: ${r.header('to')}`);
		assert.ok(r.header('from').includes(`<${aor}>`), `From is the AOR ${aor}: ${r.header('from')}`);
		assert.equal(r.header('call-id'), regs[0].header('call-id'), 'one Call-ID');
		assert.equal(/tag=([^;]+)/.exec(r.header('from'))[1], /tag=([^;]+)/.exec(regs[0].header('from'))[1],
			'one From tag');
		const [n, method] = r.header('cseq').split(/\s+/);
		assert.equal(method, 'REGISTER');
		assert.ok(Number(n) > cseq, `CSeq increases: ${r.header('cseq')}`);
		cseq = Number(n);
		const c = parseContact(r.header('contact'));
		assert.equal(c.user, USER, 'Contact user');
		assert.equal(c.hostport, d.sipAddr, 'Contact points at Hotline\'s SIP address');
	}
}

/** registered at the registrar (401, digest, 200), then unregistered (401,
 *  digest, 200 to expires 0): the four REGISTERs on the wire. */
function assertRegisteredThenUnregistered(d, registrar, expires) {
	const ex = registerExchange(registrar);
	const ctx = `--- registrar trace:\n${ex.text}`;
	assert.deepEqual(logLines(registrar).map((l) => l.split(' ')[0]),
		['REGISTER', 'AUTHORIZATION', 'REGISTERED', 'UNREGISTER', 'AUTHORIZATION', 'UNREGISTERED', 'END'],
		`registrar log\n${ctx}`);
	assert.equal(ex.regs.length, 4, `four REGISTERs\n${ctx}`);
	assert.deepEqual(ex.resps.map((r) => r.status), [401, 200, 401, 200], ctx);
	const [reg1, reg2, unreg1, unreg2] = ex.regs;
	const [ch1, , ch2] = ex.resps;

	assertRegisterHeaders(ex.regs, d, registrar);
	assert.equal(reg1.header('authorization'), undefined, 'the first REGISTER has no credentials');
	assert.equal(expiresOf(reg1), expires, 'REGISTER asks for register_expires');
	assert.equal(expiresOf(reg2), expires, 'the authenticated REGISTER asks for register_expires');
	assertDigest(reg2, ch1, ctx);

	assert.equal(expiresOf(unreg1), 0, `the unregistration says expires 0\n${ctx}`);
	assert.equal(expiresOf(unreg2), 0, 'the authenticated unregistration says expires 0');
	assert.notEqual(traceDigest(ch2, 'www-authenticate').nonce, traceDigest(ch1, 'www-authenticate').nonce);
	assertDigest(unreg2, ch2, ctx);
}

/** No event and no API reply holds the password. */
async function assertNoSecretInEvents(d) {
	const evs = await d.api.all('/api/v1/events');
	assert.ok(evs.some((e) => e.type === 'trunk.created'), 'trunk.created is in the history');
	assert.ok(!JSON.stringify(evs).includes(PASSWORD), 'the trunk password is in an event');
	for (const r of d.api.log)
		assert.ok(!r.text.includes(PASSWORD), `the trunk password is in a reply to ${r.method} ${r.path}`);
}

const registeredLines = (d, id) => d.stderr.split('\n').filter((l) => l.includes(`sip: trunk ${id}: registered`));

test('register:true: REGISTER at the carrier, digest with the trunk credentials, unregister on register:false', async () => {
	await withDaemon({}, async (d, scope) => {
		const registrar = await startRegistrar(scope);
		await createTrunk(d, { id: 'carrier', host: `127.0.0.1:${registrar.port}`, register_expires: 60 });

		await registrar.waitLog(/^REGISTERED/, 5000);
		await until(() => registeredLines(d, 'carrier').length === 1, { what: 'the "registered" log line' });

		const p = await d.api.patch('/api/v1/trunks/carrier', { register: false });
		assert.equal(p.status, 200, p.text);
		assert.equal(p.body.register, false);
		await registrarOk(d, registrar, 'the carrier registrar waited for the unregistration');

		assertRegisteredThenUnregistered(d, registrar, 60);
		assert.equal(registeredLines(d, 'carrier').length, 1, 'one "registered" line');
		await assertNoSecretInEvents(d);
	});
});

test('a disabled trunk does not register; enabling it does; deleting it unregisters', async () => {
	await withDaemon({}, async (d, scope) => {
		const registrar = await startRegistrar(scope);
		await createTrunk(d, { id: 'later', host: `127.0.0.1:${registrar.port}`, register_expires: 120,
			enabled: false });
		// trunks are re-read while the request is handled: a REGISTER
		// would already be on its way over loopback
		await sleep(300);
		assert.equal(registrar.logText(), '', 'no REGISTER for a disabled trunk');

		const p = await d.api.patch('/api/v1/trunks/later', { enabled: true });
		assert.equal(p.status, 200, p.text);
		await registrar.waitLog(/^REGISTERED/, 5000);

		const del = await d.api.del('/api/v1/trunks/later');
		assert.equal(del.status, 204, del.text);
		await registrarOk(d, registrar, 'the carrier registrar waited for the unregistration');

		assertRegisteredThenUnregistered(d, registrar, 120);
		await assertNoSecretInEvents(d);
	});
});

test('the carrier refuses (403): one WARN line, no retry storm', async () => {
	await withDaemon({ allowWarn: [REFUSED_RE] }, async (d, scope) => {
		const registrar = await startRegistrar(scope, { refuse: 1, label: 'carrier-refusing' });
		await createTrunk(d, { id: 'refused', host: `127.0.0.1:${registrar.port}` });

		// the registrar waits 1.5 s after its 403 for another REGISTER
		await registrarOk(d, registrar, 'the carrier registrar refused');
		const ex = registerExchange(registrar);
		const ctx = `--- registrar trace:\n${ex.text}`;
		assert.deepEqual(logLines(registrar).map((l) => l.split(' ')[0]),
			['REGISTER', 'AUTHORIZATION', 'REFUSED', 'END'], `registrar log (no EXTRA REGISTER)\n${ctx}`);
		assert.deepEqual(ex.resps.map((r) => r.status), [401, 403], ctx);
		assertRegisterHeaders(ex.regs, d, registrar);
		assertDigest(ex.regs[1], ex.resps[0], ctx);   // refused for the carrier's reasons

		await until(() => d.stderr.split('\n').some((l) => REFUSED_RE.test(l)),
			{ what: 'the REGISTER refused warning' });
		const warns = d.stderr.split('\n').filter((l) => /\bWARN\b/.test(l));
		assert.equal(warns.length, 1, `exactly one WARN line:\n${warns.join('\n')}`);
		assert.match(warns[0], REFUSED_RE);
		assert.equal(registeredLines(d, 'refused').length, 0, 'never logged as registered');
		await assertNoSecretInEvents(d);
	});
});

test('stopping the daemon sends the unregistration (expires 0) on its way out', async () => {
	let registrar;
	await withDaemon({}, async (d, scope) => {
		registrar = await startRegistrar(scope);
		await createTrunk(d, { id: 'leaving', host: `127.0.0.1:${registrar.port}` });
		await registrar.waitLog(/^REGISTERED/, 5000);
	}, async () => {
		// the SIP stack closes right after: a challenge to this REGISTER
		// is not answered (the binding then lapses at the carrier)
		const m = await registrar.waitLog(/^UNREGISTER\s+(.*)$/, 3000);
		const c = parseContact(m[1]);
		assert.equal(c.params.expires, '0', `unregistration Contact: ${m[1]}`);
		assert.equal(c.user, USER);
	});
});
