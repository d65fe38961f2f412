// Shared pieces of the call scenarios (call_*.test.mjs): a daemon with SIP,
// agents with sipp phones, callers with RTP, the event stream of calls and
// agents, and the checks every scenario makes on the call record, the
// events and the media.

import assert from 'node:assert/strict';
import { startDaemon, agentBody, TS_RE } from './daemon.mjs';
import { openStream } from './ws.mjs';
import { startSipp, startSippAgent } from './sipp.mjs';
import { RtpPeer } from './rtp.mjs';
import { loadOpenApi, validate } from './openapi.mjs';

/** Short timers so failures are quick (every scenario streams RTP, so
 *  the media timeout only fires where a test wants it). */
export const CALL_CONFIG = { rtp_timeout_s: 4, sip_ring_timeout_s: 4 };

/** Timing slack: under valgrind (make valgrind) the daemon runs many
 *  times slower, so upper bounds and waits stretch by this factor. */
export const SLOW = /valgrind/.test(process.env.HOTLINE_BIN || '') ? 10 : 1;

let openapi = null;

/** A daemon with SIP and an RTP range on free loopback ports. */
export function startSipDaemon({ config = {}, ...opts } = {}) {
	return startDaemon({ sip: true, config: { ...CALL_CONFIG, ...config }, ...opts });
}

/**
 * Everything a scenario started, to clean up and to describe on failure.
 * run(fn) runs a test body; when it throws, the error message gets the
 * wire logs of every sipp, the media counters and the daemon's log.
 */
export class Scope {
	constructor(d) {
		this.d = d;
		this.items = [];
	}

	add(x) {
		this.items.push(x);
		return x;
	}

	describe() {
		const parts = [];
		for (const x of this.items) {
			if (typeof x.describe === 'function')
				parts.push(x.describe());
			else if (typeof x.summary === 'function')
				parts.push(x.summary());
		}
		if (this.d)
			parts.push(`--- hotline log (tail):\n${this.d.output.slice(-8000)}`);
		return parts.join('\n');
	}

	async run(fn) {
		try {
			return await fn();
		} catch (e) {
			e.message += `\n\n===== diagnostics =====\n${this.describe()}`;
			throw e;
		} finally {
			await this.cleanup();
		}
	}

	async cleanup() {
		for (const x of this.items.reverse()) {
			try {
				if (typeof x.cleanup === 'function')
					await x.cleanup();
				else if (typeof x.close === 'function')
					x.close();
			} catch {
				// best effort
			}
		}
		this.items = [];
	}
}

/** Create an agent; returns its representation plus the password. */
export async function newAgent(api, over = {}) {
	const body = agentBody(over);
	const r = await api.post('/api/v1/agents', body);
	assert.equal(r.status, 201, `create agent: ${r.text}`);
	return { ...r.body, password: body.password };
}

/** Start RTP towards the address a sipp scenario logs (MEDIA ip port) as
 *  soon as it does. Returns a promise of {host, port} that never rejects
 *  unhandled (it resolves null when the scenario never logs one). */
export function attachMedia(sipp, rtp, timeoutMs = 10000 * SLOW) {
	const p = sipp.media(timeoutMs).then((m) => {
		rtp.start(m.host, m.port);
		return m;
	}, () => null);
	return p;
}

/**
 * An agent's phone: sipp UAS (scenario, default uas_answer.xml) registered
 * at the daemon with the agent's extension and password, plus an RTP
 * endpoint used as the phone's media (started towards Hotline once the
 * INVITE arrived). Returns the phone {uas, port, reg, rtp, media}.
 */
