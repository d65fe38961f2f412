// Agent CRUD: create, read, list with cursors, patch, delete; secrets never
// leave the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
	startDaemon, assertError, agentAction, TS_RE,
} from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

let d;
let api;
const passwords = [];

before(async () => {
	d = await startDaemon();
	api = d.api;
});

after(async () => {
	if (d)
		await d.cleanup();
});

function body(over = {}) {
	const n = passwords.length + 1;
	const b = { name: `Agent ${n}`, extension: `${2000 + n}`, password: `secret-${n}-${Date.now()}`, ...over };
	passwords.push(b.password);
	return b;
}

function assertAgentShape(a) {
	assert.deepEqual(Object.keys(a).sort(),
		['capacity', 'created_at', 'extension', 'id', 'name', 'registered', 'registrations',
			'skills', 'state', 'updated_at']);
	assert.ok(Array.isArray(a.registrations), 'registrations is an array');
	assert.equal(a.registered, a.registrations.length > 0, 'registered = some live registration');
	assert.ok(Number.isInteger(a.id) && a.id > 0, `id ${a.id}`);
	assert.equal(typeof a.name, 'string');
	assert.equal(typeof a.extension, 'string');
	assert.equal(typeof a.skills, 'object');
	assert.deepEqual(Object.keys(a.capacity).sort(), ['chat', 'email', 'voice']);
	assert.deepEqual(Object.keys(a.state).sort(), ['activity', 'reason', 'since', 'status']);
	assert.match(a.state.since, TS_RE);
	assert.match(a.created_at, TS_RE);
	assert.match(a.updated_at, TS_RE);
}

const created = [];

test('create returns 201, Location and the full representation', async () => {
	const b = body({ name: 'Ada', skills: { english: 8, 'sales.b2b': 100 }, capacity: { chat: 2 } });
	const r = await api.post('/api/v1/agents', b);
	assert.equal(r.status, 201, r.text);
	assert.match(r.headers.get('content-type'), /^application\/json/);
	const a = r.body;
	assertAgentShape(a);
	assert.equal(r.headers.get('location'), `/api/v1/agents/${a.id}`);
	assert.equal(a.name, 'Ada');
	assert.equal(a.extension, b.extension);
	assert.deepEqual(a.skills, { english: 8, 'sales.b2b': 100 });
	assert.deepEqual(a.capacity, { voice: 1, chat: 2, email: 5 });
	assert.deepEqual(a.state.activity, { voice: 'idle', chat: 'idle', email: 'idle' });
	assert.equal(a.state.status, 'logged_out');
	assert.equal(a.state.reason, null);
	created.push(a);
});

test('create with defaults: empty skills, capacity voice 1 chat 3 email 5', async () => {
	const r = await api.post('/api/v1/agents', body());
	assert.equal(r.status, 201, r.text);
	assertAgentShape(r.body);
	assert.deepEqual(r.body.skills, {});
	assert.deepEqual(r.body.capacity, { voice: 1, chat: 3, email: 5 });
	assert.ok(r.body.id > created[0].id, 'ids grow');
	created.push(r.body);
});

test('get returns the same representation; unknown and non-numeric ids are 404', async () => {
	for (const a of created) {
		const r = await api.get(`/api/v1/agents/${a.id}`);
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.body, a);
	}
	assertError(await api.get('/api/v1/agents/999999'), 404, 'not_found');
	assertError(await api.get('/api/v1/agents/abc'), 404, 'not_found');
	assertError(await api.get('/api/v1/agents/0'), 404, 'not_found');
});

