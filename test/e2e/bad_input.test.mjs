// Bad input of every kind gets the documented error and changes nothing;
// garbage on the HTTP port does not take the daemon down.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	startDaemon, assertError, createAgent, createQueue, rawHttp, parseRawResponse, rawHttpKeepAlive,
} from './lib/daemon.mjs';
import { openStream } from './lib/ws.mjs';

const MAX_BODY = 1024;

let d;
let api;
let agent;

before(async () => {
	d = await startDaemon({ config: { http_max_body: MAX_BODY } });
	api = d.api;
	agent = await createAgent(api, { name: 'Target' });
	await createQueue(api, 'sales');
	const r = await api.post('/api/v1/events', { type: 'custom.seed', topics: ['x'] });
	assert.equal(r.status, 202, r.text);
});

after(async () => {
	if (d)
		await d.cleanup();
});

async function snapshot() {
	return {
		agents: await api.all('/api/v1/agents'),
		queues: await api.all('/api/v1/queues'),
		members: (await api.get('/api/v1/queues/sales/members')).body,
		events: await api.all('/api/v1/events'),
	};
}

/** Run fn, then assert that nothing visible changed. */
async function unchanged(fn) {
	const before1 = await snapshot();
	await fn();
	assert.deepEqual(await snapshot(), before1, 'state changed after refused requests');
}

const valid = () => ({ name: 'N', extension: 'x-1', password: 'password-1' });
const A = '/api/v1/agents';
const Q = '/api/v1/queues';
const E = '/api/v1/events';

