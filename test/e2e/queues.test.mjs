// Queue CRUD and membership.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, assertError, createAgent, TS_RE } from './lib/daemon.mjs';

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

const DEFAULTS = {
	strategy: 'ring_all', offer_timeout_s: 20, wrap_up_s: 10, max_wait_s: 0,
	service_level_s: 20, tier_wait_s: 30, max_missed_offers: 3,
	join_empty: false, leave_empty: false,
	decline_delay_s: 0, moh_file: '', greeting: '', announce_s: 0, overflow: 'hangup', overflow_target: '',
};

const FIELDS = ['announce_s', 'created_at', 'decline_delay_s', 'greeting', 'id', 'join_empty',
	'leave_empty', 'max_missed_offers', 'max_wait_s', 'moh_file', 'name', 'offer_timeout_s', 'overflow',
	'overflow_target', 'service_level_s', 'strategy', 'tier_wait_s', 'updated_at', 'wrap_up_s'];

function assertQueue(q, expect) {
	assert.deepEqual(Object.keys(q).sort(), FIELDS);
	assert.match(q.created_at, TS_RE);
	assert.match(q.updated_at, TS_RE);
	const { created_at: c, updated_at: u, ...rest } = q;
	assert.deepEqual(rest, expect);
}

const queues = {};

test('create with defaults -> 201 + Location', async () => {
	const r = await api.post('/api/v1/queues', { id: 'sales', name: 'Sales' });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.headers.get('location'), '/api/v1/queues/sales');
	assertQueue(r.body, { id: 'sales', name: 'Sales', ...DEFAULTS });
	queues.sales = r.body;
});

test('create with every field set', async () => {
	const full = {
		id: 'support-2nd_line', name: 'Support 2nd line', strategy: 'longest_idle',
		offer_timeout_s: 5, wrap_up_s: 3600, max_wait_s: 86400, service_level_s: 1,
		tier_wait_s: 0, max_missed_offers: 100, join_empty: true, leave_empty: true,
		decline_delay_s: 3600, moh_file: '/usr/share/hotline/moh.wav', greeting: 'Hello',
		announce_s: 10, overflow: 'extension', overflow_target: '1001',
	};
	const r = await api.post('/api/v1/queues', full);
	assert.equal(r.status, 201, r.text);
	assertQueue(r.body, full);
	queues.support = r.body;
	for (const strategy of ['round_robin', 'least_calls', 'random', 'top_down', 'skills']) {
		const s = await api.post('/api/v1/queues', { id: `q-${strategy.replace('_', '-')}`, name: strategy, strategy });
		assert.equal(s.status, 201, s.text);
		assert.equal(s.body.strategy, strategy);
		assert.equal((await api.del(`/api/v1/queues/${s.body.id}`)).status, 204);
	}
});

test('duplicate id -> 409 queue_exists; bad values -> 422 invalid_value', async () => {
	const before = await api.all('/api/v1/queues');
	assertError(await api.post('/api/v1/queues', { id: 'sales', name: 'Again' }), 409, 'queue_exists');
	assertError(await api.post('/api/v1/queues', { id: 'x', name: 'X', strategy: 'fastest' }),
		422, 'invalid_value', 'strategy');
	assertError(await api.post('/api/v1/queues', { id: 'x', name: 'X', offer_timeout_s: 4 }),
		422, 'invalid_value', 'offer_timeout_s');
	assertError(await api.post('/api/v1/queues', { id: 'x', name: 'X', max_missed_offers: 101 }),
		422, 'invalid_value', 'max_missed_offers');
	assertError(await api.post('/api/v1/queues', { id: 'Sales', name: 'X' }), 422, 'invalid_value', 'id');
	assertError(await api.post('/api/v1/queues', { id: '-x', name: 'X' }), 422, 'invalid_value', 'id');
	assertError(await api.post('/api/v1/queues', { id: 'x'.repeat(64), name: 'X' }), 422, 'invalid_value', 'id');
	assertError(await api.post('/api/v1/queues', { id: 'x', name: '' }), 422, 'invalid_value', 'name');
	assertError(await api.post('/api/v1/queues', { id: 'x', name: 'X', join_empty: 1 }), 400, 'invalid_type', 'join_empty');
	assertError(await api.post('/api/v1/queues', { name: 'X' }), 400, 'missing_field', 'id');
	assert.deepEqual(await api.all('/api/v1/queues'), before, 'nothing changed');
});

