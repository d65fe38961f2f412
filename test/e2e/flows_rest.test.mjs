// IVR flows, contacts, call traces and recordings over REST (no SIP):
// flow CRUD and versions, the checks of a document on save (422 with the
// JSON Pointer of the bad field and the reason), DIDs leading to flows,
// contacts, and the trace and recording endpoints over rows put straight
// into the database (white-box: calls and recordings are made by
// telephony, which this daemon does not run).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startDaemon, assertError, createQueue, createAgent, rawHttp, parseRawResponse, TS_RE } from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';
import { loadOpenApi, validate } from './lib/openapi.mjs';
import { writeToneWav } from './lib/rtp.mjs';

let d;
let api;
let stream;
let doc;
let wav;

before(async () => {
	// a body limit above the 256 KiB of a flow document, so that the
	// flow endpoints' own 413 is the one answering
	d = await startDaemon({
		config: { http_max_body: 1024 * 1024 },
		allowWarn: [/api: recording r-gone: file .* is missing/],
	});
	api = d.api;
	doc = loadOpenApi();
	stream = await openStream(d, { topics: 'flow:*,contact:*', label: 'flow stream' });
	wav = path.join(d.root, 'hello.wav');
	await writeToneWav(wav, { seconds: 1 });
	await createQueue(api, 'sales');
});

after(async () => {
	if (stream)
		stream.terminate();
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

function sql(text) {
	return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(d.dataDir, 'hotline.db'), text],
		{ encoding: 'utf8' });
}

/** The first streamed event for which pred holds */
async function event(pred) {
	return (await stream.waitFor(pred)).msg;
}

function assertSchema(name, value) {
	assert.deepEqual(validate(doc, { $ref: `#/components/schemas/${name}` }, value), [],
		`${name}: ${JSON.stringify(value)}`);
}

const MAIN = {
	name: 'Main line',
	steps: [
		{ id: 'hello', action: 'say', text: 'Hello {{contact.name}}', next: 'menu' },
		{ id: 'menu', action: 'menu', prompt: { say: 'Press 1 for sales' }, options: { 1: 'sales' },
			no_input: 'bye', invalid: 'bye' },
		{ id: 'sales', action: 'queue', queue: 'sales' },
		{ id: 'bye', action: 'hangup' },
	],
};

const MAIN2 = {
	name: 'Main line v2',
	start: 'greet',
	steps: [
		{ id: 'greet', action: 'play', file: '', next: 'bye' },
		{ id: 'bye', action: 'hangup', cause: 'normal_clearing' },
	],
};

const FLOW_KEYS = ['created_at', 'current_version', 'doc', 'id', 'name', 'updated_at', 'version'];

// ---------------------------------------------------------------- flows

test('POST /api/v1/flows: 201, Location, the document as saved (without id), flow.created', async () => {
	const r = await api.post('/api/v1/flows', { id: 'main', ...MAIN });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.headers.get('location'), '/api/v1/flows/main');
	assert.deepEqual(Object.keys(r.body).sort(), FLOW_KEYS);
	assert.equal(r.body.id, 'main');
	assert.equal(r.body.name, 'Main line');
	assert.equal(r.body.version, 1);
	assert.equal(r.body.current_version, 1);
	assert.match(r.body.created_at, TS_RE);
	assert.equal(r.body.updated_at, r.body.created_at);
	assert.deepEqual(r.body.doc, MAIN);
	assertSchema('Flow', r.body);
	const ev = await event((m) => m.type === 'flow.created');
	assert.deepEqual(ev.topics, ['flow:main']);
	assert.deepEqual(ev.data, { id: 'main', name: 'Main line', version: 1 });

	assertError(await api.post('/api/v1/flows', { id: 'main', ...MAIN }), 409, 'flow_exists');
});