// [method, path, body (object, or {raw} for raw text), status, code, field]
// field: string = exact, RegExp = match, null = not checked
const BODY_CASES = () => [
	['POST', A, { raw: '{"name":' }, 400, 'invalid_json', null],
	['POST', A, { raw: '{"name":"a",}' }, 400, 'invalid_json', null],
	['POST', A, { raw: 'nul' }, 400, 'invalid_json', null],
	['POST', A, { raw: '[]' }, 400, 'invalid_body', null],
	['POST', A, { raw: '"agent"' }, 400, 'invalid_body', null],
	['POST', A, { raw: '42' }, 400, 'invalid_body', null],
	['POST', A, { raw: 'null' }, 400, 'invalid_body', null],
	['POST', A, { ...valid(), foo: 1 }, 400, 'unknown_field', 'foo'],
	['POST', A, { ...valid(), name: 5 }, 400, 'invalid_type', 'name'],
	['POST', A, { ...valid(), extension: 1001 }, 400, 'invalid_type', 'extension'],
	['POST', A, { ...valid(), password: null }, 400, 'invalid_type', 'password'],
	['POST', A, { ...valid(), skills: [] }, 400, 'invalid_type', 'skills'],
	['POST', A, { ...valid(), skills: { english: 'high' } }, 400, 'invalid_type', /^skills/],
	['POST', A, { ...valid(), capacity: 'x' }, 400, 'invalid_type', 'capacity'],
	['POST', A, { ...valid(), capacity: { voice: 1.5 } }, 400, 'invalid_type', /^capacity/],
	['POST', A, { extension: 'x-1', password: 'password-1' }, 400, 'missing_field', 'name'],
	['POST', A, { name: 'N', password: 'password-1' }, 400, 'missing_field', 'extension'],
	['POST', A, { name: 'N', extension: 'x-1' }, 400, 'missing_field', 'password'],
	['POST', A, { ...valid(), name: '' }, 422, 'invalid_value', 'name'],
	['POST', A, { ...valid(), name: 'n'.repeat(128) }, 422, 'invalid_value', 'name'],
	['POST', A, { ...valid(), name: '\u00e9'.repeat(64) }, 422, 'invalid_value', 'name'],   // 128 bytes
	['POST', A, { ...valid(), password: 'p'.repeat(129) }, 422, 'invalid_value', 'password'],
	['POST', A, { ...valid(), extension: 'a b' }, 422, 'invalid_value', 'extension'],
	['POST', A, { ...valid(), extension: '' }, 422, 'invalid_value', 'extension'],
	['POST', A, { ...valid(), extension: 'e'.repeat(32) }, 422, 'invalid_value', 'extension'],
	['POST', A, { ...valid(), password: 'short12' }, 422, 'invalid_value', 'password'],
	['POST', A, { ...valid(), skills: { Bad: 1 } }, 422, 'invalid_value', /^skills/],
	['POST', A, { ...valid(), skills: { good: 0 } }, 422, 'invalid_value', /^skills/],
	['POST', A, { ...valid(), skills: { good: 101 } }, 422, 'invalid_value', /^skills/],
	['POST', A, { ...valid(), skills: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`s${i}`, 1])) },
		422, 'invalid_value', /^skills/],
	['POST', A, { ...valid(), capacity: { voice: 101 } }, 422, 'invalid_value', /^capacity/],
	['POST', A, { ...valid(), capacity: { chat: -1 } }, 422, 'invalid_value', /^capacity/],
	['PATCH', () => `${A}/${agent.id}`, {}, 400, 'invalid_body', null],
	['PATCH', () => `${A}/${agent.id}`, { raw: '[{"name":"x"}]' }, 400, 'invalid_body', null],
	['PATCH', () => `${A}/${agent.id}`, { name: null }, 400, 'invalid_type', 'name'],
	['PATCH', () => `${A}/${agent.id}`, { nickname: 'x' }, 400, 'unknown_field', 'nickname'],
	['PATCH', () => `${A}/${agent.id}`, { id: 99 }, 400, 'unknown_field', 'id'],
	['POST', () => `${A}/${agent.id}/state`, {}, 400, 'missing_field', 'action'],
	['POST', () => `${A}/${agent.id}/state`, { action: 5 }, 400, 'invalid_type', 'action'],
	['POST', () => `${A}/${agent.id}/state`, { action: 'login', extra: 1 }, 400, 'unknown_field', 'extra'],
	['POST', Q, { id: 'q', name: 'Q', strategy: 5 }, 400, 'invalid_type', 'strategy'],
	['POST', Q, { id: 'q', name: 'Q', wrap_up_s: '10' }, 400, 'invalid_type', 'wrap_up_s'],
	['POST', Q, { id: 'q', name: 'Q', wrap_up_s: 3601 }, 422, 'invalid_value', 'wrap_up_s'],
	['POST', Q, { id: 'q', name: 'Q', color: 'red' }, 400, 'unknown_field', 'color'],
	['POST', Q, { id: 'q' }, 400, 'missing_field', 'name'],
	['PATCH', `${Q}/sales`, {}, 400, 'invalid_body', null],
	['PATCH', `${Q}/sales`, { tier_wait_s: -1 }, 422, 'invalid_value', 'tier_wait_s'],
	['PUT', () => `${Q}/sales/members/${agent.id}`, { raw: '[]' }, 400, 'invalid_body', null],
	['PUT', () => `${Q}/sales/members/${agent.id}`, { tier: 1, vip: true }, 400, 'unknown_field', 'vip'],
	['POST', E, { type: 'agent.created', topics: ['x'] }, 422, 'invalid_value', 'type'],
	['POST', E, { type: 'custom.Bad', topics: ['x'] }, 422, 'invalid_value', 'type'],
	['POST', E, { type: 'custom.', topics: ['x'] }, 422, 'invalid_value', 'type'],
	['POST', E, { type: 'custom.x', topics: [] }, 422, 'invalid_value', 'topics'],
	['POST', E, { type: 'custom.x', topics: Array.from({ length: 9 }, (_, i) => `t${i}`) }, 422, 'invalid_value', 'topics'],
	['POST', E, { type: 'custom.x', topics: ['bad topic'] }, 422, 'invalid_value', 'topics'],
	['POST', E, { type: 'custom.x', topics: ['wild*'] }, 422, 'invalid_value', 'topics'],
	['POST', E, { type: 'custom.x', topics: 'x' }, 400, 'invalid_type', 'topics'],
	['POST', E, { type: 'custom.x', topics: ['x'], data: [1] }, 400, 'invalid_type', 'data'],
	['POST', E, { type: 'custom.x' }, 400, 'missing_field', 'topics'],
	['POST', E, { events: [{ type: 'custom.ok', topics: ['x'] }, { type: 'bad', topics: ['x'] }] }, 422, 'invalid_value', null],
	['POST', E, { events: 'x' }, 400, 'invalid_type', 'events'],
];

