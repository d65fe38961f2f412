// A minimal RTP endpoint for call tests: one UDP socket on 127.0.0.1 that
// sends G.711 packets every 20 ms to a remote address and counts what it
// receives (per source, SSRC and payload type). Used as the media side of
// sipp callers and agents, so a test can assert packets in both directions
// through Hotline's relay. Also: G.711 mu-law/A-law encoding of a tone and
// WAV reading/writing for baresip.

import dgram from 'node:dgram';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import assert from 'node:assert/strict';
import { until } from './daemon.mjs';

export const PT_PCMU = 0;
export const PT_PCMA = 8;
const SAMPLES_PER_PACKET = 160;        // 20 ms at 8 kHz
const RTP_HEADER = 12;

// ------------------------------------------------------------- G.711

/** Linear 16-bit sample -> mu-law byte (ITU-T G.711, with bias 0x84). */
export function linearToUlaw(sample) {
	const BIAS = 0x84, CLIP = 32635;
	let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
	const sign = s < 0 ? 0x80 : 0;
	if (s < 0)
		s = -s;
	if (s > CLIP)
		s = CLIP;
	s += BIAS;
	let exp = 7;
	for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1)
		exp--;
	const mant = (s >> (exp + 3)) & 0x0f;
	return ~(sign | (exp << 4) | mant) & 0xff;
}

/** mu-law byte -> linear sample. */
export function ulawToLinear(u) {
	u = ~u & 0xff;
	const sign = u & 0x80, exp = (u >> 4) & 0x07, mant = u & 0x0f;
	let s = ((mant << 3) + 0x84) << exp;
	s -= 0x84;
	return sign ? -s : s;
}

/** Linear 16-bit sample -> A-law byte. */
export function linearToAlaw(sample) {
	let s = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
	let mask;
	if (s >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		s = -s - 1;
	}
	let seg = 0;
	for (let end = 0x1f; s > end && seg < 8; end = (end << 1) | 1)
		seg++;
	if (seg >= 8)
		return 0x7f ^ mask;
	const aval = seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f;
	return ((seg << 4) | aval) ^ mask;
}

/** n samples of a sine tone (16-bit amplitude amp) starting at sample t0. */
export function tone(n, { freq = 440, amp = 8000, rate = 8000, t0 = 0 } = {}) {
	const out = new Float64Array(n);
	for (let i = 0; i < n; i++)
		out[i] = amp * Math.sin(2 * Math.PI * freq * (t0 + i) / rate);
	return out;
}

/** RMS of 16-bit samples. */
export function rms(samples) {
	if (!samples.length)
		return 0;
	let acc = 0;
	for (const s of samples)
		acc += s * s;
	return Math.sqrt(acc / samples.length);
}

// ------------------------------------------------------------- WAV

/** A mono 16-bit PCM WAV file of a tone lasting seconds. */
export async function writeToneWav(file, { seconds = 60, rate = 8000, freq = 440, amp = 8000 } = {}) {
	const n = Math.round(seconds * rate);
	const b = Buffer.alloc(44 + n * 2);
	b.write('RIFF', 0);
	b.writeUInt32LE(36 + n * 2, 4);
	b.write('WAVE', 8);
	b.write('fmt ', 12);
	b.writeUInt32LE(16, 16);
	b.writeUInt16LE(1, 20);            // PCM
	b.writeUInt16LE(1, 22);            // mono
	b.writeUInt32LE(rate, 24);
	b.writeUInt32LE(rate * 2, 28);
	b.writeUInt16LE(2, 32);
	b.writeUInt16LE(16, 34);
	b.write('data', 36);
	b.writeUInt32LE(n * 2, 40);
	const t = tone(n, { freq, amp, rate });
	for (let i = 0; i < n; i++)
		b.writeInt16LE(Math.round(t[i]), 44 + 2 * i);
	await fs.writeFile(file, b);
}

/** Read a 16-bit PCM WAV: {rate, channels, samples (Int16Array of the
 *  first channel)}. Tolerates a data chunk size left at 0 or too large
 *  (a file still being written). */