test('GET /api/v1/flows: summaries by id, paged; GET one; unknown ids 404', async () => {
	const b = await api.post('/api/v1/flows', { id: 'b-flow', name: 'B', steps: [{ id: 'h', action: 'hangup' }] });
	assert.equal(b.status, 201, b.text);
	const all = await api.get('/api/v1/flows');
	assert.equal(all.status, 200, all.text);
	assert.deepEqual(all.body.items.map((f) => f.id), ['b-flow', 'main']);
	assert.equal(all.body.next_cursor, null);
	for (const f of all.body.items) {
		assert.equal(f.doc, undefined, 'no document in a list');
		assertSchema('FlowSummary', f);
	}
	const p1 = await api.get('/api/v1/flows?limit=1');
	assert.deepEqual(p1.body.items.map((f) => f.id), ['b-flow']);
	assert.equal(p1.body.next_cursor, 'b-flow');
	const p2 = await api.get(`/api/v1/flows?limit=1&cursor=${p1.body.next_cursor}`);
	assert.deepEqual(p2.body.items.map((f) => f.id), ['main']);
	assert.equal(p2.body.next_cursor, null);
	assertError(await api.get('/api/v1/flows?cursor=Not%20One'), 400, 'invalid_query', 'cursor');

	const g = await api.get('/api/v1/flows/main');
	assert.equal(g.status, 200, g.text);
	assert.deepEqual(g.body.doc, MAIN);
	assert.equal(g.body.version, 1);
	assertError(await api.get('/api/v1/flows/nope'), 404, 'not_found');
	assertError(await api.get('/api/v1/flows/Bad%20Id'), 404, 'not_found');
	assert.equal((await api.del('/api/v1/flows/b-flow')).status, 204);
});

test('PUT makes version 2; version 1 stays readable; versions newest first', async () => {
	const doc2 = { ...MAIN2, steps: [{ ...MAIN2.steps[0], file: wav }, MAIN2.steps[1]] };
	const r = await api.put('/api/v1/flows/main', doc2);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.headers.get('location'), null);
	assert.equal(r.body.version, 2);
	assert.equal(r.body.current_version, 2);
	assert.equal(r.body.name, 'Main line v2');
	assert.deepEqual(r.body.doc, doc2);
	assert.ok(r.body.updated_at >= r.body.created_at);
	const ev = await event((m) => m.type === 'flow.updated');
	assert.deepEqual(ev.topics, ['flow:main']);
	assert.deepEqual(ev.data, { id: 'main', name: 'Main line v2', version: 2 });

	// "id" may be repeated on PUT, but not changed
	const same = await api.put('/api/v1/flows/main', { id: 'main', ...doc2 });
	assert.equal(same.status, 200, same.text);
	assert.equal(same.body.version, 3);
	assertError(await api.put('/api/v1/flows/main', { id: 'other', ...doc2 }), 422, 'invalid_value', 'id');
	assertError(await api.put('/api/v1/flows/nope', MAIN), 404, 'not_found');

	const cur = await api.get('/api/v1/flows/main');
	assert.equal(cur.body.version, 3);
	assert.deepEqual(cur.body.doc, doc2);
	const v1 = await api.get('/api/v1/flows/main?version=1');
	assert.equal(v1.status, 200, v1.text);
	assert.equal(v1.body.version, 1);
	assert.equal(v1.body.current_version, 3);
	assert.equal(v1.body.name, 'Main line');
	assert.deepEqual(v1.body.doc, MAIN, 'version 1 is immutable');
	assertError(await api.get('/api/v1/flows/main?version=4'), 404, 'not_found');
	assertError(await api.get('/api/v1/flows/main?version=0'), 400, 'invalid_query', 'version');
	assertError(await api.get('/api/v1/flows/main?version=x'), 400, 'invalid_query', 'version');

	const vs = await api.get('/api/v1/flows/main/versions');
	assert.equal(vs.status, 200, vs.text);
	assert.deepEqual(vs.body.items.map((v) => v.version), [3, 2, 1]);
	assert.deepEqual(vs.body.items.map((v) => v.name), ['Main line v2', 'Main line v2', 'Main line']);
	for (const v of vs.body.items)
		assert.match(v.created_at, TS_RE);
	assert.equal(vs.body.next_cursor, null);
	const vp = await api.get('/api/v1/flows/main/versions?limit=2');
	assert.deepEqual(vp.body.items.map((v) => v.version), [3, 2]);
	assert.equal(vp.body.next_cursor, '2');
	const vq = await api.get('/api/v1/flows/main/versions?limit=2&cursor=2');
	assert.deepEqual(vq.body.items.map((v) => v.version), [1]);
	assert.equal(vq.body.next_cursor, null);
	assertError(await api.get('/api/v1/flows/nope/versions'), 404, 'not_found');
});

