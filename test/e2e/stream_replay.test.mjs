// Stream replay: a subscriber that reconnects with since=<last seq> gets
// exactly what it missed, then live events; topic filters; the history
// endpoint agrees with the stream.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	startDaemon, createAgent, createQueue, agentAction, eventMatches, until, sleep,
} from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

let d;
let api;
let A;            // '*' subscriber connected before anything happened
let liveAgents;   // 'agent:*' live
let liveSales;    // 'queue:sales' live
const streams = [];
let x;            // an agent

before(async () => {
	d = await startDaemon();
	api = d.api;
	A = await openStream(d, { topics: '*', label: 'A' });
	liveAgents = await openStream(d, { topics: 'agent:*', label: 'live agent:*' });
	liveSales = await openStream(d, { topics: 'queue:sales', label: 'live queue:sales' });
	streams.push(A, liveAgents, liveSales);
});

after(async () => {
	for (const s of streams)
		s.terminate();
	if (d)
		await d.cleanup();
});

// Topics chosen to trap sloppy matching: "agent" is not "agent:*",
// "queue:sales2" is not "queue:sales".
const TOPICS = ['queue:sales', 'queue:sales2', 'queue:support', 'agent', 'agent:ext', 'tenant:a:b', 'other'];

async function publish(events) {
	const r = await api.post('/api/v1/events', { events });
	assert.equal(r.status, 202, r.text);
	assert.equal(r.body.seqs.length, events.length);
	for (let i = 1; i < r.body.seqs.length; i++)
		assert.ok(r.body.seqs[i] > r.body.seqs[i - 1], 'batch seqs increase');
	return r.body.seqs;
}

async function publishOne(type, topics, data) {
	const body = data === undefined ? { type, topics } : { type, topics, data };
	const r = await api.post('/api/v1/events', body);
	assert.equal(r.status, 202, r.text);
	assert.equal(r.body.seqs.length, 1);
	return r.body.seqs[0];
}

function batch(name, n, extraTopics = []) {
	const out = [];
	for (let i = 0; i < n; i++) {
		const topics = [TOPICS[i % TOPICS.length]];
		if (i % 3 === 0)
			topics.push(TOPICS[(i + 2) % TOPICS.length]);
		if (extraTopics.length && i % 4 === 0)
			topics.push(...extraTopics);
		out.push({ type: `custom.${name}`, topics: [...new Set(topics)], data: { i, name, pad: 'x'.repeat(i * 7) } });
	}
	return out;
}

function assertStrictlyIncreasing(seqs, label) {
	for (let i = 1; i < seqs.length; i++)
		assert.ok(seqs[i] > seqs[i - 1], `${label}: seq ${seqs[i]} after ${seqs[i - 1]} (index ${i})`);
}

let B1;
let B2;
let lastB;

test('published custom events reach a live subscriber as exact envelopes', async () => {
	x = await createAgent(api, { name: 'Replay' });
	await createQueue(api, 'sales');
	const put = await api.put(`/api/v1/queues/sales/members/${x.id}`, {});
	assert.equal(put.status, 201, put.text);
	B1 = await openStream(d, { topics: '*', label: 'B1' });
	streams.push(B1);
	const seqs = await publish(batch('first', 20, [`agent:${x.id}`]));
	const one = await publishOne('custom.single', ['other'], { hello: 'world', n: 1.5, list: [1, 'two', null] });
	const noData = await publishOne('custom.no_data', ['other']);
	const m = await A.waitForSeq(one);
	assert.deepEqual(Object.keys(m.msg), ['seq', 'type', 'at', 'topics', 'data'], 'envelope key order');
	assert.deepEqual(m.msg.data, { hello: 'world', n: 1.5, list: [1, 'two', null] });
	assert.deepEqual(m.msg.topics, ['other']);
	const nd = await A.waitForSeq(noData);
	assert.deepEqual(nd.msg.data, {}, 'data defaults to {}');
	await B1.waitForSeq(noData);
	for (const s of seqs)
		assert.ok(A.seqs.includes(s), `A got ${s}`);
});

test('custom types may contain digits (custom.[a-z0-9_]+), singly and in batches', async () => {
	const one = await api.post('/api/v1/events', { type: 'custom.v2', topics: ['digits'] });
	assert.equal(one.status, 202, `custom.v2: ${one.text}`);
	const before1 = await api.all('/api/v1/events?topics=digits');
	const b = await api.post('/api/v1/events', { events: [
		{ type: 'custom.a', topics: ['digits'] }, { type: 'custom.b_2', topics: ['digits'] }] });
	assert.equal(b.status, 202, `batch with custom.b_2: ${b.text}`);
	const after1 = await api.all('/api/v1/events?topics=digits');
	assert.equal(after1.length - before1.length, 2, 'the whole batch was published');
	await A.waitForSeq(b.body.seqs[1]);
});

