// RFC 6455 details over a raw TCP socket: masking, size cap, ping/pong,
// binary, close handshake, slow consumers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, until } from './lib/daemon.mjs';
import { openStream, RawWs, closePayload, encodeFrame } from './lib/ws.mjs';

const WS_MAX_MESSAGE = 4096;
const WS_SEND_BUFFER = 65536;

const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 };

let d;
let api;
const raws = [];

before(async () => {
	d = await startDaemon({
		config: { ws_max_message: WS_MAX_MESSAGE, ws_send_buffer: WS_SEND_BUFFER },
		// the daemon may note a slow consumer it dropped
		allowWarn: [/slow consumer/i],
	});
	api = d.api;
});

after(async () => {
	for (const r of raws)
		r.destroy();
	if (d)
		await d.cleanup();
});

async function raw(opts) {
	const r = new RawWs(d, opts);
	raws.push(r);
	await r.connect();
	return r;
}

async function publish(topics, data = {}) {
	const r = await api.post('/api/v1/events', { type: 'custom.ws', topics, data });
	assert.equal(r.status, 202, r.text);
	return r.body.seqs[0];
}

/** The server's close frame carries code; the TCP connection then ends. */
async function expectClose(r, code, what) {
	const f = await r.waitClose(2000);
	assert.equal(f.closeCode, code, `${what}: close code ${f.closeCode} reason "${f.closeReason}"`);
	assert.equal(f.masked, false, 'server frames are not masked');
	// answer the close like a polite client, then the server hangs up
	r.sendFrame(OP.CLOSE, closePayload(code));
	await r.waitEnd(2000);
	return f;
}

test('handshake: 101 with the right Sec-WebSocket-Accept; events arrive as unmasked text frames', async () => {
	const r = await raw({ topics: 'ws:basic' });
	assert.match(r.response, /\r\nupgrade:\s*websocket/i);
	assert.match(r.response, /\r\nconnection:\s*upgrade/i);
	const seq = await publish(['ws:basic'], { hello: 1 });
	const f = await r.waitFor((fr) => fr.find((x) => x.opcode === OP.TEXT), 2000, 'a text frame');
	assert.equal(f.fin, true);
	assert.equal(f.masked, false);
	assert.equal(f.rsv, 0);
	const ev = JSON.parse(f.payload.toString());
	assert.equal(ev.seq, seq);
	assert.deepEqual(ev.data, { hello: 1 });
	r.destroy();
});

test('ping -> pong with the same payload; client text is ignored', async () => {
	const r = await raw({ topics: 'ws:ping' });
	const payload = Buffer.from('ping-payload-\u00e9');
	r.sendFrame(OP.PING, payload);
	const pong = await r.waitFor((fr) => fr.find((x) => x.opcode === OP.PONG), 2000, 'pong');
	assert.deepEqual(pong.payload, payload);
	// an empty ping too
	r.sendFrame(OP.PING, Buffer.alloc(0));
	await r.waitFor((fr) => fr.filter((x) => x.opcode === OP.PONG).length === 2, 2000, 'second pong');
	// text from the client is not part of the protocol: ignored
	r.sendFrame(OP.TEXT, 'hello server');
	// a ping fragmented around a text message is fine too
	r.sendFrame(OP.TEXT, 'part one ', { fin: false });
	r.sendFrame(OP.PING, 'mid');
	r.sendFrame(OP.CONT, 'part two');
	const p3 = await r.waitFor((fr) => fr.filter((x) => x.opcode === OP.PONG)[2], 2000, 'third pong');
	assert.equal(p3.payload.toString(), 'mid');
	const seq = await publish(['ws:ping']);
	const t = await r.waitFor((fr) => fr.find((x) => x.opcode === OP.TEXT), 2000, 'event after text');
	assert.equal(JSON.parse(t.payload.toString()).seq, seq, 'still subscribed');
	assert.ok(!r.frames.some((x) => x.opcode === OP.CLOSE), 'not closed');
	r.destroy();
});

test('unmasked client frame -> close 1002', async () => {
	const r = await raw({ topics: 'ws:x' });
	r.send(encodeFrame(OP.TEXT, 'not masked', { mask: false }));
	await expectClose(r, 1002, 'unmasked frame');
});

