// SIP trunks and DIDs over REST: CRUD, validation, events; a trunk's
// password is write-only (never in a reply, an event or the log).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, assertError, TS_RE } from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

let d;
let api;
let stream;

// every password ever sent; none may come back anywhere
const SECRETS = ['trunk-pw-1-Zq8', 'trunk-pw-2-Xk3', 'trunk-pw-3-Lm7'];

before(async () => {
	// debug: whatever the daemon logs, the passwords must not be in it
	d = await startDaemon({ config: { log_level: 'debug' } });
	api = d.api;
	stream = await openStream(d, { topics: 'trunk:*,did:*', label: 'trunk stream' });
});

after(async () => {
	if (stream)
		stream.terminate();
	if (d)
		await d.cleanup();
});

const TRUNK_DEFAULTS = {
	transport: 'udp', username: '', password_set: false, register: false,
	register_expires: 3600, caller_id: '', prefix: '', strip: 0, prepend: '',
	enabled: true,
};

const TRUNK_FIELDS = ['caller_id', 'created_at', 'enabled', 'host', 'id', 'name',
	'password_set', 'prefix', 'prepend', 'register', 'register_expires', 'strip',
	'transport', 'updated_at', 'username'];

function assertTrunk(t, expect) {
	assert.deepEqual(Object.keys(t).sort(), TRUNK_FIELDS);
	assert.match(t.created_at, TS_RE);
	assert.match(t.updated_at, TS_RE);
	const { created_at: c, updated_at: u, ...rest } = t;
	assert.deepEqual(rest, expect);
}

const trunks = {};

// ------------------------------------------------------------------ trunks

test('create a trunk with defaults -> 201, Location, no password', async () => {
	const r = await api.post('/api/v1/trunks', { id: 'plain', name: 'Plain', host: '192.0.2.10' });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.headers.get('location'), '/api/v1/trunks/plain');
	assertTrunk(r.body, { id: 'plain', name: 'Plain', host: '192.0.2.10', ...TRUNK_DEFAULTS });
	trunks.plain = r.body;
});

test('create a trunk with every field; the password is only "password_set"', async () => {
	const full = {
		id: 'carrier_1-a', name: 'Carrier 1', host: 'sip.carrier.example:5080', transport: 'tcp',
		username: 'acme+1', register: true, register_expires: 600, caller_id: '+4930123456',
		prefix: '0', strip: 1, prepend: '+49', enabled: false,
	};
	const r = await api.post('/api/v1/trunks', { ...full, password: SECRETS[0] });
	assert.equal(r.status, 201, r.text);
	assertTrunk(r.body, { ...full, password_set: true });
	trunks.carrier = r.body;
	const g = await api.get('/api/v1/trunks/carrier_1-a');
	assert.equal(g.status, 200, g.text);
	assert.deepEqual(g.body, r.body, 'GET shows what POST answered');
});