export async function agentPhone(scope, agent, { scenario = 'uas_answer.xml', vars = {}, keys = {},
	calls = 1, timeoutS = 20 * SLOW, transport, rtp: withRtp = true } = {}) {
	const rtp = scope.add(await RtpPeer.open(`agent ${agent.extension} media`));
	const phone = await startSippAgent({
		registrar: scope.d.sipAddr, ext: agent.extension, password: agent.password,
		scenario, vars, keys: { rtp_port: rtp.port, ...keys }, calls, timeoutS, transport,
		label: `agent-${agent.extension}`,
	});
	scope.add(phone.uas);
	scope.add(phone.reg);
	phone.rtp = rtp;
	const unregister = phone.unregister;
	phone.unregister = async () => scope.add(await unregister());
	phone.media = withRtp ? attachMedia(phone.uas, rtp) : phone.uas.media().catch(() => null);
	return phone;
}

/**
 * A caller: sipp UAC (scenario, default uac_call.xml) dialling `to` at the
 * daemon, From user `from`, with an RTP endpoint as its media (started
 * once the answer's SDP is known). Returns {sipp, rtp, media}.
 */
export async function dial(scope, to, { scenario = 'uac_call.xml', from = '5550001', vars = {}, keys = {},
	transport, auth, timeoutS = 20 * SLOW, rtp: withRtp = true, label } = {}) {
	const rtp = scope.add(await RtpPeer.open(`caller ${from} media`));
	const sipp = scope.add(await startSipp(scenario, {
		remote: scope.d.sipAddr, service: to, transport, auth, timeoutS,
		keys: { caller: from, rtp_port: rtp.port, ...keys }, vars,
		label: label || `caller-${from}-to-${to}`,
	}));
	return { sipp, rtp, media: withRtp ? attachMedia(sipp, rtp) : sipp.media().catch(() => null) };
}

/**
 * A carrier behind a trunk: a sipp UAS (scenario, default uas_answer.xml;
 * it logs the Request-URI and From of the INVITE it gets) on a free port,
 * with an RTP endpoint as its media. Returns {uas, port, host ("127.0.0.1:
 * port", the trunk's host), rtp, media}.
 */
export async function startCarrier(scope, { scenario = 'uas_answer.xml', vars = {}, keys = {}, calls = 1,
	timeoutS = 20 * SLOW, label = 'carrier', rtp: withRtp = true } = {}) {
	const rtp = scope.add(await RtpPeer.open(`${label} media`));
	const uas = scope.add(await startSipp(scenario, { vars, keys: { rtp_port: rtp.port, ...keys }, calls,
		timeoutS, label }));
	await uas.bound();
	return { uas, port: uas.port, host: `127.0.0.1:${uas.port}`, rtp,
		media: withRtp ? attachMedia(uas, rtp) : uas.media().catch(() => null) };
}

/** The user part of the first SIP URI in a logged header line. */
export function uriUser(line) {
	const m = /sips?:([^@;>]+)@/.exec(line || '');
	return m ? m[1] : null;
}

/** A scenario file's daemon with SIP (opts as startSipDaemon) and the
 *  stream of its call and agent events: before(() => ({ d, watch } =
 *  await openCallSuite())), after(() => closeCallSuite(d, watch)). */
export async function openCallSuite(opts) {
	const d = await startSipDaemon(opts);
	return { d, watch: await Watch.open(new Scope(d)) };
}

export async function closeCallSuite(d, watch) {
	watch?.cleanup();
	if (d) {
		await d.stop();
		await d.cleanup();
	}
}

/** The lines a sipp scenario logged (its <log> actions). */
export function logLines(sipp) {
	return sipp.logText().trim().split('\n');
}

// ------------------------------------------------------------- events

/** The event stream of every call and agent (topics call:*,agent:*). */
export class Watch {
	static async open(scope) {
		const stream = await openStream(scope.d, { topics: 'call:*,agent:*', label: 'calls stream' });
		const w = new Watch(stream);
		scope.add(w);
		return w;
	}

	constructor(stream) {
		this.stream = stream;
	}

	get events() {
		return this.stream.events;
	}

	/** call.* events of call id, in arrival order. */
	callEvents(id) {
		return this.events.filter((e) => e.type?.startsWith('call.') && e.data?.id === id);
	}