test('reserved bits / unknown opcode / continuation without start -> close 1002', async () => {
	for (const [what, frame] of [
		['rsv1 set', encodeFrame(OP.TEXT, 'x', { rsv: 4 })],
		['opcode 3', encodeFrame(3, 'x')],
		['opcode 0xB', encodeFrame(0xb, 'x')],
		['lone continuation', encodeFrame(OP.CONT, 'x')],
		['fragmented ping', encodeFrame(OP.PING, 'x', { fin: false })],
		['control frame > 125 bytes', encodeFrame(OP.PING, Buffer.alloc(126))],
	]) {
		const r = await raw({ topics: 'ws:x' });
		r.send(frame);
		await expectClose(r, 1002, what);
	}
});

test('message over ws_max_message -> close 1009 (also when fragmented)', async () => {
	let r = await raw({ topics: 'ws:x' });
	r.sendFrame(OP.TEXT, 'a'.repeat(WS_MAX_MESSAGE + 1));
	await expectClose(r, 1009, 'one big frame');

	r = await raw({ topics: 'ws:x' });
	const part = 'b'.repeat(WS_MAX_MESSAGE / 2);
	r.sendFrame(OP.TEXT, part, { fin: false });
	r.sendFrame(OP.CONT, part, { fin: false });
	r.sendFrame(OP.CONT, 'c');
	await expectClose(r, 1009, 'fragments adding up');

	// a 64-bit length the server must not trust (STACK.md pitfall 2)
	r = await raw({ topics: 'ws:x' });
	const hdr = Buffer.alloc(14);
	hdr[0] = 0x81;
	hdr[1] = 0x80 | 127;
	hdr.writeBigUInt64BE(0x7fffffffffffffffn, 2);
	r.send(hdr);
	const f = await r.waitClose(2000);
	assert.ok([1002, 1009].includes(f.closeCode), `huge 64-bit length: ${f.closeCode}`);
	await r.waitEnd(2000).catch(() => r.destroy());

	// exactly at the limit is fine
	r = await raw({ topics: 'ws:x' });
	r.sendFrame(OP.TEXT, 'd'.repeat(WS_MAX_MESSAGE));
	r.sendFrame(OP.PING, 'still-there');
	const pong = await r.waitFor((fr) => fr.find((x) => x.opcode === OP.PONG), 2000, 'pong');
	assert.equal(pong.payload.toString(), 'still-there');
	r.destroy();
	assert.equal((await api.get('/healthz', { token: null })).status, 200);
});

test('binary message -> close 1003', async () => {
	const r = await raw({ topics: 'ws:x' });
	r.sendFrame(OP.BINARY, Buffer.from([1, 2, 3]));
	await expectClose(r, 1003, 'binary');
});

test('invalid UTF-8 text -> close 1007', async () => {
	const r = await raw({ topics: 'ws:x' });
	r.sendFrame(OP.TEXT, Buffer.from([0x68, 0xc3, 0x28]));
	await expectClose(r, 1007, 'bad utf-8');
});

test('close handshake: the server echoes the code and hangs up', async () => {
	for (const code of [1000, 1001, 4000]) {
		const r = await raw({ topics: 'ws:x' });
		r.sendFrame(OP.CLOSE, closePayload(code, 'bye'));
		const f = await r.waitClose(2000);
		assert.equal(f.closeCode, code);
		await r.waitEnd(2000);
	}
	// a close frame without a code is answered too
	const r = await raw({ topics: 'ws:x' });
	r.sendFrame(OP.CLOSE, Buffer.alloc(0));
	await r.waitClose(2000);
	await r.waitEnd(2000);
	// an invalid close code is a protocol error
	const bad = await raw({ topics: 'ws:x' });
	bad.sendFrame(OP.CLOSE, closePayload(1005));
	const fb = await bad.waitClose(2000);
	assert.equal(fb.closeCode, 1002, 'close code 1005 must not be sent by a peer');
	await bad.waitEnd(2000);
	// and through the ws package
	const s = await openStream(d, { topics: 'ws:x' });
	const info = await s.close(1000);
	assert.equal(info.code, 1000);
});

test('no events after a client close; other subscribers unaffected', async () => {
	const a = await openStream(d, { topics: 'ws:after' });
	const b = await raw({ topics: 'ws:after' });
	b.sendFrame(OP.CLOSE, closePayload(1000));
	await b.waitEnd(2000);
	const seq = await publish(['ws:after']);
	assert.equal((await a.waitFor(() => true)).msg.seq, seq);
	await a.close();
});