/** POST a document that must be refused: 422 invalid_flow at field with
 *  reason; nothing is stored. */
async function refused(body, field, reason) {
	const r = await api.post('/api/v1/flows', { id: 'bad', name: 'Bad', ...body });
	assertError(r, 422, 'invalid_flow', field);
	assert.equal(r.body.error.reason, reason, r.text);
	assertSchema('Error', r.body);
	assertError(await api.get('/api/v1/flows/bad'), 404, 'not_found');
	return r;
}

test('invalid documents: 422 invalid_flow with the JSON Pointer of the field and the reason', async () => {
	const hangup = { id: 'h', action: 'hangup' };
	await refused({ steps: [{ id: 'a', action: 'answer', next: 'nowhere' }] }, '/steps/0/next', 'dangling');
	await refused({ steps: [{ id: 'a', action: 'answer', next: 'b' }, { id: 'b', action: 'dance' }] },
		'/steps/1/action', 'unknown_action');
	const loop = await refused({
		steps: [
			{ id: 'a', action: 'set', variables: { x: '1' }, next: 'b' },
			{ id: 'b', action: 'branch', conditions: [{ var: 'x', op: 'eq', value: '1', next: 'a' }], next: 'a' },
		],
	}, '/steps/0', 'loop');
	assert.match(loop.body.error.message, /a → b → a/);
	await refused({ steps: [{ id: 'g', action: 'gather', pattern: '([', next: 'h' }, hangup] },
		'/steps/0/pattern', 'regex');
	await refused({
		steps: [{ id: 'b', action: 'branch', conditions: [{ var: 'caller', op: 'matches', value: '([', next: 'h' }],
			next: 'h' }, hangup],
	}, '/steps/0/conditions/0/value', 'regex');
	await refused({ steps: [{ id: 'q', action: 'queue', queue: 'nope' }] }, '/steps/0/queue', 'reference');
	await refused({
		steps: [{ id: 's', action: 'schedule', timezone: 'Mars/Olympus_Mons',
			hours: [{ days: ['mon'], from: '09:00', to: '17:00' }], open: 'h', closed: 'h' }, hangup],
	}, '/steps/0/timezone', 'reference');
	await refused({ steps: [{ id: 'p', action: 'play', file: path.join(d.root, 'none.wav') }] },
		'/steps/0/file', 'reference');
	await refused({ steps: [{ id: 'p', action: 'play', file: d.configPath }] }, '/steps/0/file', 'reference');
	await refused({ steps: [{ id: 't', action: 'transfer', to: { flow: 'nope' } }] }, '/steps/0/to/flow',
		'reference');
	await refused({ steps: [{ id: 'd', action: 'dial', to: { agent: 424242 }, failed: 'h' }, hangup] },
		'/steps/0/to/agent', 'reference');
	await refused({ name: 5, steps: [hangup] }, '/name', 'type');
	await refused({}, '/steps', 'missing');
	await refused({ steps: [hangup], extra: 1 }, '/extra', 'unknown_field');
});

test('documents that name what exists are accepted: a queue, an agent, a zone, a WAV, the flow itself', async () => {
	const a = await createAgent(api, { extension: '2001' });
	const r = await api.post('/api/v1/flows', {
		id: 'refs', name: 'Refs',
		steps: [
			{ id: 's', action: 'schedule', timezone: 'Europe/Paris',
				hours: [{ days: ['mon', 'tue'], from: '09:00', to: '17:30' }], open: 'p', closed: 'again' },
			{ id: 'p', action: 'play', file: wav, next: 'd' },
			{ id: 'd', action: 'dial', to: { agent: a.id }, no_answer: 'q', busy: 'q', failed: 'q' },
			{ id: 'q', action: 'queue', queue: 'sales' },
			{ id: 'again', action: 'transfer', to: { flow: 'refs' } },
		],
	});
	assert.equal(r.status, 201, r.text);
	assert.equal((await api.del('/api/v1/flows/refs')).status, 204);
});

