// Shared pieces of the ACD scenarios (acd_*.test.mjs): queues, members and
// DIDs leading to them over REST, agents made ready, the task.* /
// queue.stats / agent.state_changed events of the stream, callers that
// Hotline answers and queues, and what their RTP carries (which tone,
// from whom), so that "the caller hears music" is an assertion.

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { sleep } from './daemon.mjs';
import { openStream } from './ws.mjs';
import { startSipDaemon, Watch, Scope, dial, attachMedia, assertCallSchema, SLOW } from './calls.mjs';
import { ulawToLinear, writeToneWav, RtpPeer, PT_PCMU, PT_PCMA } from './rtp.mjs';
import { startSippAgent } from './sipp.mjs';

/** How much longer peers hold a call under valgrind (where SLOW is 10):
 *  long enough for the slowed daemon, without stretching every test
 *  tenfold. */
export const SLOWISH = SLOW > 1 ? 3 : 1;

// ------------------------------------------------------------- suite

/** A daemon with SIP (opts as startSipDaemon) and a Watch on the events
 *  of calls, agents and queues (task.* carry call:<id>, queue.stats only
 *  queue:<id>). */
export async function openAcdSuite(opts = {}) {
	const d = await startSipDaemon(opts);
	const stream = await openStream(d, { topics: 'call:*,agent:*,queue:*', label: 'acd stream' });
	return { d, watch: new Watch(stream) };
}

/** A Scope whose failure diagnostics include the suite's events. */
export function acdScope(d, watch) {
	const scope = new Scope(d);
	scope.add({ describe: () => watch.describe() });
	return scope;
}

export async function closeAcdSuite(d, watch) {
	watch?.cleanup();
	if (d) {
		await d.stop();
		await d.cleanup();
	}
}

/** A temp directory removed by scope cleanup. */
export async function tempDir(scope, prefix = 'hotline-acd-') {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
	scope.add({ cleanup: () => (process.env.HOTLINE_E2E_KEEP ? null : fs.rm(dir, { recursive: true, force: true })) });
	return dir;
}

/** A WAV file (8 kHz, 16-bit mono PCM) of a freq Hz tone, in a temp dir. */
export async function toneWav(scope, freq, seconds = 10) {
	const file = path.join(await tempDir(scope), `tone-${freq}.wav`);
	await writeToneWav(file, { seconds, rate: 8000, freq, amp: 8000 });
	return file;
}

// ------------------------------------------------------------- REST

/** Create a queue (short offer timeout, no wrap-up unless over says
 *  otherwise); asserts 201 and that every given setting was kept. */
export async function makeQueue(api, id, over = {}) {
	const body = { id, name: `Queue ${id}`, offer_timeout_s: 5, wrap_up_s: 0, ...over };
	const r = await api.post('/api/v1/queues', body);
	assert.equal(r.status, 201, `create queue ${id}: ${r.text}`);
	for (const [k, v] of Object.entries(body))
		assert.deepEqual(r.body[k], v, `queue ${id}: ${k} kept (${r.text})`);
	return r.body;
}

/** PUT a membership; asserts 200/201. */
export async function addMember(api, queueId, agentId, { tier = 1, position } = {}) {
	const body = position === undefined ? { tier } : { tier, position };
	const r = await api.put(`/api/v1/queues/${queueId}/members/${agentId}`, body);
	assert.ok(r.status === 200 || r.status === 201, `member ${agentId} of ${queueId}: ${r.status} ${r.text}`);
	return r.body;
}

/** A DID number routed to queueId; asserts 201. */
export async function queueDid(api, number, queueId) {
	const r = await api.post('/api/v1/dids', { number, name: `Line of ${queueId}`, target_type: 'queue',
		target: queueId });
	assert.equal(r.status, 201, `DID ${number} -> queue ${queueId}: ${r.text}`);
	assert.equal(r.body.target_type, 'queue');
	assert.equal(r.body.target, queueId);
	return r.body;
}