test('bad JSON bodies: documented error, nothing changed', async () => {
	const wrong = [];
	await unchanged(async () => {
		for (const [method, p, body, status, code, field] of BODY_CASES()) {
			const path = typeof p === 'function' ? p() : p;
			const r = body.raw !== undefined
				? await api.request(method, path, undefined, { raw: body.raw, contentType: 'application/json' })
				: await api.request(method, path, body);
			const ctx = `${method} ${path} ${JSON.stringify(body).slice(0, 80)}: ` +
				`expected ${status} ${code}${field ? ` field ${field}` : ''}, got ${r.status} ${r.text}`;
			try {
				assertError(r, status, code);
				if (field instanceof RegExp)
					assert.match(r.body.error.field ?? '', field);
				else if (typeof field === 'string')
					assert.equal(r.body.error.field, field);
			} catch {
				wrong.push(ctx);
			}
		}
	});
	assert.deepEqual(wrong, [], `wrong answers:\n${wrong.join('\n')}`);
});

test('wrong Content-Type -> 415 unsupported_media_type', async () => {
	await unchanged(async () => {
		const json = JSON.stringify(valid());
		for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'text/json']) {
			const r = await api.post(A, undefined, { raw: json, contentType: ct });
			assertError(r, 415, 'unsupported_media_type');
		}
		const none = await api.post(A, undefined, { raw: Buffer.from(json) });
		assertError(none, 415, 'unsupported_media_type');
	});
});

test('body over http_max_body -> 413 body_too_large (fresh connection)', async () => {
	await unchanged(async () => {
		const host = `Host: 127.0.0.1:${d.port}\r\n`;
		for (const n of [MAX_BODY + 1, MAX_BODY * 2, 200000]) {
			const head = `POST /api/v1/agents HTTP/1.1\r\n${host}Authorization: Bearer ${d.token}\r\n` +
				`Content-Type: application/json\r\nContent-Length: ${n}\r\n\r\n`;
			// the head alone: the server must answer without waiting for the body
			const res = await rawHttp(d.port, Buffer.from(head));
			const p = parseRawResponse(res.data);
			assert.equal(p.status, 413, `Content-Length ${n}: ${res.data.slice(0, 200)}`);
			assert.equal(p.body?.error?.code, 'body_too_large');
		}
	});
});

test('body over http_max_body -> 413 body_too_large (fetch, keep-alive connections)', async () => {
	await unchanged(async () => {
		const big = { ...valid(), name: 'n'.repeat(100), pad: 'p'.repeat(MAX_BODY * 2) };
		assertError(await api.post(A, big), 413, 'body_too_large');
		assertError(await api.post(E, { type: 'custom.big', topics: ['x'], data: { p: 'x'.repeat(MAX_BODY) } }),
			413, 'body_too_large');
		// just over the limit
		const edge = { type: 'custom.edge', topics: ['x'], data: { p: '' } };
		edge.data.p = 'e'.repeat(MAX_BODY + 1 - JSON.stringify(edge).length);
		assert.equal(JSON.stringify(edge).length, MAX_BODY + 1);
		assertError(await api.post(E, edge), 413, 'body_too_large');
	});
	// exactly at the limit is fine
	const edge = { type: 'custom.edge', topics: ['x'], data: { p: '' } };
	edge.data.p = 'e'.repeat(MAX_BODY - JSON.stringify(edge).length);
	const ok = await api.post(E, edge);
	assert.equal(ok.status, 202, `a body of exactly http_max_body bytes: ${ok.text}`);
});

test('application/json with a charset parameter is accepted', async () => {
	const r = await api.post(A, undefined,
		{ raw: JSON.stringify({ ...valid(), extension: 'charset' }), contentType: 'application/json; charset=utf-8' });
	assert.equal(r.status, 201, r.text);
	assert.equal((await api.del(`${A}/${r.body.id}`)).status, 204);
});

test('no token / bad token -> 401 with WWW-Authenticate: Bearer', async () => {
	await unchanged(async () => {
		const tokens = [
			['none', { token: null }],
			['wrong', { token: 'x'.repeat(43) }],
			['prefix', { token: d.token.slice(0, 20) }],
			['longer', { token: d.token + 'x' }],
			['basic', { token: null, headers: { authorization: `Basic ${Buffer.from('admin:' + d.token).toString('base64')}` } }],
			['bare', { token: null, headers: { authorization: d.token } }],
			['empty bearer', { token: null, headers: { authorization: 'Bearer ' } }],
		];
		const calls = [
			['GET', A], ['POST', A, valid()], ['GET', () => `${A}/${agent.id}`],
			['DELETE', () => `${A}/${agent.id}`], ['POST', () => `${A}/${agent.id}/state`, { action: 'login' }],
			['GET', Q], ['DELETE', `${Q}/sales`], ['GET', E], ['POST', E, { type: 'custom.x', topics: ['x'] }],
			['GET', '/api/v1/reasons'], ['GET', '/api/v1/stream'],
		];
		for (const [label, opts] of tokens) {
			for (const [method, p, body] of calls) {
				const path = typeof p === 'function' ? p() : p;
				const r = await api.request(method, path, body, opts);
				assert.equal(r.status, 401, `${label}: ${method} ${path} -> ${r.status} ${r.text}`);
				assertError(r, 401, 'unauthorized');
				assert.match(r.headers.get('www-authenticate') || '', /^Bearer\b/, `${method} ${path}`);
			}
		}
	});
	const h = await api.get('/healthz', { token: null });
	assert.equal(h.status, 200);
	assert.deepEqual(h.body, { status: 'ok' });
});

