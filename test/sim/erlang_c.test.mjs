// test/sim/erlang_c.test.mjs  The router against the Erlang-C model.
//
// hotline-sim drives the real router (one queue, N agents, FIFO tasks,
// Poisson arrivals, exponential handle times, wrap-up 0) in virtual time.
// For each case the measured probability of waiting, average speed of
// answer and service level must be within 5 % (relative) of the Erlang-C
// formula, and the run must be long enough that this is an honest test:
// the 95 % confidence half-width from batch means (20 batches over the
// measured calls) must be at most half the tolerance. The same tolerance
// must reject a wrong model (the formula with N - 1 agents), so the check
// can fail.
//
// HOTLINE_SIM: the binary (default build/test/hotline-sim, ASan + UBSan):
//   argument errors, and every strategy over the same calls with the
//   simulator's invariant checks (each wait equal to the FIFO M/M/N
//   recursion, FIFO order, no idle agent while a call waits, the router's
//   own statistics equal to the events).
// HOTLINE_SIM_STATS: the binary for the Erlang-C table (default
//   HOTLINE_SIM). The table needs about 37 million simulated calls for
//   its confidence intervals: about 35 s of CPU with a release build,
//   about 16 times that with ASan, so `make sim` passes the release
//   build's binary here (checked to give the very same figures as
//   HOTLINE_SIM on the strategy test's calls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIM = process.env.HOTLINE_SIM ?? path.join(ROOT, 'build/test/hotline-sim');
const SIM_STATS = process.env.HOTLINE_SIM_STATS ?? SIM;

const TOLERANCE = 0.05;          // relative, the figure
const CI_MAX = TOLERANCE / 2;    // "honest": the 95 % half-width within this
const BATCHES = 20;
const T_975_DF19 = 2.093;        // Student t, 95 % two-sided, 19 d.f.
const SL_T = 20;                 // service level threshold, seconds

// ---- the published model ----

/** Erlang B by the stable recursion B(0) = 1, B(k) = A B / (k + A B). */
export function erlangB(n, a) {
	let b = 1;
	for (let k = 1; k <= n; k++)
		b = (a * b) / (k + a * b);
	return b;
}

/** Erlang C: probability that a call waits (1 when a >= n). */
export function erlangC(n, a) {
	if (a >= n)
		return 1;
	const b = erlangB(n, a);
	return (n * b) / (n - a * (1 - b));
}

/** p_wait, ASA (mean wait of all calls) and service level at t seconds. */
export function model(n, a, h, t = SL_T) {
	const c = erlangC(n, a);
	if (a >= n)
		return { p_wait: 1, asa_s: Infinity, service_level: 0 };
	return {
		p_wait: c,
		asa_s: (c * h) / (n - a),
		service_level: 1 - c * Math.exp((-(n - a) * t) / h),
	};
}

// ---- the cases: utilization 0.6 .. 0.9, 1 .. 50 agents ----
// calls: from pilot runs (other seeds) of the same model, about 1.4 times
// what brings the half-width of the worst of the three figures to CI_MAX.
// The ASA of a busy queue needs the most: its waits are correlated from
// call to call over long busy periods, the more so the more agents.
const CASES = [
	{ agents: 1, handle: 60, rho: 0.6, calls: 500_000 },
	{ agents: 2, handle: 120, rho: 0.7, calls: 1_000_000 },
	{ agents: 5, handle: 180, rho: 0.8, calls: 2_400_000 },
	{ agents: 10, handle: 300, rho: 0.85, calls: 5_000_000 },
	{ agents: 1, handle: 240, rho: 0.9, calls: 4_000_000 },
	{ agents: 20, handle: 180, rho: 0.8, calls: 6_000_000 },
	{ agents: 50, handle: 240, rho: 0.85, calls: 18_000_000 },
].map((c, i) => ({
	...c,
	seed: 1000 + i,
	rate: (c.rho * c.agents) / c.handle,
	strategy: 'longest_idle',
}));

// ---- running the binary ----

function run(args, bin = SIM) {
	return new Promise((resolve) => {
		execFile(bin, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
			resolve({ code: err ? (err.code ?? -1) : 0, stdout, stderr });
		});
	});
}

function simArgs(c) {
	return [
		'--arrival-rate', String(c.rate), '--handle-time', String(c.handle),
		'--agents', String(c.agents), '--calls', String(c.calls),
		'--seed', String(c.seed), '--strategy', c.strategy,
		'--sl-threshold', String(SL_T), '--batches', String(BATCHES),
	];
}

async function simulate(c, bin = SIM) {
	const t0 = process.hrtime.bigint();
	const r = await run(simArgs(c), bin);
	const wall = Number(process.hrtime.bigint() - t0) / 1e9;
	assert.equal(r.stderr, '', `hotline-sim wrote to stderr: ${r.stderr}`);
	assert.equal(r.code, 0, `hotline-sim exit ${r.code}: ${r.stdout}`);
	return { out: JSON.parse(r.stdout), wall };
}

