// Hand-made SIP requests over UDP (node:dgram) and TCP, for tests that
// need exact control of the bytes: digest replays, wrong digest uris,
// odd methods. Responses are parsed into {status, reason, headers, raw}.
// For ordinary phones use sipp (lib/sipp.mjs) or baresip.

import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

const REPLY_TIMEOUT_MS = 3000;

/** Parse a SIP message head: {status (responses), method (requests),
 *  reason, headers {lowercase name: [values]}, raw}. */
export function parseSip(raw) {
	const end = raw.indexOf('\r\n\r\n');
	const lines = (end >= 0 ? raw.slice(0, end) : raw).split('\r\n');
	const first = lines[0];
	const out = { raw, headers: {}, status: null, method: null, reason: '' };
	const m = first.match(/^SIP\/2\.0 (\d{3}) ?(.*)$/);
	if (m) {
		out.status = Number(m[1]);
		out.reason = m[2];
	} else {
		out.method = first.split(' ')[0];
	}
	for (const l of lines.slice(1)) {
		const i = l.indexOf(':');
		if (i <= 0)
			continue;
		const name = l.slice(0, i).trim().toLowerCase();
		(out.headers[name] ||= []).push(l.slice(i + 1).trim());
	}
	out.header = (name) => (out.headers[name.toLowerCase()] || [])[0];
	return out;
}

