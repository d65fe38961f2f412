// Start, stop and talk to the real hotline binary (process.env.HOTLINE_BIN).
//
// Every daemon gets a fresh temp directory holding its config file and its
// data dir, a free loopback port and (unless told otherwise) a random admin
// token in HOTLINE_ADMIN_TOKEN. stop() sends SIGTERM and asserts a clean
// exit: code 0, "hotline: stopped" logged, no ERROR lines, no WARN lines
// other than whitelisted ones, no sanitizer output.

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BIN = process.env.HOTLINE_BIN;

const HEALTH_POLL_MS = 20;
const HEALTH_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 10000;

const SANITIZER = /AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:|UndefinedBehaviorSanitizer/;

/** Fail fast with a clear message when HOTLINE_BIN is not set. */
export function requireBin() {
	assert.ok(BIN, 'set HOTLINE_BIN to the hotline binary (e.g. build/test/hotline)');
	return BIN;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

/** A port free on 127.0.0.1 for both TCP and UDP (SIP listens on both). */
export async function freeSipPort() {
	for (let i = 0; i < 50; i++) {
		const port = await freePort();
		const udp = dgram.createSocket('udp4');
		const ok = await new Promise((resolve) => {
			udp.once('error', () => resolve(false));
			udp.bind(port, '127.0.0.1', () => resolve(true));
		});
		await new Promise((r) => (ok ? udp.close(r) : r()));
		if (ok)
			return port;
	}
	throw new Error('no port free for both TCP and UDP');
}

export function randomToken() {
	return crypto.randomBytes(32).toString('base64url');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn() every intervalMs until it returns a truthy value. */
export async function until(fn, { timeoutMs = 5000, intervalMs = 20, what = 'condition' } = {}) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(intervalMs);
	}
}

/** Run `$HOTLINE_BIN args...`; resolves {code, stdout, stderr}. */
export function runBin(args, { timeoutMs = 10000 } = {}) {
	requireBin();
	return new Promise((resolve) => {
		execFile(BIN, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
			resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr });
		});
	});
}

// ---------------------------------------------------------------- API client

/** A small fetch-based client. Every call resolves
 *  {status, headers, body (parsed JSON or null), text, ms (receive time,
 *  performance.now())}. opts: {headers, token (null = no Authorization),
 *  raw (string/Buffer sent as is), contentType}. */
export class Api {
	constructor(baseUrl, token) {
		this.baseUrl = baseUrl;
		this.token = token;
		this.log = [];   // every response, for whole-run checks
	}

	async request(method, urlPath, body, opts = {}) {
		const headers = { ...(opts.headers || {}) };
		const token = opts.token === undefined ? this.token : opts.token;
		if (token !== null && token !== undefined)
			headers.authorization = `Bearer ${token}`;
		let payload;
		if (opts.raw !== undefined) {
			payload = typeof opts.raw === 'string' ? Buffer.from(opts.raw) : opts.raw;
			if (opts.contentType)
				headers['content-type'] = opts.contentType;
		} else if (body !== undefined) {
			payload = JSON.stringify(body);
			headers['content-type'] = opts.contentType || 'application/json';
		}
		const timeoutMs = opts.timeoutMs ?? 5000;
		let res;
		try {
			res = await fetch(this.baseUrl + urlPath, {
				method, headers, body: payload, redirect: 'manual',
				signal: AbortSignal.timeout(timeoutMs),
			});
		} catch (e) {
			const why = e.name === 'TimeoutError' ? `no response within ${timeoutMs} ms`
				: `${e.message} (${e.cause?.code || e.cause?.message || ''})`;
			throw new Error(`${method} ${urlPath}: ${why}`);
		}
		const text = await res.text();
		const ms = performance.now();
		let json = null;
		if (text.length) {
			try {
				json = JSON.parse(text);
			} catch {
				json = null;
			}
		}
		const out = { status: res.status, headers: res.headers, body: json, text, ms };
		this.log.push({ method, path: urlPath, ...out });
		return out;
	}

	get(p, opts) { return this.request('GET', p, undefined, opts); }
	post(p, body, opts) { return this.request('POST', p, body, opts); }
	patch(p, body, opts) { return this.request('PATCH', p, body, opts); }
	put(p, body, opts) { return this.request('PUT', p, body, opts); }
	del(p, opts) { return this.request('DELETE', p, undefined, opts); }

	/** Follow next_cursor through a whole collection; returns all items. */
	async all(p, { limit = 500, param = 'cursor' } = {}) {
		const items = [];
		let cursor = null;
		for (let guard = 0; guard < 10000; guard++) {
			const sep = p.includes('?') ? '&' : '?';
			const url = `${p}${sep}limit=${limit}` +
				(cursor !== null ? `&${param}=${encodeURIComponent(cursor)}` : '');
			const r = await this.get(url);
			assert.equal(r.status, 200, `GET ${url}: ${r.text}`);
			items.push(...r.body.items);
			if (r.body.next_cursor === null || r.body.next_cursor === undefined)
				return items;
			if (r.body.items.length === 0)
				return items;
			cursor = r.body.next_cursor;
		}
		throw new Error(`pagination of ${p} does not end`);
	}
}

