// Run sipp (package sip-tester) scenarios as child processes on loopback.
//
// Every run gets its own temp directory holding sipp's message trace,
// error log, <log> action output, statistics CSV and screen dump; describe()
// returns all of it so that an assertion message shows what happened on the
// wire. Runs are bounded twice: sipp's own -timeout (with -timeout_error)
// and a SIGKILL a few seconds later.
//
// The scenarios in test/e2e/calls/ log one line per interesting event
// (ANSWERED, MEDIA <ip> <port>, FINAL <code>, INVITE <ruri>, ...); waitLog()
// watches for them while the call runs.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until, sleep, freePort } from './daemon.mjs';

export const CALLS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'calls');
export const SIPP = process.env.SIPP_BIN || 'sipp';

const KILL_GRACE_MS = 3000;

/** Exit codes of sipp 3.6. */
export const SIPP_EXIT = {
	0: 'all calls succeeded',
	1: 'at least one call failed',
	97: 'exit on internal command',
	99: 'normal exit without calls processed',
	255: 'fatal error',
	254: 'fatal error binding a socket',
};

/** A free UDP port on 127.0.0.1 (even: also leaves port+1 likely free). */
export async function freeUdpPort({ even = false } = {}) {
	for (let i = 0; i < 50; i++) {
		const sock = dgram.createSocket('udp4');
		await new Promise((resolve, reject) => {
			sock.once('error', reject);
			sock.bind(0, '127.0.0.1', resolve);
		});
		const { port } = sock.address();
		await new Promise((r) => sock.close(r));
		if (!even || port % 2 === 0)
			return port;
	}
	throw new Error('no free UDP port');
}

/** A free even UDP port p on 127.0.0.1 with p+1..p+3 free too: sipp binds
 *  -mp for audio and -mp+2 for video (RTCP conventionally on +1). */
export async function freeMediaPort() {
	for (let i = 0; i < 50; i++) {
		const p = await freeUdpPort({ even: true });
		const socks = [];
		let ok = true;
		for (let k = 0; k < 4 && ok; k++) {
			const s = dgram.createSocket('udp4');
			ok = await new Promise((resolve) => {
				s.once('error', () => resolve(false));
				s.bind(p + k, '127.0.0.1', () => resolve(true));
			});
			socks.push([s, ok]);
		}
		for (const [s, bound] of socks) {
			if (bound)
				await new Promise((r) => s.close(r));
		}
		if (ok)
			return p;
	}
	throw new Error('no free UDP port range for sipp media');
}

/** Parse sipp's -trace_stat CSV (';'-separated): the last row as an
 *  object {SuccessfulCall(C): '1', ...}. */
export function parseStatCsv(text) {
	const rows = text.split('\n').filter((l) => l.trim().length);
	if (rows.length < 2)
		return null;
	const head = rows[0].split(';');
	const last = rows[rows.length - 1].split(';');
	const out = {};
	head.forEach((h, i) => {
		if (h)
			out[h] = last[i];
	});
	return out;
}

function readIf(file) {
	try {
		return existsSync(file) ? readFileSync(file, 'latin1') : '';
	} catch {
		return '';
	}
}

/**
 * One sipp process.
 * opts:
 *   remote      "host:port" to send to (UAC scenarios)
 *   service     Request-URI user (-s)
 *   localPort   SIP port (-p), default a free UDP port
 *   transport   'udp' (default) or 'tcp'
 *   mediaPort   sipp's own media port (-mp), default a free even UDP port
 *               with the next three free as well
 *   rtpEcho     echo RTP received on mediaPort (-rtp_echo)
 *   keys        {name: value} for [name] in messages (-key)
 *   vars        {name: value} for scenario <Global> variables (-set)
 *   auth        {user, password, uri} for [authentication] (-au/-ap;
 *               uri defaults to service@remote when service is set)
 *   calls       -m (default 1)
 *   rate        -r calls per second (UAC)
 *   timeoutS    -timeout with -timeout_error (default 15)
 *   extra       more sipp arguments
 *   label       name in messages
 * Default keys: caller "caller", rtp_port = mediaPort, codecs "0 8 101",
 * media_ip_type 4.
 */