test('bodies: 400 bad JSON or id, 415 not JSON, 413 over 256 KiB, 401 without the token', async () => {
	assertError(await api.post('/api/v1/flows', undefined, { raw: '{"id":', contentType: 'application/json' }),
		400, 'invalid_json');
	assertError(await api.post('/api/v1/flows', undefined, { raw: '{"id":"x","id":"y"}',
		contentType: 'application/json' }), 400, 'invalid_json');
	assertError(await api.post('/api/v1/flows', [1]), 400, 'invalid_body');
	assertError(await api.post('/api/v1/flows', MAIN), 400, 'missing_field', 'id');
	assertError(await api.post('/api/v1/flows', { ...MAIN, id: 7 }), 400, 'invalid_type', 'id');
	assertError(await api.post('/api/v1/flows', { ...MAIN, id: 'Main Line' }), 422, 'invalid_value', 'id');
	assertError(await api.post('/api/v1/flows', { ...MAIN, id: 'x'.repeat(64) }), 422, 'invalid_value', 'id');
	assertError(await api.post('/api/v1/flows', undefined, { raw: JSON.stringify({ id: 'x', ...MAIN }),
		contentType: 'text/plain' }), 415, 'unsupported_media_type');

	// a document over FLOW_DOC_MAX, under the server's body limit
	const big = { id: 'big', name: 'x'.repeat(100), description: 'y'.repeat(300 * 1024),
		steps: [{ id: 'h', action: 'hangup' }] };
	assertError(await api.post('/api/v1/flows', big), 413, 'body_too_large');
	assertError(await api.put('/api/v1/flows/main', big), 413, 'body_too_large');
	assertError(await api.get('/api/v1/flows/big'), 404, 'not_found');
	// over the server's limit: refused before any handler
	const res = await rawHttp(d.port, Buffer.from('POST /api/v1/flows HTTP/1.1\r\nHost: x\r\n' +
		`Authorization: Bearer ${d.token}\r\nContent-Type: application/json\r\n` +
		`Content-Length: ${2 * 1024 * 1024}\r\n\r\n`));
	assert.equal(parseRawResponse(res.data).status, 413);

	assertError(await api.post('/api/v1/flows', { id: 'x', ...MAIN }, { token: null }), 401, 'unauthorized');
	assertError(await api.get('/api/v1/flows', { token: 'wrong-token-123456' }), 401, 'unauthorized');
	assertError(await api.del('/api/v1/flows/main', { token: null }), 401, 'unauthorized');
	const m = await api.request('PATCH', '/api/v1/flows/main', {});
	assertError(m, 405, 'method_not_allowed');
	assert.equal(m.headers.get('allow'), 'GET, PUT, DELETE');
});

// ---------------------------------------------------------------- DIDs

test('a DID may lead to an existing flow, which cannot be deleted while it does', async () => {
	assertError(await api.post('/api/v1/dids', { number: '+4930500', name: 'IVR', target_type: 'flow',
		target: 'nope' }), 422, 'unknown_flow', 'target');
	assertError(await api.post('/api/v1/dids', { number: '+4930500', name: 'IVR', target_type: 'flow',
		target: 'Not A Slug' }), 422, 'unknown_flow', 'target');
	const r = await api.post('/api/v1/dids', { number: '+4930500', name: 'IVR', target_type: 'flow',
		target: 'main' });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.target_type, 'flow');
	assert.equal(r.body.target, 'main');
	assert.deepEqual((await api.get('/api/v1/dids/+4930500')).body, r.body);

	const del = await api.del('/api/v1/flows/main');
	assertError(del, 409, 'flow_in_use');
	assert.equal((await api.get('/api/v1/flows/main')).status, 200);

	// pointing the DID elsewhere frees the flow
	const p = await api.patch('/api/v1/dids/+4930500', { target_type: 'extension', target: '1001' });
	assert.equal(p.status, 200, p.text);
	assertError(await api.patch('/api/v1/dids/+4930500', { target_type: 'flow' }), 422, 'unknown_flow', 'target');
	assert.equal((await api.del('/api/v1/flows/main')).status, 204);
	const ev = await event((m) => m.type === 'flow.deleted' && m.data.id === 'main');
	assert.deepEqual(ev.topics, ['flow:main']);
	assertError(await api.get('/api/v1/flows/main'), 404, 'not_found');
	assertError(await api.get('/api/v1/flows/main/versions'), 404, 'not_found');
	assertError(await api.del('/api/v1/flows/main'), 404, 'not_found');
	assert.equal((await api.del('/api/v1/dids/+4930500')).status, 204);
});

