// GET /api/v1/events over a long history with a selective filter: each
// request examines a bounded number of rows (the event loop stays free),
// and following next_cursor still finds every match, in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from './lib/daemon.mjs';

let d;
let api;

before(async () => {
	d = await startDaemon();
	api = d.api;
});

after(async () => {
	if (d)
		await d.cleanup();
});

async function publishBatch(n, topic, tag) {
	const events = [];
	for (let i = 0; i < n; i++)
		events.push({ type: 'custom.noise', topics: [topic], data: { tag, i } });
	const r = await api.post('/api/v1/events', { events });
	assert.equal(r.status, 202, r.text);
	return r.body.seqs;
}

test('a rare topic behind 25,000 other events is found by following cursors', async () => {
	const first = await publishBatch(1, 'needle', 'first');
	for (let b = 0; b < 25; b++)
		await publishBatch(1000, 'noise', `b${b}`);
	const last = await publishBatch(1, 'needle', 'last');

	const found = [];
	const cursors = [];
	let pages = 0;
	let cursor = '0';
	while (cursor !== null) {
		const t0 = process.hrtime.bigint();
		const r = await api.get(`/api/v1/events?topics=needle&limit=10&since=${cursor}`);
		const ms = Number(process.hrtime.bigint() - t0) / 1e6;
		assert.equal(r.status, 200, r.text);
		assert.ok(ms < 1000, `one page took ${ms} ms`);
		found.push(...r.body.items.map((e) => e.seq));
		cursor = r.body.next_cursor;
		cursors.push(cursor);
		assert.ok(++pages < 100, 'cursors make progress');
	}
	assert.deepEqual(found, [first[0], last[0]], 'both needles, in order, once');
	// 10 matches would fit one page: a second page means the first one
	// stopped early, at a cursor before the last needle
	assert.ok(pages >= 2, `the scan was bounded (${pages} pages)`);
	assert.ok(Number(cursors[0]) < last[0], `first page ended at ${cursors[0]}`);
});