test('list is ordered by id and paginates', async () => {
	const r0 = await api.post('/api/v1/queues', { id: 'billing', name: 'Billing' });
	assert.equal(r0.status, 201, r0.text);
	queues.billing = r0.body;
	const all = await api.get('/api/v1/queues');
	assert.equal(all.status, 200);
	assert.deepEqual(all.body.items.map((q) => q.id), ['billing', 'sales', 'support-2nd_line']);
	assert.equal(all.body.next_cursor, null);
	const p1 = await api.get('/api/v1/queues?limit=2');
	assert.deepEqual(p1.body.items.map((q) => q.id), ['billing', 'sales']);
	assert.equal(typeof p1.body.next_cursor, 'string');
	const p2 = await api.get(`/api/v1/queues?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
	assert.equal(p2.status, 200, p2.text);
	assert.deepEqual(p2.body.items.map((q) => q.id), ['support-2nd_line']);
	assert.equal(p2.body.next_cursor, null);
});

test('get, patch (any field but id), unknown queue 404', async () => {
	const g = await api.get('/api/v1/queues/sales');
	assert.equal(g.status, 200);
	assert.deepEqual(g.body, queues.sales);
	const p = await api.patch('/api/v1/queues/sales', { name: 'Sales EMEA', strategy: 'skills', wrap_up_s: 0, join_empty: true });
	assert.equal(p.status, 200, p.text);
	assertQueue(p.body, { ...DEFAULTS, id: 'sales', name: 'Sales EMEA', strategy: 'skills', wrap_up_s: 0, join_empty: true });
	assert.equal(p.body.created_at, queues.sales.created_at);
	assert.deepEqual((await api.get('/api/v1/queues/sales')).body, p.body);
	queues.sales = p.body;

	assertError(await api.patch('/api/v1/queues/sales', { strategy: 'nope' }), 422, 'invalid_value', 'strategy');
	const idp = await api.patch('/api/v1/queues/sales', { id: 'other' });
	assert.ok([400, 422].includes(idp.status), `PATCH id must be refused: ${idp.status} ${idp.text}`);
	assert.deepEqual((await api.get('/api/v1/queues/sales')).body, queues.sales, 'unchanged');
	assertError(await api.get('/api/v1/queues/nope'), 404, 'not_found');
	assertError(await api.patch('/api/v1/queues/nope', { name: 'x' }), 404, 'not_found');
	assertError(await api.del('/api/v1/queues/nope'), 404, 'not_found');
});

const agents = [];

test('members: add 201, update 200, ordered by tier, position, agent id', async () => {
	for (let i = 0; i < 4; i++)
		agents.push(await createAgent(api));
	const [a1, a2, a3, a4] = agents;
	const m = (id) => `/api/v1/queues/sales/members/${id}`;

	let r = await api.put(m(a1.id), {});
	assert.equal(r.status, 201, r.text);
	assert.deepEqual(Object.keys(r.body).sort(), ['agent_id', 'created_at', 'position', 'queue_id', 'tier']);
	assert.deepEqual({ ...r.body, created_at: 0 }, { queue_id: 'sales', agent_id: a1.id, tier: 1, position: 0, created_at: 0 });
	assert.match(r.body.created_at, TS_RE);
	const a1Created = r.body.created_at;

	r = await api.put(m(a2.id), { tier: 2 });
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.tier, 2);
	assert.equal(r.body.position, 0);

	r = await api.put(m(a3.id), { tier: 1, position: 5 });
	assert.equal(r.status, 201, r.text);

	// no body at all is allowed too
	r = await api.put(m(a4.id));
	assert.equal(r.status, 201, r.text);
	assert.equal(r.body.tier, 1);
	assert.equal(r.body.position, 0);

	// update a1: now ties with a3 on (tier 1, position 5)
	r = await api.put(m(a1.id), { tier: 1, position: 5 });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.body.position, 5);
	assert.equal(r.body.created_at, a1Created, 'created_at kept on update');

	const list = await api.get('/api/v1/queues/sales/members');
	assert.equal(list.status, 200, list.text);
	assert.deepEqual(list.body.items.map((x) => [x.agent_id, x.tier, x.position]), [
		[a4.id, 1, 0],
		[a1.id, 1, 5],
		[a3.id, 1, 5],
		[a2.id, 2, 0],
	]);
	for (const x of list.body.items)
		assert.equal(x.queue_id, 'sales');

	const other = await api.get('/api/v1/queues/billing/members');
	assert.deepEqual(other.body.items, [], 'other queues unaffected');
});

test('members: bad values 422, unknown queue/agent 404', async () => {
	const before = (await api.get('/api/v1/queues/sales/members')).body;
	const a = agents[0];
	assertError(await api.put(`/api/v1/queues/sales/members/${a.id}`, { tier: 11 }), 422, 'invalid_value', 'tier');
	assertError(await api.put(`/api/v1/queues/sales/members/${a.id}`, { tier: 0 }), 422, 'invalid_value', 'tier');
	assertError(await api.put(`/api/v1/queues/sales/members/${a.id}`, { position: 1000001 }), 422, 'invalid_value', 'position');
	assertError(await api.put(`/api/v1/queues/sales/members/${a.id}`, { tier: '1' }), 400, 'invalid_type', 'tier');
	assertError(await api.put('/api/v1/queues/sales/members/999999', {}), 404, 'not_found');
	assertError(await api.put('/api/v1/queues/sales/members/abc', {}), 404, 'not_found');
	assertError(await api.put(`/api/v1/queues/nope/members/${a.id}`, {}), 404, 'not_found');
	assertError(await api.get('/api/v1/queues/nope/members'), 404, 'not_found');
	assert.deepEqual((await api.get('/api/v1/queues/sales/members')).body, before, 'nothing changed');
});

test('members: remove 204, then 404', async () => {
	const a3 = agents[2];
	const r = await api.del(`/api/v1/queues/sales/members/${a3.id}`);
	assert.equal(r.status, 204, r.text);
	assert.equal(r.text, '');
	assertError(await api.del(`/api/v1/queues/sales/members/${a3.id}`), 404, 'not_found');
	assertError(await api.del(`/api/v1/queues/billing/members/${a3.id}`), 404, 'not_found');
	const list = await api.get('/api/v1/queues/sales/members');
	assert.deepEqual(list.body.items.map((x) => x.agent_id), [agents[3].id, agents[0].id, agents[1].id]);
	// re-adding is a fresh 201
	const again = await api.put(`/api/v1/queues/sales/members/${a3.id}`, { tier: 3 });
	assert.equal(again.status, 201, again.text);
});

/** Event types and data on queue:<id> after seq, from the history. */
async function queueEvents(id, since) {
	const r = await api.get(`/api/v1/events?topics=queue:${id}&since=${since}&limit=500`);
	assert.equal(r.status, 200, r.text);
	return r.body.items.map((e) => [e.type, e.data]);
}

async function lastSeq() {
	const r = await api.get('/api/v1/events?limit=500');
	let items = r.body.items;
	let cursor = r.body.next_cursor;
	while (cursor) {
		const n = await api.get(`/api/v1/events?limit=500&cursor=${cursor}`);
		items = n.body.items.length ? n.body.items : items;
		cursor = n.body.next_cursor;
	}
	return items.length ? items[items.length - 1].seq : 0;
}

test('deleting an agent removes its memberships; deleting a queue -> 204 then 404', async () => {
	const a2 = agents[1];
	const members = (await api.get('/api/v1/queues/sales/members')).body.items;
	assert.ok(members.some((x) => x.agent_id === a2.id), 'a2 is a member before');
	let since = await lastSeq();
	assert.equal((await api.del(`/api/v1/agents/${a2.id}`)).status, 204);
	const list = await api.get('/api/v1/queues/sales/members');
	assert.ok(!list.body.items.some((x) => x.agent_id === a2.id), 'membership of a deleted agent is gone');
	assert.deepEqual(await queueEvents('sales', since),
		[['queue.member_removed', { queue_id: 'sales', agent_id: a2.id }]],
		'the cascade is announced on the queue');

	since = await lastSeq();
	const r = await api.del('/api/v1/queues/sales');
	assert.equal(r.status, 204, r.text);
	assert.deepEqual(await queueEvents('sales', since), [
		...list.body.items.map((m) => ['queue.member_removed', { queue_id: 'sales', agent_id: m.agent_id }]),
		['queue.deleted', { id: 'sales' }],
	], 'each remaining member is removed, then the queue');
	assertError(await api.get('/api/v1/queues/sales'), 404, 'not_found');
	assertError(await api.get('/api/v1/queues/sales/members'), 404, 'not_found');
	assertError(await api.del('/api/v1/queues/sales'), 404, 'not_found');
	const all = await api.get('/api/v1/queues');
	assert.deepEqual(all.body.items.map((q) => q.id), ['billing', 'support-2nd_line']);
	// the id can be used again
	const again = await api.post('/api/v1/queues', { id: 'sales', name: 'Sales again' });
	assert.equal(again.status, 201, again.text);
	assert.deepEqual((await api.get('/api/v1/queues/sales/members')).body.items, [], 'no stale members');
});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