/** POST /agents/{id}/state {action[, reason]}; asserts 200. */
export async function agentState(api, id, action, reason) {
	const body = reason === undefined ? { action } : { action, reason };
	const r = await api.post(`/api/v1/agents/${id}/state`, body);
	assert.equal(r.status, 200, `${action} ${reason ?? ''} on agent ${id}: ${r.text}`);
	return r.body.state;
}

/** Log the agent in and make it ready; returns the state. */
export async function loginReady(api, id) {
	await agentState(api, id, 'login');
	return agentState(api, id, 'ready');
}

export async function getStats(api, queueId) {
	const r = await api.get(`/api/v1/queues/${queueId}/stats`);
	assert.equal(r.status, 200, `stats of ${queueId}: ${r.text}`);
	return r.body;
}

export function wrapUp(api, agentId, body) {
	return api.post(`/api/v1/agents/${agentId}/wrap_up`, body);
}

/**
 * An agent's phone as lib/calls.mjs agentPhone (sipp UAS registered with
 * digest, an RTP endpoint as its media), registered for an hour so that
 * no binding expires during slow runs (valgrind). Returns {uas, port,
 * reg, rtp, media}.
 */
export async function acdPhone(scope, agent, { scenario = 'uas_answer.xml', vars = {}, calls = 1,
	timeoutS = 30 * SLOW, rtp: withRtp = true } = {}) {
	const rtp = scope.add(await RtpPeer.open(`agent ${agent.extension} media`));
	const phone = await startSippAgent({
		registrar: scope.d.sipAddr, ext: agent.extension, password: agent.password, expires: 3600,
		scenario, vars, keys: { rtp_port: rtp.port }, calls, timeoutS, label: `agent-${agent.extension}`,
	});
	scope.add(phone.uas);
	scope.add(phone.reg);
	phone.rtp = rtp;
	phone.media = withRtp ? attachMedia(phone.uas, rtp) : phone.uas.media().catch(() => null);
	return phone;
}

// ------------------------------------------------------------- events

/** Index of the next event to arrive (for waits "from now on"). */
export function mark(watch) {
	return watch.stream.messages.length;
}

/** Wait for an event of type whose data satisfies pred, among events
 *  from index `from` on; returns the event. */
export async function waitEvent(watch, type, pred = () => true, { from = 0, timeoutMs = 10000 * SLOW,
	what } = {}) {
	const m = await watch.stream.waitFor((e) => e.type === type && pred(e.data || {}), timeoutMs,
		{ from, what: what || type });
	return m.msg;
}

/** Events of type (data satisfying pred), in arrival order. */
export function eventsOf(watch, type, pred = () => true) {
	return watch.events.filter((e) => e.type === type && pred(e.data || {}));
}

/** The task.* and call.* events of call (task) id, in arrival order. */
export function callTimeline(watch, id) {
	return watch.events.filter((e) => (e.type?.startsWith('task.') && e.data?.task_id === id) ||
		(e.type?.startsWith('call.') && e.data?.id === id));
}

/** The voice activity changes of an agent: [[action, from, to, actor]]. */
export function voiceChanges(watch, agentId, from = 0) {
	return watch.stream.messages.slice(from).map((m) => m.msg)
		.filter((e) => e.type === 'agent.state_changed' && e.data?.agent_id === agentId &&
			e.data.channel === 'voice')
		.map((e) => [e.data.action, e.data.from, e.data.to, e.data.actor]);
}

/** Wait until agent agentId's voice activity becomes `to` (an
 *  agent.state_changed from index from on); returns the event. */
export function waitActivity(watch, agentId, to, opts = {}) {
	return waitEvent(watch, 'agent.state_changed',
		(x) => x.agent_id === agentId && x.channel === 'voice' && x.to === to,
		{ what: `agent ${agentId} voice -> ${to}`, ...opts });
}

/** Time of an event (ms since the epoch, from its `at`). */
export const atMs = (e) => Date.parse(e.at);

/** The types of a list of events, in order. */
export function types(evs) {
	return evs.map((e) => e.type);
}