// ---------------------------------------------------------------- contacts

const CONTACT_KEYS = ['created_at', 'crm_id', 'email', 'id', 'name', 'phone', 'updated_at'];

test('contacts: create, find by phone, update; a phone belongs to one contact', async () => {
	const r = await api.post('/api/v1/contacts', { phone: '+15551234567', name: 'Ada', email: 'ada@example.com',
		crm_id: 'CRM-1' });
	assert.equal(r.status, 201, r.text);
	assert.deepEqual(Object.keys(r.body).sort(), CONTACT_KEYS);
	assert.equal(r.headers.get('location'), `/api/v1/contacts/${r.body.id}`);
	assert.equal(r.body.phone, '+15551234567');
	assert.equal(r.body.crm_id, 'CRM-1');
	assertSchema('Contact', r.body);
	const ada = r.body;
	const ev = await event((m) => m.type === 'contact.created');
	assert.deepEqual(ev.topics, [`contact:${ada.id}`]);
	assert.deepEqual(ev.data, ada);

	const b = await api.post('/api/v1/contacts', { phone: '1001' });
	assert.equal(b.status, 201, b.text);
	assert.deepEqual([b.body.name, b.body.email, b.body.crm_id], [null, null, null]);
	assert.ok(b.body.id > ada.id);

	assertError(await api.post('/api/v1/contacts', { phone: '+15551234567', name: 'Dup' }), 409,
		'contact_exists', 'phone');
	assertError(await api.post('/api/v1/contacts', { name: 'No phone' }), 400, 'missing_field', 'phone');
	assertError(await api.post('/api/v1/contacts', { phone: '+1 555' }), 422, 'invalid_value', 'phone');
	assertError(await api.post('/api/v1/contacts', { phone: '2002', email: 'not-an-address' }), 422,
		'invalid_value', 'email');
	assertError(await api.post('/api/v1/contacts', { phone: '2002', extra: 1 }), 400, 'unknown_field', 'extra');

	assert.deepEqual((await api.get(`/api/v1/contacts/${ada.id}`)).body, ada);
	assertError(await api.get('/api/v1/contacts/424242'), 404, 'not_found');
	assertError(await api.get('/api/v1/contacts/x'), 404, 'not_found');

	// the list: by id, paged; ?phone= finds one number exactly
	const all = await api.get('/api/v1/contacts');
	assert.deepEqual(all.body.items.map((c) => c.phone), ['+15551234567', '1001']);
	const p1 = await api.get('/api/v1/contacts?limit=1');
	assert.deepEqual(p1.body.items.map((c) => c.id), [ada.id]);
	assert.equal(p1.body.next_cursor, String(ada.id));
	const p2 = await api.get(`/api/v1/contacts?limit=1&cursor=${p1.body.next_cursor}`);
	assert.deepEqual(p2.body.items.map((c) => c.id), [b.body.id]);
	assert.equal(p2.body.next_cursor, null);
	const byPhone = await api.get(`/api/v1/contacts?phone=${encodeURIComponent('+15551234567')}`);
	assert.deepEqual(byPhone.body, { items: [ada], next_cursor: null });
	assert.deepEqual((await api.get('/api/v1/contacts?phone=999')).body, { items: [], next_cursor: null });
	assertError(await api.get('/api/v1/contacts?cursor=abc'), 400, 'invalid_query', 'cursor');

	// PATCH: set, clear (null), renumber; not onto another's phone
	const u = await api.patch(`/api/v1/contacts/${ada.id}`, { name: 'Ada L.', email: null });
	assert.equal(u.status, 200, u.text);
	assert.equal(u.body.name, 'Ada L.');
	assert.equal(u.body.email, null);
	assert.equal(u.body.crm_id, 'CRM-1');
	assert.equal(u.body.created_at, ada.created_at);
	const uev = await event((m) => m.type === 'contact.updated');
	assert.deepEqual(uev.topics, [`contact:${ada.id}`]);
	assert.deepEqual(uev.data, u.body);
	assertError(await api.patch(`/api/v1/contacts/${ada.id}`, { phone: '1001' }), 409, 'contact_exists', 'phone');
	assertError(await api.patch(`/api/v1/contacts/${ada.id}`, {}), 400, 'invalid_body');
	assertError(await api.patch('/api/v1/contacts/424242', { name: 'X' }), 404, 'not_found');
	const moved = await api.patch(`/api/v1/contacts/${b.body.id}`, { phone: '1002' });
	assert.equal(moved.status, 200, moved.text);
	assert.equal((await api.get('/api/v1/contacts?phone=1002')).body.items[0].id, b.body.id);
	assertError(await api.get('/api/v1/contacts', { token: null }), 401, 'unauthorized');
});

