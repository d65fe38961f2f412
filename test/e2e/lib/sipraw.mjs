// Raw SIP over UDP and TCP for protocol and robustness tests: build a
// request by hand, send the exact bytes, collect whatever comes back.

import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

/** Parse one SIP response head: {status, reason, headers (lower-case name
 *  -> array of values), body, raw}; status null if it is not a response. */
export function parseSip(raw) {
	const end = raw.indexOf('\r\n\r\n');
	const head = end >= 0 ? raw.slice(0, end) : raw;
	const lines = head.split('\r\n');
	const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0]);
	const headers = {};
	for (const l of lines.slice(1)) {
		const i = l.indexOf(':');
		if (i <= 0)
			continue;
		const k = l.slice(0, i).trim().toLowerCase();
		(headers[k] ||= []).push(l.slice(i + 1).trim());
	}
	return { status: m ? Number(m[1]) : null, reason: m ? m[2] : null, headers,
		body: end >= 0 ? raw.slice(end + 4) : '', raw };
}

const rand = () => crypto.randomBytes(6).toString('hex');

/** What ties a response to its request: the top Via branch, else the
 *  Call-ID, else null. */
export function requestKey(text) {
	const head = text.split('\r\n\r\n')[0];
	const b = /\r\nVia:[^\r]*;branch=([^;,\s]+)/i.exec(head);
	if (b)
		return `b:${b[1]}`;
	const c = /\r\nCall-ID:\s*(\S+)/i.exec(head);
	return c ? `c:${c[1]}` : null;
}

/** The ACK for a non-2xx final response to the INVITE invite (text): same
 *  branch, the response's To (with its tag). */
export function ackFor(invite, resp) {
	const head = invite.split('\r\n\r\n')[0].split('\r\n');
	const ruri = head[0].split(' ')[1];
	const get = (name) => head.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
	const cseq = /(\d+)/.exec(get('CSeq') || '1')[1];
	const to = resp.headers.to ? `To: ${resp.headers.to[0]}` : get('To');
	return [`ACK ${ruri} SIP/2.0`, get('Via'), 'Max-Forwards: 70', get('From'), to, get('Call-ID'),
		`CSeq: ${cseq} ACK`, 'Content-Length: 0'].filter(Boolean).join('\r\n') + '\r\n\r\n';
}

/**
 * A request as text. opts: method, ruri, via (null = no Via; default one
 * pointing at localPort), from, to, callId, cseq ("1 OPTIONS"), contact,
 * maxForwards, headers (extra lines), body, contentType, contentLength
 * (number/string to force; default the body's byte length; null = none),
 * omit (array of header names to leave out).
 */
export function buildRequest({ method = 'OPTIONS', ruri, host, localPort = 5999, transport = 'UDP',
	via, from, to, callId, cseq, contact, maxForwards = 70, headers = [], body = '',
	contentType, contentLength, omit = [] } = {}) {
	const h = [];
	const add = (name, value) => {
		if (!omit.map((o) => o.toLowerCase()).includes(name.toLowerCase()) && value !== null && value !== undefined)
			h.push(`${name}: ${value}`);
	};
	add('Via', via === undefined ? `SIP/2.0/${transport} 127.0.0.1:${localPort};branch=z9hG4bK${rand()};rport` : via);
	add('Max-Forwards', maxForwards);
	add('From', from ?? `<sip:probe@127.0.0.1:${localPort}>;tag=${rand()}`);
	add('To', to ?? `<${ruri ?? `sip:probe@${host}`}>`);
	add('Call-ID', callId ?? `${rand()}@127.0.0.1`);
	add('CSeq', cseq ?? `1 ${method}`);
	add('Contact', contact === undefined ? `<sip:probe@127.0.0.1:${localPort}>` : contact);
	for (const l of headers)
		h.push(l);
	if (body && contentType !== null)
		add('Content-Type', contentType ?? 'application/sdp');
	const len = contentLength === undefined ? Buffer.byteLength(body) : contentLength;
	if (len !== null)
		add('Content-Length', len);
	return `${method} ${ruri ?? `sip:${host}`} SIP/2.0\r\n${h.join('\r\n')}\r\n\r\n${body}`;
}

