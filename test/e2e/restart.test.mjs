// Restart on the same data dir: data, agent state and event history are
// kept, seqs continue; the generated admin token is printed once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
	Daemon, assertError, createAgent, createQueue, agentAction,
} from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

let d;
let api;
let token;

before(async () => {
	// no HOTLINE_ADMIN_TOKEN, no admin_token: the daemon makes one up
	d = new Daemon({ adminToken: null });
	await d.start();
});

after(async () => {
	if (d)
		await d.cleanup();
});

test('first start prints the generated admin token once on stdout', async () => {
	const m = await d.waitStdout(/^admin token: (\S+)$/m);
	token = m[1];
	assert.match(token, /^[A-Za-z0-9_-]{43}$/, 'urlsafe base64 of 32 bytes');
	assert.equal(d.stdout.split('\n').filter((l) => l.includes('admin token')).length, 1);
	assert.ok(!d.stderr.includes(token), 'the token is not logged');
	d.token = token;
	api = d.api;
	api.token = token;
	const r = await api.get('/api/v1/agents');
	assert.equal(r.status, 200, r.text);
	assertError(await api.get('/api/v1/agents', { token: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') }),
		401, 'unauthorized');
});

let before1;

test('state before the restart', async () => {
	const a1 = await createAgent(api, { name: 'Stays', skills: { english: 3 }, capacity: { chat: 4 } });
	const a2 = await createAgent(api, { name: 'Logged out' });
	const a3 = await createAgent(api, { name: 'On lunch' });
	await createQueue(api, 'sales', { strategy: 'longest_idle', wrap_up_s: 42 });
	await createQueue(api, 'support');
	for (const [q, a, tier] of [['sales', a1, 1], ['sales', a2, 2], ['support', a3, 1]]) {
		const r = await api.put(`/api/v1/queues/${q}/members/${a.id}`, { tier });
		assert.equal(r.status, 201, r.text);
	}
	await agentAction(api, a1.id, 'login');
	await agentAction(api, a1.id, 'ready');
	await agentAction(api, a3.id, 'login');
	await agentAction(api, a3.id, 'not_ready', 'lunch');
	const pub = await api.post('/api/v1/events', { type: 'custom.before_restart', topics: ['x'], data: { n: 1 } });
	assert.equal(pub.status, 202, pub.text);
	before1 = await snapshot();
	assert.equal(before1.agents.length, 3);
	assert.ok(before1.events.length >= 12);
});

async function snapshot() {
	const agents = await api.all('/api/v1/agents');
	const queues = await api.all('/api/v1/queues');
	const members = {};
	for (const q of queues)
		members[q.id] = (await api.get(`/api/v1/queues/${q.id}/members`)).body.items;
	const activities = {};
	for (const a of agents)
		activities[a.id] = await api.all(`/api/v1/agents/${a.id}/activities`);
	const events = await api.all('/api/v1/events');
	return { agents, queues, members, activities, events };
}

test('restart (SIGTERM, same data dir): no new token printed, the old one works', async () => {
	await d.restart();
	api = d.api;
	await new Promise((r) => setTimeout(r, 100));   // give a stray print a chance
	assert.ok(!/admin token/.test(d.stdout), `printed again: ${d.stdout}`);
	const r = await api.get('/api/v1/agents');
	assert.equal(r.status, 200, r.text);
	assertError(await api.get('/api/v1/agents', { token: 'not-the-token' }), 401, 'unauthorized');
});

test('agents, queues, members, states, activities and events survived', async () => {
	const now = await snapshot();
	assert.deepEqual(now.agents, before1.agents);
	assert.equal(now.agents[0].state.status, 'ready');
	assert.equal(now.agents[1].state.status, 'logged_out');
	assert.equal(now.agents[2].state.status, 'not_ready');
	assert.equal(now.agents[2].state.reason, 'lunch');
	assert.deepEqual(now.queues, before1.queues);
	assert.deepEqual(now.members, before1.members);
	assert.deepEqual(now.activities, before1.activities);
	assert.deepEqual(now.events, before1.events);
});

test('new events continue above the old seqs, on the stream and in history', async () => {
	const oldMax = before1.events[before1.events.length - 1].seq;
	const s = await openStream(d, { topics: '*', since: oldMax - 2 });
	try {
		const a1 = before1.agents[0];
		await agentAction(api, a1.id, 'logout');
		const pub = await api.post('/api/v1/events', { type: 'custom.after_restart', topics: ['x'] });
		assert.equal(pub.status, 202);
		assert.ok(pub.body.seqs[0] > oldMax, `seq ${pub.body.seqs[0]} > ${oldMax}`);
		await s.waitForSeq(pub.body.seqs[0]);
		const evs = s.events;
		assert.deepEqual(evs.slice(0, 2), before1.events.slice(-2), 'replay of the old tail');
		assert.equal(evs.length, 4);
		assert.equal(evs[2].type, 'agent.state_changed');
		assert.ok(evs[2].seq > oldMax);
		assert.deepEqual(evs[2].topics, [`agent:${a1.id}`, 'queue:sales']);
		assert.equal(evs[2].data.from, 'ready');
		assert.equal(evs[2].data.to, 'logged_out');
		assert.ok(evs[3].seq > evs[2].seq);
		const hist = await api.all('/api/v1/events');
		assert.deepEqual(hist, [...before1.events, evs[2], evs[3]]);
	} finally {
		await s.close();
	}
});

test('a second restart (after SIGINT) still knows the token and the data', async () => {
	await d.stop('SIGINT');
	await d.start();
	api = d.api;
	assert.ok(!/admin token/.test(d.stdout));
	const agents = await api.all('/api/v1/agents');
	assert.equal(agents.length, 3);
	assert.equal(agents[0].state.status, 'logged_out');
});

const sqlite3 = (() => {
	try {
		execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
})();

test('history older than event_retention_s is pruned; a stream from before it starts with stream.truncated',
	{ skip: sqlite3 ? false : 'needs the sqlite3 command line tool' }, async () => {
		const hist = await api.all('/api/v1/events');
		const k = hist[Math.floor(hist.length / 2)].seq;
		await d.stop();
		// White-box step: age the first half of the history (the events
		// table of the store, "at" in ms since the epoch) so that the
		// start-up prune removes it.
		execFileSync('sqlite3', [path.join(d.dataDir, 'hotline.db'),
			`UPDATE events SET at = at - 100000000 WHERE seq <= ${k};`]);
		d.config.event_retention_s = 60;
		await d.start();
		api = d.api;
		const kept = await api.all('/api/v1/events');
		assert.deepEqual(kept, hist.filter((e) => e.seq > k), 'the aged events are gone, the rest is kept');

		const s = await openStream(d, { topics: '*', since: 0 });
		const s2 = await openStream(d, { topics: '*', since: k });
		try {
			const last = kept[kept.length - 1].seq;
			await s.waitForSeq(last);
			assert.deepEqual(s.events[0], { type: 'stream.truncated', data: { since: 0, first_seq: k + 1 } });
			assert.deepEqual(s.events.slice(1), kept, 'then the retained history');
			await s2.waitForSeq(last);
			assert.deepEqual(s2.events, kept, 'since = the last pruned seq: nothing lost, no truncated message');
		} finally {
			await s.close();
			await s2.close();
		}
	});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