export async function readWav(file) {
	const b = await fs.readFile(file);
	if (b.length < 12 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE')
		throw new Error(`${file}: not a WAV file (${b.length} bytes)`);
	let off = 12, rate = 0, channels = 1, bits = 16, data = null;
	while (off + 8 <= b.length) {
		const id = b.toString('latin1', off, off + 4);
		let size = b.readUInt32LE(off + 4);
		const body = off + 8;
		if (id === 'fmt ') {
			channels = b.readUInt16LE(body + 2);
			rate = b.readUInt32LE(body + 4);
			bits = b.readUInt16LE(body + 14);
		} else if (id === 'data') {
			if (size === 0 || body + size > b.length)
				size = b.length - body;
			data = b.subarray(body, body + size);
			break;
		}
		off = body + size + (size & 1);
	}
	if (!data || bits !== 16)
		throw new Error(`${file}: no 16-bit PCM data (bits ${bits})`);
	const frames = Math.floor(data.length / (2 * channels));
	const samples = new Int16Array(frames);
	for (let i = 0; i < frames; i++)
		samples[i] = data.readInt16LE(i * 2 * channels);
	return { rate, channels, samples };
}

// ------------------------------------------------------------- RTP peer

/** Bind a UDP socket on 127.0.0.1 at an even port (RTCP convention). */
async function bindEven() {
	for (let i = 0; i < 50; i++) {
		const sock = dgram.createSocket('udp4');
		await new Promise((resolve, reject) => {
			sock.once('error', reject);
			sock.bind(0, '127.0.0.1', resolve);
		});
		const { port } = sock.address();
		if (port % 2 === 0)
			return sock;
		sock.close();
	}
	throw new Error('rtp: no even UDP port after 50 tries');
}

/**
 * One RTP endpoint. rx counts everything received: {packets, bytes,
 * bySource: {"ip:port": n}, ssrcs: Set, pts: Set, payloadRms (RMS of the
 * decoded PCMU/PCMA audio received), first/last (performance.now())}.
 */
export class RtpPeer {
	static async open(label = 'rtp') {
		const p = new RtpPeer(await bindEven(), label);
		return p;
	}

	constructor(sock, label) {
		this.sock = sock;
		this.label = label;
		this.port = sock.address().port;
		this.ssrc = crypto.randomBytes(4).readUInt32BE(0);
		this.seq = crypto.randomInt(0, 65536);
		this.ts = crypto.randomInt(0, 2 ** 31);
		this.sent = 0;
		this.echo = false;
		this.timer = null;
		this.remote = null;
		this.sample = 0;
		this.rx = { packets: 0, bytes: 0, bySource: {}, ssrcs: new Set(), pts: new Set(),
			energy: 0, samples: 0, first: null, last: null };
		sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
		sock.on('error', () => {});
	}

	onMessage(msg, rinfo) {
		const src = `${rinfo.address}:${rinfo.port}`;
		const rx = this.rx;
		rx.packets++;
		rx.bytes += msg.length;
		rx.bySource[src] = (rx.bySource[src] || 0) + 1;
		const now = performance.now();
		if (rx.first === null)
			rx.first = now;
		rx.last = now;
		if (msg.length >= RTP_HEADER && (msg[0] >> 6) === 2) {
			const pt = msg[1] & 0x7f;
			rx.pts.add(pt);
			rx.ssrcs.add(msg.readUInt32BE(8));
			const cc = msg[0] & 0x0f;
			const payload = msg.subarray(RTP_HEADER + 4 * cc);
			if (pt === PT_PCMU) {
				for (const u of payload) {
					const s = ulawToLinear(u);
					rx.energy += s * s;
				}
				rx.samples += payload.length;
			}
		}
		if (this.echo)
			this.sock.send(msg, rinfo.port, rinfo.address);
	}

	/** RMS of the PCMU audio received so far (0 if none). */
	get rxRms() {
		return this.rx.samples ? Math.sqrt(this.rx.energy / this.rx.samples) : 0;
	}

	/** One RTP packet of a 440 Hz tone (PCMU or PCMA). */
	packet(pt = PT_PCMU) {
		const b = Buffer.alloc(RTP_HEADER + SAMPLES_PER_PACKET);
		b[0] = 0x80;
		b[1] = pt & 0x7f;
		b.writeUInt16BE(this.seq & 0xffff, 2);
		b.writeUInt32BE(this.ts >>> 0, 4);
		b.writeUInt32BE(this.ssrc >>> 0, 8);
		const t = tone(SAMPLES_PER_PACKET, { t0: this.sample });
		const enc = pt === PT_PCMA ? linearToAlaw : linearToUlaw;
		for (let i = 0; i < SAMPLES_PER_PACKET; i++)
			b[RTP_HEADER + i] = enc(t[i]);
		this.seq = (this.seq + 1) & 0xffff;
		this.ts = (this.ts + SAMPLES_PER_PACKET) >>> 0;
		this.sample += SAMPLES_PER_PACKET;
		return b;
	}

	/** Send a packet every intervalMs to host:port until stop() (or count
	 *  packets sent). */
	start(host, port, { intervalMs = 20, pt = PT_PCMU, count = Infinity } = {}) {
		this.stop();
		this.remote = { host, port };
		const tick = () => {
			if (this.sent >= count) {
				this.stop();
				return;
			}
			this.sent++;
			this.sock.send(this.packet(pt), port, host);
		};
		tick();
		this.timer = setInterval(tick, intervalMs);
	}

	/** Start again towards the last remote (after stop()). */
	resume(opts) {
		assert.ok(this.remote, `${this.label}: resume() before start()`);
		this.start(this.remote.host, this.remote.port, opts);
	}

	stop() {
		if (this.timer)
			clearInterval(this.timer);
		this.timer = null;
	}

	/** Wait until at least n packets were received. */
	waitPackets(n, timeoutMs = 3000) {
		return until(() => this.rx.packets >= n,
			{ timeoutMs, what: `${this.label}: ${n} RTP packets (got ${this.rx.packets})` });
	}

	summary() {
		return `${this.label}: port ${this.port}, sent ${this.sent}` +
			(this.remote ? ` to ${this.remote.host}:${this.remote.port}` : '') +
			`, received ${this.rx.packets} from ${JSON.stringify(this.rx.bySource)}` +
			` ssrcs [${[...this.rx.ssrcs].join(',')}] pts [${[...this.rx.pts].join(',')}]`;
	}

	close() {
		this.stop();
		try {
			this.sock.close();
		} catch {
			// closed
		}
	}
}
