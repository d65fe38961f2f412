// docs/openapi.yaml agrees with the binary: the same routes as
// `hotline --routes`, and real responses match the documented schemas.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, runBin, requireBin, rawHttp, parseRawResponse } from './lib/daemon.mjs';
import {
	loadOpenApi, docRoutes, allRefs, resolveRef, validate, findOperation, findResponse, METHODS,
} from './lib/openapi.mjs';
import { openStream } from './lib/ws.mjs';

let doc;

before(() => {
	doc = loadOpenApi();
});

test('the document is well formed OpenAPI 3.0.3', () => {
	assert.equal(doc.openapi, '3.0.3');
	assert.ok(doc.info?.title && doc.info?.version);
	assert.equal(doc.components?.securitySchemes?.bearerAuth?.scheme, 'bearer');
	const problems = [];
	for (const [ref, where] of allRefs(doc)) {
		try {
			resolveRef(doc, ref);
		} catch (e) {
			problems.push(`${where}: ${e.message}`);
		}
	}
	const ids = new Set();
	for (const [p, item] of Object.entries(doc.paths)) {
		const params = (p.match(/\{[^}]+\}/g) || []).map((s) => s.slice(1, -1));
		for (const m of METHODS) {
			const op = item[m];
			if (!op)
				continue;
			const where = `${m.toUpperCase()} ${p}`;
			if (!op.operationId)
				problems.push(`${where}: no operationId`);
			else if (ids.has(op.operationId))
				problems.push(`${where}: duplicate operationId ${op.operationId}`);
			ids.add(op.operationId);
			if (!op.responses || !Object.keys(op.responses).length)
				problems.push(`${where}: no responses`);
			const declared = [...(item.parameters || []), ...(op.parameters || [])]
				.map((x) => (x.$ref ? resolveRef(doc, x.$ref) : x))
				.filter((x) => x.in === 'path').map((x) => x.name);
			for (const name of params) {
				if (!declared.includes(name))
					problems.push(`${where}: path parameter {${name}} not declared`);
			}
			const open = Array.isArray(op.security) && op.security.length === 0;
			if (p.startsWith('/api/v1/') && open)
				problems.push(`${where}: /api/v1 routes need the bearer token`);
			if (p.startsWith('/api/v1/') && !op.responses?.['401'])
				problems.push(`${where}: 401 not documented`);
		}
	}
	assert.deepEqual(problems, []);
});

test('`hotline --routes` and docs/openapi.yaml list the same routes', async () => {
	requireBin();
	const r = await runBin(['--routes']);
	assert.equal(r.code, 0, `--routes exit code; stderr: ${r.stderr}`);
	const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
	for (const l of lines)
		assert.match(l, /^[A-Z]+ \/\S*$/, `--routes line "${l}"`);
	const bin = new Set(lines);
	const docs = new Set(docRoutes(doc));
	const missingInDocs = [...bin].filter((x) => !docs.has(x)).sort();
	const missingInBin = [...docs].filter((x) => !bin.has(x)).sort();
	assert.deepEqual({ missingInDocs, missingInBin }, { missingInDocs: [], missingInBin: [] },
		`routes differ:\n  served but not documented:\n    ${missingInDocs.join('\n    ') || '-'}` +
		`\n  documented but not served:\n    ${missingInBin.join('\n    ') || '-'}`);
	assert.equal(lines.length, bin.size, 'no route printed twice');
});