/** Assert an error response: status, JSON body {"error":{code,message[,field]}},
 *  Content-Type application/json. field: expected field, or undefined to
 *  require its absence, or null to not check. */
export function assertError(res, status, code, field = null) {
	const ctx = `${res.status} ${res.text}`;
	assert.equal(res.status, status, `status (${ctx})`);
	assert.match(res.headers.get('content-type') || '', /^application\/json\b/i,
		`content-type of the error (${ctx})`);
	assert.ok(res.body && typeof res.body.error === 'object', `error body (${ctx})`);
	assert.equal(res.body.error.code, code, `error code (${ctx})`);
	assert.equal(typeof res.body.error.message, 'string', `error message (${ctx})`);
	assert.ok(res.body.error.message.length > 0, `empty error message (${ctx})`);
	if (field !== null)
		assert.equal(res.body.error.field, field, `error field (${ctx})`);
}

export const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// ------------------------------------------------------------------- daemon

function confText(conf) {
	return Object.entries(conf)
		.filter(([, v]) => v !== undefined && v !== null)
		.map(([k, v]) => `${k} ${v}`).join('\n') + '\n';
}

/**
 * A running (or stopped) daemon.
 * opts:
 *   config      extra config keys ({ws_send_buffer: 65536, ...})
 *   adminToken  token put in HOTLINE_ADMIN_TOKEN; null = leave it unset
 *   allowWarn   array of RegExp: WARN lines matching one are accepted
 *   args        extra command line arguments
 *   port        the port to poll (default: a free one, put in http_listen)
 *   sip         true: SIP (UDP and TCP) on a free loopback port and RTP on
 *               a random port range of its own (sip_listen, rtp_ports;
 *               kept across restarts): this.sipPort, this.sipAddr
 *               ("127.0.0.1:port"), this.rtpPorts ([min, max]);
 *               'flags': the same, given as --sip and --rtp-ports
 */
export class Daemon {
	constructor(opts = {}) {
		this.opts = opts;
		this.config = { ...(opts.config || {}) };
		// envToken goes into HOTLINE_ADMIN_TOKEN (null: unset); token is
		// what the clients send (settable, e.g. to a generated token).
		this.envToken = opts.adminToken === undefined ? randomToken() : opts.adminToken;
		this.token = this.envToken;
		this.allowWarn = opts.allowWarn || [];
		this.runs = [];       // one {stdout, stderr, code, signal} per start
		this.proc = null;
	}

	/** Output of the current (last) run. */
	get stdout() { return this.run ? this.run.stdout : ''; }
	get stderr() { return this.run ? this.run.stderr : ''; }
	get output() { return this.stdout + this.stderr; }
	get run() { return this.runs[this.runs.length - 1]; }
	get url() { return `http://127.0.0.1:${this.port}`; }