test('a batch takes up to 1000 events; 1001 is refused and publishes nothing', async () => {
	const mk = (n) => Array.from({ length: n }, (_, i) => ({ type: 'custom.bulk', topics: ['bulk'], data: { i } }));
	const before1 = (await api.all('/api/v1/events?topics=bulk')).length;
	const r = await api.post('/api/v1/events', { events: mk(1001) });
	assert.equal(r.status, 422, r.text);
	assert.equal(r.body.error.code, 'invalid_value');
	assert.equal((await api.all('/api/v1/events?topics=bulk')).length, before1, 'nothing published');
	const seqs = await publish(mk(1000));
	await A.waitForSeq(seqs[999], 5000);
	const got = A.events.filter((e) => e.topics[0] === 'bulk').map((e) => e.data.i);
	assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i), 'in request order');
});

test('B disconnects, events continue, B reconnects with since and gets exactly the missed ones then live', async () => {
	// B1 may still be receiving the previous test's events: the last seq
	// it saw is known only once it is closed
	await B1.close();
	lastB = B1.seqs[B1.seqs.length - 1];

	// B is away: agent changes, queue changes, a batch
	await agentAction(api, x.id, 'login');
	await agentAction(api, x.id, 'ready');
	await publish(batch('offline', 30, [`agent:${x.id}`]));
	const y = await createAgent(api, { name: 'Offline' });
	const pq = await api.patch('/api/v1/queues/sales', { name: 'Sales!' });
	assert.equal(pq.status, 200);
	await agentAction(api, x.id, 'not_ready', 'lunch');
	assert.equal((await api.put(`/api/v1/queues/sales/members/${y.id}`, { tier: 2 })).status, 201);

	// a background publisher keeps going while B reconnects and replays
	let stop = false;
	const loopSeqs = [];
	const loop = (async () => {
		for (let i = 0; !stop; i++) {
			const seq = await publishOne('custom.tick', [i % 2 ? 'queue:sales' : 'tick', `agent:${x.id}`], { i });
			loopSeqs.push(seq);
		}
	})();
	await until(() => loopSeqs.length >= 10, { what: 'background publishing' });
	B2 = await openStream(d, { topics: '*', since: lastB, label: 'B2' });
	streams.push(B2);
	const n0 = loopSeqs.length;
	await until(() => loopSeqs.length >= n0 + 60, { timeoutMs: 10000, what: 'publishing during replay' });
	stop = true;
	await loop;
	const marker = await publishOne('custom.marker', ['marker']);
	await A.waitForSeq(marker, 5000);
	await B2.waitForSeq(marker, 5000);

	const b2 = B2.seqs;
	assert.ok(b2[0] > lastB, 'replay starts after since');
	assertStrictlyIncreasing(b2, 'B2');
	assert.equal(new Set(b2).size, b2.length, 'no duplicate');
	const aAfter = A.events.filter((e) => e.seq > lastB);
	assert.deepEqual(b2, aAfter.map((e) => e.seq), 'B2 saw exactly what A saw after since');
	assert.deepEqual(B2.events, aAfter, 'same envelopes');
	assert.deepEqual([...B1.seqs, ...b2], A.seqs.filter((s) => s >= B1.seqs[0]),
		'B1 + B2 == A (from B1\'s first event): no gap, no duplicate');
	for (const s of loopSeqs)
		assert.ok(b2.includes(s), `loop event ${s} reached B2`);
	// the raw text frames are the same bytes for everyone
	const rawA = new Map(A.messages.map((m) => [m.msg.seq, m.raw]));
	for (const m of B2.messages)
		assert.equal(m.raw, rawA.get(m.msg.seq), `same bytes for seq ${m.msg.seq}`);
});

test('A (connected first) saw the whole history, in order', async () => {
	assertStrictlyIncreasing(A.seqs, 'A');
	const hist = await api.all('/api/v1/events', { limit: 37 });
	assert.deepEqual(A.events, hist, 'stream == GET /api/v1/events');
	const types = new Set(hist.map((e) => e.type));
	for (const t of ['agent.created', 'queue.created', 'queue.member_added', 'agent.state_changed',
		'queue.updated', 'custom.first', 'custom.tick'])
		assert.ok(types.has(t), `history has ${t}`);
	const sc = hist.find((e) => e.type === 'agent.state_changed');
	assert.deepEqual(sc.topics, [`agent:${x.id}`, 'queue:sales'], 'state_changed goes to the member queues too');
});