test('unknown route 404, wrong method 405 with Allow', async () => {
	await unchanged(async () => {
		for (const p of ['/api/v1/nope', '/nope', '/api/v2/agents', '/api/v1/agents/1/bogus', '/api/v1/queues/sales/x',
			'/api/v1/agents/', '/api/v1//agents', '/API/V1/AGENTS']) {
			assertError(await api.get(p), 404, 'not_found');
		}
		const cases = [
			['DELETE', A, ['GET', 'POST']],
			['PUT', () => `${A}/${agent.id}`, ['GET', 'PATCH', 'DELETE']],
			['POST', () => `${A}/${agent.id}`, ['GET', 'PATCH', 'DELETE']],
			['GET', () => `${A}/${agent.id}/state`, ['POST']],
			['POST', () => `${A}/${agent.id}/activities`, ['GET']],
			['POST', '/api/v1/reasons', ['GET']],
			['DELETE', E, ['GET', 'POST']],
			['PATCH', Q, ['GET', 'POST']],
			['PUT', `${Q}/sales`, ['GET', 'PATCH', 'DELETE']],
			['POST', () => `${Q}/sales/members/${agent.id}`, ['PUT', 'DELETE']],
			['DELETE', `${Q}/sales/members`, ['GET']],
			['POST', '/api/v1/stream', ['GET']],
			['POST', '/healthz', ['GET']],
		];
		for (const [method, p, allow] of cases) {
			const path = typeof p === 'function' ? p() : p;
			const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
			const r = await api.request(method, path, body);
			assertError(r, 405, 'method_not_allowed');
			const got = (r.headers.get('allow') || '').split(',').map((s) => s.trim()).filter(Boolean);
			for (const m of allow)
				assert.ok(got.includes(m), `${method} ${path}: Allow "${got}" lacks ${m}`);
			assert.ok(!got.includes(method), `${method} ${path}: Allow "${got}" includes ${method}`);
		}
	});
});

test('bad limit / cursor / since / topics -> 400 invalid_query', async () => {
	await unchanged(async () => {
		const queries = [
			`${A}?limit=0`, `${A}?limit=501`, `${A}?limit=abc`, `${A}?limit=-1`, `${A}?limit=1.5`, `${A}?limit=`,
			`${A}?limit=99999999999999999999`, `${A}?cursor=!!!`, `${A}?cursor=-5`,
			`${Q}?limit=0`, `${Q}?cursor=!!!`,
			() => `${A}/${agent.id}/activities?limit=0`, () => `${A}/${agent.id}/activities?cursor=!!!`,
			`${E}?since=abc`, `${E}?since=-1`, `${E}?cursor=abc`, `${E}?limit=501`, `${E}?limit=0`,
			`${E}?topics=a%20b`, `${E}?topics=a*b`, `${E}?topics=**`, `${E}?topics=x,,y`,
			`${E}?topics=${Array.from({ length: 65 }, (_, i) => `t${i}`).join(',')}`,
		];
		const wrong = [];
		for (const q of queries) {
			const p = typeof q === 'function' ? q() : q;
			const r = await api.get(p);
			try {
				assertError(r, 400, 'invalid_query');
			} catch {
				wrong.push(`${p} -> ${r.status} ${r.text.slice(0, 120)}`);
			}
		}
		assert.deepEqual(wrong, [], `not 400 invalid_query:\n${wrong.join('\n')}`);
		// 500 and 64 topics are still fine
		assert.equal((await api.get(`${A}?limit=500`)).status, 200);
		assert.equal((await api.get(`${E}?topics=${Array.from({ length: 64 }, (_, i) => `t${i}`).join(',')}`)).status, 200);
	});
});