/** An SDP offer (lines joined with CRLF). */
export function sdp({ port = 40000, codecs = '0 8 101', extra = [], media = true, conn = true } = {}) {
	const l = ['v=0', 'o=probe 1 1 IN IP4 127.0.0.1', 's=-'];
	if (conn)
		l.push('c=IN IP4 127.0.0.1');
	l.push('t=0 0');
	if (media)
		l.push(`m=audio ${port} RTP/AVP ${codecs}`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000');
	l.push(...extra);
	return l.join('\r\n') + '\r\n';
}

/**
 * A UDP socket on 127.0.0.1 that sends raw datagrams to the daemon and
 * collects responses. send(bytes) returns the responses received within
 * waitMs (stops early after a final response when untilFinal).
 */
export class SipUdp {
	static async open() {
		const sock = dgram.createSocket('udp4');
		await new Promise((resolve, reject) => {
			sock.once('error', reject);
			sock.bind(0, '127.0.0.1', resolve);
		});
		return new SipUdp(sock);
	}

	constructor(sock) {
		this.sock = sock;
		this.port = sock.address().port;
		this.rx = [];
		this.waiters = new Set();
		sock.on('message', (msg) => {
			this.rx.push(parseSip(msg.toString('latin1')));
			for (const w of this.waiters)
				w();
		});
		sock.on('error', () => {});
	}

	/** Send bytes to port; resolve the responses to them (same Via branch,
	 *  or same Call-ID when there is no branch; any response when the bytes
	 *  carry neither) that arrive within waitMs, or as soon as a final one
	 *  does (untilFinal). Retransmissions of earlier answers are ignored. */
	send(port, bytes, { waitMs = 500, untilFinal = true } = {}) {
		const from = this.rx.length;
		const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
		const key = requestKey(text);
		const mine = () => this.rx.slice(from).filter((r) => key === null || requestKey(r.raw) === key);
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(check);
				resolve(mine());
			};
			const check = () => {
				if (untilFinal && mine().some((r) => r.status >= 200))
					done();
			};
			const timer = setTimeout(done, waitMs);
			this.waiters.add(check);
			this.sock.send(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, port, '127.0.0.1');
		});
	}

	close() {
		this.sock.close();
	}
}

/**
 * Send bytes over a new TCP connection; resolve {responses, closed,
 * error} after waitMs, when the server closes, or (untilFinal) once
 * `finals` final responses arrived. bytes may be an array of pieces,
 * written 30 ms apart; endAfter half-closes after the last one.
 */
export function sipTcp(port, bytes, { waitMs = 800, untilFinal = true, finals = 1, endAfter = false } = {}) {
	return new Promise((resolve) => {
		const sock = net.connect(port, '127.0.0.1');
		let buf = '';
		let closed = false;
		let error = null;
		let finished = false;
		const parse = () => {
			const out = [];
			let rest = buf;
			for (;;) {
				const end = rest.indexOf('\r\n\r\n');
				if (end < 0)
					break;
				const m = /\r\ncontent-length:\s*(\d+)/i.exec(rest.slice(0, end));
				const len = m ? Number(m[1]) : 0;
				if (rest.length < end + 4 + len)
					break;
				out.push(parseSip(rest.slice(0, end + 4 + len)));
				rest = rest.slice(end + 4 + len);
			}
			return out;
		};
		const finish = () => {
			if (finished)
				return;
			finished = true;
			clearTimeout(timer);
			sock.destroy();
			resolve({ responses: parse(), closed, error, port: sock.localPort });
		};
		const timer = setTimeout(finish, waitMs);
		const toBuf = (b) => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
		sock.on('connect', async () => {
			// an array is sent as separate writes, 30 ms apart
			const parts = Array.isArray(bytes) ? bytes : [bytes];
			for (let i = 0; i < parts.length && !finished; i++) {
				if (i)
					await new Promise((r) => setTimeout(r, 30));
				sock.write(toBuf(parts[i]));
			}
			if (endAfter && !finished)
				sock.end();
		});
		sock.on('data', (d) => {
			buf += d.toString('latin1');
			if (untilFinal && parse().filter((r) => r.status >= 200).length >= finals)
				finish();
		});
		sock.on('error', (e) => { error = e; });
		sock.on('close', () => {
			closed = true;
			finish();
		});
	});
}