// ---------------------------------------------------------------- traces, recordings

const CALL = 'f'.repeat(31) + '1';
const PLAIN = 'f'.repeat(31) + '2';

test('GET /api/v1/calls/{id}/trace: 404 for an unknown call', async () => {
	assertError(await api.get(`/api/v1/calls/${CALL}/trace`), 404, 'not_found');
	assertError(await api.get(`/api/v1/calls/${'a'.repeat(40)}/trace`), 404, 'not_found');
});

test('trace of a call that ran a flow, and of one that did not', { skip: sqlite3 ? false : 'needs sqlite3' },
	async () => {
		const T = Date.now() - 60000;
		sql('INSERT INTO calls (id, direction, state, from_party, to_party, did, created_at, flow_id, ' +
			`flow_version, contact_id) VALUES ('${CALL}', 'inbound', 'answered', '+15551234567', '+4930500', ` +
			`'+4930500', ${T}, 'ivr', 2, 1);` +
			'INSERT INTO calls (id, direction, state, from_party, to_party, created_at) VALUES ' +
			`('${PLAIN}', 'internal', 'ringing', '1001', '1002', ${T});` +
			'INSERT INTO call_trace VALUES ' +
			`('${CALL}', 1, 'menu', 'menu', '{"digits":"1","attempt":1}', 'ok', 'sales', ${T + 100}, ${T + 2600}),` +
			`('${CALL}', 0, 'hello', 'say', '{}', 'ok', 'menu', ${T}, ${T + 100}),` +
			`('${CALL}', 2, 'sales', 'queue', 'not json', 'queued', '', ${T + 2600}, ${T + 2600});`);
		const r = await api.get(`/api/v1/calls/${CALL}/trace`);
		assert.equal(r.status, 200, r.text);
		assertSchema('CallTrace', r.body);
		const iso = (ms) => new Date(ms).toISOString();
		assert.deepEqual(r.body, {
			call_id: CALL, flow_id: 'ivr', flow_version: 2,
			steps: [
				{ seq: 0, step: 'hello', action: 'say', input: {}, result: 'ok', next: 'menu',
					started_at: iso(T), ended_at: iso(T + 100), duration_ms: 100 },
				{ seq: 1, step: 'menu', action: 'menu', input: { digits: '1', attempt: 1 }, result: 'ok',
					next: 'sales', started_at: iso(T + 100), ended_at: iso(T + 2600), duration_ms: 2500 },
				{ seq: 2, step: 'sales', action: 'queue', input: { raw: 'not json' }, result: 'queued',
					next: null, started_at: iso(T + 2600), ended_at: iso(T + 2600), duration_ms: 0 },
			],
		});
		const c = await api.get(`/api/v1/calls/${CALL}`);
		assert.deepEqual([c.body.flow_id, c.body.flow_version, c.body.contact_id], ['ivr', 2, 1]);
		assertSchema('Call', c.body);

		const p = await api.get(`/api/v1/calls/${PLAIN}/trace`);
		assert.equal(p.status, 200, p.text);
		assert.deepEqual(p.body, { call_id: PLAIN, flow_id: null, flow_version: null, steps: [] });
		const pc = await api.get(`/api/v1/calls/${PLAIN}`);
		assert.deepEqual([pc.body.flow_id, pc.body.flow_version, pc.body.contact_id], [null, null, null]);
	});

