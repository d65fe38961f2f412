// Agent state machine over REST, observed live on the event stream.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, assertError, createAgent, TS_RE } from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

const REASONS = ['break', 'lunch', 'coaching'];
const EVENT_LATENCY_MS = 50;

let d;
let api;
let agent;
let stream;

before(async () => {
	d = await startDaemon({ config: { reason_codes: REASONS.join(',') } });
	api = d.api;
	agent = await createAgent(api, { name: 'Grace' });
	stream = await openStream(d, { topics: `agent:${agent.id}`, label: 'agent stream' });
});

after(async () => {
	if (stream)
		stream.terminate();
	if (d)
		await d.cleanup();
});

const done = [];   // successful transitions, oldest first
let seen = 0;      // stream messages consumed so far
let lastSeq = 0;

/** POST a state action and return the response. */
function act(action, reason) {
	const body = reason === undefined ? { action } : { action, reason };
	return api.post(`/api/v1/agents/${agent.id}/state`, body);
}

/** Run a valid transition; check the REST answer and the live event. */
async function transition(action, reason, from, to, expReason) {
	const r = await act(action, reason);
	assert.equal(r.status, 200, `${action}: ${r.text}`);
	assert.deepEqual(Object.keys(r.body), ['state']);
	const st = r.body.state;
	assert.equal(st.status, to);
	assert.equal(st.reason, expReason);
	assert.match(st.since, TS_RE);
	assert.deepEqual(st.activity, { voice: 'idle', chat: 'idle', email: 'idle' });

	const m = await stream.waitFor(() => true, 2000, { from: seen, what: `event for ${action}` });
	const idx = stream.messages.indexOf(m);
	assert.equal(idx, seen, 'the next message is this transition');
	seen = idx + 1;
	const ev = m.msg;
	assert.equal(ev.type, 'agent.state_changed', m.raw);
	assert.ok(ev.seq > lastSeq, `seq ${ev.seq} after ${lastSeq}`);
	lastSeq = ev.seq;
	assert.match(ev.at, TS_RE);
	assert.deepEqual(ev.topics, [`agent:${agent.id}`]);
	assert.deepEqual(ev.data, {
		agent_id: agent.id, action, channel: null, from, to, reason: expReason,
		actor: 'admin', state: st,
	});
	assert.equal(st.since, ev.at, 'state.since is the time of the transition, as in the event');
	assert.ok(m.at <= r.ms + EVENT_LATENCY_MS,
		`event arrived ${(m.at - r.ms).toFixed(1)} ms after the REST response (limit ${EVENT_LATENCY_MS})`);
	done.push({ action, from, to, reason: expReason, at: ev.at });
	return st;
}

test('reasons endpoint lists the configured reason codes', async () => {
	const r = await api.get('/api/v1/reasons');
	assert.equal(r.status, 200, r.text);
	assert.deepEqual(r.body, { items: REASONS });
});

test('invalid transitions while logged out -> 409 agent_logged_out', async () => {
	for (const [action, reason] of [['ready'], ['logout'], ['not_ready', 'lunch']]) {
		const r = await act(action, reason);
		assertError(r, 409, 'agent_logged_out');
	}
});

test('login -> ready -> not_ready(lunch) -> not_ready(break) -> logout, each event live', async () => {
	await transition('login', undefined, 'logged_out', 'not_ready', null);
	await transition('ready', undefined, 'not_ready', 'ready', null);
	await transition('not_ready', 'lunch', 'ready', 'not_ready', 'lunch');
	await transition('not_ready', 'break', 'not_ready', 'not_ready', 'break');
	await transition('logout', undefined, 'not_ready', 'logged_out', null);
	const g = await api.get(`/api/v1/agents/${agent.id}`);
	assert.equal(g.body.state.status, 'logged_out');
	assert.equal(g.body.state.reason, null);
});

// [setup actions, refused action, reason, expected status, code, field]
const REFUSED = [
	[[], 'logout', undefined, 409, 'agent_logged_out'],
	[[], 'ready', undefined, 409, 'agent_logged_out'],
	[[['login']], 'login', undefined, 409, 'agent_logged_in'],
	[[['ready']], 'ready', undefined, 409, 'already_ready'],
	[[['not_ready', 'lunch']], 'not_ready', 'lunch', 409, 'same_reason'],
	[[], 'not_ready', 'meeting', 422, 'unknown_reason', 'reason'],
	[[], 'not_ready', 'Lunch', 422, 'unknown_reason', 'reason'],
	[[], 'not_ready', undefined, 400, 'missing_field', 'reason'],
	[[], 'ready', 'lunch', 422, 'invalid_value', 'reason'],
	[[], 'fly', undefined, 422, 'invalid_value', 'action'],
	[[['logout']], 'logout', undefined, 409, 'agent_logged_out'],
];

test('refused transitions answer the verdict code and publish nothing', async () => {
	const expect = { logout: ['not_ready', 'logged_out'], login: ['logged_out', 'not_ready'], ready: ['not_ready', 'ready'] };
	for (const [setup, action, reason, status, code, field] of REFUSED) {
		for (const [sa, sr] of setup) {
			const from = sa === 'not_ready' ? (await api.get(`/api/v1/agents/${agent.id}`)).body.state.status : expect[sa][0];
			const to = sa === 'not_ready' ? 'not_ready' : expect[sa][1];
			await transition(sa, sr, from, to, sr ?? null);
		}
		const before = (await api.get(`/api/v1/agents/${agent.id}`)).body;
		const r = await act(action, reason);
		assertError(r, status, code, field ?? null);
		const after = (await api.get(`/api/v1/agents/${agent.id}`)).body;
		assert.deepEqual(after, before, `${action}/${reason}: agent unchanged`);
	}
	// The next valid transition must be the very next stream message: a
	// refused one published nothing in between.
	await transition('login', undefined, 'logged_out', 'not_ready', null);
	await transition('logout', undefined, 'not_ready', 'logged_out', null);
	await stream.expectQuiet(100);
});

test('activities list every transition, newest first, actor admin', async () => {
	const r = await api.get(`/api/v1/agents/${agent.id}/activities`);
	assert.equal(r.status, 200, r.text);
	const items = r.body.items;
	assert.equal(r.body.next_cursor, null);
	assert.equal(items.length, done.length);
	const expected = [...done].reverse();
	for (let i = 0; i < items.length; i++) {
		const it = items[i];
		assert.deepEqual(Object.keys(it).sort(), ['action', 'actor', 'at', 'channel', 'from', 'id', 'reason', 'to']);
		assert.ok(Number.isInteger(it.id));
		if (i > 0)
			assert.ok(it.id < items[i - 1].id, 'ids decrease (newest first)');
		assert.match(it.at, TS_RE);
		const e = expected[i];
		// the activity, its event and the new state.since share one time
		assert.deepEqual({ ...it, id: 0 },
			{ id: 0, action: e.action, channel: null, from: e.from, to: e.to, reason: e.reason, actor: 'admin', at: e.at },
			`activity ${i}`);
	}
	// paginated the same way
	const paged = await api.all(`/api/v1/agents/${agent.id}/activities`, { limit: 2 });
	assert.deepEqual(paged, items);
	assertError(await api.get('/api/v1/agents/999999/activities'), 404, 'not_found');
});

test('daemon shuts down cleanly', async () => {
	await stream.close();
	await d.stop();
});