/** Parameters of a Digest challenge or credentials header value. */
export function parseDigest(value) {
	const out = {};
	const body = value.replace(/^\s*Digest\s+/i, '');
	for (const m of body.matchAll(/([a-zA-Z]+)\s*=\s*("([^"]*)"|[^,\s]*)/g))
		out[m[1].toLowerCase()] = m[3] !== undefined ? m[3] : m[2];
	return out;
}

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');

/** An Authorization header value answering a challenge (qop=auth, MD5).
 *  o: {user, password, realm, nonce, method, uri, nc, cnonce, algorithm
 *  (default MD5, null leaves it out), extra (appended verbatim)}. */
export function digestCredentials(o) {
	const nc = o.nc || '00000001';
	const cnonce = o.cnonce || crypto.randomBytes(4).toString('hex');
	const ha1 = md5(`${o.user}:${o.realm}:${o.password}`);
	const ha2 = md5(`${o.method}:${o.uri}`);
	const response = md5(`${ha1}:${o.nonce}:${nc}:${cnonce}:auth:${ha2}`);
	return `Digest username="${o.user}", realm="${o.realm}", nonce="${o.nonce}", ` +
		`uri="${o.uri}", response="${response}", cnonce="${cnonce}", nc=${nc}, ` +
		`qop=auth${o.algorithm === null ? '' : `, algorithm=${o.algorithm || 'MD5'}`}` +
		`${o.extra || ''}`;
}

let counter = 0;
const token = () => `${Date.now().toString(36)}${(++counter).toString(36)}${crypto.randomBytes(3).toString('hex')}`;

/**
 * A SIP user agent on a UDP socket of its own (127.0.0.1, random port),
 * talking to 127.0.0.1:port.
 */
export class SipUdp {
	constructor(port) {
		this.port = port;
		this.inbox = [];
		this.waiters = [];
	}

	async open() {
		this.sock = dgram.createSocket('udp4');
		this.sock.on('message', (buf) => {
			const msg = parseSip(buf.toString('latin1'));
			this.inbox.push(msg);
			for (const w of [...this.waiters])
				w();
		});
		await new Promise((resolve, reject) => {
			this.sock.once('error', reject);
			this.sock.bind(0, '127.0.0.1', resolve);
		});
		this.localPort = this.sock.address().port;
		return this;
	}

	close() {
		return new Promise((r) => this.sock.close(r));
	}

	send(text) {
		return new Promise((resolve, reject) => {
			this.sock.send(Buffer.from(text, 'latin1'), this.port, '127.0.0.1',
				(err) => (err ? reject(err) : resolve()));
		});
	}

	/** Wait for a received message matching pred (removed from the inbox). */
	next(pred, timeoutMs = REPLY_TIMEOUT_MS) {
		return new Promise((resolve, reject) => {
			const check = () => {
				const i = this.inbox.findIndex(pred);
				if (i < 0)
					return false;
				const [m] = this.inbox.splice(i, 1);
				done();
				resolve(m);
				return true;
			};
			const done = () => {
				clearTimeout(timer);
				this.waiters = this.waiters.filter((w) => w !== check);
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`no matching SIP message within ${timeoutMs} ms`));
			}, timeoutMs);
			this.waiters.push(check);
			check();
		});
	}

	/**
	 * Build a request. o: {method, ruri, user (From/To user), to (To URI),
	 * callId, cseq, branch, headers (array of "Name: value"), contact
	 * (true: ours), expires}. Returns {text, branch, callId}.
	 */
	build(o) {
		const method = o.method || 'OPTIONS';
		const ruri = o.ruri || `sip:127.0.0.1:${this.port}`;
		const user = o.user || 'probe';
		const to = o.to || `sip:${user}@127.0.0.1:${this.port}`;
		const branch = o.branch || `z9hG4bK-${token()}`;
		const callId = o.callId || `${token()}@127.0.0.1`;
		const cseqMethod = o.cseqMethod || method;
		const lines = [
			`${method} ${ruri} SIP/2.0`,
			`Via: SIP/2.0/UDP 127.0.0.1:${this.localPort};rport;branch=${branch}`,
			`From: <sip:${user}@127.0.0.1:${this.port}>;tag=${o.fromTag || token()}`,
			`To: <${to}>${o.toTag ? `;tag=${o.toTag}` : ''}`,
			`Call-ID: ${callId}`,
			`CSeq: ${o.cseq ?? 1} ${cseqMethod}`,
			...(o.maxForwards === null ? [] : [`Max-Forwards: ${o.maxForwards ?? 70}`]),
		];
		if (o.contact)
			lines.push(`Contact: <sip:${user}@127.0.0.1:${this.localPort}>`);
		if (o.expires !== undefined)
			lines.push(`Expires: ${o.expires}`);
		lines.push(...(o.headers || []), 'Content-Length: 0', '', '');
		return { text: lines.join('\r\n'), branch, callId };
	}

	/** Send a request and resolve its final response (>= 200); provisional
	 *  ones are skipped. */
	async request(o) {
		const r = this.build(o);
		const wait = this.next((m) => m.status >= 200 &&
			(m.header('via') || '').includes(`branch=${r.branch}`));
		await this.send(r.text);
		return Object.assign(await wait, { request: r });
	}

	/**
	 * REGISTER user with the password, answering the 401 challenge.
	 * o: {user, password, expires, callId, cseq (first), contact (default
	 * true), headers, uri (digest uri override)}. Resolves {first, final,
	 * challenge (parsed), auth (the credentials sent)}.
	 */
	async register(o) {
		const callId = o.callId || `${token()}@127.0.0.1`;
		const cseq = o.cseq ?? 1;
		const base = { method: 'REGISTER', user: o.user, callId, contact: o.contact ?? true,
			expires: o.expires, headers: o.headers };
		const first = await this.request({ ...base, cseq });
		if (first.status !== 401)
			return { first, final: first };
		const challenge = parseDigest(first.header('www-authenticate'));
		const auth = digestCredentials({ user: o.user, password: o.password,
			realm: challenge.realm, nonce: challenge.nonce, method: 'REGISTER',
			uri: o.uri || first.request.text.split(' ')[1], nc: o.nc });
		const final = await this.request({ ...base, cseq: cseq + 1,
			headers: [...(o.headers || []), `Authorization: ${auth}`] });
		return { first, final, challenge, auth, callId, cseq: cseq + 1 };
	}
}

export async function openSipUdp(port) {
	return new SipUdp(port).open();
}

/** Send one request over a fresh TCP connection; resolves the first
 *  complete response, parsed. */
export function sipTcpRequest(port, text, timeoutMs = REPLY_TIMEOUT_MS) {
	return new Promise((resolve, reject) => {
		const sock = net.connect(port, '127.0.0.1');
		let buf = '';
		const timer = setTimeout(() => {
			sock.destroy();
			reject(new Error(`no SIP response over TCP within ${timeoutMs} ms`));
		}, timeoutMs);
		sock.on('connect', () => sock.write(text));
		sock.on('data', (d) => {
			buf += d.toString('latin1');
			const end = buf.indexOf('\r\n\r\n');
			if (end < 0)
				return;
			const m = buf.slice(0, end).match(/\r\ncontent-length:\s*(\d+)/i);
			if (buf.length < end + 4 + (m ? Number(m[1]) : 0))
				return;
			clearTimeout(timer);
			sock.destroy();
			resolve(parseSip(buf));
		});
		sock.on('error', (e) => {
			clearTimeout(timer);
			reject(e);
		});
	});
}