export class Sipp {
	constructor(scenario, opts = {}) {
		this.scenario = scenario;
		this.opts = opts;
		this.label = opts.label || path.basename(scenario, '.xml');
		this.exit = null;
	}

	/** Scenario argument: a built-in name (uac, uas, ...) or a file,
	 *  relative paths taken from test/e2e/calls/. */
	scenarioArgs() {
		if (/^[a-z_]+$/.test(this.scenario))
			return ['-sn', this.scenario];
		const f = path.isAbsolute(this.scenario) ? this.scenario : path.join(CALLS_DIR, this.scenario);
		return ['-sf', f];
	}

	/** The scenario file's <Global variables="a,b"/> names, each set to 0. */
	globals() {
		const f = this.scenarioArgs();
		if (f[0] !== '-sf')
			return {};
		const m = readIf(f[1]).match(/<Global\s+variables="([^"]*)"/);
		return m ? Object.fromEntries(m[1].split(',').map((v) => [v.trim(), 0])) : {};
	}

	async start() {
		const o = this.opts;
		this.dir = await fs.mkdtemp(path.join(os.tmpdir(), `sipp-${this.label}-`));
		this.mediaPort = o.mediaPort ?? await freeMediaPort();
		// the SIP port must not be one of the media ports (-mp .. -mp+4:
		// audio, video, and a flow caller's own port), free as they may
		// still be at this moment
		for (let i = 0; this.port === undefined || this.port - this.mediaPort >= 0 &&
			this.port - this.mediaPort <= 4; i++) {
			if (i === 20)
				throw new Error('sipp: no SIP port apart from the media ports');
			this.port = o.localPort ?? (o.transport === 'tcp' ? await freePort() : await freeUdpPort());
			if (o.localPort)
				break;
		}
		this.files = {
			messages: path.join(this.dir, 'messages.log'),
			errors: path.join(this.dir, 'errors.log'),
			log: path.join(this.dir, 'actions.log'),
			stat: path.join(this.dir, 'stat.csv'),
			screen: path.join(this.dir, 'screen.log'),
			stdout: path.join(this.dir, 'stdout.log'),
		};
		const keys = { caller: 'caller', rtp_port: this.mediaPort, codecs: '0 8 101', ...(o.keys || {}) };
		const timeoutS = o.timeoutS ?? 15;
		const args = [
			...this.scenarioArgs(),
			...(o.remote ? [o.remote] : []),
			'-i', '127.0.0.1', '-p', String(this.port),
			'-mi', '127.0.0.1', '-mp', String(this.mediaPort),
			'-t', o.transport === 'tcp' ? 't1' : 'u1',
			'-m', String(o.calls ?? 1),
			'-timeout', `${timeoutS}s`, '-timeout_error',
			'-nostdin',
			'-trace_msg', '-message_file', this.files.messages,
			'-trace_err', '-error_file', this.files.errors,
			'-trace_logs', '-log_file', this.files.log,
			'-trace_stat', '-stf', this.files.stat,
			'-trace_screen', '-screen_file', this.files.screen,
		];
		if (o.service !== undefined)
			args.push('-s', String(o.service));
		if (o.rate !== undefined)
			args.push('-r', String(o.rate));
		if (o.rtpEcho)
			args.push('-rtp_echo');
		if (o.auth) {
			args.push('-au', o.auth.user, '-ap', o.auth.password);
			// sipp's digest uri defaults to sip:remote_ip:remote_port;
			// a request to user@host must say so or the digest fails
			const uri = o.auth.uri ?? (o.service !== undefined && o.remote ? `${o.service}@${o.remote}` : null);
			if (uri)
				args.push('-auth_uri', uri);
		}
		for (const [k, v] of Object.entries(keys))
			args.push('-key', k, String(v));
		// every <Global variables> of the scenario gets a value (0 unless
		// given): sipp logs an error converting an unset one
		const vars = { ...this.globals(), ...(o.vars || {}) };
		for (const [k, v] of Object.entries(vars))
			args.push('-set', k, String(v));
		args.push(...(o.extra || []));
		this.args = args;

		this.output = '';
		this.proc = spawn(SIPP, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
		this.proc.stdout.setEncoding('latin1');
		this.proc.stderr.setEncoding('latin1');
		// sipp redraws its screen on stdout; keep only the tail
		const keep = (d) => {
			this.output = (this.output + d).slice(-20000);
		};
		this.proc.stdout.on('data', keep);
		this.proc.stderr.on('data', keep);
		const killer = setTimeout(() => this.kill(), timeoutS * 1000 + KILL_GRACE_MS);
		this.done = new Promise((resolve) => {
			let settled = false;
			const finish = (code, signal) => {
				if (settled)
					return;
				settled = true;
				clearTimeout(killer);
				this.exit = { code, signal };
				resolve(this.result());
			};
			this.proc.on('exit', finish);
			this.proc.on('error', (e) => {
				this.output += `\n[spawn error] ${e.message}\n`;
				finish(-1, null);
			});
		});
		return this;
	}

	/** {code, signal, stats, log, errors, screen} once exited. */
	result() {
		return {
			code: this.exit ? this.exit.code : null,
			signal: this.exit ? this.exit.signal : null,
			stats: parseStatCsv(readIf(this.files.stat)),
			log: this.logText(),
			errors: readIf(this.files.errors),
			screen: readIf(this.files.screen),
		};
	}

	/** Wait until sipp has bound its SIP port (read from /proc/net/udp or
	 *  /proc/net/tcp, so the check never races sipp's own bind). */
	async bound(timeoutMs = 3000) {
		const file = this.opts.transport === 'tcp' ? '/proc/net/tcp' : '/proc/net/udp';
		const hex = `:${this.port.toString(16).toUpperCase().padStart(4, '0')} `;
		await until(() => {
			if (this.exit)
				throw new Error(`${this.label}: exited (${this.exit.code}) before binding\n${this.describe()}`);
			return readIf(file).split('\n').some((l) => l.includes(`0100007F${hex}`) && l.includes(' 00000000:0000 '));
		}, { timeoutMs, what: `${this.label} bound to ${this.port}` });
	}

	/** What the scenario's <log> actions wrote so far. */
	logText() {
		return readIf(this.files.log);
	}

	/** Lines of the log that match re (array of match objects). */
	logMatches(re) {
		const g = new RegExp(re.source, re.flags.includes('m') ? re.flags : re.flags + 'm');
		return this.logText().split('\n').map((l) => l.match(g)).filter(Boolean);
	}

	/** Wait until a log line matches re; returns the match. Fails early
	 *  when sipp exits without it. */
	async waitLog(re, timeoutMs = 5000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const m = this.logMatches(re)[0];
			if (m)
				return m;
			if (this.exit)
				throw new Error(`${this.label}: exited (${this.exit.code}) without logging ${re}\n${this.describe()}`);
			if (Date.now() > deadline)
				throw new Error(`${this.label}: no ${re} in its log within ${timeoutMs} ms\n${this.describe()}`);
			await sleep(20);
		}
	}

	/** The remote media address the scenario logged ("MEDIA ip port"). */
	async media(timeoutMs = 5000) {
		const m = await this.waitLog(/^MEDIA (\S+) (\d+)/, timeoutMs);
		return { host: m[1], port: Number(m[2]) };
	}

	/** Everything useful for an assertion message. */
	describe({ messages = true } = {}) {
		const parts = [`--- sipp ${this.label}: ${SIPP} ${(this.args || []).join(' ')}`,
			`exit: ${JSON.stringify(this.exit)} ${this.exit ? SIPP_EXIT[this.exit.code] || '' : '(running)'}`];
		const log = this.logText();
		if (log)
			parts.push(`--- log actions:\n${log}`);
		const err = readIf(this.files?.errors);
		if (err)
			parts.push(`--- errors:\n${err.slice(-4000)}`);
		if (messages) {
			const msg = readIf(this.files?.messages);
			if (msg)
				parts.push(`--- messages:\n${msg.slice(-12000)}`);
		}
		if (this.exit && this.exit.code !== 0 && this.output)
			parts.push(`--- output tail:\n${this.output.slice(-3000)}`);
		return parts.join('\n');
	}

	/** Wait for exit and assert code 0 (every call succeeded). */
	async expectOk(what = '') {
		const r = await this.done;
		assert.equal(r.code, 0, `${this.label} ${what} failed:\n${this.describe()}`);
		return r;
	}

	/** Wait for exit and return the result (no assertion). */
	wait() {
		return this.done;
	}

	kill(signal = 'SIGKILL') {
		if (this.proc && !this.exit) {
			try {
				this.proc.kill(signal);
			} catch {
				// gone
			}
		}
	}

	async cleanup() {
		if (this.proc && !this.exit) {
			this.kill();
			await this.done;
		}
		if (this.dir && !process.env.HOTLINE_E2E_KEEP)
			await fs.rm(this.dir, { recursive: true, force: true });
	}
}