test('list paginates with limit=2 and cursors through 5 agents', async () => {
	for (let i = 0; i < 3; i++) {
		const r = await api.post('/api/v1/agents', body());
		assert.equal(r.status, 201, r.text);
		created.push(r.body);
	}
	assert.equal(created.length, 5);
	const ids = [];
	const pages = [];
	let cursor = null;
	for (let i = 0; i < 10; i++) {
		const r = await api.get('/api/v1/agents?limit=2' + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(Object.keys(r.body).sort(), ['items', 'next_cursor']);
		pages.push(r.body.items.length);
		for (const a of r.body.items) {
			assertAgentShape(a);
			ids.push(a.id);
		}
		cursor = r.body.next_cursor;
		if (cursor === null)
			break;
		assert.equal(typeof cursor, 'string');
	}
	assert.deepEqual(pages, [2, 2, 1], 'page sizes');
	assert.deepEqual(ids, created.map((a) => a.id), 'every agent once, by id ascending');

	const all = await api.get('/api/v1/agents');
	assert.equal(all.status, 200);
	assert.deepEqual(all.body.items, created, 'default limit returns everything');
	assert.equal(all.body.next_cursor, null);
});

test('patch name, skills (replaced) and capacity (merged)', async () => {
	const a = created[0];
	let r = await api.patch(`/api/v1/agents/${a.id}`, { name: 'Ada Lovelace' });
	assert.equal(r.status, 200, r.text);
	assertAgentShape(r.body);
	assert.equal(r.body.name, 'Ada Lovelace');
	assert.equal(r.body.created_at, a.created_at);
	assert.ok(r.body.updated_at >= a.updated_at);

	r = await api.patch(`/api/v1/agents/${a.id}`, { skills: { french: 5 } });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body.skills, { french: 5 }, 'skills replaced, not merged');

	r = await api.patch(`/api/v1/agents/${a.id}`, { capacity: { email: 7 } });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body.capacity, { voice: 1, chat: 2, email: 7 }, 'capacity merged');

	r = await api.patch(`/api/v1/agents/${a.id}`, { skills: {}, capacity: { voice: 0, chat: 10 } });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body.skills, {});
	assert.deepEqual(r.body.capacity, { voice: 0, chat: 10, email: 7 });

	const g = await api.get(`/api/v1/agents/${a.id}`);
	assert.deepEqual(g.body, r.body, 'GET shows the patched agent');
	created[0] = g.body;
});

test('extension change needs the password (422 password_required)', async () => {
	const a = created[0];
	const r = await api.patch(`/api/v1/agents/${a.id}`, { extension: '7777' });
	assertError(r, 422, 'password_required', 'password');
	assert.deepEqual((await api.get(`/api/v1/agents/${a.id}`)).body, a, 'nothing changed');

	const pw = 'a-new-password';
	passwords.push(pw);
	const ok = await api.patch(`/api/v1/agents/${a.id}`, { extension: '7777', password: pw });
	assert.equal(ok.status, 200, ok.text);
	assert.equal(ok.body.extension, '7777');
	created[0] = ok.body;

	// the password alone may change
	const pw2 = 'another-password';
	passwords.push(pw2);
	const p2 = await api.patch(`/api/v1/agents/${a.id}`, { password: pw2 });
	assert.equal(p2.status, 200, p2.text);
	assert.equal(p2.body.extension, '7777');
	created[0] = p2.body;
});

test('duplicate extension -> 409 extension_taken (create and patch)', async () => {
	const before = await api.all('/api/v1/agents');
	const r = await api.post('/api/v1/agents', body({ extension: created[1].extension }));
	assertError(r, 409, 'extension_taken');
	const p = await api.patch(`/api/v1/agents/${created[2].id}`,
		{ extension: created[1].extension, password: 'whatever-123' });
	assertError(p, 409, 'extension_taken');
	assert.deepEqual(await api.all('/api/v1/agents'), before, 'nothing changed');
});

test('delete -> 204, then 404; a logged-in agent cannot be deleted', async () => {
	const a = created[4];
	const r = await api.del(`/api/v1/agents/${a.id}`);
	assert.equal(r.status, 204, r.text);
	assert.equal(r.text, '', '204 has no body');
	assertError(await api.get(`/api/v1/agents/${a.id}`), 404, 'not_found');
	assertError(await api.del(`/api/v1/agents/${a.id}`), 404, 'not_found');
	assertError(await api.patch(`/api/v1/agents/${a.id}`, { name: 'x' }), 404, 'not_found');
	created.pop();
	const list = await api.all('/api/v1/agents');
	assert.deepEqual(list.map((x) => x.id), created.map((x) => x.id));

	// the extension is free again
	const again = await api.post('/api/v1/agents', body({ extension: a.extension }));
	assert.equal(again.status, 201, again.text);
	assert.notEqual(again.body.id, a.id, 'ids are not reused');

	const b = created[3];
	await agentAction(api, b.id, 'login');
	assertError(await api.del(`/api/v1/agents/${b.id}`), 409, 'agent_logged_in');
	assert.equal((await api.get(`/api/v1/agents/${b.id}`)).status, 200);
	await agentAction(api, b.id, 'logout');
	assert.equal((await api.del(`/api/v1/agents/${b.id}`)).status, 204);
});