// ------------------------------------------------------------- callers

/**
 * A caller to a queue's DID (lib/calls.mjs dial: sipp + RTP endpoint);
 * waits for its call.created (matched on from/to) and taps its RTP.
 * Returns {sipp, rtp, media, id, tap}.
 */
export async function queueCaller(scope, watch, number, from, opts = {}) {
	const c = await dial(scope, number, { from, ...opts });
	c.tap = new RtpTap(c.rtp);
	const created = await watch.created((x) => x.to === number && x.from === from);
	c.id = created.id;
	return c;
}

function formatsOf(msg, what) {
	assert.ok(msg, `${what} in the trace`);
	const m = /^m=audio \d+ RTP\/AVP ([\d ]+)\s*$/m.exec(msg.body || '');
	assert.ok(m, `m= line in ${what}: ${msg.body}`);
	return m[1].trim().split(/\s+/).map(Number);
}

/** The SDP m= line formats of the first 200 OK to the INVITE a sipp
 *  caller received (from its message trace; read after the run). */
export function answerFormats(trace) {
	return formatsOf(trace.find((t) => t.dir === 'in' && t.status === 200 && /INVITE/.test(t.header('cseq') || '')),
		'the 200 OK to the INVITE');
}

/** The SDP m= line formats of the first INVITE a sipp phone received. */
export function offerFormats(trace) {
	return formatsOf(trace.find((t) => t.dir === 'in' && t.method === 'INVITE'), 'the INVITE');
}

/**
 * Count callers to number one after the other, each waiting until the
 * agent hangs up (the phones run uas_bye.xml); the next dials once the
 * agent who took the previous call is idle again. Returns [{id, from,
 * agentId, offers}] where offers are the agent ids of every task.offered
 * of that call.
 */
export async function callsInTurn(scope, watch, number, { count, fromBase = 5550100 }) {
	const out = [];
	for (let i = 0; i < count; i++) {
		const m0 = mark(watch);
		const from = String(fromBase + i);
		const c = await queueCaller(scope, watch, number, from, { scenario: 'uac_wait_bye.xml' });
		const acc = await waitEvent(watch, 'task.accepted', (x) => x.task_id === c.id, { from: m0 });
		await c.sipp.expectOk(`(caller ${i + 1})`);
		c.rtp.stop();
		await waitEvent(watch, 'call.ended', (x) => x.id === c.id, { from: m0 });
		await waitActivity(watch, acc.data.agent_id, 'idle', { from: m0 });
		const offers = eventsOf(watch, 'task.offered', (x) => x.task_id === c.id).map((e) => e.data.agent_id);
		out.push({ id: c.id, from, agentId: acc.data.agent_id, offers, caller: c });
	}
	return out;
}

/**
 * The messages of a sipp run with the time each was sent or received:
 * [{at (ms since the epoch), dir ('in'|'out'), line (the start line)}],
 * from its -trace_msg file (sipp stamps local time with microseconds;
 * read it after the run ended: sipp buffers the file).
 */
export function sippTimeline(sipp) {
	const file = sipp.files?.messages;
	if (!file || !existsSync(file))
		return [];
	const out = [];
	const re = /^-{20,} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d{3})\d*\s*\n(UDP|TCP) message (received|sent)[^\n]*\n\s*\n([^\r\n]*)/gm;
	const text = readFileSync(file, 'latin1');
	for (let m = re.exec(text); m; m = re.exec(text))
		out.push({ at: new Date(`${m[1]}T${m[2]}`).getTime(), dir: m[4] === 'received' ? 'in' : 'out', line: m[5] });
	return out;
}

/** The time of the first message of a sipp run whose start line
 *  matches re (and direction dir); asserts there is one. */
export function sippTime(sipp, re, dir = 'in') {
	const t = sippTimeline(sipp).find((x) => x.dir === dir && re.test(x.line));
	assert.ok(t, `${sipp.label}: no ${dir} message ${re} in its trace`);
	return t.at;
}

// ------------------------------------------------------------- media