test('trunk validation: 400 for the shape, 422 with the field, nothing created', async () => {
	const ok = { id: 'x1', name: 'X', host: '192.0.2.1' };
	const cases = [
		[{ ...ok, id: 'Upper' }, 422, 'invalid_value', 'id'],
		[{ ...ok, id: '-lead' }, 422, 'invalid_value', 'id'],
		[{ ...ok, host: 'a b' }, 422, 'invalid_value', 'host'],
		[{ ...ok, host: 'user@host' }, 422, 'invalid_value', 'host'],
		[{ ...ok, host: 'h:99999' }, 422, 'invalid_value', 'host'],
		[{ ...ok, transport: 'sctp' }, 422, 'invalid_value', 'transport'],
		[{ ...ok, username: 'a@b' }, 422, 'invalid_value', 'username'],
		[{ ...ok, username: 'a b' }, 422, 'invalid_value', 'username'],
		[{ ...ok, password: `x\ny${SECRETS[2]}` }, 422, 'invalid_value', 'password'],
		[{ ...ok, caller_id: 'anonymous' }, 422, 'invalid_value', 'caller_id'],
		[{ ...ok, prefix: '0x' }, 422, 'invalid_value', 'prefix'],
		[{ ...ok, prepend: '+49 ' }, 422, 'invalid_value', 'prepend'],
		[{ ...ok, strip: 64 }, 422, 'invalid_value', 'strip'],
		[{ ...ok, register_expires: 59 }, 422, 'invalid_value', 'register_expires'],
		[{ ...ok, register_expires: 86401 }, 422, 'invalid_value', 'register_expires'],
		[{ ...ok, name: '' }, 422, 'invalid_value', 'name'],
		[{ ...ok, register: 'yes' }, 400, 'invalid_type', 'register'],
		[{ ...ok, strip: '1' }, 400, 'invalid_type', 'strip'],
		[{ id: 'x1', name: 'X' }, 400, 'missing_field', 'host'],
		[{ ...ok, secret: 'x' }, 400, 'unknown_field', 'secret'],
	];
	for (const [body, status, code, field] of cases) {
		const r = await api.post('/api/v1/trunks', body);
		assertError(r, status, code, field);
	}
	assertError(await api.post('/api/v1/trunks', undefined, { raw: '{"id":', contentType: 'application/json' }),
		400, 'invalid_json');
	assertError(await api.post('/api/v1/trunks', undefined, { raw: '{}', contentType: 'text/plain' }),
		415, 'unsupported_media_type');
	assertError(await api.get('/api/v1/trunks/x1'), 404, 'not_found');
});

test('duplicate trunk id -> 409 trunk_exists, the first one unchanged', async () => {
	const r = await api.post('/api/v1/trunks', { id: 'plain', name: 'Other', host: '192.0.2.99' });
	assertError(r, 409, 'trunk_exists');
	assert.deepEqual((await api.get('/api/v1/trunks/plain')).body, trunks.plain);
});

test('list trunks by id, paginated', async () => {
	for (const id of ['t3', 't4', 't5']) {
		const r = await api.post('/api/v1/trunks', { id, name: id, host: `${id}.example` });
		assert.equal(r.status, 201, r.text);
		trunks[id] = r.body;
	}
	const ids = [];
	const sizes = [];
	let cursor = null;
	for (let i = 0; i < 10; i++) {
		const r = await api.get('/api/v1/trunks?limit=2' + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''));
		assert.equal(r.status, 200, r.text);
		sizes.push(r.body.items.length);
		ids.push(...r.body.items.map((t) => t.id));
		cursor = r.body.next_cursor;
		if (cursor === null)
			break;
	}
	assert.deepEqual(sizes, [2, 2, 1]);
	assert.deepEqual(ids, ['carrier_1-a', 'plain', 't3', 't4', 't5']);
	assertError(await api.get('/api/v1/trunks?cursor=NOT%20ONE'), 400, 'invalid_query', 'cursor');
	assertError(await api.get('/api/v1/trunks?limit=0'), 400, 'invalid_query', 'limit');
});

test('get: unknown and malformed ids are 404', async () => {
	assertError(await api.get('/api/v1/trunks/nope'), 404, 'not_found');
	assertError(await api.get('/api/v1/trunks/NOPE'), 404, 'not_found');
	assertError(await api.patch('/api/v1/trunks/nope', { name: 'x' }), 404, 'not_found');
	assertError(await api.del('/api/v1/trunks/nope'), 404, 'not_found');
});

