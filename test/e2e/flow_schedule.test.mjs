// Business hours: a schedule step sends the call to "open" or "closed"
// from the local time in an IANA zone. Closed (today is a holiday there,
// or the hours exclude now): the caller hears a message and Hotline hangs
// up after it; open: the other branch. One flow, saved three times: each
// call runs the version current when it arrived.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { logLines } from './lib/calls.mjs';
import { sippTime, answerFormats, waitEvent } from './lib/acd.mjs';
import { sippTrace } from './lib/sipptrace.mjs';
import {
	openFlowSuite, closeFlowSuite, flowScope, createFlow, updateFlow, flowDid, flowCaller, dtmfVars,
	waitTrace, traceRows, bursts, audibleMs, SLOW,
} from './lib/flow.mjs';

const NUMBER = '+15558300';
const CLOSED = 'We are closed today. Please call again tomorrow.';
const OPEN = 'Welcome, we are open.';
const ALL_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WDAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

let d;
let watch;

before(async () => ({ d, watch } = await openFlowSuite()));
after(() => closeFlowSuite(d, watch));

/** Local date and time in zone tz, offset by days: {date, hour, min,
 *  wday}. */
function localNow(tz, days = 0) {
	const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' });
	const parts = Object.fromEntries(f.formatToParts(Date.now() + days * 86400000).map((p) => [p.type, p.value]));
	return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), min: Number(parts.minute),
		wday: parts.weekday.toLowerCase() };
}

/** The local time a schedule step traced ("YYYY-MM-DDTHH:MM:SS") is the
 *  time now in tz, give or take a minute (wall clocks compared as UTC). */
function assertLocalNow(local, tz) {
	const n = localNow(tz);
	const want = Date.parse(`${n.date}T${hhmm(n.hour * 60 + n.min)}:00Z`);
	const got = Date.parse(`${local}Z`);
	assert.ok(Math.abs(got - want) <= 120000, `traced local time ${local}, now in ${tz} ${n.date} ` +
		`${hhmm(n.hour * 60 + n.min)}`);
}

const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** The flow: schedule (hours, holidays in tz) -> closed: say CLOSED,
 *  hang up; open: say OPEN, hang up. */
function doc(tz, hours, holidays = []) {
	return { steps: [
		{ id: 'hours', action: 'schedule', timezone: tz, hours, holidays, open: 'welcome', closed: 'closed' },
		{ id: 'welcome', action: 'say', text: OPEN, next: 'bye' },
		{ id: 'closed', action: 'say', text: CLOSED, next: 'bye' },
		{ id: 'bye', action: 'hangup' },
	] };
}

/** A caller (offering codecs) that waits for Hotline's BYE; returns
 *  {c, steps, ended}. */
async function call(scope, from, codecs = '0 8 101') {
	const c = await flowCaller(scope, watch, NUMBER, from, { vars: dtmfVars(''), codecs });
	await c.sipp.expectOk('(caller: Hotline hangs up after the message)');
	const ended = await waitEvent(watch, 'call.ended', (x) => x.id === c.id);
	const steps = await waitTrace(d.api, c.id, (s) => s.length >= 3, { what: 'three steps' });
	assert.deepEqual(logLines(c.sipp).slice(-1), ['BYE'], 'Hotline hung up');
	return { c, steps, ended };
}

/** The message of say step s was heard, about as long as the step, and
 *  Hotline's BYE came after it. */
function assertMessage(c, s) {
	const t0 = Date.parse(s.started_at), t1 = Date.parse(s.ended_at);
	assert.ok(s.duration_ms >= 1000 && s.duration_ms <= 6000 * SLOW, `message lasted ${s.duration_ms} ms`);
	const heard = c.tap.audio().filter((p) => p.wall >= t0 - 100 && p.wall <= t1 + 100);
	const loud = audibleMs(heard);
	assert.ok(loud >= 0.5 * s.duration_ms && loud <= s.duration_ms + 100,
		`${loud} ms of sound for a ${s.duration_ms} ms message: ${c.tap.summary()}`);
	const b = bursts(c.tap.audio());
	assert.equal(b.length, 1, `one message: ${JSON.stringify(b)}`);
	const byeAt = sippTime(c.sipp, /^BYE /);
	const lastLoud = performance.timeOrigin + b[0].end;
	assert.ok(byeAt >= lastLoud - 50 && byeAt - lastLoud < 1500 * SLOW,
		`BYE ${(byeAt - lastLoud).toFixed(0)} ms after the message's last sound`);
}

