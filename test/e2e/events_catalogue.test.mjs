// docs/events.md documents exactly the built-in event types the daemon
// publishes, with the documented topics and data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, agentAction } from './lib/daemon.mjs';
import { DOCS } from './lib/openapi.mjs';
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

/** The `### \`noun.verb\`` headings of one "## <title>" section. */
function documentedTypes(title = 'Built-in event types') {
	const md = fs.readFileSync(path.join(DOCS, 'events.md'), 'utf8');
	const start = md.indexOf(`\n## ${title}\n`);
	assert.ok(start >= 0, `docs/events.md has a "## ${title}" section`);
	const rest = md.slice(start + 1);
	const next = rest.indexOf('\n## ');
	const section = next >= 0 ? rest.slice(0, next) : rest;
	return [...section.matchAll(/^### `([a-z_]+\.[a-z_]+)`\s*$/gm)].map((m) => m[1]);
}

test('a scripted session publishes exactly the documented built-in types, with their topics and data', async () => {
	const documented = documentedTypes();
	// published only with SIP on: documented, checked by the SIP scenarios
	const telephony = documentedTypes('Telephony event types');
	// the ACD's: tasks need SIP; queue.stats may come at any time (at
	// most once a second per queue) and is checked apart below
	const acd = documentedTypes('ACD event types');
	assert.ok(documented.length >= 16, `found ${documented.length} documented types`);
	assert.ok(telephony.length >= 8, `found ${telephony.length} telephony types`);
	assert.deepEqual(acd.sort(), ['call.bridged', 'queue.stats', 'task.abandoned', 'task.accepted',
		'task.offer_ended', 'task.offered', 'task.overflowed', 'task.queued']);
	const both = [...documented, ...telephony, ...acd];
	assert.equal(new Set(both).size, both.length, 'no type documented twice');

	const s = await openStream(d, { topics: '*' });
	const steps = [];   // [expected type, topics, data]

	const a = await api.post('/api/v1/agents', { name: 'Cat', extension: '300', password: 'password-1' });
	assert.equal(a.status, 201);
	const id = a.body.id;
	steps.push(['agent.created', [`agent:${id}`], a.body]);
	const q = await api.post('/api/v1/queues', { id: 'sales', name: 'Sales' });
	assert.equal(q.status, 201);
	steps.push(['queue.created', ['queue:sales'], q.body]);
	const m1 = await api.put(`/api/v1/queues/sales/members/${id}`, {});
	assert.equal(m1.status, 201);
	steps.push(['queue.member_added', ['queue:sales', `agent:${id}`], m1.body]);
	const m2 = await api.put(`/api/v1/queues/sales/members/${id}`, { tier: 2 });
	assert.equal(m2.status, 200);
	steps.push(['queue.member_updated', ['queue:sales', `agent:${id}`], m2.body]);
	const p = await api.patch(`/api/v1/agents/${id}`, { name: 'Cat 2', skills: { english: 1 } });
	assert.equal(p.status, 200);
	steps.push(['agent.updated', [`agent:${id}`], p.body]);
	const login = await agentAction(api, id, 'login');
	steps.push(['agent.state_changed', [`agent:${id}`, 'queue:sales'], {
		agent_id: id, action: 'login', channel: null, from: 'logged_out', to: 'not_ready',
		reason: null, actor: 'admin', state: login.body.state,
	}]);
	const logout = await agentAction(api, id, 'logout');
	steps.push(['agent.state_changed', [`agent:${id}`, 'queue:sales'], {
		agent_id: id, action: 'logout', channel: null, from: 'not_ready', to: 'logged_out',
		reason: null, actor: 'admin', state: logout.body.state,
	}]);
	const pq = await api.patch('/api/v1/queues/sales', { wrap_up_s: 1 });
	assert.equal(pq.status, 200);
	steps.push(['queue.updated', ['queue:sales'], pq.body]);
	assert.equal((await api.del(`/api/v1/queues/sales/members/${id}`)).status, 204);
	steps.push(['queue.member_removed', ['queue:sales', `agent:${id}`], { queue_id: 'sales', agent_id: id }]);
	assert.equal((await api.del('/api/v1/queues/sales')).status, 204);
	steps.push(['queue.deleted', ['queue:sales'], { id: 'sales' }]);
	assert.equal((await api.del(`/api/v1/agents/${id}`)).status, 204);
	steps.push(['agent.deleted', [`agent:${id}`], { id }]);
	const t = await api.post('/api/v1/trunks', { id: 'cat-trunk', name: 'Cat trunk', host: '127.0.0.1:5070', password: 'trunk-secret-1' });
	assert.equal(t.status, 201, t.text);
	steps.push(['trunk.created', ['trunk:cat-trunk'], t.body]);
	const tp = await api.patch('/api/v1/trunks/cat-trunk', { prefix: '0', strip: 1 });
	assert.equal(tp.status, 200, tp.text);
	steps.push(['trunk.updated', ['trunk:cat-trunk'], tp.body]);
	const did = await api.post('/api/v1/dids', { number: '+4930123', name: 'Cat line', target: '300', trunk_id: 'cat-trunk' });
	assert.equal(did.status, 201, did.text);
	steps.push(['did.created', ['did:+4930123'], did.body]);
	const dp = await api.patch(`/api/v1/dids/${encodeURIComponent('+4930123')}`, { target: '301' });
	assert.equal(dp.status, 200, dp.text);
	steps.push(['did.updated', ['did:+4930123'], dp.body]);
	assert.equal((await api.del('/api/v1/dids/+4930123')).status, 204);
	steps.push(['did.deleted', ['did:+4930123'], { number: '+4930123' }]);
	assert.equal((await api.del('/api/v1/trunks/cat-trunk')).status, 204);
	steps.push(['trunk.deleted', ['trunk:cat-trunk'], { id: 'cat-trunk' }]);
	const hangup = [{ id: 'bye', action: 'hangup' }];
	const fl = await api.post('/api/v1/flows', { id: 'cat-flow', name: 'Cat flow', steps: hangup });
	assert.equal(fl.status, 201, fl.text);
	steps.push(['flow.created', ['flow:cat-flow'], { id: 'cat-flow', name: 'Cat flow', version: 1 }]);
	const fu = await api.put('/api/v1/flows/cat-flow', { name: 'Cat flow 2', steps: hangup });
	assert.equal(fu.status, 200, fu.text);
	steps.push(['flow.updated', ['flow:cat-flow'], { id: 'cat-flow', name: 'Cat flow 2', version: 2 }]);
	assert.equal((await api.del('/api/v1/flows/cat-flow')).status, 204);
	steps.push(['flow.deleted', ['flow:cat-flow'], { id: 'cat-flow' }]);
	const ct = await api.post('/api/v1/contacts', { phone: '+15550001', name: 'Cat' });
	assert.equal(ct.status, 201, ct.text);
	steps.push(['contact.created', [`contact:${ct.body.id}`], ct.body]);
	const cu = await api.patch(`/api/v1/contacts/${ct.body.id}`, { email: 'cat@example.com' });
	assert.equal(cu.status, 200, cu.text);
	steps.push(['contact.updated', [`contact:${ct.body.id}`], cu.body]);
	const c = await api.post('/api/v1/events', { type: 'custom.cat', topics: ['cat'] });
	assert.equal(c.status, 202);
	steps.push(['custom.cat', ['cat'], {}]);

	await s.waitForSeq(c.body.seqs[0]);
	const stats = s.events.filter((e) => e.type === 'queue.stats');
	for (const e of stats) {
		assert.deepEqual(e.topics, ['queue:sales'], 'topics of queue.stats');
		assert.equal(e.data.queue_id, 'sales');
		assert.deepEqual(Object.keys(e.data.agents).sort(),
			['busy', 'idle', 'logged_out', 'not_ready', 'offered', 'wrap_up']);
		assert.equal(typeof e.data.today.service_level, 'number');
	}
	const got = s.events.filter((e) => e.type !== 'queue.stats');
	assert.deepEqual(got.map((e) => e.type), steps.map((x) => x[0]), 'one event per change, in order');
	for (let i = 0; i < steps.length; i++) {
		assert.deepEqual(got[i].topics, steps[i][1], `topics of ${steps[i][0]}`);
		assert.deepEqual(got[i].data, steps[i][2], `data of ${steps[i][0]}`);
	}

	const seen = new Set(got.map((e) => e.type).filter((t) => !t.startsWith('custom.')));
	const undocumented = [...seen].filter((x) => !both.includes(x));
	const unseen = documented.filter((x) => !seen.has(x));
	assert.deepEqual({ undocumented, unseen }, { undocumented: [], unseen: [] },
		'docs/events.md and the daemon disagree');
	await s.close();
});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