test('patch changes only what is sent; the password is set, changed and cleared', async () => {
	let r = await api.patch('/api/v1/trunks/plain', { name: 'Plain 2', prefix: '00', strip: 2 });
	assert.equal(r.status, 200, r.text);
	const { created_at: c, updated_at: u, ...before } = trunks.plain;
	assertTrunk(r.body, { ...before, name: 'Plain 2', prefix: '00', strip: 2 });
	assert.equal(r.body.created_at, trunks.plain.created_at);

	r = await api.patch('/api/v1/trunks/plain', { username: 'u1', password: SECRETS[1], register: true });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.password_set, true);
	assert.equal(r.body.register, true);
	r = await api.patch('/api/v1/trunks/plain', { name: 'Plain 3' });
	assert.equal(r.body.password_set, true, 'a patch without password keeps it');
	r = await api.patch('/api/v1/trunks/plain', { password: '' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.password_set, false, '"" clears the password');
	assert.equal(r.body.username, 'u1');

	assertError(await api.patch('/api/v1/trunks/plain', {}), 400, 'invalid_body');
	assertError(await api.patch('/api/v1/trunks/plain', { id: 'other' }), 400, 'unknown_field', 'id');
	assertError(await api.patch('/api/v1/trunks/plain', { host: 'bad host' }), 422, 'invalid_value', 'host');
	assertError(await api.patch('/api/v1/trunks/plain', { transport: 'udp', caller_id: 'x' }),
		422, 'invalid_value', 'caller_id');
	const g = await api.get('/api/v1/trunks/plain');
	assert.deepEqual(g.body, r.body, 'refused patches changed nothing');
	trunks.plain = g.body;
});

// -------------------------------------------------------------------- DIDs

const DID_FIELDS = ['created_at', 'name', 'number', 'target', 'target_type', 'trunk_id', 'updated_at'];

function assertDid(x, expect) {
	assert.deepEqual(Object.keys(x).sort(), DID_FIELDS);
	assert.match(x.created_at, TS_RE);
	assert.match(x.updated_at, TS_RE);
	const { created_at: c, updated_at: u, ...rest } = x;
	assert.deepEqual(rest, expect);
}

const dids = {};

test('create DIDs -> 201 + Location; trunk_id null when not given', async () => {
	let r = await api.post('/api/v1/dids', { number: '+4930123456', name: 'Sales', target: '1001', trunk_id: 'plain' });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.headers.get('location'), '/api/v1/dids/+4930123456');
	assertDid(r.body, { number: '+4930123456', name: 'Sales', target_type: 'extension', target: '1001', trunk_id: 'plain' });
	dids.sales = r.body;

	r = await api.post('/api/v1/dids', { number: '0800100', name: 'Free', target_type: 'extension', target: 'desk.7' });
	assert.equal(r.status, 201, r.text);
	assertDid(r.body, { number: '0800100', name: 'Free', target_type: 'extension', target: 'desk.7', trunk_id: null });
	dids.free = r.body;

	r = await api.post('/api/v1/dids', { number: '0800200', name: 'Null trunk', target: '9', trunk_id: null });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.trunk_id, null);
	dids.nulltrunk = r.body;
});

