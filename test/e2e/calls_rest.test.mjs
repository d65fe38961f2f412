// /api/v1/calls without SIP: the record list and its filters, one record,
// and the telephony routes answering 503 sip_disabled. Placing real calls
// (SIP peers) is covered by the SIP scenarios.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startDaemon, assertError, createAgent, TS_RE } from './lib/daemon.mjs';
import { loadOpenApi, validate } from './lib/openapi.mjs';

let d;
let api;
let doc;

before(async () => {
	d = await startDaemon();
	api = d.api;
	doc = loadOpenApi();
});

after(async () => {
	if (d)
		await d.cleanup();
});

const sqlite3 = (() => {
	try {
		execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
})();

function assertCall(c) {
	assert.deepEqual(validate(doc, { $ref: '#/components/schemas/Call' }, c), [], JSON.stringify(c));
}

const CALL_ID = '0123456789abcdef0123456789abcdef';

test('GET /api/v1/calls on an empty database: no items, no next page', async () => {
	const r = await api.get('/api/v1/calls');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body, { items: [], next_cursor: null });
	const f = await api.get('/api/v1/calls?state=active&direction=inbound&agent_id=1&did=%2B49&trunk_id=x&queue_id=q' +
		'&since=2020-01-01T00:00:00Z&until=2030-01-01T00:00:00.000%2B02:00&limit=500');
	assert.equal(f.status, 200, f.text);
	assert.deepEqual(f.body, { items: [], next_cursor: null });
});

test('unknown call ids are 404', async () => {
	assertError(await api.get(`/api/v1/calls/${CALL_ID}`), 404, 'not_found');
	assertError(await api.get(`/api/v1/calls/${'a'.repeat(40)}`), 404, 'not_found');
	assertError(await api.get('/api/v1/calls/x'), 404, 'not_found');
});

test('bad filters and pages are 400 invalid_query naming the parameter', async () => {
	const cases = [
		['state=nope', 'state'], ['state=', 'state'], ['direction=sideways', 'direction'],
		['agent_id=0', 'agent_id'], ['agent_id=-1', 'agent_id'], ['agent_id=x', 'agent_id'],
		['agent_id=99999999999999999999', 'agent_id'],
		['since=yesterday', 'since'], ['since=2026-11-21', 'since'],
		['since=2026-02-30T00:00:00Z', 'since'], ['until=2026-11-21T24:00:00Z', 'until'],
		['until=2026-11-21T08:00:00', 'until'], ['until=1969-12-31T23:59:59Z', 'until'],
		['since=2026-11-21T08:00:00.Z', 'since'],
		[`did=${'1'.repeat(200)}`, 'did'], [`trunk_id=${'t'.repeat(80)}`, 'trunk_id'],
		[`queue_id=${'q'.repeat(64)}`, 'queue_id'], ['queue_id=%G0', 'queue_id'],
		['cursor=abc', 'cursor'], ['cursor=0', 'cursor'], ['limit=501', 'limit'],
	];
	for (const [q, field] of cases)
		assertError(await api.get(`/api/v1/calls?${q}`), 400, 'invalid_query', field);
});

test('POST /api/v1/calls: bad bodies are 400/422 even without SIP', async () => {
	const cases = [
		[{ to: '1001' }, 400, 'missing_field', 'agent_id'],
		[{ agent_id: 1 }, 400, 'missing_field', 'to'],
		[{ agent_id: '1', to: '1001' }, 400, 'invalid_type', 'agent_id'],
		[{ agent_id: 1.5, to: '1001' }, 400, 'invalid_type', 'agent_id'],
		[{ agent_id: 1, to: 1001 }, 400, 'invalid_type', 'to'],
		[{ agent_id: 1, to: '1001', from: 'x' }, 400, 'unknown_field', 'from'],
		[{ agent_id: 0, to: '1001' }, 422, 'invalid_value', 'agent_id'],
		[{ agent_id: 1, to: '' }, 422, 'invalid_value', 'to'],
		[{ agent_id: 1, to: 'not a number' }, 422, 'invalid_value', 'to'],
		[{ agent_id: 1, to: 'sip:1001@example.com' }, 422, 'invalid_value', 'to'],
		[{ agent_id: 1, to: '9'.repeat(128) }, 422, 'invalid_value', 'to'],
	];
	for (const [body, status, code, field] of cases)
		assertError(await api.post('/api/v1/calls', body), status, code, field);
	assertError(await api.post('/api/v1/calls', undefined, { raw: '[]', contentType: 'application/json' }),
		400, 'invalid_body');
	assertError(await api.post('/api/v1/calls', undefined, { raw: '{}', contentType: 'text/plain' }),
		415, 'unsupported_media_type');
});

