// Shared pieces of the IVR flow scenarios (flow_*.test.mjs): flows and
// the DIDs that run them over REST, the trace of a call's steps, its
// recordings, callers that press keys (RFC 4733, sipp playing pcaps:
// calls/uac_dtmf.xml, calls/uac_voicemail.xml), what those callers hear
// (every RTP packet Hotline sends them, decoded), and a local webhook
// receiver whose answers each test chooses.
//
// Media of a flow caller: sipp sends the keys and the voice message (raw
// socket, pcaps) from the port its SDP offers, -mp + 4, and a MediaTap (a
// node socket that only listens) is bound there: Hotline's relay latches
// onto the address it plays to, and the test hears every prompt, before
// and after the caller's keys.

import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import { sleep } from './daemon.mjs';
import { openStream } from './ws.mjs';
import { startSipDaemon, Watch, Scope, SLOW } from './calls.mjs';
import { startSipp, freeMediaPort } from './sipp.mjs';
import { RtpPeer, ulawToLinear, PT_PCMU, PT_PCMA } from './rtp.mjs';
import { alawToLinear, toneShare, rmsOf } from './acd.mjs';
import { loadOpenApi, validate } from './openapi.mjs';

export { SLOW, Scope, toneShare, rmsOf };

/** The telephone-event payload type every caller scenario offers. */
export const PT_TE = 101;

/** Flows keep callers waiting on silence; a silent caller must not hit
 *  the media timeout (CALL_CONFIG has 4 s). */
export const FLOW_CONFIG = { rtp_timeout_s: 30 };

// ------------------------------------------------------------- suite

/** A daemon with SIP and a Watch on calls, agents, queues and recordings
 *  (recording.created carries call:<id> and recording:<id>). */
export async function openFlowSuite({ config = {}, ...opts } = {}) {
	const d = await startSipDaemon({ config: { ...FLOW_CONFIG, ...config }, ...opts });
	const stream = await openStream(d, { topics: 'call:*,agent:*,queue:*,recording:*', label: 'flow stream' });
	return { d, watch: new Watch(stream) };
}

export async function closeFlowSuite(d, watch) {
	watch?.cleanup();
	if (d) {
		await d.stop();
		await d.cleanup();
	}
}

/** A Scope whose failure diagnostics include the suite's events. */
export function flowScope(d, watch) {
	const scope = new Scope(d);
	scope.add({ describe: () => watch.describe() });
	return scope;
}

// ------------------------------------------------------------- REST

let openapi = null;

/** Assert value against components/schemas/<name> of docs/openapi.yaml. */
export function assertSchema(name, value) {
	openapi ??= loadOpenApi();
	assert.deepEqual(validate(openapi, { $ref: `#/components/schemas/${name}` }, value), [],
		`${name} against the OpenAPI schema: ${JSON.stringify(value)}`);
}

/** POST /api/v1/flows: the document plus id (and name, default "Flow
 *  <id>"); asserts 201 and version 1; returns the representation. */
export async function createFlow(api, id, doc) {
	const body = { id, ...doc, name: doc.name ?? `Flow ${id}` };
	const r = await api.post('/api/v1/flows', body);
	assert.equal(r.status, 201, `create flow ${id}: ${r.text}`);
	assert.equal(r.body.id, id, `flow id (${r.text})`);
	assert.equal(r.body.version, 1, `a new flow is version 1 (${r.text})`);
	return r.body;
}

/** PUT /api/v1/flows/{id} with a new document; asserts 200; returns the
 *  representation (a new version). */
export async function updateFlow(api, id, doc) {
	const r = await api.put(`/api/v1/flows/${id}`, { ...doc, name: doc.name ?? `Flow ${id}` });
	assert.equal(r.status, 200, `update flow ${id}: ${r.text}`);
	return r.body;
}

/** A DID number running flow flowId; asserts 201. */
export async function flowDid(api, number, flowId) {
	const r = await api.post('/api/v1/dids', { number, name: `Flow ${flowId}`, target_type: 'flow',
		target: flowId });
	assert.equal(r.status, 201, `DID ${number} -> flow ${flowId}: ${r.text}`);
	assert.equal(r.body.target_type, 'flow', r.text);
	assert.equal(r.body.target, flowId, r.text);
	return r.body;
}