test('live topic filters: agent:* and queue:sales', async () => {
	for (const [s, pats] of [[liveAgents, ['agent:*']], [liveSales, ['queue:sales']]]) {
		const expected = A.events.filter((e) => eventMatches(pats, e));
		assert.ok(expected.length > 10 && expected.length < A.events.length, `${pats} is a real filter`);
		await s.waitForSeq(expected[expected.length - 1].seq, 3000);
		assert.deepEqual(s.events, expected, `${pats}`);
	}
	assert.ok(A.events.some((e) => e.topics.includes('agent') && !e.topics.some((t) => t.startsWith('agent:'))),
		'the data has an "agent" topic that agent:* must not match');
	assert.ok(!liveAgents.events.some((e) => !e.topics.some((t) => t.startsWith('agent:'))),
		'"agent" is not matched by agent:*');
	assert.ok(!liveSales.events.some((e) => !e.topics.includes('queue:sales')), 'queue:sales2 is not queue:sales');
});

const FILTERS = () => [
	['agent:*'],
	['queue:sales'],
	[`agent:${x.id}`],
	['queue:sales', 'agent:*'],
	['queue:*', 'tenant:*'],
	['tenant:a:b'],
	['nothing-matches'],
	['*'],
];

// queue.stats follows a change by up to a second (a timer): wait until the
// history stops growing before taking it as the reference
async function settledHistory() {
	let hist = await api.all('/api/v1/events');
	for (let i = 0; i < 10; i++) {
		await sleep(1300);
		const now = await api.all('/api/v1/events');
		if (now.length === hist.length)
			return now;
		hist = now;
	}
	assert.fail('the event history kept growing');
}

test('replay from since=0 with filters == GET /api/v1/events with the same filters', async () => {
	const hist = await settledHistory();
	const subs = [];
	for (const pats of FILTERS()) {
		const s = await openStream(d, { topics: pats, since: 0, label: `replay ${pats}` });
		streams.push(s);
		subs.push([pats, s]);
	}
	await Promise.all(subs.map(async ([pats, s]) => {
		const expected = hist.filter((e) => eventMatches(pats, e));
		if (expected.length)
			await s.waitForSeq(expected[expected.length - 1].seq, 5000);
		await s.expectQuiet(150);
		assert.deepEqual(s.events, expected, `stream ${pats}`);
		const q = encodeURIComponent(pats.join(','));
		const viaRest = await api.all(`/api/v1/events?topics=${q}`, { limit: 7 });
		assert.deepEqual(viaRest, expected, `GET /events?topics=${pats}`);
	}));
	for (const [, s] of subs)
		await s.close();
});

test('history pages: next_cursor is the last seq, null at the newest; cursor == since', async () => {
	const hist = await api.all('/api/v1/events');
	const newest = hist[hist.length - 1].seq;
	const mid = hist[Math.floor(hist.length / 2)].seq;

	const p = await api.get(`/api/v1/events?since=${mid}&limit=5`);
	assert.equal(p.status, 200, p.text);
	assert.deepEqual(p.body.items, hist.filter((e) => e.seq > mid).slice(0, 5));
	assert.equal(p.body.next_cursor, String(p.body.items[4].seq));
	const c = await api.get(`/api/v1/events?cursor=${mid}&limit=5`);
	assert.deepEqual(c.body, p.body, 'cursor=X is since=X');

	const tail = await api.get(`/api/v1/events?since=${hist[hist.length - 4].seq}&limit=3`);
	assert.deepEqual(tail.body.items.map((e) => e.seq), hist.slice(-3).map((e) => e.seq));
	assert.equal(tail.body.next_cursor, null, 'the page reached the newest event');

	const none = await api.get(`/api/v1/events?since=${newest}`);
	assert.deepEqual(none.body, { items: [], next_cursor: null });
});

test('since = newest seq: no replay, only live events', async () => {
	const hist = await api.all('/api/v1/events');
	const newest = hist[hist.length - 1].seq;
	const s = await openStream(d, { topics: '*', since: newest, label: 'since newest' });
	streams.push(s);
	const seq = await publishOne('custom.after', ['other']);
	const m = await s.waitFor(() => true);
	assert.equal(m.msg.seq, seq);
	const s2 = await openStream(d, { topics: 'other', label: 'no since' });
	streams.push(s2);
	await s2.expectQuiet(100);
	const seq2 = await publishOne('custom.after', ['other']);
	assert.equal((await s2.waitFor(() => true)).msg.seq, seq2, 'without since: live only');
	await s.close();
	await s2.close();
});

test('daemon shuts down cleanly', async () => {
	for (const s of [A, liveAgents, liveSales, B2])
		await s.close();
	await d.stop();
});