test('DID validation: number, target, target_type, unknown trunk, duplicates', async () => {
	const ok = { number: '555', name: 'X', target: '1001' };
	const cases = [
		[{ ...ok, number: '*100' }, 422, 'invalid_value', 'number'],
		[{ ...ok, number: '100#' }, 422, 'invalid_value', 'number'],
		[{ ...ok, number: '+' }, 422, 'invalid_value', 'number'],
		[{ ...ok, number: '49+30' }, 422, 'invalid_value', 'number'],
		[{ ...ok, number: '12a' }, 422, 'invalid_value', 'number'],
		[{ ...ok, number: '1'.repeat(63) }, 422, 'invalid_value', 'number'],
		[{ ...ok, target: 'a b' }, 422, 'invalid_value', 'target'],
		[{ ...ok, target: 'x'.repeat(32) }, 422, 'invalid_value', 'target'],
		[{ ...ok, target_type: 'robot' }, 422, 'invalid_value', 'target_type'],
		[{ ...ok, target_type: 'flow' }, 422, 'unknown_flow', 'target'],
		[{ ...ok, target_type: 'queue' }, 422, 'unknown_queue', 'target'],   // no queue "1001"
		[{ ...ok, trunk_id: 'missing' }, 422, 'unknown_trunk', 'trunk_id'],
		[{ ...ok, trunk_id: 'Not A Slug' }, 422, 'unknown_trunk', 'trunk_id'],
		[{ ...ok, trunk_id: 5 }, 400, 'invalid_type', 'trunk_id'],
		[{ number: '555', name: 'X' }, 400, 'missing_field', 'target'],
		[{ ...ok, extra: 1 }, 400, 'unknown_field', 'extra'],
	];
	for (const [body, status, code, field] of cases)
		assertError(await api.post('/api/v1/dids', body), status, code, field);
	assertError(await api.get('/api/v1/dids/555'), 404, 'not_found');
	// a number of 62 digits (63 bytes with +) is the longest
	const long = `+${'9'.repeat(62)}`;
	const r = await api.post('/api/v1/dids', { ...ok, number: long });
	assert.equal(r.status, 201, r.text);
	assert.equal((await api.del(`/api/v1/dids/${long}`)).status, 204);

	assertError(await api.post('/api/v1/dids', { number: '+4930123456', name: 'Dup', target: '1' }), 409, 'did_exists');
	assert.deepEqual((await api.get('/api/v1/dids/+4930123456')).body, dids.sales, 'the first one unchanged');
});

test('get a DID by number, "+" raw or encoded; unknown is 404', async () => {
	for (const p of ['+4930123456', '%2B4930123456']) {
		const r = await api.get(`/api/v1/dids/${p}`);
		assert.equal(r.status, 200, `${p}: ${r.text}`);
		assert.deepEqual(r.body, dids.sales);
	}
	assertError(await api.get('/api/v1/dids/4930123456'), 404, 'not_found');
	assertError(await api.get('/api/v1/dids/*1'), 404, 'not_found');
	assertError(await api.get('/api/v1/dids/abc'), 404, 'not_found');
	assertError(await api.patch('/api/v1/dids/777', { name: 'x' }), 404, 'not_found');
	assertError(await api.del('/api/v1/dids/777'), 404, 'not_found');
});

test('list DIDs by number, paginated', async () => {
	const all = await api.all('/api/v1/dids', { limit: 1 });
	assert.deepEqual(all.map((x) => x.number), ['+4930123456', '0800100', '0800200']);
	assert.deepEqual(all[0], dids.sales);
	const first = await api.get('/api/v1/dids?limit=2');
	assert.equal(first.body.items.length, 2);
	assert.equal(first.body.next_cursor, '0800100');
	assertError(await api.get('/api/v1/dids?cursor=abc'), 400, 'invalid_query', 'cursor');
});

test('patch a DID: target, trunk set and cleared; refused patches change nothing', async () => {
	let r = await api.patch('/api/v1/dids/0800100', { target: '2002', trunk_id: 'carrier_1-a' });
	assert.equal(r.status, 200, r.text);
	assertDid(r.body, { number: '0800100', name: 'Free', target_type: 'extension', target: '2002', trunk_id: 'carrier_1-a' });
	r = await api.patch('/api/v1/dids/0800100', { trunk_id: null });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.trunk_id, null);
	r = await api.patch('/api/v1/dids/0800100', { trunk_id: 'plain', name: 'Free 2' });
	assert.equal(r.body.trunk_id, 'plain');
	r = await api.patch('/api/v1/dids/0800100', { trunk_id: '' });
	assert.equal(r.body.trunk_id, null, '"" clears the trunk too');
	dids.free = r.body;

	assertError(await api.patch('/api/v1/dids/0800100', { trunk_id: 'gone' }), 422, 'unknown_trunk', 'trunk_id');
	assertError(await api.patch('/api/v1/dids/0800100', { target: '' }), 422, 'invalid_value', 'target');
	assertError(await api.patch('/api/v1/dids/0800100', { number: '1' }), 400, 'unknown_field', 'number');
	assertError(await api.patch('/api/v1/dids/0800100', {}), 400, 'invalid_body');
	assert.deepEqual((await api.get('/api/v1/dids/0800100')).body, dids.free);
});

