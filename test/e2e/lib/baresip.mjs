// baresip (package baresip-core, 1.0.0) as a headless agent phone.
//
// Each phone gets a config directory in a temp dir: `config` (SIP on a free
// loopback port, RTP ports, G.711 only, a tone WAV as the microphone, no
// speaker, the sndfile module recording both directions into rec/, and the
// ctrl_tcp module), `accounts` (one account registering at Hotline). The
// phone is driven through ctrl_tcp: netstring-framed JSON commands
// ({command, params, token} -> {response, ok, data, token}) and events
// ({event: true, class, type, param, ...}). Command names come from the
// menu module: dial, accept, hangup, hold, resume, reginfo, listcalls.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, until } from './daemon.mjs';
import { freeUdpPort } from './sipp.mjs';
import { writeToneWav, readWav, rms } from './rtp.mjs';

export const BARESIP = process.env.BARESIP_BIN || 'baresip';
const MODULES = '/usr/lib/baresip/modules';
const STOP_TIMEOUT_MS = 5000;

/** Encode one netstring. */
function netstring(s) {
	const b = Buffer.from(s);
	return Buffer.concat([Buffer.from(`${b.length}:`), b, Buffer.from(',')]);
}

/** A random even port range of n ports in 10000..19999 for RTP: below
 *  the ephemeral ports and the daemons' relay ranges. */
export function randomRtpRange(n = 40) {
	const base = 10000 + 2 * Math.floor(Math.random() * ((10000 - n) / 2));
	return [base, base + n - 1];
}

/**
 * A baresip phone.
 * opts:
 *   ext, password     the account (digest user = extension)
 *   registrar         "host:port" of Hotline's SIP listener (the AOR's
 *                     domain); null = no account registration (regint=0)
 *   answermode        'auto' (default) or 'manual'
 *   toneSeconds       length of the microphone WAV (default 60: longer
 *                     than any test, or the call hangs up when it ends)
 *   regint            re-registration interval (default 60)
 *   transport         of the account: 'udp' (default), 'tcp' or 'tls'
 *                     (registrar is then Hotline's TLS address)
 *   certificate       PEM (certificate + key) for baresip's own TLS
 *                     listener, on its SIP port + 1: Hotline connects
 *                     there to call a phone registered over TLS
 *   maxSeconds        baresip quits after this long no matter what (300)
 *   label
 */
export class Baresip {
	constructor(opts) {
		this.opts = opts;
		this.label = opts.label || `baresip-${opts.ext}`;
		this.events = [];
		this.waiters = new Set();
		this.pending = new Map();
		this.output = '';
		this.tokenSeq = 0;
		this.exit = null;
	}