test('stream: 426 without upgrade, 401 without token, 400 on a bad query', async () => {
	assertError(await api.get('/api/v1/stream'), 426, 'upgrade_required');
	for (const token of [null, 'bad-token']) {
		const err = await openStream(d, { topics: '*', token }).then(() => null, (e) => e);
		assert.ok(err, 'upgrade must be refused');
		assert.equal(err.status, 401, err.message);
		assert.match(err.headers['www-authenticate'] || '', /^Bearer\b/);
		assert.equal(err.body?.error?.code, 'unauthorized');
	}
	for (const q of [{ topics: 'a*b' }, { topics: '*', since: 'abc' }, { topics: '*', since: -3 }]) {
		const err = await openStream(d, q).then(() => null, (e) => e);
		assert.ok(err, `upgrade with ${JSON.stringify(q)} must be refused`);
		assert.equal(err.status, 400, err.message);
		assert.equal(err.body?.error?.code, 'invalid_query');
	}
});

test('raw TCP garbage gets 400/431 and the daemon stays up', async () => {
	const host = `Host: 127.0.0.1:${d.port}\r\n`;
	const cases = [
		['malformed request line', 'GARBAGE\r\n\r\n', 400],
		['request line without version', 'GET /healthz\r\n\r\n', 400],
		['bare LF line ends', `GET /healthz HTTP/1.1\n${host.trim()}\n\n`, 400],
		['header without colon', `GET /healthz HTTP/1.1\r\n${host}NoColonHere\r\n\r\n`, 400],
		['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400],
		['bad Content-Length', `POST /api/v1/events HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`, 400],
		['negative Content-Length', `POST /api/v1/events HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`, 400],
		['conflicting Content-Length', `POST /api/v1/events HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, 400],
		['huge header > 16 KiB', `GET /healthz HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431],
		['many headers totalling > 16 KiB',
			`GET /healthz HTTP/1.1\r\n${host}${Array.from({ length: 40 }, (_, i) => `X-H${i}: ${'b'.repeat(500)}\r\n`).join('')}\r\n`, 431],
	];
	for (const [label, text, status] of cases) {
		const res = await rawHttp(d.port, Buffer.from(text, 'latin1'));
		const p = parseRawResponse(res.data);
		assert.equal(p.status, status, `${label}: got ${JSON.stringify(res.data.slice(0, 200))}`);
		if (status === 400 && p.body)
			assert.equal(p.body.error?.code, 'bad_request', `${label}: ${res.data}`);
		const h = await api.get('/healthz', { token: null });
		assert.equal(h.status, 200, `alive after ${label}`);
	}
	// the same errors on a keep-alive connection that already served a request
	for (const [label, text, status] of [
		['malformed request line', 'GARBAGE\r\n\r\n', 400],
		['body over http_max_body', `POST /api/v1/events HTTP/1.1\r\n${host}Authorization: Bearer ${d.token}\r\n` +
			`Content-Type: application/json\r\nContent-Length: ${MAX_BODY + 10}\r\n\r\n${'x'.repeat(MAX_BODY + 10)}`, 413],
		['huge header', `GET /healthz HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431],
	]) {
		const res = await rawHttpKeepAlive(d.port, `GET /healthz HTTP/1.1\r\n${host}\r\n`, text);
		assert.equal(res.first, 200, `${label}: first request`);
		assert.equal(res.second, status,
			`${label} as the 2nd request on a keep-alive connection: got ${JSON.stringify(res.data.slice(0, 120))}`);
	}
	// binary noise: any 4xx or a plain close is fine, as long as we survive
	const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) & 0xff));
	const res = await rawHttp(d.port, noise);
	const p = parseRawResponse(res.data);
	assert.ok(p.status === null ? res.closed : p.status >= 400 && p.status < 500, `noise: ${res.data.slice(0, 100)}`);
	// a connection that sends half a request and goes away
	const half = await rawHttp(d.port, Buffer.from('GET /healthz HTTP/1.1\r\nHo'), { timeoutMs: 100 });
	assert.equal(half.data, '');
	// keep-alive still works after all of this
	const h = await api.get('/healthz', { token: null });
	assert.equal(h.status, 200);
	assert.equal((await api.get(A)).status, 200);
});

test('daemon shuts down cleanly', async () => {
	await d.stop();
});
