// Event stream helpers around the `ws` package, plus a raw RFC 6455 client
// over a plain TCP socket for protocol tests.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';

/** Build the stream URL: topics (array or string), since (number). */
export function streamUrl(daemon, { topics, since } = {}) {
	const q = [];
	if (topics !== undefined)
		q.push(`topics=${encodeURIComponent(Array.isArray(topics) ? topics.join(',') : topics)}`);
	if (since !== undefined && since !== null)
		q.push(`since=${since}`);
	return `ws://127.0.0.1:${daemon.port}/api/v1/stream${q.length ? '?' + q.join('&') : ''}`;
}

/**
 * An open event stream. messages: [{msg (parsed JSON), raw (string),
 * at (performance.now() on receipt)}]. closed resolves {code, reason}.
 */
export class Stream {
	constructor(ws, label) {
		this.ws = ws;
		this.label = label;
		this.messages = [];
		this.waiters = new Set();
		this.closeInfo = null;
		this.errors = [];
		this.closed = new Promise((resolve) => {
			ws.on('close', (code, reason) => {
				this.closeInfo = { code, reason: reason.toString() };
				for (const w of this.waiters)
					w.check(true);
				resolve(this.closeInfo);
			});
		});
		ws.on('message', (data, isBinary) => {
			const raw = data.toString();
			let msg;
			try {
				msg = JSON.parse(raw);
			} catch {
				msg = { unparsable: raw };
			}
			this.messages.push({ msg, raw, binary: isBinary, at: performance.now() });
			for (const w of this.waiters)
				w.check(false);
		});
		ws.on('error', (e) => this.errors.push(e));
	}

	/** Parsed messages only. */
	get events() { return this.messages.map((m) => m.msg); }
	get seqs() { return this.events.map((e) => e.seq); }