test('real responses match the documented status codes and schemas', async (t) => {
	const d = await startDaemon({ config: { http_max_body: 4096 } });
	t.after(() => d.cleanup());
	const api = d.api;
	const stream = await openStream(d, { topics: '*' });

	// a session touching every operation, successes and errors
	await api.get('/healthz', { token: null });
	const a = (await api.post('/api/v1/agents', { name: 'Doc', extension: '900', password: 'password-1', skills: { english: 3 } })).body;
	const b = (await api.post('/api/v1/agents', { name: 'Doc2', extension: '901', password: 'password-2' })).body;
	await api.post('/api/v1/agents', { name: 'Dup', extension: '900', password: 'password-3' });
	await api.post('/api/v1/agents', { name: 'Bad', extension: 'a b', password: 'password-3' });
	await api.post('/api/v1/agents', { name: 'Bad' });
	await api.post('/api/v1/agents', undefined, { raw: '{', contentType: 'application/json' });
	await api.post('/api/v1/agents', undefined, { raw: '{}', contentType: 'text/plain' });
	{
		// 413 over a fresh connection (raw, so that no pooled keep-alive
		// connection is involved), recorded like the fetch responses
		const res = await rawHttp(d.port, Buffer.from(`POST /api/v1/agents HTTP/1.1\r\nHost: x\r\n` +
			`Authorization: Bearer ${d.token}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`));
		const p = parseRawResponse(res.data);
		api.log.push({ method: 'POST', path: '/api/v1/agents', status: p.status, headers: new Headers(p.headers),
			body: p.body, text: res.data.slice(res.data.indexOf('\r\n\r\n') + 4) });
	}
	await api.get('/api/v1/agents');
	await api.get('/api/v1/agents?limit=1');
	await api.get('/api/v1/agents?limit=0');
	await api.get('/api/v1/agents', { token: 'nope' });
	await api.get(`/api/v1/agents/${a.id}`);
	await api.get('/api/v1/agents/424242');
	await api.patch(`/api/v1/agents/${a.id}`, { name: 'Doc!', capacity: { chat: 1 } });
	await api.patch(`/api/v1/agents/${a.id}`, { extension: '902' });
	await api.patch(`/api/v1/agents/${a.id}`, {});
	await api.post(`/api/v1/agents/${a.id}/state`, { action: 'login' });
	await api.post(`/api/v1/agents/${a.id}/state`, { action: 'login' });
	await api.post(`/api/v1/agents/${a.id}/state`, { action: 'ready' });
	await api.post(`/api/v1/agents/${a.id}/state`, { action: 'not_ready', reason: 'lunch' });
	await api.post(`/api/v1/agents/${a.id}/state`, { action: 'not_ready', reason: 'nap' });
	await api.get(`/api/v1/agents/${a.id}/activities`);
	await api.get(`/api/v1/agents/${a.id}/activities?limit=1`);
	await api.get('/api/v1/reasons');
	await api.post('/api/v1/queues', { id: 'docs', name: 'Docs' });
	await api.post('/api/v1/queues', { id: 'docs', name: 'Docs' });
	await api.post('/api/v1/queues', { id: 'bad', name: 'Bad', strategy: 'nope' });
	await api.get('/api/v1/queues');
	await api.get('/api/v1/queues/docs');
	await api.get('/api/v1/queues/none');
	await api.patch('/api/v1/queues/docs', { wrap_up_s: 5 });
	await api.put(`/api/v1/queues/docs/members/${a.id}`, {});
	await api.put(`/api/v1/queues/docs/members/${b.id}`, { tier: 2 });
	await api.put(`/api/v1/queues/docs/members/${a.id}`, { position: 3 });
	await api.put('/api/v1/queues/docs/members/999', {});
	await api.get('/api/v1/queues/docs/members');
	await api.post('/api/v1/queues', { id: 'docs2', name: 'Docs 2', decline_delay_s: 5, moh_file: '/tmp/moh.wav',
		greeting: 'Hello', announce_s: 30, overflow: 'queue', overflow_target: 'docs' });
	await api.post('/api/v1/queues', { id: 'bad2', name: 'Bad', overflow: 'queue', overflow_target: 'nope' });
	await api.patch('/api/v1/queues/docs2', { overflow: 'extension', overflow_target: '901' });
	await api.get('/api/v1/queues/docs/stats');
	await api.get('/api/v1/queues/none/stats');
	await api.post(`/api/v1/agents/${a.id}/wrap_up`, { action: 'end' });
	await api.post(`/api/v1/agents/${a.id}/wrap_up`, { action: 'extend' });
	await api.post(`/api/v1/agents/${a.id}/wrap_up`, { action: 'extend', seconds: 0 });
	await api.post('/api/v1/agents/424242/wrap_up', { action: 'end' });
	await api.post('/api/v1/dids', { number: '+4930102', name: 'Queue line', target_type: 'queue', target: 'docs' });
	await api.post('/api/v1/dids', { number: '+4930103', name: 'Queue line', target_type: 'queue', target: 'nope' });
	await api.get('/api/v1/calls?queue_id=docs');
	await api.get('/api/v1/calls');
	await api.get('/api/v1/calls?state=active&direction=inbound&since=2020-01-01T00:00:00Z&limit=5');
	await api.get('/api/v1/calls?state=nope');
	await api.get('/api/v1/calls/0123456789abcdef0123456789abcdef');
	await api.post('/api/v1/calls', { agent_id: b.id, to: '901' });
	await api.post('/api/v1/calls', { agent_id: b.id, to: 'no spaces' });
	await api.post('/api/v1/calls', { to: '901' });
	await api.post('/api/v1/calls/0123456789abcdef0123456789abcdef/hangup');
	await api.post('/api/v1/trunks', { id: 'gw1', name: 'Gateway', host: '127.0.0.1:5090', username: 'u', password: 'p-secret', register: true });
	await api.post('/api/v1/trunks', { id: 'gw1', name: 'Gateway', host: '127.0.0.1' });
	await api.post('/api/v1/trunks', { id: 'gw2', name: 'Gateway', host: 'bad host' });
	await api.get('/api/v1/trunks');
	await api.get('/api/v1/trunks/gw1');
	await api.get('/api/v1/trunks/none');
	await api.patch('/api/v1/trunks/gw1', { prefix: '00', strip: 2, prepend: '+' });
	await api.post('/api/v1/dids', { number: '+4930100', name: 'Doc line', target: '901', trunk_id: 'gw1' });
	await api.post('/api/v1/dids', { number: '+4930100', name: 'Doc line', target: '901' });
	await api.post('/api/v1/dids', { number: '4930101', name: 'Doc line', target: '901', trunk_id: 'nope' });
	await api.get('/api/v1/dids');
	await api.get('/api/v1/dids/+4930100');
	await api.patch('/api/v1/dids/+4930100', { trunk_id: null });
	await api.del('/api/v1/dids/+4930100');
	await api.del('/api/v1/trunks/gw1');
	const flowDoc = { name: 'Doc flow', steps: [{ id: 'hi', action: 'say', text: 'Hello', next: 'bye' },
		{ id: 'bye', action: 'hangup' }] };
	await api.post('/api/v1/flows', { id: 'doc-flow', ...flowDoc });
	await api.post('/api/v1/flows', { id: 'doc-flow', ...flowDoc });
	await api.post('/api/v1/flows', { id: 'doc-bad', name: 'Bad', steps: [{ id: 'a', action: 'answer', next: 'x' }] });
	await api.post('/api/v1/flows', { name: 'No id', steps: [] });
	await api.get('/api/v1/flows');
	await api.get('/api/v1/flows?limit=0');
	await api.get('/api/v1/flows/doc-flow');
	await api.get('/api/v1/flows/doc-flow?version=x');
	await api.get('/api/v1/flows/none');
	await api.put('/api/v1/flows/doc-flow', { ...flowDoc, name: 'Doc flow 2' });
	await api.put('/api/v1/flows/none', flowDoc);
	await api.put('/api/v1/flows/doc-flow', { steps: 'x' });
	await api.get('/api/v1/flows/doc-flow?version=1');
	await api.get('/api/v1/flows/doc-flow/versions');
	await api.get('/api/v1/flows/none/versions');
	await api.post('/api/v1/dids', { number: '+4930104', name: 'IVR line', target_type: 'flow', target: 'doc-flow' });
	await api.post('/api/v1/dids', { number: '+4930105', name: 'IVR line', target_type: 'flow', target: 'none' });
	await api.del('/api/v1/flows/doc-flow');
	await api.del('/api/v1/dids/+4930104');
	await api.del('/api/v1/flows/doc-flow');
	await api.del('/api/v1/flows/doc-flow');
	const ct = (await api.post('/api/v1/contacts', { phone: '+15550100', name: 'Doc', email: 'doc@example.com' })).body;
	await api.post('/api/v1/contacts', { phone: '+15550100' });
	await api.post('/api/v1/contacts', { phone: 'no spaces' });
	await api.get('/api/v1/contacts');
	await api.get('/api/v1/contacts?phone=%2B15550100');
	await api.get('/api/v1/contacts?cursor=x');
	await api.get(`/api/v1/contacts/${ct.id}`);
	await api.get('/api/v1/contacts/424242');
	await api.patch(`/api/v1/contacts/${ct.id}`, { crm_id: 'CRM-9', email: null });
	await api.patch(`/api/v1/contacts/${ct.id}`, {});
	await api.patch('/api/v1/contacts/424242', { name: 'x' });
	await api.get('/api/v1/calls/0123456789abcdef0123456789abcdef/trace');
	await api.get('/api/v1/recordings');
	await api.get('/api/v1/recordings?cursor=x');
	await api.get('/api/v1/recordings/none');
	await api.get('/api/v1/recordings/none/audio');
	await api.post('/api/v1/events', { type: 'custom.doc', topics: ['doc'], data: { x: 1 } });
	await api.post('/api/v1/events', { events: [{ type: 'custom.doc', topics: ['doc'] }, { type: 'custom.doc2', topics: ['doc', 'agent:1'] }] });
	await api.post('/api/v1/events', { type: 'nope', topics: ['doc'] });
	await api.get('/api/v1/events');
	await api.get('/api/v1/events?since=2&limit=2&topics=agent:*,doc');
	await api.get('/api/v1/events?since=x');
	await api.get('/api/v1/stream');
	await api.request('DELETE', '/api/v1/reasons');
	await api.del(`/api/v1/agents/${a.id}`);
	await api.del(`/api/v1/queues/docs/members/${b.id}`);
	await api.del(`/api/v1/queues/docs/members/${b.id}`);
	await api.post(`/api/v1/agents/${a.id}/state`, { action: 'logout' });
	await api.del('/api/v1/queues/docs');
	await api.del('/api/v1/queues/docs2');
	await api.del('/api/v1/dids/+4930102');
	await api.del(`/api/v1/agents/${a.id}`);
	await api.del(`/api/v1/agents/${b.id}`);

	const problems = [];
	const seenStatus = new Set();
	for (const r of api.log) {
		const where = `${r.method} ${r.path} -> ${r.status}`;
		seenStatus.add(r.status);
		const found = findOperation(doc, r.method, r.path);
		if (!found) {
			if (r.status !== 405)
				problems.push(`${where}: no documented operation`);
			continue;
		}
		const resp = findResponse(doc, found.op, r.status);
		if (!resp) {
			problems.push(`${where}: status not documented for ${r.method} ${found.template}`);
			continue;
		}
		const schema = resp.content?.['application/json']?.schema;
		if (!schema) {
			if (r.text !== '')
				problems.push(`${where}: body not documented: ${r.text.slice(0, 100)}`);
			continue;
		}
		if (!/^application\/json/.test(r.headers.get('content-type') || ''))
			problems.push(`${where}: content-type ${r.headers.get('content-type')}`);
		for (const e of validate(doc, schema, r.body))
			problems.push(`${where}: ${e}`);
	}
	// the stream sends documented envelopes
	await stream.waitFor((m) => m.type === 'agent.deleted' && m.data.id === b.id);
	for (const m of stream.events) {
		for (const e of validate(doc, { $ref: '#/components/schemas/Event' }, m))
			problems.push(`stream seq ${m.seq} ${m.type}: ${e}`);
	}
	await stream.close();
	await d.stop();
	assert.deepEqual(problems, []);
	for (const s of [200, 201, 202, 204, 400, 401, 404, 409, 413, 415, 422, 426, 503])
		assert.ok(seenStatus.has(s), `the session produced a ${s}`);
});