/** GET /api/v1/calls/{id}/trace; asserts 200, the CallTrace schema and
 *  call_id; returns its steps (the whole body is steps.body). */
export async function getTrace(api, callId) {
	const r = await api.get(`/api/v1/calls/${callId}/trace`);
	assert.equal(r.status, 200, `trace of ${callId}: ${r.text}`);
	assertSchema('CallTrace', r.body);
	assert.equal(r.body.call_id, callId, r.text);
	const steps = r.body.steps;
	steps.body = r.body;
	return steps;
}

export { getTrace as trace };

/** Poll the trace until pred(steps) holds (trace rows are written with
 *  the next event flush); returns the steps. */
export async function waitTrace(api, callId, pred, { what = 'trace condition', timeoutMs = 5000 * SLOW } = {}) {
	const deadline = Date.now() + timeoutMs;
	let steps = [];
	for (;;) {
		steps = await getTrace(api, callId);
		if (pred(steps))
			return steps;
		if (Date.now() > deadline)
			throw new Error(`trace of ${callId}: timed out waiting for ${what}: ${JSON.stringify(steps)}`);
		await sleep(50);
	}
}

/** The trace as [step, action, result, next] rows (compact asserts). */
export function traceRows(steps) {
	return steps.map((s) => [s.step, s.action, s.result, s.next]);
}

/** Poll GET /api/v1/recordings?call_id= until it lists one; returns the
 *  items. */
export async function waitRecording(api, callId, timeoutMs = 5000 * SLOW) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const r = await api.get(`/api/v1/recordings?call_id=${encodeURIComponent(callId)}`);
		assert.equal(r.status, 200, `recordings of ${callId}: ${r.text}`);
		assertSchema('RecordingPage', r.body);
		if (r.body.items.length)
			return r.body.items;
		if (Date.now() > deadline)
			throw new Error(`no recording of call ${callId} within ${timeoutMs} ms`);
		await sleep(50);
	}
}

// ------------------------------------------------------------- callers

const EVENT_OF = { 0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, '*': 10, '#': 11 };
export const KEY_OF_EVENT = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];
// the sequence numbers of sipp's dtmf pcaps grow in this order
const PCAP_ORDER = '123456789*#0';

/**
 * The sipp variables of calls/uac_dtmf.xml: keys (a string of up to
 * three, in the pcaps' order 1..9 * # 0, none twice), each pressed
 * pauses[i] ms after the answer / the previous key (a number: the same
 * for all); hangupMs 0 = wait for Hotline's BYE.
 */
export function dtmfVars(keys, pauses = 500, { hangupMs = 0 } = {}) {
	assert.ok(keys.length <= 3, `uac_dtmf.xml presses at most 3 keys, not "${keys}"`);
	let last = -1;
	const vars = { hangup_ms: hangupMs };
	[...keys].forEach((k, i) => {
		const at = PCAP_ORDER.indexOf(k);
		assert.ok(at > last, `keys "${keys}": the pcaps need the order ${PCAP_ORDER}, no repeats`);
		last = at;
		const p = Array.isArray(pauses) ? pauses[i] : pauses;
		assert.ok(p >= 200, `pause ${p} ms before key ${k}: at least 200 (a key lasts 140 ms)`);
		vars[`d${i + 1}`] = EVENT_OF[k] + 1;
		vars[`p${i + 1}`] = p;
	});
	return vars;
}

/**
 * Ports for a caller of uac_dtmf.xml / uac_voicemail.xml: sipp's -mp
 * (it binds that port and +2) and a MediaTap on -mp + 4, the port those
 * scenarios offer and send from. Returns {mediaPort, tap}.
 */
export async function callerMedia(label) {
	for (let i = 0; i < 20; i++) {
		const mediaPort = await freeMediaPort();
		const tap = await MediaTap.bind(mediaPort + 4, label);
		if (tap)
			return { mediaPort, tap };
	}
	throw new Error('no free port for a caller\'s media tap');
}

/**
 * A caller to number running scenario (uac_dtmf.xml by default) whose
 * media a MediaTap hears (callerMedia); waits for its call.created
 * (matched on from and to). Returns {sipp, tap, id, created}.
 */