test('recordings: none yet; unknown ids 404', async () => {
	const r = await api.get('/api/v1/recordings');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body, { items: [], next_cursor: null });
	assert.deepEqual((await api.get(`/api/v1/recordings?call_id=${CALL}`)).body, { items: [], next_cursor: null });
	assertError(await api.get('/api/v1/recordings/nope'), 404, 'not_found');
	assertError(await api.get('/api/v1/recordings/nope/audio'), 404, 'not_found');
	assertError(await api.get('/api/v1/recordings?cursor=x'), 400, 'invalid_query', 'cursor');
	assertError(await api.get('/api/v1/recordings', { token: null }), 401, 'unauthorized');
});

test('recordings: metadata, newest first, by call; the WAV itself', { skip: sqlite3 ? false : 'needs sqlite3' },
	async () => {
		const big = path.join(d.root, 'big.wav');
		await writeToneWav(big, { seconds: 120 });   // 1.9 MB: more than one send queue
		const T = Date.now() - 1000;
		sql('INSERT INTO recordings (id, call_id, path, duration_ms, bytes, created_at) VALUES ' +
			`('r-one', '${CALL}', '${wav}', 1000, 16044, ${T}),` +
			`('r-big', '${PLAIN}', '${big}', 120000, 1920044, ${T + 1}),` +
			`('r-gone', '${CALL}', '${path.join(d.root, 'gone.wav')}', 500, 8044, ${T + 2});`);
		const all = await api.get('/api/v1/recordings');
		assert.equal(all.status, 200, all.text);
		assert.deepEqual(all.body.items.map((x) => x.id), ['r-gone', 'r-big', 'r-one']);
		for (const x of all.body.items)
			assertSchema('Recording', x);
		const one = all.body.items[2];
		assert.deepEqual(one, { id: 'r-one', call_id: CALL, path: wav, duration_ms: 1000, bytes: 16044,
			created_at: new Date(T).toISOString() });
		const mine = await api.get(`/api/v1/recordings?call_id=${CALL}`);
		assert.deepEqual(mine.body.items.map((x) => x.id), ['r-gone', 'r-one']);
		const p1 = await api.get('/api/v1/recordings?limit=2');
		assert.deepEqual(p1.body.items.map((x) => x.id), ['r-gone', 'r-big']);
		const p2 = await api.get(`/api/v1/recordings?limit=2&cursor=${p1.body.next_cursor}`);
		assert.deepEqual(p2.body.items.map((x) => x.id), ['r-one']);
		assert.equal(p2.body.next_cursor, null);
		assert.deepEqual((await api.get('/api/v1/recordings/r-one')).body, one);

		for (const [id, file] of [['r-one', wav], ['r-big', big]]) {
			const res = await fetch(`${d.url}/api/v1/recordings/${id}/audio`,
				{ headers: { authorization: `Bearer ${d.token}` } });
			assert.equal(res.status, 200);
			assert.equal(res.headers.get('content-type'), 'audio/wav');
			assert.equal(res.headers.get('content-disposition'), `inline; filename="${id}.wav"`);
			const body = Buffer.from(await res.arrayBuffer());
			assert.ok(body.equals(await fs.readFile(file)), `${id}: the file's bytes`);
		}
		assertError(await api.get('/api/v1/recordings/r-gone/audio'), 404, 'file_missing');
	});

test('daemon shuts down cleanly', async () => {
	await stream.close();
	stream = null;
	await d.stop();
});
