// Writes tone_600_s1.pcap ... tone_600_s5.pcap next to this file: one
// second each of a 600 Hz tone (amplitude 8000) as G.711 mu-law RTP
// (PT 0, 20 ms packets, SSRC 0x600d600d), the sequence numbers and
// timestamps of each file continuing the previous one, so that playing
// s1, s2, ... one second apart (uac_voicemail.xml) is one stream of N
// seconds. sipp replays the UDP payloads and rewrites only the ports.
//
//   node test/e2e/calls/pcap/make_tone.mjs

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { linearToUlaw } from '../../lib/rtp.mjs';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const FREQ = 600, AMP = 8000, RATE = 8000, PTIME = 20, SPP = 160;
const SSRC = 0x600d600d, SEQ0 = 1000, TS0 = 160000;
const FILES = 5, PER_FILE = 1000 / PTIME;

function ipChecksum(h) {
	let s = 0;
	for (let i = 0; i < h.length; i += 2)
		s += h.readUInt16BE(i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/** Ethernet + IPv4 + UDP (127.0.0.1:20000 -> :10000) around payload. */
function frame(payload) {
	const udpLen = 8 + payload.length;
	const b = Buffer.alloc(14 + 20 + udpLen);
	b.writeUInt16BE(0x0800, 12);
	const ip = b.subarray(14, 34);
	ip[0] = 0x45;
	ip.writeUInt16BE(20 + udpLen, 2);
	ip[8] = 64;
	ip[9] = 17;
	ip.writeUInt32BE(0x7f000001, 12);
	ip.writeUInt32BE(0x7f000001, 16);
	ip.writeUInt16BE(ipChecksum(ip), 10);
	b.writeUInt16BE(20000, 34);
	b.writeUInt16BE(10000, 36);
	b.writeUInt16BE(udpLen, 38);
	payload.copy(b, 42);
	return b;
}

for (let f = 0; f < FILES; f++) {
	const recs = [];
	const head = Buffer.alloc(24);
	head.writeUInt32LE(0xa1b2c3d4, 0);
	head.writeUInt16LE(2, 4);
	head.writeUInt16LE(4, 6);
	head.writeUInt32LE(65535, 16);
	head.writeUInt32LE(1, 20);           // LINKTYPE_ETHERNET
	recs.push(head);
	for (let k = 0; k < PER_FILE; k++) {
		const n = f * PER_FILE + k;
		const rtp = Buffer.alloc(12 + SPP);
		rtp[0] = 0x80;
		rtp[1] = n === 0 ? 0x80 : 0x00;  // marker on the first packet, PT 0
		rtp.writeUInt16BE((SEQ0 + n) & 0xffff, 2);
		rtp.writeUInt32BE(TS0 + n * SPP, 4);
		rtp.writeUInt32BE(SSRC, 8);
		for (let i = 0; i < SPP; i++) {
			const t = n * SPP + i;
			rtp[12 + i] = linearToUlaw(AMP * Math.sin(2 * Math.PI * FREQ * t / RATE));
		}
		const fr = frame(rtp);
		const rh = Buffer.alloc(16);
		const us = k * PTIME * 1000;
		rh.writeUInt32LE(1700000000 + Math.floor(us / 1e6), 0);
		rh.writeUInt32LE(us % 1e6, 4);
		rh.writeUInt32LE(fr.length, 8);
		rh.writeUInt32LE(fr.length, 12);
		recs.push(rh, fr);
	}
	fs.writeFileSync(path.join(DIR, `tone_600_s${f + 1}.pcap`), Buffer.concat(recs));
}