// fn over items, at most `limit` at once in the given order; one promise
// per item (settled with {ok, v} or {ok: false, e}), ready at once
function pool(items, limit, fn) {
	const defer = items.map(() => {
		let resolve;
		const promise = new Promise((r) => { resolve = r; });
		return { promise, resolve };
	});
	let next = 0;
	async function worker() {
		while (next < items.length) {
			const i = next++;
			await fn(items[i]).then((v) => defer[i].resolve({ ok: true, v }),
				(e) => defer[i].resolve({ ok: false, e }));
		}
	}
	const done = Promise.all(Array.from({ length: limit }, worker));
	return { results: defer.map((d) => d.promise), done };
}

// ---- statistics ----

/** Relative 95 % half-width of the mean of batch values xs. */
function ciRel(xs) {
	const n = xs.length;
	const mean = xs.reduce((s, x) => s + x, 0) / n;
	const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
	return (T_975_DF19 * Math.sqrt(v / n)) / mean;
}

const rel = (meas, exp) => Math.abs(meas / exp - 1);
const pct = (x) => `${(100 * x).toFixed(2)}%`;

// ---- tests ----

test('Erlang B and C agree with closed forms', () => {
	// B(1, A) = A / (1 + A); M/M/1: C = rho; M/M/2: C = 2 rho^2 / (1 + rho)
	for (const a of [0.1, 0.5, 0.9, 2]) {
		assert.ok(Math.abs(erlangB(1, a) - a / (1 + a)) < 1e-12);
	}
	for (const rho of [0.3, 0.6, 0.9]) {
		assert.ok(Math.abs(erlangC(1, rho) - rho) < 1e-12);
		assert.ok(Math.abs(erlangC(2, 2 * rho) - (2 * rho * rho) / (1 + rho)) < 1e-12);
	}
	// M/M/1 ASA = rho h / (1 - rho); service level 1 - rho e^{-(1-rho) t/h}
	const m = model(1, 0.5, 60, 20);
	assert.ok(Math.abs(m.asa_s - 60) < 1e-9);
	assert.ok(Math.abs(m.service_level - (1 - 0.5 * Math.exp(-0.5 * 20 / 60))) < 1e-12);
	// the textbook form A^N/N! N/(N-A) / (sum_{k<N} A^k/k! + A^N/N! N/(N-A))
	for (const [n, a] of [[3, 2.4], [10, 8], [50, 45], [100, 70]]) {
		let term = 1, sum = 0;
		for (let k = 0; k < n; k++) {
			sum += term;
			term *= a / (k + 1);
		}
		const top = term * n / (n - a);
		const c = top / (sum + top);
		assert.ok(Math.abs(erlangC(n, a) / c - 1) < 1e-9, `C(${n}, ${a})`);
	}
	// the recursion stays finite where factorials would overflow
	const big = erlangC(500, 480);
	assert.ok(big > 0 && big < 1, `C(500, 480) = ${big}`);
});

test('bad arguments: usage on stderr, exit 2', async () => {
	const good = ['--arrival-rate', '1', '--handle-time', '1', '--agents', '1',
		'--calls', '10', '--seed', '1'];
	const set = (name, value) => {
		const v = [...good];
		v[v.indexOf(name) + 1] = value;
		return v;
	};
	const bad = [
		[],
		good.slice(0, -2),                      // no --seed
		[...good, '--strategy', 'fastest'],
		[...good, '--sl-threshold', '0'],
		[...good, '--warmup', '10'],            // every call in the warm-up
		[...good, '--batches', '1'],
		set('--agents', '-1'),
		set('--agents', '0'),
		set('--calls', '0'),
		set('--arrival-rate', 'abc'),
		set('--arrival-rate', '0'),
		set('--handle-time', 'inf'),
		set('--seed', '1x'),
		[...good, 'extra'],
		[...good, '--bogus'],
	];
	for (const args of bad) {
		const r = await run(args);
		assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
		assert.equal(r.stdout, '', args.join(' '));
		assert.match(r.stderr, /^usage: hotline-sim /m, args.join(' '));
	}
	const r = await run(good);
	assert.equal(r.code, 0, r.stderr);
	const out = JSON.parse(r.stdout);
	assert.equal(out.calls, 10);
	assert.equal(out.warmup_calls, 1);
});

