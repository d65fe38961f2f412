// Command line: --version, --help, bad flags and config, flags override
// the config file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Daemon, freePort, runBin, randomToken, until } from './lib/daemon.mjs';

test('--version and --help print something and exit 0', async () => {
	const v = await runBin(['--version']);
	assert.equal(v.code, 0, v.stderr);
	assert.match(v.stdout + v.stderr, /\d+\.\d+/);
	const h = await runBin(['--help']);
	assert.equal(h.code, 0, h.stderr);
	for (const flag of ['--config', '--http', '--data', '--log-level', '--routes'])
		assert.ok((h.stdout + h.stderr).includes(flag), `--help mentions ${flag}`);
});

test('an unknown flag or a bad config value exits non-zero with an error', async () => {
	const u = await runBin(['--no-such-flag']);
	assert.notEqual(u.code, 0, 'unknown flag');
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hotline-e2e-'));
	try {
		for (const line of ['http_max_body lots', 'ws_send_buffer -1', 'log_level loud']) {
			const conf = path.join(dir, 'bad.conf');
			await fs.writeFile(conf, `data_dir ${dir}\nhttp_listen 127.0.0.1:${await freePort()}\n${line}\n`);
			const r = await runBin(['--config', conf], { timeoutMs: 5000 });
			assert.notEqual(r.code, 0, `"${line}" must be refused`);
			assert.match(r.stderr, /ERROR/, `"${line}": an ERROR line`);
		}
	} finally {
		await fs.rm(dir, { recursive: true, force: true });
	}
});

test('--http and --data override the config file', async (t) => {
	const port = await freePort();
	const other = await freePort();
	const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'hotline-e2e-'));
	t.after(() => fs.rm(dataDir, { recursive: true, force: true }));
	const d = new Daemon({
		adminToken: randomToken(),
		port,
		config: { http_listen: `127.0.0.1:${other}` },
		args: ['--http', `127.0.0.1:${port}`, '--data', dataDir],
	});
	t.after(() => d.cleanup());
	await d.start();
	// the port answers as soon as it listens; its log line may come later
	const listening = new RegExp(`http: listening on 127\\.0\\.0\\.1:${port}\\b`);
	await until(() => listening.test(d.stderr), { what: 'the listening log line' }).catch(() => {});
	assert.match(d.stderr, listening);
	const r = await d.api.post('/api/v1/agents', { name: 'Cli', extension: '1', password: 'password-1' });
	assert.equal(r.status, 201, r.text);
	await d.stop();
	const files = await fs.readdir(dataDir);
	assert.ok(files.includes('hotline.db'), `the store is in --data: ${files}`);
	assert.ok(!(await fs.readdir(d.dataDir)).includes('hotline.db'), 'not in the config data_dir');
});