export async function flowCaller(scope, watch, number, from, { scenario = 'uac_dtmf.xml', vars = {},
	keys = {}, timeoutS = 20 * SLOW, codecs = '0 8 101' } = {}) {
	const { mediaPort, tap } = await callerMedia(`caller ${from} media`);
	scope.add(tap);
	const sipp = scope.add(await startSipp(scenario, {
		remote: scope.d.sipAddr, service: number, timeoutS, vars, mediaPort,
		keys: { caller: from, codecs, ...keys }, label: `caller-${from}-to-${number}`,
	}));
	const created = await watch.created((x) => x.to === number && x.from === from);
	return { sipp, tap, id: created.id, created };
}

// ------------------------------------------------------------- media

/** Parse one RTP datagram (RFC 3550: CSRCs, extension, padding); null
 *  when it is not RTP. */
export function parseRtp(msg) {
	if (msg.length < 12 || (msg[0] >> 6) !== 2)
		return null;
	const cc = msg[0] & 0x0f;
	let off = 12 + 4 * cc;
	if (msg[0] & 0x10) {
		if (msg.length < off + 4)
			return null;
		off += 4 + 4 * msg.readUInt16BE(off + 2);
	}
	let end = msg.length;
	if (msg[0] & 0x20)
		end -= msg[msg.length - 1];
	if (off > end)
		return null;
	return {
		pt: msg[1] & 0x7f, marker: (msg[1] & 0x80) !== 0, seq: msg.readUInt16BE(2),
		ts: msg.readUInt32BE(4), ssrc: msg.readUInt32BE(8), payload: Buffer.from(msg.subarray(off, end)),
	};
}

/**
 * Everything an RTP socket receives: packets [{at (performance.now()),
 * wall (Date.now()), src, pt, marker, seq, ts, ssrc, payload, samples
 * (decoded G.711, or null)}]. open() binds its own socket (an RtpPeer
 * that never sends); attach(sock) listens on another one.
 */
export class MediaTap {
	static async open(label = 'tap') {
		const peer = await RtpPeer.open(label);
		const tap = new MediaTap(peer.sock, label);
		tap.peer = peer;
		return tap;
	}

	/** A tap on 127.0.0.1:port; null when the port is taken. */
	static async bind(port, label = 'tap') {
		const sock = dgram.createSocket('udp4');
		const ok = await new Promise((resolve) => {
			sock.once('error', () => resolve(false));
			sock.bind(port, '127.0.0.1', () => resolve(true));
		});
		if (!ok) {
			sock.close();
			return null;
		}
		sock.on('error', () => {});
		const tap = new MediaTap(sock, label);
		tap.sock = sock;
		return tap;
	}

	constructor(sock, label) {
		this.label = label;
		this.port = sock.address().port;
		this.packets = [];
		sock.on('message', (msg, rinfo) => {
			const p = parseRtp(msg);
			if (!p)
				return;
			p.at = performance.now();
			p.wall = Date.now();
			p.src = `${rinfo.address}:${rinfo.port}`;
			p.samples = null;
			if (p.pt === PT_PCMU || p.pt === PT_PCMA)
				p.samples = Int16Array.from(p.payload, p.pt === PT_PCMU ? ulawToLinear : alawToLinear);
			this.packets.push(p);
		});
	}

	/** The audio packets (G.711), optionally those in [t0, t1). */
	audio(t0 = 0, t1 = Infinity) {
		return this.packets.filter((p) => p.samples && p.at >= t0 && p.at < t1);
	}

	/** RFC 4733 events received (see dtmfEvents). */
	dtmf(pt = PT_TE) {
		return dtmfEvents(this.packets, pt);
	}

	/** Wait until pred(packets) holds. */
	async waitFor(pred, what, timeoutMs = 5000 * SLOW) {
		const deadline = Date.now() + timeoutMs;
		while (!pred(this.packets)) {
			if (Date.now() > deadline)
				throw new Error(`${this.label}: timed out waiting for ${what}: ${this.summary()}`);
			await sleep(20);
		}
	}