test('every strategy gives the same waits for the same calls', async () => {
	// With FIFO tasks and identical agents, each call's wait depends only on
	// the arrival and handle times, not on which idle agent the strategy
	// picks: a work-conserving router gives identical figures.
	const base = { agents: 5, handle: 180, rho: 0.8, calls: 50_000, seed: 7 };
	base.rate = (base.rho * base.agents) / base.handle;
	const strategies = ['longest_idle', 'round_robin', 'ring_all',
		'least_calls', 'random', 'top_down', 'skills', 'longest_idle'];
	const outs = [];
	for (const strategy of strategies) {
		const { out } = await simulate({ ...base, strategy });
		assert.equal(out.ok, true, `${strategy}: ${JSON.stringify(out.checks)}`);
		assert.equal(out.strategy, strategy);
		outs.push(out);
	}
	if (SIM_STATS !== SIM) {
		const { out } = await simulate({ ...base, strategy: 'longest_idle' },
			SIM_STATS);
		assert.equal(out.ok, true, `${SIM_STATS}: ${JSON.stringify(out.checks)}`);
		outs.push(out);
	}
	for (const out of outs.slice(1)) {
		for (const k of ['p_wait', 'asa_s', 'service_level', 'max_wait_s',
			'occupancy', 'measured_calls']) {
			assert.equal(out[k], outs[0][k], `${out.strategy}: ${k}`);
		}
	}
	// ring_all offers a task to every idle agent: the others must end
	const ra = outs[strategies.indexOf('ring_all')].checks;
	assert.ok(ra.offers >= ra.accepts, JSON.stringify(ra));
});

test('Erlang C: p_wait, ASA and service level within 5 %', async (t) => {
	const par = Math.max(1, Math.min(2, availableParallelism()));
	// longest first, so the pool ends together
	const order = [...CASES].sort((a, b) => b.calls - a.calls);
	const p = pool(order, par, (c) => simulate(c, SIM_STATS));
	const rows = [];
	const t0 = Date.now();

	for (const c of CASES) {
		await t.test(`N=${c.agents} h=${c.handle}s rho=${c.rho} ` +
			`(${c.calls} calls)`, async () => {
			const r = await p.results[order.indexOf(c)];
			if (!r.ok)
				throw r.e;
			const { out, wall } = r.v;
			const a = c.rate * c.handle;
			const exp = model(c.agents, a, c.handle);
			const wrong = model(c.agents - 1, a, c.handle);

			assert.equal(out.ok, true, JSON.stringify(out.checks));
			assert.equal(out.router_stats.mismatched_days, 0,
				out.router_stats.first_mismatch);
			assert.equal(out.router_stats.answered, c.calls);
			assert.equal(out.batches.count, BATCHES);

			const row = { c, out, wall, exp };
			for (const k of ['p_wait', 'asa_s', 'service_level']) {
				row[k] = {
					meas: out[k], exp: exp[k], err: rel(out[k], exp[k]),
					ci: ciRel(out.batches[k]),
					wrong: rel(out[k], wrong[k]),
					wrongExp: wrong[k],
				};
			}
			rows.push(row);

			for (const k of ['p_wait', 'asa_s', 'service_level']) {
				const m = row[k];
				assert.ok(m.ci <= CI_MAX, `${k}: 95 % half-width ` +
					`${pct(m.ci)} > ${pct(CI_MAX)}: more calls needed`);
				assert.ok(m.err <= TOLERANCE, `${k}: measured ${m.meas} ` +
					`vs Erlang C ${m.exp} (${pct(m.err)} off)`);
			}
			// discrimination: N - 1 agents is a wrong model, rejected
			assert.ok(row.p_wait.wrong > TOLERANCE ||
				row.asa_s.wrong > TOLERANCE,
				`N-1 model not rejected: p_wait ${pct(row.p_wait.wrong)}, ` +
				`ASA ${pct(row.asa_s.wrong)}`);
		});
	}
	await p.done;

	const lines = [
		`Erlang C vs hotline-sim (${SIM_STATS}), ${BATCHES} batch means, ` +
		`tolerance ${pct(TOLERANCE)}, half-width limit ${pct(CI_MAX)} ` +
		`(per figure: Erlang C, measured, relative error, 95 % half-width), ` +
		`${par} runs at a time, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
		'  N    h  rho    calls |' +
		['p_wait', 'ASA s', 'SL 20 s'].map((k) => `${k.padStart(8)} ` +
			`${'measured'.padStart(8)} ${'error'.padStart(6)} ` +
			`${'ci95'.padStart(6)} |`).join('') +
		' N-1 model error p_wait/ASA | cpu s',
	];
	for (const r of rows) {
		const f = (m, d) => `${m.exp.toFixed(d).padStart(8)} ` +
			`${m.meas.toFixed(d).padStart(8)} ${pct(m.err).padStart(6)} ` +
			`${pct(m.ci).padStart(6)} |`;
		const wa = Number.isFinite(r.asa_s.wrongExp) ?
			pct(r.asa_s.wrong) : 'unstable';
		lines.push(`${String(r.c.agents).padStart(3)} ` +
			`${String(r.c.handle).padStart(4)} ${r.c.rho.toFixed(2)} ` +
			`${String(r.c.calls).padStart(8)} |` +
			f(r.p_wait, 4) + f(r.asa_s, 2) + f(r.service_level, 4) +
			` ${pct(r.p_wait.wrong).padStart(13)}/${wa.padEnd(13)} |` +
			` ${r.out.cpu_s.toFixed(1).padStart(5)}`);
	}
	console.log(lines.join('\n'));
});
