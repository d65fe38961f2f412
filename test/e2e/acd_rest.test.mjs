// The ACD's REST surface without telephony: the queue settings of the
// caller's experience and overflow (defaults, round trip, every
// validation error), DIDs leading to a queue, live stats of a queue
// (members counted by state, the queue.stats event), the wrap-up
// endpoint's errors, and the calls filter by queue.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	startDaemon, assertError, agentAction, createAgent, createQueue, until,
} from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

let d;
let api;

before(async () => {
	d = await startDaemon();
	api = d.api;
});

after(async () => {
	if (d)
		await d.cleanup();
});

const ACD_DEFAULTS = {
	decline_delay_s: 0, moh_file: '', greeting: '', announce_s: 0, overflow: 'hangup', overflow_target: '',
};

const ZERO_TODAY = {
	offered: 0, answered: 0, abandoned: 0, overflowed: 0, answered_within_sl: 0,
	service_level: 1, asa_ms: 0, aht_ms: 0, abandoned_wait_ms: 0,
};

test('a new queue has the ACD defaults; every setting round-trips', async () => {
	const q = await createQueue(api, 'defaults');
	for (const [k, v] of Object.entries(ACD_DEFAULTS))
		assert.deepEqual(q[k], v, `default ${k}`);

	await createQueue(api, 'support');
	const body = {
		id: 'full', name: 'Full', decline_delay_s: 3600, moh_file: '/var/lib/hotline/moh/jazz.wav',
		greeting: 'Welcome to Hotline — « support » ☎', announce_s: 10, overflow: 'queue',
		overflow_target: 'support',
	};
	const r = await api.post('/api/v1/queues', body);
	assert.equal(r.status, 201, r.text);
	for (const [k, v] of Object.entries(body))
		assert.deepEqual(r.body[k], v, `created ${k}`);
	const g = await api.get('/api/v1/queues/full');
	assert.equal(g.status, 200);
	assert.deepEqual(g.body, r.body, 'GET = POST reply');
	const list = await api.all('/api/v1/queues');
	assert.deepEqual(list.find((x) => x.id === 'full'), r.body, 'the list shows the same');

	// the longest values
	const long = { moh_file: `/${'m'.repeat(254)}`, greeting: 'g'.repeat(255), overflow: 'hangup',
		overflow_target: 't'.repeat(255) };
	const p = await api.patch('/api/v1/queues/full', long);
	assert.equal(p.status, 200, p.text);
	for (const [k, v] of Object.entries(long))
		assert.equal(p.body[k], v, `longest ${k}`);
	assert.equal(p.body.decline_delay_s, 3600, 'untouched setting kept');
});