	summary() {
		const by = {};
		for (const p of this.packets) {
			const k = `${p.src} ssrc ${p.ssrc} pt ${p.pt}`;
			by[k] = (by[k] || 0) + 1;
		}
		return `${this.label}: port ${this.port}, ${this.packets.length} packets: ${JSON.stringify(by)}`;
	}

	close() {
		this.peer?.close();
		try {
			this.sock?.close();
		} catch {
			// closed
		}
	}
}

/**
 * The RFC 4733 events among packets of payload type pt, in arrival
 * order: one per (SSRC, timestamp): {key, event, ssrc, ts, src, marker
 * (its first packet had the marker bit), ended (an end packet came),
 * duration (the largest, in timestamp units), volume, packets, at (first
 * packet, performance.now()), endAt}.
 */
export function dtmfEvents(packets, pt = PT_TE) {
	const out = [];
	const byKey = new Map();
	for (const p of packets) {
		if (p.pt !== pt || p.payload.length < 4)
			continue;
		const k = `${p.ssrc}:${p.ts}`;
		const end = (p.payload[1] & 0x80) !== 0;
		let e = byKey.get(k);
		if (!e) {
			e = { key: KEY_OF_EVENT[p.payload[0]] ?? `?${p.payload[0]}`, event: p.payload[0], ssrc: p.ssrc,
				ts: p.ts, src: p.src, marker: p.marker, ended: false, duration: 0,
				volume: p.payload[1] & 0x3f, packets: 0, at: p.at, endAt: null };
			byKey.set(k, e);
			out.push(e);
		}
		e.packets++;
		e.duration = Math.max(e.duration, p.payload.readUInt16BE(2));
		if (end && !e.ended) {
			e.ended = true;
			e.endAt = p.at;
		}
	}
	return out;
}

/** Per audio packet: {at, ms (its length), rms}. */
export function levels(packets) {
	return packets.filter((p) => p.samples).map((p) => ({ at: p.at, ms: p.samples.length / 8, rms: rmsOf(p.samples) }));
}

/**
 * Stretches of sound among audio packets: runs of packets whose RMS is
 * over threshold, merged across quiet gaps shorter than gapMs (the
 * pauses between words). [{start, end (performance.now() of the first
 * and last loud packet), ms (loud audio in it)}].
 */
export function bursts(packets, { threshold = 300, gapMs = 500 } = {}) {
	const out = [];
	let cur = null;
	for (const l of levels(packets)) {
		if (l.rms <= threshold)
			continue;
		if (cur && l.at - cur.end <= gapMs) {
			cur.end = l.at;
			cur.ms += l.ms;
		} else {
			cur = { start: l.at, end: l.at, ms: l.ms };
			out.push(cur);
		}
	}
	return out;
}

/** Milliseconds of audio over threshold among packets. */
export function audibleMs(packets, threshold = 300) {
	return levels(packets).filter((l) => l.rms > threshold).reduce((a, l) => a + l.ms, 0);
}

/** The decoded samples of packets, concatenated. */
export function samplesOf(packets) {
	const n = packets.reduce((a, p) => a + (p.samples ? p.samples.length : 0), 0);
	const out = new Float64Array(n);
	let i = 0;
	for (const p of packets) {
		if (p.samples) {
			out.set(p.samples, i);
			i += p.samples.length;
		}
	}
	return out;
}

// ------------------------------------------------------------- WAV

/**
 * Parse a WAV file strictly as Hotline writes recordings: RIFF/WAVE, a
 * PCM fmt chunk (format 1, mono, 8000 Hz, 16 bits), the RIFF and data
 * sizes agreeing with the file. Returns {rate, channels, bits, samples
 * (Int16Array), durationMs}; throws on anything else.
 */