	/** Resolve with the first message (entry) for which pred(msg, entry)
	 *  holds, looking at messages from index `from` on; reject after
	 *  timeoutMs or when the stream closes without one. */
	waitFor(pred, timeoutMs = 2000, { from = 0, what = 'a matching message' } = {}) {
		return new Promise((resolve, reject) => {
			let next = from;
			const w = {
				check: (closing) => {
					for (; next < this.messages.length; next++) {
						const i = next;
						if (pred(this.messages[i].msg, this.messages[i])) {
							done();
							resolve(this.messages[i]);
							return;
						}
					}
					if (closing || this.closeInfo) {
						done();
						reject(new Error(`${this.label}: stream closed ` +
							`(${JSON.stringify(this.closeInfo)}) before ${what}; ` +
							`got ${this.messages.length} messages`));
					}
				},
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms; ` +
					`got ${this.messages.length} messages, last: ` +
					`${this.messages.length ? this.messages[this.messages.length - 1].raw.slice(0, 300) : '-'}`));
			}, timeoutMs);
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(w);
			};
			this.waiters.add(w);
			w.check(false);
		});
	}

	/** Wait until at least n messages arrived. */
	waitForCount(n, timeoutMs = 2000) {
		return this.waitFor(() => true, timeoutMs,
			{ from: Math.max(0, n - 1), what: `${n} messages` });
	}

	/** Wait for an event with this seq. */
	waitForSeq(seq, timeoutMs = 2000) {
		return this.waitFor((m) => m.seq === seq, timeoutMs, { what: `seq ${seq}` });
	}

	/** Assert no message arrives within ms (measuring absence). */
	async expectQuiet(ms = 200) {
		const n = this.messages.length;
		await new Promise((r) => setTimeout(r, ms));
		assert.equal(this.messages.length, n,
			`${this.label}: unexpected messages: ` +
			this.messages.slice(n).map((m) => m.raw).join('\n'));
	}

	/** Close from the client side and wait for the close to complete. */
	async close(code = 1000) {
		if (!this.closeInfo) {
			this.ws.close(code);
			const t = setTimeout(() => this.ws.terminate(), 2000);
			await this.closed;
			clearTimeout(t);
		}
		return this.closeInfo;
	}

	terminate() {
		this.ws.terminate();
	}
}

/** Open a stream; resolves a Stream once the 101 arrived, or rejects with
 *  err.status set when the server answered the upgrade with an HTTP
 *  status. opts: {topics, since, token (null = none), label}. */
export function openStream(daemon, opts = {}) {
	const token = opts.token === undefined ? daemon.token : opts.token;
	const headers = {};
	if (token !== null)
		headers.authorization = `Bearer ${token}`;
	const url = streamUrl(daemon, opts);
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, { headers, perMessageDeflate: false });
		const stream = new Stream(ws, opts.label || url);
		ws.once('open', () => resolve(stream));
		ws.once('unexpected-response', (req, res) => {
			let body = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { body += d; });
			res.on('end', () => {
				const err = new Error(`upgrade refused: ${res.statusCode} ${body}`);
				err.status = res.statusCode;
				err.headers = res.headers;
				try {
					err.body = JSON.parse(body);
				} catch {
					err.body = null;
				}
				ws.terminate();
				reject(err);
			});
		});
		ws.once('error', (e) => reject(e));
	});
}

// ------------------------------------------------------- raw RFC 6455 client

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key) {
	return crypto.createHash('sha1').update(key + GUID).digest('base64');
}

/** Encode one client frame. opts: {fin=true, mask=true, rsv=0}. */
export function encodeFrame(opcode, payload = Buffer.alloc(0), { fin = true, mask = true, rsv = 0 } = {}) {
	const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
	const len = data.length;
	let head;
	if (len < 126) {
		head = Buffer.alloc(2);
		head[1] = len;
	} else if (len < 65536) {
		head = Buffer.alloc(4);
		head[1] = 126;
		head.writeUInt16BE(len, 2);
	} else {
		head = Buffer.alloc(10);
		head[1] = 127;
		head.writeBigUInt64BE(BigInt(len), 2);
	}
	head[0] = (fin ? 0x80 : 0) | (rsv << 4) | opcode;
	if (!mask)
		return Buffer.concat([head, data]);
	head[1] |= 0x80;
	const key = crypto.randomBytes(4);
	const masked = Buffer.alloc(len);
	for (let i = 0; i < len; i++)
		masked[i] = data[i] ^ key[i & 3];
	return Buffer.concat([head, key, masked]);
}

export function closePayload(code, reason = '') {
	const b = Buffer.alloc(2 + Buffer.byteLength(reason));
	b.writeUInt16BE(code, 0);
	b.write(reason, 2);
	return b;
}

/**
 * A WebSocket spoken by hand over net.Socket. After connect(): frames is
 * the list of server frames {fin, opcode, payload, masked, closeCode,
 * closeReason}; ended tells if the TCP connection closed.
 */
export class RawWs {
	constructor(daemon, { topics = '*', since, token } = {}) {
		this.daemon = daemon;
		this.topics = topics;
		this.since = since;
		this.token = token === undefined ? daemon.token : token;
		this.frames = [];
		this.buf = Buffer.alloc(0);
		this.ended = false;
		this.bytes = 0;          // frame bytes received after the handshake
		this.waiters = new Set();
		this.upgraded = false;
	}

	connect() {
		const key = crypto.randomBytes(16).toString('base64');
		this.key = key;
		const q = [`topics=${encodeURIComponent(this.topics)}`];
		if (this.since !== undefined)
			q.push(`since=${this.since}`);
		const req = [
			`GET /api/v1/stream?${q.join('&')} HTTP/1.1`,
			`Host: 127.0.0.1:${this.daemon.port}`,
			'Upgrade: websocket',
			'Connection: Upgrade',
			`Sec-WebSocket-Key: ${key}`,
			'Sec-WebSocket-Version: 13',
		];
		if (this.token !== null)
			req.push(`Authorization: Bearer ${this.token}`);
		const text = req.join('\r\n') + '\r\n\r\n';
		return new Promise((resolve, reject) => {
			const sock = net.connect(this.daemon.port, '127.0.0.1');
			this.sock = sock;
			let head = Buffer.alloc(0);
			const onHead = (d) => {
				head = Buffer.concat([head, d]);
				const end = head.indexOf('\r\n\r\n');
				if (end < 0)
					return;
				sock.off('data', onHead);
				const h = head.subarray(0, end).toString('latin1');
				this.response = h;
				const m = h.match(/^HTTP\/1\.1 (\d{3})/);
				this.status = m ? Number(m[1]) : null;
				if (this.status !== 101) {
					reject(Object.assign(new Error(`upgrade failed: ${h}`), { status: this.status }));
					sock.destroy();
					return;
				}
				const acc = h.match(/\r\nsec-websocket-accept:\s*(\S+)/i);
				if (!acc || acc[1] !== acceptKey(key)) {
					reject(new Error(`bad Sec-WebSocket-Accept in:\n${h}`));
					sock.destroy();
					return;
				}
				this.upgraded = true;
				sock.on('data', (chunk) => this.onData(chunk));
				const rest = head.subarray(end + 4);
				if (rest.length)
					this.onData(rest);
				resolve(this);
			};
			sock.on('data', onHead);
			sock.on('connect', () => sock.write(text));
			sock.on('error', (e) => {
				this.error = e;
				if (!this.upgraded)
					reject(e);
			});
			sock.on('close', () => {
				this.ended = true;
				this.notify();
			});
		});
	}

	onData(chunk) {
		this.bytes += chunk.length;
		this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
		for (;;) {
			const f = this.parseOne();
			if (!f)
				break;
			this.frames.push(f);
		}
		this.notify();
	}

	parseOne() {
		const b = this.buf;
		if (b.length < 2)
			return null;
		const fin = !!(b[0] & 0x80);
		const rsv = (b[0] >> 4) & 7;
		const opcode = b[0] & 0x0f;
		const masked = !!(b[1] & 0x80);
		let len = b[1] & 0x7f;
		let off = 2;
		if (len === 126) {
			if (b.length < 4)
				return null;
			len = b.readUInt16BE(2);
			off = 4;
		} else if (len === 127) {
			if (b.length < 10)
				return null;
			len = Number(b.readBigUInt64BE(2));
			off = 10;
		}
		if (masked)
			off += 4;
		if (b.length < off + len)
			return null;
		let payload = b.subarray(off, off + len);
		if (masked) {
			const key = b.subarray(off - 4, off);
			payload = Buffer.from(payload.map((x, i) => x ^ key[i & 3]));
		}
		this.buf = b.subarray(off + len);
		const f = { fin, rsv, opcode, masked, payload: Buffer.from(payload) };
		if (opcode === 0x8) {
			f.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : null;
			f.closeReason = payload.length > 2 ? payload.subarray(2).toString() : '';
		}
		return f;
	}

	notify() {
		for (const w of this.waiters)
			w();
	}

	send(buf) {
		this.sock.write(buf);
	}

	sendFrame(opcode, payload, opts) {
		this.send(encodeFrame(opcode, payload, opts));
	}

	/** Wait until pred(frames, ended) is truthy; resolves its value. */
	waitFor(pred, timeoutMs = 2000, what = 'condition') {
		return new Promise((resolve, reject) => {
			const w = () => {
				const v = pred(this.frames, this.ended);
				if (v) {
					clearTimeout(timer);
					this.waiters.delete(w);
					resolve(v);
				}
			};
			const timer = setTimeout(() => {
				this.waiters.delete(w);
				reject(new Error(`raw ws: ${what} not seen within ${timeoutMs} ms; frames: ` +
					this.frames.map((f) => `op${f.opcode}/${f.payload.length}` +
						(f.closeCode ? `/${f.closeCode}` : '')).slice(-10).join(' ') +
					` ended=${this.ended}`));
			}, timeoutMs);
			this.waiters.add(w);
			w();
		});
	}

	/** Wait for a close frame from the server. */
	waitClose(timeoutMs = 2000) {
		return this.waitFor((fr) => fr.find((f) => f.opcode === 0x8), timeoutMs, 'close frame');
	}

	/** Wait for the TCP connection to end. */
	waitEnd(timeoutMs = 2000) {
		return this.waitFor((fr, ended) => ended, timeoutMs, 'TCP close');
	}

	destroy() {
		if (this.sock)
			this.sock.destroy();
	}
}