test('PATCH: overflow and its target; a new overflow without a target clears it', async () => {
	await createQueue(api, 'ovf');
	let r = await api.patch('/api/v1/queues/ovf', { overflow: 'extension', overflow_target: '1001' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.overflow, 'extension');
	assert.equal(r.body.overflow_target, '1001');
	r = await api.patch('/api/v1/queues/ovf', { overflow_target: 'sales.desk+2' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.overflow_target, 'sales.desk+2');
	r = await api.patch('/api/v1/queues/ovf', { overflow: 'hangup' });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual([r.body.overflow, r.body.overflow_target], ['hangup', ''], 'target cleared');
	r = await api.patch('/api/v1/queues/ovf', { overflow_target: 'Sorry, we are closed.' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.overflow_target, 'Sorry, we are closed.');
	r = await api.patch('/api/v1/queues/ovf', { overflow: 'hangup' });   // same action: kept
	assert.equal(r.body.overflow_target, 'Sorry, we are closed.');
	r = await api.patch('/api/v1/queues/ovf', { overflow: 'queue', overflow_target: 'support' });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual([r.body.overflow, r.body.overflow_target], ['queue', 'support']);
	r = await api.patch('/api/v1/queues/ovf', { announce_s: 0, decline_delay_s: 7, moh_file: '', greeting: '' });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.decline_delay_s, 7);
	assert.equal(r.body.overflow_target, 'support', 'other fields keep the target');
});

// [body, status, code, field, createOnly]; each is tried on create (with
// an id and a name) and, unless createOnly, on PATCH of queue 'val'
// (overflow extension to 1001), which must stay unchanged
const BAD = [
	[{ decline_delay_s: -1 }, 422, 'invalid_value', 'decline_delay_s'],
	[{ decline_delay_s: 3601 }, 422, 'invalid_value', 'decline_delay_s'],
	[{ decline_delay_s: '5' }, 400, 'invalid_type', 'decline_delay_s'],
	[{ decline_delay_s: 1.5 }, 400, 'invalid_type', 'decline_delay_s'],
	[{ moh_file: 'moh.wav' }, 422, 'invalid_value', 'moh_file'],
	[{ moh_file: './moh.wav' }, 422, 'invalid_value', 'moh_file'],
	[{ moh_file: `/${'m'.repeat(255)}` }, 422, 'invalid_value', 'moh_file'],
	[{ moh_file: null }, 400, 'invalid_type', 'moh_file'],
	[{ greeting: 'g'.repeat(256) }, 422, 'invalid_value', 'greeting'],
	[{ greeting: 'é'.repeat(128) }, 422, 'invalid_value', 'greeting'],   // 256 bytes
	[{ greeting: 42 }, 400, 'invalid_type', 'greeting'],
	[{ announce_s: 1 }, 422, 'invalid_value', 'announce_s'],
	[{ announce_s: 9 }, 422, 'invalid_value', 'announce_s'],
	[{ announce_s: 3601 }, 422, 'invalid_value', 'announce_s'],
	[{ announce_s: -10 }, 422, 'invalid_value', 'announce_s'],
	[{ announce_s: true }, 400, 'invalid_type', 'announce_s'],
	[{ overflow: 'voicemail' }, 422, 'invalid_value', 'overflow'],
	[{ overflow: 'Hangup' }, 422, 'invalid_value', 'overflow'],
	[{ overflow: '' }, 422, 'invalid_value', 'overflow'],
	[{ overflow: 1 }, 400, 'invalid_type', 'overflow'],
	[{ overflow: 'queue' }, 422, 'invalid_value', 'overflow_target'],
	[{ overflow: 'queue', overflow_target: '' }, 422, 'invalid_value', 'overflow_target'],
	[{ overflow: 'queue', overflow_target: 'nope' }, 422, 'unknown_queue', 'overflow_target'],
	[{ overflow: 'queue', overflow_target: 'Not A Queue' }, 422, 'unknown_queue', 'overflow_target'],
	// on 'val' the same overflow keeps its valid target
	[{ overflow: 'extension' }, 422, 'invalid_value', 'overflow_target', true],
	[{ overflow: 'extension', overflow_target: '10 01' }, 422, 'invalid_value', 'overflow_target'],
	[{ overflow: 'extension', overflow_target: 'x'.repeat(32) }, 422, 'invalid_value', 'overflow_target'],
	[{ overflow: 'hangup', overflow_target: 't'.repeat(256) }, 422, 'invalid_value', 'overflow_target'],
	[{ overflow_target: ['support'] }, 400, 'invalid_type', 'overflow_target'],
];

test('every invalid ACD setting is refused with its field, on create and on PATCH', async () => {
	const before = await createQueue(api, 'val', { overflow: 'extension', overflow_target: '1001' });
	for (const [i, [body, status, code, field, createOnly]] of BAD.entries()) {
		const c = await api.post('/api/v1/queues', { id: `bad${i}`, name: 'Bad', ...body });
		assertError(c, status, code, field);
		assertError(await api.get(`/api/v1/queues/bad${i}`), 404, 'not_found');
		if (!createOnly)
			assertError(await api.patch('/api/v1/queues/val', body), status, code, field);
	}
	assert.deepEqual((await api.get('/api/v1/queues/val')).body, before, 'the queue is unchanged');
	// a bare target is checked against the current overflow
	assertError(await api.patch('/api/v1/queues/val', { overflow_target: 'no spaces allowed' }), 422,
		'invalid_value', 'overflow_target');
	assert.deepEqual((await api.get('/api/v1/queues/val')).body, before, 'still unchanged');
});

test('overflow to a queue: not to itself, and never around in a loop', async () => {
	await createQueue(api, 'la');
	await createQueue(api, 'lb', { overflow: 'queue', overflow_target: 'la' });
	await createQueue(api, 'lc', { overflow: 'queue', overflow_target: 'lb' });
	assertError(await api.post('/api/v1/queues', { id: 'self', name: 'Self', overflow: 'queue',
		overflow_target: 'self' }), 422, 'invalid_value', 'overflow_target');
	assertError(await api.patch('/api/v1/queues/la', { overflow: 'queue', overflow_target: 'la' }), 422,
		'invalid_value', 'overflow_target');
	// la -> lb -> la, and la -> lc -> lb -> la
	assertError(await api.patch('/api/v1/queues/la', { overflow: 'queue', overflow_target: 'lb' }), 422,
		'invalid_value', 'overflow_target');
	const loop = await api.patch('/api/v1/queues/la', { overflow: 'queue', overflow_target: 'lc' });
	assertError(loop, 422, 'invalid_value', 'overflow_target');
	assert.match(loop.body.error.message, /lc/);
	assert.equal((await api.get('/api/v1/queues/la')).body.overflow, 'hangup', 'la unchanged');
	// a chain that ends elsewhere is fine
	const ok = await api.patch('/api/v1/queues/la', { overflow: 'queue', overflow_target: 'support' });
	assert.equal(ok.status, 200, ok.text);
	// the target may be deleted later: the queue keeps it (overflowing
	// to a queue that is gone is the ACD's business at that moment)
	assert.equal((await api.del('/api/v1/queues/lc')).status, 204);
	assert.equal((await api.get('/api/v1/queues/lb')).body.overflow_target, 'la');
	assert.equal((await api.del('/api/v1/queues/la')).status, 204);
	const lb = await api.get('/api/v1/queues/lb');
	assert.deepEqual([lb.body.overflow, lb.body.overflow_target], ['queue', 'la']);
	// ...but it cannot be written again while it does not exist
	assertError(await api.patch('/api/v1/queues/lb', { name: 'Renamed' }), 422, 'unknown_queue', 'overflow_target');
});

test('DIDs lead to a queue: it must exist', async () => {
	const long = `q${'x'.repeat(62)}`;   // a 63-byte queue id: longer than any extension
	await createQueue(api, long);
	let r = await api.post('/api/v1/dids', { number: '+4930555', name: 'Support line', target_type: 'queue',
		target: 'support' });
	assert.equal(r.status, 201, r.text);
	assert.deepEqual([r.body.target_type, r.body.target], ['queue', 'support']);
	assert.deepEqual((await api.get('/api/v1/dids/+4930555')).body, r.body);
	r = await api.post('/api/v1/dids', { number: '+4930556', name: 'Long', target_type: 'queue', target: long });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.target, long);

	assertError(await api.post('/api/v1/dids', { number: '+4930557', name: 'X', target_type: 'queue',
		target: 'nope' }), 422, 'unknown_queue', 'target');
	assertError(await api.post('/api/v1/dids', { number: '+4930557', name: 'X', target_type: 'queue',
		target: 'Bad.Id' }), 422, 'unknown_queue', 'target');
	assertError(await api.post('/api/v1/dids', { number: '+4930557', name: 'X', target_type: 'flow',
		target: 'support' }), 422, 'unknown_flow', 'target');
	assertError(await api.post('/api/v1/dids', { number: '+4930557', name: 'X', target: long }), 422,
		'invalid_value', 'target');   // an extension is at most 31 bytes
	assertError(await api.post('/api/v1/dids', { number: '+4930557', name: 'X', target_type: 'queue',
		target: `${long}y` }), 422, 'invalid_value', 'target');
	assertError(await api.get('/api/v1/dids/+4930557'), 404, 'not_found');

	// PATCH: to an extension and back; a type change checks the current
	// target as the new type
	r = await api.post('/api/v1/dids', { number: '+4930558', name: 'Ext', target: '1001' });
	assert.equal(r.status, 201, r.text);
	assertError(await api.patch('/api/v1/dids/+4930558', { target_type: 'queue' }), 422, 'unknown_queue',
		'target');
	r = await api.patch('/api/v1/dids/+4930558', { target_type: 'queue', target: 'support' });
	assert.equal(r.status, 200, r.text);
	assert.deepEqual([r.body.target_type, r.body.target], ['queue', 'support']);
	assertError(await api.patch('/api/v1/dids/+4930558', { target: 'nope' }), 422, 'unknown_queue', 'target');
	r = await api.patch('/api/v1/dids/+4930558', { target_type: 'extension' });   // 'support' is an extension too
	assert.equal(r.status, 200, r.text);
	assert.deepEqual([r.body.target_type, r.body.target], ['extension', 'support']);
	assert.equal((await api.get('/api/v1/dids/+4930558')).body.target_type, 'extension');

	// deleting the queue keeps the DID (and its target)
	await createQueue(api, 'gone');
	r = await api.post('/api/v1/dids', { number: '+4930559', name: 'Gone', target_type: 'queue', target: 'gone' });
	assert.equal(r.status, 201, r.text);
	assert.equal((await api.del('/api/v1/queues/gone')).status, 204);
	assert.deepEqual((await api.get('/api/v1/dids/+4930559')).body, r.body);
});

test('stats: a fresh queue is all zeros; members are counted by state, live and in queue.stats', async () => {
	await createQueue(api, 'st', { service_level_s: 15 });
	const fresh = await api.get('/api/v1/queues/st/stats');
	assert.equal(fresh.status, 200, fresh.text);
	assert.match(fresh.headers.get('content-type'), /^application\/json/);
	assert.deepEqual(fresh.body, {
		queue_id: 'st', waiting: 0, ringing: 0, longest_wait_ms: 0,
		agents: { logged_out: 0, not_ready: 0, idle: 0, offered: 0, busy: 0, wrap_up: 0 },
		today: ZERO_TODAY,
	});

	const s = await openStream(d, { topics: 'queue:st' });
	const out = await createAgent(api);
	const paused = await createAgent(api);
	const ready = await createAgent(api);
	const other = await createAgent(api);   // not a member: not counted
	for (const a of [out, paused, ready])
		assert.equal((await api.put(`/api/v1/queues/st/members/${a.id}`, {})).status, 201);
	await agentAction(api, paused.id, 'login');
	await agentAction(api, ready.id, 'login');
	await agentAction(api, ready.id, 'ready');
	await agentAction(api, other.id, 'login');

	const want = {
		queue_id: 'st', waiting: 0, ringing: 0, longest_wait_ms: 0,
		agents: { logged_out: 1, not_ready: 1, idle: 1, offered: 0, busy: 0, wrap_up: 0 },
		today: ZERO_TODAY,
	};
	const got = await until(async () => {
		const r = await api.get('/api/v1/queues/st/stats');
		assert.equal(r.status, 200, r.text);
		return JSON.stringify(r.body) === JSON.stringify(want) && r;
	}, { what: `stats ${JSON.stringify(want)}` });
	assert.deepEqual(got.body, want);
	// the event carries the same object (at most once a second: wait)
	const ev = await s.waitFor((m) => m.type === 'queue.stats' &&
		JSON.stringify(m.data) === JSON.stringify(want), 3000, { what: 'queue.stats with the members' });
	assert.deepEqual(ev.msg.topics, ['queue:st']);
	await s.close();

	// a member leaving is counted out
	assert.equal((await api.del(`/api/v1/queues/st/members/${ready.id}`)).status, 204);
	await until(async () => (await api.get('/api/v1/queues/st/stats')).body.agents.idle === 0,
		{ what: 'idle 0 after the member left' });
	const after = (await api.get('/api/v1/queues/st/stats')).body;
	assert.deepEqual(after.agents, { logged_out: 1, not_ready: 1, idle: 0, offered: 0, busy: 0, wrap_up: 0 });

	for (const a of [paused, ready, other])
		await agentAction(api, a.id, 'logout');
});

test('stats of unknown queues are 404', async () => {
	assertError(await api.get('/api/v1/queues/nope/stats'), 404, 'not_found');
	assertError(await api.get('/api/v1/queues/Bad%20Id/stats'), 404, 'not_found');
	assertError(await api.post('/api/v1/queues/support/stats', {}), 405, 'method_not_allowed');
});

test('wrap_up: 409 for an agent not in wrap-up, 404 for unknown agents, 400/422 for bad bodies', async () => {
	const a = await createAgent(api);
	const url = `/api/v1/agents/${a.id}/wrap_up`;
	assertError(await api.post(url, { action: 'end' }), 409, 'not_in_wrap_up');
	assertError(await api.post(url, { action: 'extend', seconds: 30 }), 409, 'not_in_wrap_up');
	await agentAction(api, a.id, 'login');
	await agentAction(api, a.id, 'ready');
	assertError(await api.post(url, { action: 'end' }), 409, 'not_in_wrap_up');
	assertError(await api.post(url, { action: 'extend', seconds: 3600 }), 409, 'not_in_wrap_up');
	const g = await api.get(`/api/v1/agents/${a.id}`);
	assert.equal(g.body.state.status, 'ready', 'nothing changed');
	assert.equal(g.body.state.activity.voice, 'idle');

	assertError(await api.post('/api/v1/agents/424242/wrap_up', { action: 'end' }), 404, 'not_found');
	assertError(await api.post('/api/v1/agents/abc/wrap_up', { action: 'end' }), 404, 'not_found');
	assertError(await api.post('/api/v1/agents/0/wrap_up', { action: 'end' }), 404, 'not_found');
	assertError(await api.get(url), 405, 'method_not_allowed');

	assertError(await api.post(url, {}), 400, 'missing_field', 'action');
	assertError(await api.post(url, { action: 'extend' }), 400, 'missing_field', 'seconds');
	assertError(await api.post(url, { action: 5 }), 400, 'invalid_type', 'action');
	assertError(await api.post(url, { action: 'end', why: 'x' }), 400, 'unknown_field', 'why');
	assertError(await api.post(url, { action: 'extend', seconds: '30' }), 400, 'invalid_type', 'seconds');
	assertError(await api.post(url, undefined, { raw: '[]', contentType: 'application/json' }), 400,
		'invalid_body');
	assertError(await api.post(url, undefined, { raw: '{"action":', contentType: 'application/json' }), 400,
		'invalid_json');
	assertError(await api.post(url, undefined, { raw: '{"action":"end"}', contentType: 'text/plain' }), 415,
		'unsupported_media_type');
	assertError(await api.post(url, { action: 'pause' }), 422, 'invalid_value', 'action');
	assertError(await api.post(url, { action: '' }), 422, 'invalid_value', 'action');
	assertError(await api.post(url, { action: 'extend', seconds: 0 }), 422, 'invalid_value', 'seconds');
	assertError(await api.post(url, { action: 'extend', seconds: 3601 }), 422, 'invalid_value', 'seconds');
	assertError(await api.post(url, { action: 'end', seconds: 10 }), 422, 'invalid_value', 'seconds');
	await agentAction(api, a.id, 'logout');
});

test('calls filter by queue_id', async () => {
	const r = await api.get('/api/v1/calls?queue_id=support');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body, { items: [], next_cursor: null });
	assertError(await api.get(`/api/v1/calls?queue_id=${'q'.repeat(64)}`), 400, 'invalid_query', 'queue_id');
	assertError(await api.get('/api/v1/calls?queue_id=%ZZ'), 400, 'invalid_query', 'queue_id');
});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