test('without SIP, placing and hanging up calls is 503 sip_disabled', async () => {
	const a = await createAgent(api);
	for (const to of ['1001', '+4930123456', '*21#']) {
		const r = await api.post('/api/v1/calls', { agent_id: a.id, to });
		assertError(r, 503, 'sip_disabled');
	}
	assertError(await api.post('/api/v1/calls', { agent_id: 424242, to: '1001' }), 503, 'sip_disabled');
	assertError(await api.post(`/api/v1/calls/${CALL_ID}/hangup`), 503, 'sip_disabled');
	assertError(await api.post('/api/v1/calls/x/hangup'), 503, 'sip_disabled');
	assert.deepEqual((await api.get('/api/v1/calls')).body.items, [], 'nothing was created');
	const m = await api.request('DELETE', `/api/v1/calls/${CALL_ID}`);
	assertError(m, 405, 'method_not_allowed');
	assert.equal(m.headers.get('allow'), 'GET');
});

// White-box: call records are written by the B2BUA, which this daemon
// does not run; rows put straight into its database (WAL: safe while it
// runs) stand in for them.
const T = Date.now();
const id = (n) => `${'c'.repeat(31)}${n}`;
const ROWS = [
	// n, direction, state, from, to, did, trunk, agent, cause, by, sip, created, ringing, answered, ended, held,
	// then the ACD's queue_id, queued_at, wait_ms, queue_result
	[1, 'inbound', 'ended', '+4930999', '+4930123456', '+4930123456', 'carrier', 7, 'normal_clearing', 'caller', 0,
		T - 600000, T - 599000, T - 590000, T - 500000, 0, 'sales', T - 599800, 8800, 'answered'],
	[2, 'outbound', 'ended', '1003', '0301234', '', 'carrier', 3, 'busy', 'callee', 486,
		T - 400000, T - 399500, 0, T - 395000, 0, '', 0, 0, ''],
	[3, 'internal', 'answered', '1003', '1002', '', '', 3, '', '', 0, T - 60000, T - 59000, T - 50000, 0, 0,
		'', 0, 0, ''],
	[4, 'inbound', 'held', '+4930888', '0800100', '0800100', '', 5, '', '', 0, T - 30000, T - 29000, T - 28000, 0,
		T - 10000, 'support', T - 29500, 1000, 'answered'],
	[5, 'inbound', 'created', '+4930777', '0800100', '0800100', '', null, '', '', 0, T - 1000, 0, 0, 0, 0,
		'sales', T - 900, 0, ''],
];

function seed() {
	const q = (v) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);
	const sql = ROWS.map(([n, ...rest]) => 'INSERT INTO calls (id, direction, state, from_party, to_party, did, ' +
		'trunk_id, agent_id, cause, hangup_by, sip_status, created_at, ringing_at, answered_at, ended_at, held_at, ' +
		'queue_id, queued_at, wait_ms, queue_result) ' +
		`VALUES (${[id(n), ...rest].map(q).join(', ')});`).join('\n');
	execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(d.dataDir, 'hotline.db'), sql]);
}

const ids = (r) => r.body.items.map((c) => Number(c.id.slice(-1)));
const iso = (ms) => new Date(ms).toISOString();