test('no response ever carried a password or an HA1', async () => {
	const forbidden = new Set(['password', 'ha1', 'password_hash', 'secret']);
	const walk = (v, where) => {
		if (Array.isArray(v)) {
			v.forEach((x, i) => walk(x, `${where}[${i}]`));
		} else if (v && typeof v === 'object') {
			for (const [k, x] of Object.entries(v)) {
				assert.ok(!forbidden.has(k.toLowerCase()), `key "${k}" in ${where}`);
				walk(x, `${where}.${k}`);
			}
		}
	};
	assert.ok(api.log.length > 20);
	for (const r of api.log) {
		if (r.body && !r.body.error)
			walk(r.body, `${r.method} ${r.path}`);
		for (const pw of passwords)
			assert.ok(!r.text.includes(pw), `password leaked in ${r.method} ${r.path}`);
		assert.ok(!/\b[0-9a-f]{32}\b/.test(r.text), `something like an HA1 in ${r.method} ${r.path}: ${r.text}`);
	}
});

const sqlite3 = (() => {
	try {
		execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
})();

test('registered phones show in the agent (expired bindings do not); deleting the agent unregisters them',
	{ skip: sqlite3 ? false : 'needs the sqlite3 command line tool' }, async () => {
		const [a, b, c] = [created[0], created[1], created[2]];
		const now = Date.now();
		const live = now + 3600000;
		// White-box: bindings are written by the SIP registrar, which this
		// daemon does not run; rows put straight into its database (WAL:
		// safe while it runs) stand in for REGISTERs.
		const rows = [
			[a.id, 'sip:a@127.0.0.1:5062;transport=udp', '127.0.0.1:5062', 'udp', 'baresip', live],
			[a.id, 'sip:a@127.0.0.1:5064', '127.0.0.1:5064', 'udp', 'old phone', now - 1000],
			[a.id, 'sip:a@127.0.0.1:5066;transport=tcp', '127.0.0.1:40000', 'tcp', 'desk', live + 1000],
			[b.id, 'sip:b@127.0.0.1:5070', '127.0.0.1:5070', 'udp', 'ua', now - 1],
		];
		const sql = rows.map(([id, contact, src, tp, ua, exp]) => 'INSERT INTO registrations (agent_id, contact, ' +
			'call_id, cseq, source, transport, user_agent, expires_at, updated_at) VALUES ' +
			`(${id}, '${contact}', 'cid-${exp}', 1, '${src}', '${tp}', '${ua}', ${exp}, ${now});`).join('\n');
		execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(d.dataDir, 'hotline.db'), sql]);

		const ga = await api.get(`/api/v1/agents/${a.id}`);
		assert.equal(ga.status, 200, ga.text);
		assertAgentShape(ga.body);
		assert.equal(ga.body.registered, true);
		assert.deepEqual(ga.body.registrations, [
			{ contact: 'sip:a@127.0.0.1:5062;transport=udp', source: '127.0.0.1:5062', transport: 'udp',
				user_agent: 'baresip', expires_at: new Date(live).toISOString() },
			{ contact: 'sip:a@127.0.0.1:5066;transport=tcp', source: '127.0.0.1:40000', transport: 'tcp',
				user_agent: 'desk', expires_at: new Date(live + 1000).toISOString() },
		], 'the live bindings, not the expired one');
		const gb = await api.get(`/api/v1/agents/${b.id}`);
		assert.deepEqual([gb.body.registered, gb.body.registrations], [false, []], 'only an expired binding');

		const list = await api.all('/api/v1/agents', { limit: 2 });
		const byId = Object.fromEntries(list.map((x) => [x.id, x]));
		assert.deepEqual(byId[a.id], ga.body, 'the list shows the same registrations');
		assert.equal(byId[b.id].registered, false);
		assert.equal(byId[c.id].registered, false);

		const s = await openStream(d, { topics: `agent:${a.id}` });
		try {
			assert.equal((await api.del(`/api/v1/agents/${a.id}`)).status, 204);
			await s.waitFor((m) => m.type === 'agent.deleted');
			assert.deepEqual(s.events.map((e) => [e.type, e.topics, e.data]), [
				['agent.unregistered', [`agent:${a.id}`],
					{ agent_id: a.id, contact: 'sip:a@127.0.0.1:5062;transport=udp', reason: 'deleted' }],
				['agent.unregistered', [`agent:${a.id}`],
					{ agent_id: a.id, contact: 'sip:a@127.0.0.1:5066;transport=tcp', reason: 'deleted' }],
				['agent.deleted', [`agent:${a.id}`], { id: a.id }],
			]);
		} finally {
			await s.close();
		}
		const left = execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(d.dataDir, 'hotline.db'),
			`SELECT count(*) FROM registrations WHERE agent_id = ${a.id};`]).toString().trim();
		assert.equal(left, '0', 'the bindings went with the agent');
	});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