	async start() {
		const o = this.opts;
		this.dir = await fs.mkdtemp(path.join(os.tmpdir(), `${this.label}-`));
		this.recDir = path.join(this.dir, 'rec');
		await fs.mkdir(this.recDir);
		this.sipPort = await freeUdpPort();
		this.ctrlPort = await freePort();
		this.rtpRange = randomRtpRange();
		this.wav = path.join(this.dir, 'tone.wav');
		await writeToneWav(this.wav, { seconds: o.toneSeconds ?? 60 });
		const config = [
			['poll_method', 'epoll'],
			['sip_listen', `127.0.0.1:${this.sipPort}`],
			...(o.certificate ? [['sip_certificate', o.certificate]] : []),
			['call_local_timeout', '120'],
			['call_max_calls', '4'],
			['audio_player', 'aubridge,nowhere'],
			['audio_source', `aufile,${this.wav}`],
			['audio_alert', 'aubridge,nowhere'],
			['audio_level', 'no'],
			['ausrc_format', 's16'],
			['auplay_format', 's16'],
			['auenc_format', 's16'],
			['audec_format', 's16'],
			['rtp_ports', `${this.rtpRange[0]}-${this.rtpRange[1]}`],
			['rtcp_mux', 'no'],
			['jitter_buffer_delay', '1-5'],
			['net_interface', '127.0.0.1'],
			['module_path', MODULES],
			['module', 'g711.so'],
			['module', 'aubridge.so'],
			['module', 'aufile.so'],
			['module', 'sndfile.so'],
			['snd_path', this.recDir],
			['module_tmp', 'account.so'],
			['module_app', 'menu.so'],
			['module_app', 'ctrl_tcp.so'],
			['ctrl_tcp_listen', `127.0.0.1:${this.ctrlPort}`],
		];
		await fs.writeFile(path.join(this.dir, 'config'),
			config.map(([k, v]) => `${k}\t${v}`).join('\n') + '\n');
		const domain = o.registrar || `127.0.0.1:${this.sipPort}`;
		const params = [
			`auth_pass=${o.password}`,
			`answermode=${o.answermode || 'auto'}`,
			`regint=${o.registrar ? (o.regint ?? 60) : 0}`,
			'audio_codecs=pcmu,pcma',
		];
		this.aor = `sip:${o.ext}@${domain}`;
		await fs.writeFile(path.join(this.dir, 'accounts'),
			`<sip:${o.ext}@${domain};transport=${o.transport || 'udp'}>;${params.join(';')}\n`);
		await fs.writeFile(path.join(this.dir, 'contacts'), '');

		// -t: baresip quits by itself even if this process dies first
		this.proc = spawn(BARESIP, ['-f', this.dir, '-t', String(o.maxSeconds ?? 300)],
			{ cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
		this.proc.stdout.setEncoding('utf8');
		this.proc.stderr.setEncoding('utf8');
		this.proc.stdout.on('data', (d) => { this.output += d; });
		this.proc.stderr.on('data', (d) => { this.output += d; });
		this.exited = new Promise((resolve) => {
			this.proc.on('exit', (code, signal) => {
				this.exit = { code, signal };
				for (const w of this.waiters)
					w.check();
				resolve(this.exit);
			});
			this.proc.on('error', (e) => {
				this.output += `\n[spawn error] ${e.message}\n`;
				this.exit = { code: -1, signal: null };
				resolve(this.exit);
			});
		});
		await until(() => {
			if (this.exit)
				throw new Error(`${this.label} exited during start:\n${this.describe()}`);
			return /baresip is ready/.test(this.output);
		}, { timeoutMs: 5000, what: `${this.label} ready` });
		await this.connect();
		return this;
	}

	/** Open the ctrl_tcp connection. */
	async connect() {
		this.sock = await until(() => new Promise((resolve) => {
			const s = net.connect(this.ctrlPort, '127.0.0.1');
			s.once('connect', () => resolve(s));
			s.once('error', () => resolve(null));
		}), { timeoutMs: 3000, what: `${this.label} ctrl_tcp` });
		let buf = Buffer.alloc(0);
		this.sock.on('data', (d) => {
			buf = Buffer.concat([buf, d]);
			for (;;) {
				const colon = buf.indexOf(':');
				if (colon < 0)
					break;
				const len = Number(buf.subarray(0, colon).toString());
				if (!Number.isInteger(len) || buf.length < colon + 1 + len + 1)
					break;
				const body = buf.subarray(colon + 1, colon + 1 + len).toString();
				buf = buf.subarray(colon + 1 + len + 1);
				this.onMessage(body);
			}
		});
		this.sock.on('error', () => {});
	}

	onMessage(text) {
		let m;
		try {
			m = JSON.parse(text);
		} catch {
			return;
		}
		if (m.response) {
			const p = this.pending.get(m.token);
			if (p) {
				this.pending.delete(m.token);
				p(m);
			}
			return;
		}
		if (m.event) {
			m.at = performance.now();
			this.events.push(m);
			for (const w of this.waiters)
				w.check();
		}
	}

	/** Run a command ("dial", "sip:..."); resolves {ok, data}; asserts ok
	 *  unless {check: false}. */
	async command(command, params, { check = true, timeoutMs = 3000 } = {}) {
		const token = `t${++this.tokenSeq}`;
		const msg = { command, token };
		if (params !== undefined)
			msg.params = params;
		const reply = new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.pending.delete(token);
				reject(new Error(`${this.label}: no reply to ${command} within ${timeoutMs} ms\n${this.describe()}`));
			}, timeoutMs);
			this.pending.set(token, (m) => {
				clearTimeout(timer);
				resolve(m);
			});
		});
		this.sock.write(netstring(JSON.stringify(msg)));
		const r = await reply;
		if (check)
			assert.ok(r.ok, `${this.label}: ${command} ${params ?? ''} failed: ${r.data}\n${this.describe()}`);
		return r;
	}

	dial(uri) { return this.command('dial', uri); }
	accept() { return this.command('accept'); }
	hangup() { return this.command('hangup'); }
	hold() { return this.command('hold'); }
	resume() { return this.command('resume'); }

	/** Resolve with the first event (from index `from`) matching pred;
	 *  pred may be a type string ("CALL_ESTABLISHED"). */
	waitEvent(pred, timeoutMs = 5000, { from = 0 } = {}) {
		const test = typeof pred === 'string' ? (e) => e.type === pred : pred;
		const what = typeof pred === 'string' ? pred : 'a matching event';
		return new Promise((resolve, reject) => {
			let next = from;
			const w = {
				check: () => {
					for (; next < this.events.length; next++) {
						if (test(this.events[next])) {
							done();
							resolve(this.events[next]);
							return;
						}
					}
					if (this.exit) {
						done();
						reject(new Error(`${this.label} exited before ${what}\n${this.describe()}`));
					}
				},
			};
			const timer = setTimeout(() => {
				done();
				reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms\n${this.describe()}`));
			}, timeoutMs);
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(w);
			};
			this.waiters.add(w);
			w.check();
		});
	}

	/** Wait until registered: a REGISTER_OK event, or "OK" in reginfo
	 *  (the first registration often completes before ctrl_tcp is
	 *  connected, so its event is not seen). Resolves the reginfo text. */
	async registered(timeoutMs = 5000) {
		let info = '';
		await until(async () => {
			if (this.exit)
				throw new Error(`${this.label} exited before registering\n${this.describe()}`);
			info = (await this.command('reginfo')).data || '';
			// "sip:1001@127.0.0.1:5060   OK  Expires 60s" (with colour codes)
			return /\bOK\b/.test(info.replace(/\x1b\[[0-9;]*m/g, ''));
		}, { timeoutMs, intervalMs: 50, what: `${this.label} registered` });
		return info;
	}

	/** The recordings: {enc: what the phone sent, dec: what it received}
	 *  as file paths (null when missing). */
	async recordings() {
		const files = await fs.readdir(this.recDir);
		const pick = (suffix) => {
			const f = files.filter((n) => n.endsWith(`-${suffix}.wav`)).sort();
			return f.length ? path.join(this.recDir, f[f.length - 1]) : null;
		};
		return { enc: pick('enc'), dec: pick('dec') };
	}

	/** Seconds and RMS of a recording (kind 'dec' or 'enc'). */
	async recordingStats(kind) {
		const rec = (await this.recordings())[kind];
		if (!rec)
			return { file: null, seconds: 0, rms: 0 };
		const w = await readWav(rec);
		return { file: rec, seconds: w.samples.length / w.rate, rms: rms(w.samples) };
	}

	describe() {
		const ev = this.events.map((e) => `${e.class}/${e.type} ${e.param ?? ''} ${e.peeruri ?? ''}`).join('\n');
		return `--- ${this.label} (${this.dir}) exit ${JSON.stringify(this.exit)}\n--- events:\n${ev}\n` +
			`--- output:\n${this.output.slice(-6000)}`;
	}

	/** SIGTERM and wait for exit: baresip first unregisters (REGISTER
	 *  expires=0); when the registrar does not answer within unregisterMs,
	 *  a second SIGTERM makes it quit at once; SIGKILL as a last resort.
	 *  Resolves the exit. */
	async stop({ unregisterMs = 1500 } = {}) {
		if (this.sock)
			this.sock.destroy();
		if (this.proc && !this.exit) {
			this.proc.kill('SIGTERM');
			const t1 = setTimeout(() => this.proc.kill('SIGTERM'), unregisterMs);
			const t2 = setTimeout(() => this.proc.kill('SIGKILL'), unregisterMs + STOP_TIMEOUT_MS);
			await this.exited;
			clearTimeout(t1);
			clearTimeout(t2);
		}
		return this.exit;
	}

	async cleanup() {
		await this.stop();
		if (this.dir && !process.env.HOTLINE_E2E_KEEP)
			await fs.rm(this.dir, { recursive: true, force: true });
	}
}

/** Start a phone; resolves once ctrl_tcp is connected. */
export function startBaresip(opts) {
	return new Baresip(opts).start();
}