test('call records: representation, newest first, paginated', { skip: sqlite3 ? false : 'needs sqlite3' }, async () => {
	seed();
	const r = await api.get('/api/v1/calls');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(ids(r), [5, 4, 3, 2, 1]);
	assert.equal(r.body.next_cursor, null);
	r.body.items.forEach(assertCall);
	const [c5, c4, c3, c2, c1] = r.body.items;
	assert.deepEqual(c1, {
		id: id(1), direction: 'inbound', state: 'ended', from: '+4930999', to: '+4930123456',
		did: '+4930123456', trunk_id: 'carrier', agent_id: 7, created_at: iso(T - 600000),
		ringing_at: iso(T - 599000), answered_at: iso(T - 590000), ended_at: iso(T - 500000),
		ring_duration_ms: 9000, talk_duration_ms: 90000, hangup_cause: 'normal_clearing',
		hangup_by: 'caller', sip_status: null, held: false,
		queue_id: 'sales', queued_at: iso(T - 599800), wait_ms: 8800, queue_result: 'answered',
		flow_id: null, flow_version: null, contact_id: null,
	});
	assert.deepEqual([c2.queue_id, c2.queued_at, c2.wait_ms, c2.queue_result], [null, null, null, null],
		'never queued');
	assert.deepEqual([c5.queue_id, c5.queued_at, c5.queue_result], ['sales', iso(T - 900), null]);
	assert.ok(c5.wait_ms >= 900 && c5.wait_ms < 900 + 60000, `a waiting call waits until now: ${c5.wait_ms}`);
	assert.deepEqual([c2.answered_at, c2.ring_duration_ms, c2.talk_duration_ms, c2.sip_status, c2.hangup_cause, c2.did],
		[null, 4500, 0, 486, 'busy', null]);
	assert.equal(c3.ended_at, null);
	assert.equal(c3.hangup_cause, null);
	assert.equal(c3.hangup_by, null);
	assert.equal(c3.ring_duration_ms, 9000, 'ringing ended at the answer');
	assert.ok(c3.talk_duration_ms >= 50000 && c3.talk_duration_ms < 50000 + 60000,
		`a live call talks until now: ${c3.talk_duration_ms}`);
	assert.deepEqual([c4.state, c4.held], ['held', true]);
	assert.deepEqual([c5.agent_id, c5.trunk_id, c5.ringing_at, c5.ring_duration_ms], [null, null, null, 0]);
	assert.match(c5.created_at, TS_RE);

	const sizes = [];
	const seen = [];
	let cursor = null;
	for (let i = 0; i < 10; i++) {
		const p = await api.get('/api/v1/calls?limit=2' + (cursor ? `&cursor=${cursor}` : ''));
		assert.equal(p.status, 200, p.text);
		sizes.push(p.body.items.length);
		seen.push(...ids(p));
		cursor = p.body.next_cursor;
		if (cursor === null)
			break;
		assert.match(cursor, /^[0-9]+$/);
	}
	assert.deepEqual(sizes, [2, 2, 1]);
	assert.deepEqual(seen, [5, 4, 3, 2, 1]);
});

test('one call record; a live call\'s talk time grows', { skip: sqlite3 ? false : 'needs sqlite3' }, async () => {
	const a = await api.get(`/api/v1/calls/${id(3)}`);
	assert.equal(a.status, 200, a.text);
	assertCall(a.body);
	assert.equal(a.body.id, id(3));
	await new Promise((res) => setTimeout(res, 30));
	const b = await api.get(`/api/v1/calls/${id(3)}`);
	assert.ok(b.body.talk_duration_ms >= a.body.talk_duration_ms + 20,
		`${a.body.talk_duration_ms} then ${b.body.talk_duration_ms}`);
	const e = await api.get(`/api/v1/calls/${id(1)}`);
	assert.equal(e.body.talk_duration_ms, 90000, 'an ended call keeps its durations');
});

test('filters select the documented calls', { skip: sqlite3 ? false : 'needs sqlite3' }, async () => {
	const cases = [
		['state=active', [5, 4, 3]],
		['state=ended', [2, 1]],
		['state=held', [4]],
		['state=created', [5]],
		['state=ringing', []],
		['direction=outbound', [2]],
		['direction=internal', [3]],
		['direction=inbound', [5, 4, 1]],
		['agent_id=3', [3, 2]],
		['agent_id=999', []],
		['did=%2B4930123456', [1]],
		['did=0800100', [5, 4]],
		['trunk_id=carrier', [2, 1]],
		['queue_id=sales', [5, 1]],
		['queue_id=support', [4]],
		['queue_id=sale', []],
		['queue_id=sales&state=active', [5]],
		['queue_id=support&did=0800100&agent_id=5', [4]],
		[`since=${iso(T - 450000)}`, [5, 4, 3, 2]],
		[`until=${iso(T - 450000)}`, [1]],
		[`since=${iso(T - 450000)}&until=${iso(T - 45000)}`, [3, 2]],
		[`since=${encodeURIComponent(iso(T - 60000).replace('Z', '+00:00'))}`, [5, 4, 3]],
		['state=active&direction=inbound', [5, 4]],
		['state=ended&agent_id=3&trunk_id=carrier', [2]],
		['until=1970-01-01T00:00:00Z', []],
	];
	for (const [q, want] of cases) {
		const r = await api.get(`/api/v1/calls?${q}`);
		assert.equal(r.status, 200, `${q}: ${r.text}`);
		assert.deepEqual(ids(r), want, q);
	}
	const p1 = await api.get('/api/v1/calls?state=active&limit=2');
	assert.deepEqual(ids(p1), [5, 4]);
	const p2 = await api.get(`/api/v1/calls?state=active&limit=2&cursor=${p1.body.next_cursor}`);
	assert.deepEqual(ids(p2), [3]);
	assert.equal(p2.body.next_cursor, null);
});

test('hangup of a known call is still 503 without SIP', { skip: sqlite3 ? false : 'needs sqlite3' }, async () => {
	assertError(await api.post(`/api/v1/calls/${id(3)}/hangup`), 503, 'sip_disabled');
	assert.equal((await api.get(`/api/v1/calls/${id(3)}`)).body.state, 'answered');
});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