export function parseWav(buf) {
	const fail = (why) => {
		throw new Error(`WAV (${buf.length} bytes): ${why}`);
	};
	if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE')
		fail('no RIFF/WAVE header');
	if (buf.readUInt32LE(4) !== buf.length - 8)
		fail(`RIFF size ${buf.readUInt32LE(4)}, file has ${buf.length - 8} bytes after it`);
	let off = 12, fmt = null, data = null;
	while (off + 8 <= buf.length) {
		const id = buf.toString('latin1', off, off + 4);
		const size = buf.readUInt32LE(off + 4);
		const body = off + 8;
		if (body + size > buf.length)
			fail(`chunk ${id} of ${size} bytes runs past the end`);
		if (id === 'fmt ') {
			fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2),
				rate: buf.readUInt32LE(body + 4), byteRate: buf.readUInt32LE(body + 8),
				align: buf.readUInt16LE(body + 12), bits: buf.readUInt16LE(body + 14) };
		} else if (id === 'data') {
			data = buf.subarray(body, body + size);
		}
		off = body + size + (size & 1);
	}
	if (!fmt || !data)
		fail('no fmt or data chunk');
	assert.deepEqual(fmt, { format: 1, channels: 1, rate: 8000, byteRate: 16000, align: 2, bits: 16 },
		'WAV format: PCM 16-bit mono 8 kHz');
	if (data.length % 2)
		fail(`odd data size ${data.length}`);
	const samples = new Int16Array(data.length / 2);
	for (let i = 0; i < samples.length; i++)
		samples[i] = data.readInt16LE(2 * i);
	return { rate: fmt.rate, channels: fmt.channels, bits: fmt.bits, samples, durationMs: samples.length / 8 };
}

/** Milliseconds of samples (8 kHz) in 20 ms frames whose RMS is over
 *  threshold. */
export function wavAudibleMs(samples, threshold = 300) {
	let ms = 0;
	for (let i = 0; i + 160 <= samples.length; i += 160) {
		if (rmsOf(samples.subarray(i, i + 160)) > threshold)
			ms += 20;
	}
	return ms;
}

// ------------------------------------------------------------- webhooks

/**
 * A local HTTP server standing in for a customer's webhook endpoint.
 * requests: [{at, method, path, headers, text, json (parsed body or
 * null)}]. on(path, h): h(request) returns (or resolves) {status = 200,
 * body (object: sent as JSON; string: as is), delayMs (answer that much
 * later), contentType}; paths without a handler get 404.
 */
export class WebhookServer {
	static async start(label = 'webhook') {
		const w = new WebhookServer(label);
		await new Promise((resolve, reject) => {
			w.server.once('error', reject);
			w.server.listen(0, '127.0.0.1', resolve);
		});
		w.port = w.server.address().port;
		return w;
	}

	constructor(label) {
		this.label = label;
		this.requests = [];
		this.handlers = new Map();
		this.waiters = new Set();
		this.server = http.createServer((req, res) => this.onRequest(req, res));
	}

	url(p) {
		return `http://127.0.0.1:${this.port}${p}`;
	}

	on(path, h) {
		this.handlers.set(path, h);
		return this;
	}

	onRequest(req, res) {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', async () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let json = null;
			try {
				json = JSON.parse(text);
			} catch {
				json = null;
			}
			const path = req.url.split('?')[0];
			const rec = { at: performance.now(), method: req.method, url: req.url, path, headers: req.headers,
				text, json, closedEarly: false };
			res.on('close', () => {
				if (!res.writableFinished)
					rec.closedEarly = true;
			});
			this.requests.push(rec);
			for (const w of this.waiters)
				w();
			const h = this.handlers.get(path);
			const a = h ? await h(rec) : { status: 404, body: { error: 'no handler' } };
			if (a.delayMs)
				await sleep(a.delayMs);
			if (res.destroyed)
				return;
			const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {});
			res.writeHead(a.status ?? 200, { 'content-type': a.contentType ?? 'application/json' });
			res.end(body);
		});
	}

	/** Wait for a request satisfying pred; returns it. */
	waitRequest(pred = () => true, { timeoutMs = 5000 * SLOW, what = 'a webhook request' } = {}) {
		return new Promise((resolve, reject) => {
			const check = () => {
				const r = this.requests.find(pred);
				if (r) {
					done();
					resolve(r);
				}
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms: ${this.describe()}`));
			}, timeoutMs);
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(check);
			};
			this.waiters.add(check);
			check();
		});
	}

	describe() {
		return `--- ${this.label} (port ${this.port}): ${this.requests.length} requests\n` +
			this.requests.map((r) => `${r.method} ${r.url} ${r.text.slice(0, 600)}`).join('\n');
	}

	close() {
		this.server.closeAllConnections();
		this.server.close();
	}
}