test('deleting a trunk keeps the DIDs that name it', async () => {
	assert.equal((await api.del('/api/v1/trunks/plain')).status, 204);
	assertError(await api.get('/api/v1/trunks/plain'), 404, 'not_found');
	assertError(await api.del('/api/v1/trunks/plain'), 404, 'not_found');
	const s = await api.get('/api/v1/dids/+4930123456');
	assert.equal(s.status, 200);
	assert.equal(s.body.trunk_id, 'plain', 'informative link kept');
	// but a new write must name an existing trunk
	assertError(await api.patch('/api/v1/dids/+4930123456', { trunk_id: 'plain' }), 422, 'unknown_trunk');
	const t = await api.all('/api/v1/trunks');
	assert.deepEqual(t.map((x) => x.id), ['carrier_1-a', 't3', 't4', 't5']);
});

test('delete DIDs -> 204 then 404', async () => {
	for (const n of ['0800100', '0800200', '%2B4930123456']) {
		const r = await api.del(`/api/v1/dids/${n}`);
		assert.equal(r.status, 204, `${n}: ${r.text}`);
		assert.equal(r.text, '');
	}
	assertError(await api.get('/api/v1/dids/0800100'), 404, 'not_found');
	assert.deepEqual(await api.all('/api/v1/dids'), []);
});

// ------------------------------------------------------------------ events

test('each change published one trunk.* or did.* event with the representation, never a password', async () => {
	const last = await api.post('/api/v1/events', { type: 'custom.mark', topics: ['trunk:mark'] });
	assert.equal(last.status, 202);
	await stream.waitForSeq(last.body.seqs[0]);
	const evs = stream.events.filter((e) => e.type !== 'custom.mark');

	// replay what the REST log says happened, in order
	const want = [];
	for (const r of api.log) {
		const m = r.path.match(/^\/api\/v1\/(trunks|dids)(?:\/([^?]+))?/);
		if (!m || r.method === 'GET' || r.status >= 300)
			continue;
		const kind = m[1] === 'trunks' ? 'trunk' : 'did';
		const verb = { POST: 'created', PATCH: 'updated', DELETE: 'deleted' }[r.method];
		const key = r.body ? (kind === 'trunk' ? r.body.id : r.body.number) : decodeURIComponent(m[2]);
		const data = r.method === 'DELETE' ? (kind === 'trunk' ? { id: key } : { number: key }) : r.body;
		want.push({ type: `${kind}.${verb}`, topics: [`${kind}:${key}`], data });
	}
	assert.ok(want.length >= 20, `${want.length} changes`);
	assert.deepEqual(evs.map((e) => ({ type: e.type, topics: e.topics, data: e.data })), want);

	for (const m of stream.messages) {
		for (const s of SECRETS)
			assert.ok(!m.raw.includes(s), `a trunk password in event ${m.raw.slice(0, 120)}`);
		assert.ok(!/"password"/.test(m.raw), `a password key in ${m.raw.slice(0, 120)}`);
	}
});

test('no reply ever carried a trunk password', () => {
	for (const r of api.log) {
		for (const s of SECRETS)
			assert.ok(!r.text.includes(s), `password in ${r.method} ${r.path}`);
		if (r.body && !r.body.error)
			assert.ok(!/"password"/.test(r.text), `password key in ${r.method} ${r.path}`);
	}
});

test('daemon shuts down cleanly; no password in its log', async () => {
	await d.stop();
	for (const s of SECRETS)
		assert.ok(!d.output.includes(s), 'a trunk password is in the log');
});