	/** agent.state_changed events of agent id. */
	agentEvents(agentId) {
		return this.events.filter((e) => e.type === 'agent.state_changed' && e.data?.agent_id === agentId);
	}

	/** Wait for the call.created whose data satisfies pred; returns data. */
	async created(pred, timeoutMs = 5000 * SLOW) {
		const m = await this.stream.waitFor((e) => e.type === 'call.created' && pred(e.data),
			timeoutMs, { what: 'call.created' });
		return m.msg.data;
	}

	/** Wait for an event of type about call id; returns the event. */
	async wait(id, type, timeoutMs = 8000 * SLOW) {
		const m = await this.stream.waitFor((e) => e.type === type && e.data?.id === id,
			timeoutMs, { what: `${type} of call ${id}` });
		return m.msg;
	}

	describe() {
		return `--- events:\n${this.stream.messages.map((m) => m.raw.slice(0, 600)).join('\n')}`;
	}

	cleanup() {
		this.stream.terminate();
	}
}

const STATE_OF = {
	'call.created': 'created', 'call.ringing': 'ringing', 'call.answered': 'answered',
	'call.held': 'held', 'call.resumed': 'answered', 'call.ended': 'ended',
};

/** Assert the call.* events of call id are exactly types, in order, with
 *  topics [call:<id>(, agent:<agentId>)], increasing seq and data.state
 *  matching each type. Returns the events. */
export function assertCallEvents(watch, id, types, { agentId = null } = {}) {
	const evs = watch.callEvents(id);
	assert.deepEqual(evs.map((e) => e.type), types, `call.* events of ${id}`);
	const topics = agentId ? [`call:${id}`, `agent:${agentId}`] : [`call:${id}`];
	let seq = 0;
	for (const e of evs) {
		assert.deepEqual(e.topics, topics, `topics of ${e.type}`);
		assert.ok(e.seq > seq, `seq of ${e.type} increases`);
		seq = e.seq;
		assert.match(e.at, TS_RE);
		assert.equal(e.data.state, STATE_OF[e.type], `data.state of ${e.type}`);
		assert.equal(e.data.held, e.type === 'call.held', `data.held of ${e.type}`);
		assertCallSchema(e.data);
	}
	return evs;
}

/** Wait for the agent's voice activity to be released (busy -> idle). */
export async function waitReleased(watch, agentId, timeoutMs = 5000 * SLOW) {
	await watch.stream.waitFor((e) => e.type === 'agent.state_changed' && e.data?.agent_id === agentId &&
		e.data.channel === 'voice' && e.data.action === 'release', timeoutMs,
	{ what: `voice release of agent ${agentId}` });
}

/** The agent's voice activity went idle -> busy -> idle because of call
 *  id (seize, then release), after call.created; nothing else changed. */
export function assertAgentSeized(watch, agentId, callId) {
	const evs = watch.agentEvents(agentId).filter((e) => e.data.channel === 'voice');
	assert.deepEqual(evs.map((e) => [e.data.action, e.data.from, e.data.to]),
		[['seize', 'idle', 'busy'], ['release', 'busy', 'idle']],
		'voice activity of the agent: idle -> busy -> idle');
	for (const e of evs)
		assert.equal(e.data.actor, `call:${callId}`, 'actor of the activity change');
	const created = watch.callEvents(callId)[0];
	assert.ok(created && evs[0].seq > created.seq, 'seize after call.created');
	assert.equal(evs[1].data.state.activity.voice, 'idle');
}

// ------------------------------------------------------------- records

export function assertCallSchema(c) {
	openapi ??= loadOpenApi();
	assert.deepEqual(validate(openapi, { $ref: '#/components/schemas/Call' }, c), [],
		`call record against the OpenAPI schema: ${JSON.stringify(c)}`);
}

const ms = (t) => (t === null ? null : Date.parse(t));