	async start() {
		requireBin();
		if (!this.root) {
			this.root = await fs.mkdtemp(path.join(os.tmpdir(), 'hotline-e2e-'));
			this.dataDir = path.join(this.root, 'data');
			await fs.mkdir(this.dataDir);
			this.configPath = path.join(this.root, 'hotline.conf');
		}
		this.port = this.opts.port ?? await freePort();
		if (this.opts.sip && !this.sipPort) {
			this.sipPort = await freeSipPort();
			this.sipAddr = `127.0.0.1:${this.sipPort}`;
			// above the ephemeral range (32768-60999): clients' sockets
			// do not land in it
			const base = 61000 + 2 * Math.floor(Math.random() * 2150);
			this.rtpPorts = [base, base + 199];
		}
		const conf = {
			http_listen: `127.0.0.1:${this.port}`,
			data_dir: this.dataDir,
			log_level: process.env.HOTLINE_E2E_LOG || 'info',
			...(this.sipPort && this.opts.sip !== 'flags' ? { sip_listen: this.sipAddr,
				rtp_ports: `${this.rtpPorts[0]}-${this.rtpPorts[1]}` } : {}),
			...this.config,
		};
		await fs.writeFile(this.configPath, confText(conf));

		const env = { ...process.env };
		delete env.HOTLINE_ADMIN_TOKEN;
		if (this.envToken !== null)
			env.HOTLINE_ADMIN_TOKEN = this.envToken;
		// Sanitizer reports must reach us and fail the run.
		env.ASAN_OPTIONS = env.ASAN_OPTIONS || 'detect_leaks=1:abort_on_error=0';
		env.UBSAN_OPTIONS = env.UBSAN_OPTIONS || 'print_stacktrace=1';

		const run = { stdout: '', stderr: '', code: undefined, signal: undefined };
		this.runs.push(run);
		const sipFlags = this.sipPort && this.opts.sip === 'flags' ?
			['--sip', this.sipAddr, '--rtp-ports', `${this.rtpPorts[0]}-${this.rtpPorts[1]}`] : [];
		const proc = spawn(BIN, ['--config', this.configPath, ...sipFlags, ...(this.opts.args || [])],
			{ env, stdio: ['ignore', 'pipe', 'pipe'] });
		this.proc = proc;
		proc.stdout.setEncoding('utf8');
		proc.stderr.setEncoding('utf8');
		proc.stdout.on('data', (d) => { run.stdout += d; });
		proc.stderr.on('data', (d) => { run.stderr += d; });
		run.exited = new Promise((resolve) => {
			proc.on('exit', (code, signal) => {
				run.code = code;
				run.signal = signal;
				resolve();
			});
			proc.on('error', (err) => {
				run.stderr += `\n[spawn error] ${err.message}\n`;
				run.code = -1;
				resolve();
			});
		});

		const deadline = Date.now() + HEALTH_TIMEOUT_MS;
		for (;;) {
			if (run.code !== undefined) {
				throw new Error(`hotline exited during start (code ${run.code}, ` +
					`signal ${run.signal}):\n${this.output}`);
			}
			try {
				const r = await fetch(`${this.url}/healthz`);
				await r.text();
				if (r.status === 200)
					break;
			} catch {
				// not listening yet
			}
			if (Date.now() > deadline) {
				this.kill();
				throw new Error(`hotline did not answer /healthz within ${HEALTH_TIMEOUT_MS} ms:\n${this.output}`);
			}
			await sleep(HEALTH_POLL_MS);
		}
		this.api = new Api(this.url, this.token);
		return this;
	}

	/** Wait until the current run's stdout matches re; returns the match. */
	async waitStdout(re, timeoutMs = 5000) {
		return until(() => this.stdout.match(re), { timeoutMs, what: `stdout ${re}` });
	}

	/** Lines of the current run's output that break the rules. */
	badLines() {
		const bad = [];
		for (const line of this.output.split('\n')) {
			if (SANITIZER.test(line))
				bad.push(line);
			else if (/\bERROR\b/.test(line))
				bad.push(line);
			else if (/\bWARN(ING)?\b/.test(line) &&
				 !this.allowWarn.some((re) => re.test(line)))
				bad.push(line);
		}
		return bad;
	}