test('slow consumer is dropped (1008) while a normal subscriber gets everything', async () => {
	const TOPIC = 'ws:bulk';
	const slow = await raw({ topics: TOPIC });
	slow.sock.pause();     // never read: the server's buffer must fill
	const normal = await openStream(d, { topics: TOPIC, label: 'normal' });
	// a second, healthy subscriber on an unrelated topic
	const other = await openStream(d, { topics: 'ws:other', label: 'other' });

	const EVENT_BYTES = 8 * 1024;
	const PER_POST = 4;           // 32 KiB per burst, under ws_send_buffer
	const TOTAL_BYTES = 10 * 1024 * 1024;
	const pad = 'z'.repeat(EVENT_BYTES);
	const seqs = [];
	let n = 0;
	while (n * EVENT_BYTES < TOTAL_BYTES) {
		const events = [];
		for (let i = 0; i < PER_POST; i++, n++)
			events.push({ type: 'custom.bulk', topics: [TOPIC], data: { n, pad } });
		const r = await api.post('/api/v1/events', { events });
		assert.equal(r.status, 202, r.text);
		seqs.push(...r.body.seqs);
		if (n % 64 === 0) {
			// keep the healthy subscribers in step: they are fast, not infinitely fast
			await normal.waitForSeq(seqs[seqs.length - 1], 5000);
		}
	}
	const oseq = await publish(['ws:other']);
	await normal.waitForSeq(seqs[seqs.length - 1], 10000);
	assert.deepEqual(normal.seqs, seqs, 'the normal subscriber got every event, in order');
	assert.equal(normal.closeInfo, null, 'the normal subscriber is still connected');
	assert.equal((await other.waitFor(() => true)).msg.seq, oseq);

	// now drain the slow socket: it must end with a 1008 close (if the
	// close frame fit) and certainly before all the events
	slow.sock.resume();
	await slow.waitFor((fr, ended) => ended || fr.some((f) => f.opcode === OP.CLOSE), 10000,
		'the slow consumer being dropped (close frame or TCP close)');
	if (!slow.ended) {
		slow.sendFrame(OP.CLOSE, closePayload(1000));
		await slow.waitEnd(3000);
	}
	const texts = slow.frames.filter((f) => f.opcode === OP.TEXT);
	assert.ok(texts.length < seqs.length, `slow consumer got ${texts.length} of ${seqs.length}: not dropped`);
	const close = slow.frames.find((f) => f.opcode === OP.CLOSE);
	if (close) {
		assert.equal(close.closeCode, 1008);
		assert.match(close.closeReason, /slow consumer/);
	}
	// whatever it got is a clean prefix
	assert.deepEqual(texts.map((f) => JSON.parse(f.payload.toString()).seq), seqs.slice(0, texts.length));
	await normal.close();
	await other.close();
});

test('a client that does not answer pings is closed 1001; one that does stays', async (t) => {
	// its own daemon: pinging every second would disturb the other tests
	const d2 = await startDaemon({ config: { ws_ping_interval_s: 1 } });
	t.after(() => d2.cleanup());
	const mute = new RawWs(d2, { topics: 'ping:x' });
	await mute.connect();
	const polite = await openStream(d2, { topics: 'ping:x', label: 'polite' });   // ws answers pings
	const t0 = Date.now();
	const ping = await mute.waitFor((fr) => fr.find((f) => f.opcode === OP.PING), 2500, 'a ping from the server');
	assert.equal(ping.masked, false);
	const close = await mute.waitClose(3500);
	assert.equal(close.closeCode, 1001, `close ${close.closeCode} "${close.closeReason}"`);
	const elapsed = Date.now() - t0;
	assert.ok(elapsed >= 900, `closed after ${elapsed} ms: too early for a 1 s interval`);
	mute.destroy();
	const r = await d2.api.post('/api/v1/events', { type: 'custom.ping', topics: ['ping:x'] });
	assert.equal((await polite.waitFor(() => true)).msg.seq, r.body.seqs[0]);
	assert.equal(polite.closeInfo, null, 'the client that answers pings is still connected');
	await polite.close();
	await d2.stop();
});

test('daemon is healthy and shuts down cleanly', async () => {
	await until(async () => (await api.get('/healthz', { token: null })).status === 200);
	await d.stop();
});