/** A-law byte -> linear sample. */
export function alawToLinear(a) {
	a ^= 0x55;
	const seg = (a & 0x70) >> 4;
	let t = (a & 0x0f) << 4;
	if (seg === 0)
		t += 8;
	else if (seg === 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (a & 0x80) ? t : -t;
}

/**
 * Everything an RtpPeer receives, packet by packet: {at (performance
 * .now()), src ("ip:port"), ssrc, pt, samples (decoded G.711)}. A second
 * listener on the peer's socket: the peer's own counters stay as they are.
 */
export class RtpTap {
	constructor(rtp) {
		this.rtp = rtp;
		this.packets = [];
		rtp.sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
	}

	onMessage(msg, rinfo) {
		if (msg.length < 12 || (msg[0] >> 6) !== 2)
			return;
		const pt = msg[1] & 0x7f;
		const cc = msg[0] & 0x0f;
		const payload = msg.subarray(12 + 4 * cc);
		let samples = null;
		if (pt === PT_PCMU || pt === PT_PCMA) {
			const dec = pt === PT_PCMU ? ulawToLinear : alawToLinear;
			samples = Int16Array.from(payload, dec);
		}
		this.packets.push({ at: performance.now(), src: `${rinfo.address}:${rinfo.port}`,
			ssrc: msg.readUInt32BE(8), seq: msg.readUInt16BE(2), pt, samples });
	}

	/** Packets received in [t0, t1) (performance.now() times). */
	between(t0 = 0, t1 = Infinity) {
		return this.packets.filter((p) => p.at >= t0 && p.at < t1);
	}

	/** Wait until pred(packets) holds. */
	async waitFor(pred, what, timeoutMs = 5000 * SLOW) {
		const deadline = Date.now() + timeoutMs;
		while (!pred(this.packets)) {
			if (Date.now() > deadline)
				throw new Error(`${this.rtp.label}: timed out waiting for ${what}: ${this.summary()}`);
			await sleep(20);
		}
	}

	summary() {
		const by = {};
		for (const p of this.packets) {
			const k = `${p.src} ssrc ${p.ssrc} pt ${p.pt}`;
			by[k] = (by[k] || 0) + 1;
		}
		return `${this.packets.length} packets: ${JSON.stringify(by)}`;
	}
}

/** The decoded samples of packets in arrival order, cut to a multiple
 *  of block samples (800 = 100 ms: 440 Hz and 1000 Hz fall on a bin). */
export function samplesOf(packets, block = 800) {
	const n = packets.reduce((a, p) => a + (p.samples ? p.samples.length : 0), 0);
	const out = new Float64Array(n);
	let i = 0;
	for (const p of packets) {
		if (p.samples) {
			out.set(p.samples, i);
			i += p.samples.length;
		}
	}
	return out.subarray(0, n - (n % block));
}

/** The share (0..1) of the signal's energy at freq Hz (Goertzel over
 *  the whole block; 1 for a pure tone on a bin, ~0 for other tones). */
export function toneShare(samples, freq, rate = 8000) {
	const n = samples.length;
	if (!n)
		return 0;
	const k = Math.round(n * freq / rate);
	const w = 2 * Math.PI * k / n;
	const coeff = 2 * Math.cos(w);
	let s1 = 0, s2 = 0, energy = 0;
	for (let i = 0; i < n; i++) {
		const s0 = samples[i] + coeff * s1 - s2;
		s2 = s1;
		s1 = s0;
		energy += samples[i] * samples[i];
	}
	const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
	return energy ? 2 * power / (n * energy) : 0;
}

/** RMS of samples. */
export function rmsOf(samples) {
	let acc = 0;
	for (const s of samples)
		acc += s * s;
	return samples.length ? Math.sqrt(acc / samples.length) : 0;
}

// ------------------------------------------------------------- checks

/** The events of a queued call answered by an agent at the first offer. */
export const ANSWERED_TIMELINE = ['call.created', 'call.answered', 'task.queued', 'task.offered',
	'task.accepted', 'call.bridged', 'call.ended'];

/**
 * Assert a queued call answered by agentId: its call.* and task.* events
 * are exactly `timeline` in order with increasing seq, the task events
 * name the queue, the agent and one offer id, the topics are call:<id>,
 * queue:<q>[, agent:<a>], and the record (GET /calls/{id}) equals the
 * call.ended data: queue_id, queue_result answered, agent_id, wait_ms
 * agreeing with task.accepted. Returns {record, offered, accepted}.
 */
export async function assertAnsweredCall(d, watch, id, { queueId, agentId, did, from,
	timeline = ANSWERED_TIMELINE, hangupBy = 'caller' }) {
	const tl = callTimeline(watch, id);
	assert.deepEqual(types(tl), timeline, `events of call ${id}`);
	let seq = 0;
	for (const e of tl) {
		assert.ok(e.seq > seq, `seq of ${e.type} increases`);
		seq = e.seq;
		if (!e.type.startsWith('task.'))
			continue;
		assert.equal(e.data.task_id, id, `${e.type}.task_id`);
		const withAgent = e.data.agent_id !== undefined && e.data.agent_id !== null && e.data.agent_id !== 0;
		assert.deepEqual(e.topics, withAgent ? [`call:${id}`, `queue:${e.data.queue_id}`, `agent:${e.data.agent_id}`]
			: [`call:${id}`, `queue:${e.data.queue_id}`], `topics of ${e.type}`);
	}
	const queued = tl.filter((e) => e.type === 'task.queued');
	assert.equal(queued[queued.length - 1].data.queue_id, queueId, 'task.queued names the queue');
	const offers = tl.filter((e) => e.type === 'task.offered');
	const offered = offers[offers.length - 1];
	const accepted = tl.find((e) => e.type === 'task.accepted');
	assert.equal(offered.data.agent_id, agentId, 'the last offer went to the agent who answered');
	assert.equal(offered.data.queue_id, queueId);
	assert.ok(Number.isInteger(offered.data.offer_id) && offered.data.offer_id > 0, 'offer_id');
	assert.deepEqual([accepted.data.agent_id, accepted.data.offer_id, accepted.data.queue_id],
		[agentId, offered.data.offer_id, queueId], 'task.accepted: the offer, its agent, the queue');
	const bridged = tl.find((e) => e.type === 'call.bridged');
	assert.equal(bridged.data.agent_id, agentId, 'call.bridged names the agent');

	const r = await d.api.get(`/api/v1/calls/${id}`);
	assert.equal(r.status, 200, r.text);
	const rec = r.body;
	assert.deepEqual(rec, tl[tl.length - 1].data, 'GET /calls/{id} equals the call.ended data');
	const ctx = JSON.stringify(rec);
	assertCallSchema(rec);
	assert.equal(rec.state, 'ended', ctx);
	assert.equal(rec.direction, 'inbound', ctx);
	if (did !== undefined)
		assert.equal(rec.did, did, ctx);
	if (from !== undefined)
		assert.equal(rec.from, from, ctx);
	assert.equal(rec.agent_id, agentId, ctx);
	assert.equal(rec.queue_id, queueId, ctx);
	assert.equal(rec.queue_result, 'answered', ctx);
	assert.equal(rec.hangup_by, hangupBy, ctx);
	// the record counts from the first queue, task.accepted this queue's wait
	const waited = atMs(accepted) - atMs(queued[0]);
	assert.ok(Math.abs(rec.wait_ms - waited) <= 100 * SLOW,
		`record wait_ms ${rec.wait_ms} ~ ${waited} ms from the first task.queued to task.accepted`);
	if (queued.length === 1) {
		assert.ok(Math.abs(rec.wait_ms - accepted.data.wait_ms) <= 100 * SLOW,
			`record wait_ms ${rec.wait_ms} agrees with task.accepted wait_ms ${accepted.data.wait_ms}`);
	}
	assert.ok(rec.answered_at !== null, 'Hotline answered the caller');
	return { record: rec, offered, accepted };
}

export { Scope, SLOW };