	/** SIGTERM (or signal); assert exit 0, "hotline: stopped", clean log. */
	async stop(signal = 'SIGTERM') {
		const run = this.run;
		assert.ok(this.proc, 'daemon was never started');
		if (run.code === undefined) {
			this.proc.kill(signal);
			const t = setTimeout(() => this.proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
			await run.exited;
			clearTimeout(t);
		}
		this.proc = null;
		assert.equal(run.signal, null, `hotline was killed by ${run.signal}:\n${this.output}`);
		assert.equal(run.code, 0, `hotline exit code:\n${this.output}`);
		assert.match(run.stderr + run.stdout, /hotline: stopped/,
			`no "hotline: stopped" line:\n${this.output}`);
		const bad = this.badLines();
		assert.deepEqual(bad, [], `unexpected log lines:\n${this.output}`);
		// secrets never reach the log (a generated token is shown once on
		// stdout by design, never on stderr)
		if (this.token)
			assert.ok(!run.stderr.includes(this.token), 'the admin token is in the log');
		assert.doesNotMatch(run.stderr, /pw-\d+-secret/, 'an agent password is in the log');
	}

	/** Stop cleanly and start again on the same data dir. */
	async restart() {
		await this.stop();
		return this.start();
	}

	/** Hard kill (cleanup after a failed test); never throws. */
	kill() {
		if (this.proc && this.run && this.run.code === undefined) {
			try {
				this.proc.kill('SIGKILL');
			} catch {
				// gone
			}
		}
		this.proc = null;
	}

	/** Remove the temp directory (after stop/kill). */
	async cleanup() {
		this.kill();
		if (this.root && !process.env.HOTLINE_E2E_KEEP)
			await fs.rm(this.root, { recursive: true, force: true });
	}
}

/** Start a daemon; shorthand for new Daemon(opts).start(). */
export async function startDaemon(opts) {
	const d = new Daemon(opts);
	await d.start();
	return d;
}

// -------------------------------------------------------------- raw TCP

/** Send raw bytes to host:port and collect everything the server sends
 *  until it closes or timeoutMs passes (or, with untilResponse, as soon as a
 *  full response head and its Content-Length body arrived).
 *  Resolves {data (string), closed (bool), error}. */
export function rawHttp(port, bytes, { timeoutMs = 3000, untilResponse = true } = {}) {
	return new Promise((resolve) => {
		const sock = net.connect(port, '127.0.0.1');
		let data = Buffer.alloc(0);
		let done = false;
		let error = null;
		const finish = (closed) => {
			if (done)
				return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			resolve({ data: data.toString('latin1'), closed, error });
		};
		const timer = setTimeout(() => finish(false), timeoutMs);
		sock.on('connect', () => sock.write(bytes));
		sock.on('data', (d) => {
			data = Buffer.concat([data, d]);
			if (untilResponse) {
				const s = data.toString('latin1');
				const end = s.indexOf('\r\n\r\n');
				if (end >= 0) {
					const m = s.slice(0, end).match(/\r\ncontent-length:\s*(\d+)/i);
					const len = m ? Number(m[1]) : 0;
					if (data.length >= end + 4 + len)
						finish(false);
				}
			}
		});
		sock.on('error', (e) => { error = e; });
		sock.on('close', () => finish(true));
	});
}

/** Send a first request, wait for its complete response, then send a
 *  second one on the same connection. Resolves {first, second (statuses
 *  or null), data (everything after the first response)}. */
export function rawHttpKeepAlive(port, firstText, secondText, { timeoutMs = 3000 } = {}) {
	return new Promise((resolve) => {
		const sock = net.connect(port, '127.0.0.1');
		let buf = '';
		let first = null;
		let rest = '';
		let done = false;
		const finish = () => {
			if (done)
				return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			const p = parseRawResponse(rest);
			resolve({ first, second: p.status, data: rest });
		};
		const timer = setTimeout(finish, timeoutMs);
		sock.on('connect', () => sock.write(firstText));
		sock.on('data', (d) => {
			if (first !== null) {
				rest += d.toString('latin1');
				if (/\r\n\r\n/.test(rest))
					finish();
				return;
			}
			buf += d.toString('latin1');
			const end = buf.indexOf('\r\n\r\n');
			if (end < 0)
				return;
			const m = buf.slice(0, end).match(/\r\ncontent-length:\s*(\d+)/i);
			const len = m ? Number(m[1]) : 0;
			if (buf.length < end + 4 + len)
				return;
			first = parseRawResponse(buf).status;
			rest = buf.slice(end + 4 + len);
			sock.write(secondText);
		});
		sock.on('error', () => {});
		sock.on('close', finish);
	});
}

/** Parse "HTTP/1.1 431 ..." head; returns {status, headers, body}. */
export function parseRawResponse(text) {
	const end = text.indexOf('\r\n\r\n');
	const head = end >= 0 ? text.slice(0, end) : text;
	const lines = head.split('\r\n');
	const m = lines[0].match(/^HTTP\/1\.[01] (\d{3})/);
	const headers = {};
	for (const l of lines.slice(1)) {
		const i = l.indexOf(':');
		if (i > 0)
			headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
	}
	let body = null;
	if (end >= 0) {
		try {
			body = JSON.parse(text.slice(end + 4));
		} catch {
			body = null;
		}
	}
	return { status: m ? Number(m[1]) : null, headers, body };
}

// ------------------------------------------------------------ shorthands

let seqName = 0;

/** A valid agent body with unique extension. */
export function agentBody(over = {}) {
	seqName++;
	return {
		name: `Agent ${seqName}`,
		extension: `${1000 + seqName}`,
		password: `pw-${seqName}-secret`,
		...over,
	};
}

/** Create an agent; asserts 201; returns the representation. */
export async function createAgent(api, over = {}) {
	const r = await api.post('/api/v1/agents', agentBody(over));
	assert.equal(r.status, 201, `create agent: ${r.text}`);
	return r.body;
}

/** Create a queue; asserts 201; returns the representation. */
export async function createQueue(api, id, over = {}) {
	const r = await api.post('/api/v1/queues', { id, name: `Queue ${id}`, ...over });
	assert.equal(r.status, 201, `create queue ${id}: ${r.text}`);
	return r.body;
}

/** POST /agents/{id}/state; asserts 200; returns the response. */
export async function agentAction(api, id, action, reason) {
	const body = reason === undefined ? { action } : { action, reason };
	const r = await api.post(`/api/v1/agents/${id}/state`, body);
	assert.equal(r.status, 200, `${action} ${reason ?? ''} on agent ${id}: ${r.text}`);
	return r;
}

/** Does a topic match a subscription pattern (contract semantics)? */
export function topicMatch(pattern, topic) {
	if (pattern === '*')
		return true;
	if (pattern.endsWith('*'))
		return topic.startsWith(pattern.slice(0, -1));
	return pattern === topic;
}

export function eventMatches(patterns, ev) {
	return ev.topics.some((t) => patterns.some((p) => topicMatch(p, t)));
}