test('closed: today is a holiday in the zone: the caller hears the message, then Hotline hangs up', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const tz = 'Europe/Paris';
		// yesterday, today and tomorrow: no race with midnight
		const days = [-1, 0, 1].map((k) => localNow(tz, k).date);
		await createFlow(d.api, 'hours', doc(tz, [{ days: ALL_DAYS, from: '00:00', to: '24:00' }], days));
		await flowDid(d.api, NUMBER, 'hours');
		const { c, steps, ended } = await call(scope, '5558301');

		assert.deepEqual(traceRows(steps), [['hours', 'schedule', 'closed', 'closed'], ['closed', 'say', 'ok', 'bye'],
			['bye', 'hangup', 'hangup', null]], JSON.stringify(steps));
		const inp = steps[0].input;
		assert.equal(inp.timezone, tz);
		assert.equal(inp.holiday, true, JSON.stringify(inp));
		assert.ok(days.includes(inp.local.slice(0, 10)), `local date ${inp.local} in ${days}`);
		assertLocalNow(inp.local, tz);
		assert.equal(inp.weekday, WDAY[new Date(`${inp.local.slice(0, 10)}T12:00:00Z`).getUTCDay()],
			`weekday of ${inp.local}`);
		assert.equal(steps[1].input.text, CLOSED);
		assertMessage(c, steps[1]);
		assert.deepEqual([ended.data.flow_id, ended.data.flow_version, ended.data.hangup_by],
			['hours', 1, 'system'], JSON.stringify(ended.data));
	});
});

test('open: the same flow saved without holidays takes the other branch (version 2), in PCMA', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const tz = 'Europe/Paris';
		const f = await updateFlow(d.api, 'hours', doc(tz, [{ days: ALL_DAYS, from: '00:00', to: '24:00' }]));
		assert.equal(f.version, 2, JSON.stringify(f));
		const { c, steps, ended } = await call(scope, '5558302', '8 101');
		assert.deepEqual(traceRows(steps), [['hours', 'schedule', 'open', 'welcome'], ['welcome', 'say', 'ok', 'bye'],
			['bye', 'hangup', 'hangup', null]], JSON.stringify(steps));
		assert.equal(steps[0].input.holiday, undefined, 'not a holiday');
		assert.equal(steps[1].input.text, OPEN);
		assert.equal(ended.data.flow_version, 2);
		// the open message is the shorter one
		const closedWords = CLOSED.split(' ').length, openWords = OPEN.split(' ').length;
		assert.ok(openWords < closedWords);
		assert.ok(steps[1].duration_ms >= 700 && steps[1].duration_ms <= 4000 * SLOW, `${steps[1].duration_ms} ms`);
		// offered A-law only: answered and played in A-law
		assert.deepEqual(answerFormats(sippTrace(c.sipp)), [8, 101]);
		assert.deepEqual([...new Set(c.tap.audio().map((p) => p.pt))], [8], c.tap.summary());
		assert.ok(audibleMs(c.tap.audio()) >= 500, c.tap.summary());
	});
});

test('closed: hours that exclude now, in a zone with a 30-minute offset (version 3)', async () => {
	const scope = flowScope(d, watch);
	await scope.run(async () => {
		const tz = 'Asia/Kolkata';
		const n = localNow(tz);
		// open for two hours starting six hours from now (local), every day
		const from = (n.hour * 60 + n.min + 6 * 60) % 1440;
		const start = Math.min(from, 1440 - 120);
		const f = await updateFlow(d.api, 'hours', doc(tz,
			[{ days: ALL_DAYS, from: hhmm(start), to: hhmm(start + 120) }]));
		assert.equal(f.version, 3);
		const { c, steps, ended } = await call(scope, '5558303');
		assert.deepEqual(traceRows(steps)[0], ['hours', 'schedule', 'closed', 'closed'], JSON.stringify(steps));
		assertLocalNow(steps[0].input.local, tz);
		assert.equal(steps[0].input.holiday, undefined);
		assertMessage(c, steps[1]);
		assert.equal(ended.data.flow_version, 3);
	});
});