/** Start a sipp run; resolves the Sipp (its .done resolves on exit). */
export function startSipp(scenario, opts) {
	return new Sipp(scenario, opts).start();
}

/** Run a scenario to the end; resolves the finished Sipp. */
export async function runSipp(scenario, opts) {
	const s = await startSipp(scenario, opts);
	await s.done;
	return s;
}

/**
 * REGISTER ext (Contact sip:ext@127.0.0.1:contactPort) at registrar
 * ("host:port") with digest auth; resolves the finished Sipp and asserts
 * it succeeded. expires 0 removes that contact.
 */
export async function register({ registrar, ext, password, contactPort, expires = 60,
	transport = 'udp', timeoutS = 5, label }) {
	const s = await runSipp('reg.xml', {
		remote: registrar, transport, timeoutS,
		label: label || `reg-${ext}`,
		keys: { ext, contact_port: contactPort, expires,
			contact_transport: transport },
		auth: { user: String(ext), password: String(password) },
	});
	assert.equal(s.exit.code, 0, `REGISTER ${ext} (expires ${expires}) failed:\n${s.describe()}`);
	return s;
}

/**
 * An agent phone made of two sipp processes (one sipp cannot REGISTER and
 * then receive calls): a UAS running scenario (default uas_answer.xml) on
 * its own port, and a REGISTER whose Contact points at that port.
 * opts: {registrar, ext, password, scenario, vars, keys, calls, timeoutS,
 * transport, expires, rtpEcho, mediaPort}. Resolves {uas, port, reg,
 * unregister(), cleanup()}.
 */
export async function startSippAgent(opts) {
	const port = opts.transport === 'tcp' ? await freePort() : await freeUdpPort();
	const uas = await startSipp(opts.scenario || 'uas_answer.xml', {
		localPort: port, transport: opts.transport, label: opts.label || `agent-${opts.ext}`,
		vars: opts.vars, keys: opts.keys, calls: opts.calls ?? 1, timeoutS: opts.timeoutS ?? 15,
		rtpEcho: opts.rtpEcho, mediaPort: opts.mediaPort,
	});
	let reg;
	try {
		await uas.bound();
		reg = await register({ registrar: opts.registrar, ext: opts.ext, password: opts.password,
			contactPort: port, expires: opts.expires ?? 60, transport: opts.transport });
	} catch (e) {
		await uas.cleanup();
		throw e;
	}
	return {
		uas, port, reg,
		unregister: () => register({ registrar: opts.registrar, ext: opts.ext,
			password: opts.password, contactPort: port, expires: 0, transport: opts.transport,
			label: `unreg-${opts.ext}` }),
		cleanup: async () => {
			await uas.cleanup();
			await reg.cleanup();
		},
	};
}
