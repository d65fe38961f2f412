// The SIP messages a sipp run sent and received, read back from its
// -trace_msg file (lib/sipp.mjs writes one per run), so a test can assert
// exact headers and bodies of what went over the wire: digest parameters,
// Contact, SDP of provisional responses, tags.

import { readFileSync, existsSync } from 'node:fs';
import { parseSip } from './sipraw.mjs';
import { parseDigest } from './sipmsg.mjs';

const BLOCK_HEAD = /^(UDP|TCP) message (received|sent) [[(](\d+)(?: bytes)?[\])](?: bytes)?\s*:\s*$/;

/**
 * Every message in sipp's trace, in order: {dir: 'in' | 'out', transport,
 * method (requests), ruri (requests), status (responses), reason,
 * headers (lower-case name -> [values]), header(name) (first value),
 * body, raw}. sipp writes its trace buffered: read it after the run ended
 * (or accept that the tail may be missing).
 */
export function sippTrace(sipp) {
	const file = sipp.files?.messages;
	if (!file || !existsSync(file))
		return [];
	const text = readFileSync(file, 'latin1');
	const out = [];
	for (const block of text.split(/^-{20,} .*$/m)) {
		const lines = block.replace(/^\n+/, '').split('\n');
		const m = BLOCK_HEAD.exec(lines[0] || '');
		if (!m)
			continue;
		// the message follows one empty line; sipp writes it with CRLF
		const raw = lines.slice(2).join('\n').replace(/\r?\n/g, '\r\n').replace(/(\r\n)+$/, '\r\n');
		const sep = raw.indexOf('\r\n\r\n');
		const msg = parseSip(sep >= 0 ? raw : `${raw}\r\n`);
		const first = raw.split('\r\n')[0];
		const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(first);
		out.push({
			...msg,
			dir: m[2] === 'received' ? 'in' : 'out',
			transport: m[1],
			method: req ? req[1] : null,
			ruri: req ? req[2] : null,
			header: (name) => (msg.headers[name.toLowerCase()] || [])[0],
		});
	}
	return out;
}

/** A one-line summary of a traced message ("in REGISTER sip:...",
 *  "out 401 Unauthorized"), for assertion messages. */
export function traceLine(t) {
	return `${t.dir} ${t.method ? `${t.method} ${t.ruri}` : `${t.status} ${t.reason}`}` +
		` (CSeq ${t.header('cseq')})`;
}

/** Digest parameters of the first Authorization (or name) header of a
 *  traced message, or null. */
export function traceDigest(t, name = 'authorization') {
	const v = t.header(name);
	return v ? parseDigest(v) : null;
}