/**
 * Assert an ended call record: the given fields exactly (direction, from,
 * to, did, trunk_id, agent_id, hangup_cause, hangup_by, sip_status), the
 * timeline (rang/answered: whether ringing_at/answered_at are set) in
 * order, and durations that agree with it.
 */
export function assertEndedRecord(rec, exp, { rang, answered }) {
	assertCallSchema(rec);
	const ctx = JSON.stringify(rec);
	for (const [k, v] of Object.entries(exp))
		assert.deepEqual(rec[k], v, `record.${k} (${ctx})`);
	assert.equal(rec.state, 'ended', ctx);
	assert.equal(rec.held, false, ctx);
	assert.match(rec.created_at, TS_RE, ctx);
	assert.match(rec.ended_at, TS_RE, ctx);
	assert.equal(rec.ringing_at !== null, rang, `ringing_at set iff it rang (${ctx})`);
	assert.equal(rec.answered_at !== null, answered, `answered_at set iff answered (${ctx})`);
	const c = ms(rec.created_at), r = ms(rec.ringing_at), a = ms(rec.answered_at), e = ms(rec.ended_at);
	assert.ok(c <= (r ?? c) && (r ?? c) <= (a ?? e) && (a ?? e) <= e, `timeline in order (${ctx})`);
	assert.equal(rec.ring_duration_ms, r === null ? 0 : (a ?? e) - r, `ring_duration_ms (${ctx})`);
	assert.equal(rec.talk_duration_ms, a === null ? 0 : e - a, `talk_duration_ms (${ctx})`);
}

/** GET /api/v1/calls/{id}: asserts 200 and that it equals the data of the
 *  call's last event (call.ended); returns the record. */
export async function recordMatchesLastEvent(api, watch, id) {
	const r = await api.get(`/api/v1/calls/${id}`);
	assert.equal(r.status, 200, r.text);
	const evs = watch.callEvents(id);
	assert.deepEqual(r.body, evs[evs.length - 1].data, 'GET /calls/{id} equals the call.ended data');
	return r.body;
}

// ------------------------------------------------------------- media

/** Is host:port an address of Hotline's relay (its rtp range)? */
export function isRelayAddr(d, host, port) {
	return host === '127.0.0.1' && port >= d.rtpPorts[0] && port <= d.rtpPorts[1];
}

/**
 * Media went both ways through the relay: each side received at least
 * min packets, all from a relay port, carrying the other side's SSRC
 * (the relay forwards packets unchanged), and each side's SDP pointed at
 * the relay, not at the other peer.
 */
export async function assertRelayed(d, a, b, { min = 20 } = {}) {
	const [ma, mb] = await Promise.all([a.media, b.media]);
	assert.ok(ma && isRelayAddr(d, ma.host, ma.port), `${a.rtp.label}: SDP media ${JSON.stringify(ma)} in the relay range ${d.rtpPorts}`);
	assert.ok(mb && isRelayAddr(d, mb.host, mb.port), `${b.rtp.label}: SDP media ${JSON.stringify(mb)} in the relay range ${d.rtpPorts}`);
	for (const [x, y] of [[a.rtp, b.rtp], [b.rtp, a.rtp]]) {
		assert.ok(x.rx.packets >= min, `${x.label}: ${x.rx.packets} packets received, want >= ${min}\n${x.summary()}\n${y.summary()}`);
		assert.ok(x.rx.ssrcs.has(y.ssrc), `${x.label} received ${y.label}'s SSRC ${y.ssrc}: ${x.summary()}`);
		for (const src of Object.keys(x.rx.bySource)) {
			const [h, p] = src.split(':');
			assert.ok(isRelayAddr(d, h, Number(p)), `${x.label}: packets from ${src}, not the relay`);
		}
		assert.ok(x.rxRms > 1000, `${x.label}: the tone arrived (RMS ${x.rxRms.toFixed(0)})`);
	}
}
