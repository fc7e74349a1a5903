// notify.test.mjs: connectord under systemd-like conditions. The test plays systemd's part for a
// Type=notify service: NOTIFY_SOCKET names a datagram socket the test reads, WATCHDOG_USEC asks for
// watchdog pings. Real connector-http-api workers; checks READY=1, STATUS=, WATCHDOG=1, RELOADING=1,
// STOPPING=1, the exit code systemd is told not to restart on, and the unit file that says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { runConnectord, sleep, srcdir, startConnector } from './lib/connector.mjs';
import { NotifyListener, python, secret, tempDir, waitUntil } from './ops-helpers.mjs';

const skip = !python && 'python3 not found';
const twoWorkers = { modules: { coreHttpApi: { workers: 2 } } };

async function withListener(address, fn) {
  const listener = await new NotifyListener(address).start();
  try {
    return await fn(listener);
  } finally {
    listener.stop();
  }
}

test('READY=1 only once every worker serves; STATUS= counts ready workers; WATCHDOG=1 pings follow', { skip }, async () => {
  const dir = tempDir('connector-notify-');
  await withListener(path.join(dir, 'notify.sock'), async (listener) => {
    const c = await startConnector({
      config: twoWorkers, waitReady: false,
      env: { NOTIFY_SOCKET: path.join(dir, 'notify.sock'), WATCHDOG_USEC: '400000' },
    });
    try {
      await listener.waitFor('READY=1');
      const ready = listener.messages.indexOf('READY=1');
      const statuses = listener.messages.slice(0, ready).filter((m) => m.startsWith('STATUS='));
      assert.ok(statuses.length >= 1, `STATUS= before READY=1: ${listener.messages}`);
      for (const s of statuses) assert.match(s, /^STATUS=[0-2]\/2 workers ready/);
      assert.equal(statuses.at(-1), 'STATUS=2/2 workers ready', 'the last status before READY=1 has every worker ready');
      // both workers really serve by the time READY=1 was sent
      const st = await c.status();
      const api = st.modules.find((m) => m.name === 'coreHttpApi');
      assert.deepEqual(api.workers.map((w) => w.state), ['running', 'running']);
      const r = await fetch(`${c.baseUrl}/health`);
      assert.ok(r.status === 200 || r.status === 500, `the HTTP worker answers (${r.status})`);
      const pingsAtReady = listener.count('WATCHDOG=1');
      await waitUntil(() => listener.count('WATCHDOG=1') >= pingsAtReady + 3, 15000, 'three watchdog pings');
      assert.equal(listener.count('READY=1'), 1, 'READY=1 is sent once');
    } finally {
      await c.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a killed worker shows in STATUS= and its replacement brings it back; no second READY=1', { skip }, async () => {
  const dir = tempDir('connector-notify-');
  const address = path.join(dir, 'n.sock');
  await withListener(address, async (listener) => {
    const c = await startConnector({ config: twoWorkers, env: { NOTIFY_SOCKET: address } });
    try {
      await listener.waitFor('READY=1');
      const [first] = await c.workerPids('coreHttpApi');
      const before = listener.messages.length;
      process.kill(first, 'SIGKILL');
      await waitUntil(() => listener.messages.slice(before).some((m) => /^STATUS=[01]\/2 workers ready/.test(m)),
        15000, 'a STATUS= with fewer ready workers');
      await waitUntil(() => listener.messages.slice(before).includes('STATUS=2/2 workers ready'), 15000,
        'STATUS= with both workers ready again');
      assert.equal(listener.count('READY=1'), 1);
    } finally {
      await c.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('SIGHUP (the unit\'s ExecReload) sends RELOADING=1 then READY=1, and STATUS= follows the new worker count', { skip }, async () => {
  const dir = tempDir('connector-notify-');
  const address = path.join(dir, 'n.sock');
  await withListener(address, async (listener) => {
    const c = await startConnector({ config: twoWorkers, env: { NOTIFY_SOCKET: address } });
    try {
      await listener.waitFor('READY=1');
      c.writeConfig({ ...c.config, modules: { coreHttpApi: { workers: 1 } } });
      await c.reload();
      await listener.waitFor('RELOADING=1');
      const reloading = listener.messages.indexOf('RELOADING=1');
      await waitUntil(() => listener.messages.slice(reloading).includes('READY=1'), 15000, 'READY=1 after reload');
      await waitUntil(() => listener.messages.slice(reloading).includes('STATUS=1/1 workers ready'), 15000,
        'STATUS=1/1 after shrinking to one worker');
      // a refused reload (bad file) is also bracketed by RELOADING=1 ... READY=1: the old config stays in force
      c.writeConfig('{ not json');
      const mark = listener.messages.length;
      await c.reload();
      await waitUntil(() => listener.messages.slice(mark).includes('READY=1'), 15000, 'READY=1 after a refused reload');
      assert.ok(listener.messages.slice(mark).includes('RELOADING=1'));
      assert.equal(c.exitCode, undefined, 'connectord keeps running');
    } finally {
      await c.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('an abstract NOTIFY_SOCKET ("@name") works; SIGTERM sends STOPPING=1 and exits 0', { skip }, async () => {
  const address = `@${secret('connector-notify')}`;
  await withListener(address, async (listener) => {
    const c = await startConnector({ env: { NOTIFY_SOCKET: address } });
    try {
      await listener.waitFor('READY=1');
      const { code, signal } = await c.stop();
      assert.deepEqual([code, signal], [0, null]);
      await listener.waitFor('STOPPING=1', 5000);
    } finally {
      await c.cleanup();
    }
  });
});

test('WATCHDOG_PID naming another process: no watchdog pings (as systemd means it)', { skip }, async () => {
  const dir = tempDir('connector-notify-');
  const address = path.join(dir, 'n.sock');
  await withListener(address, async (listener) => {
    const c = await startConnector({ env: { NOTIFY_SOCKET: address, WATCHDOG_USEC: '100000', WATCHDOG_PID: '1' } });
    try {
      await listener.waitFor('READY=1');
      await sleep(1000); // ten ping intervals
      assert.equal(listener.count('WATCHDOG=1'), 0);
    } finally {
      await c.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

const unitPath = path.join(srcdir, 'contrib/systemd/connectord.service.in');

function unitSettings() {
  const settings = {};
  for (const line of fs.readFileSync(unitPath, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings[m[1]] = m[2];
  }
  return settings;
}

test('a configuration error exits with the code the unit\'s RestartPreventExitStatus= names, without READY=1', { skip }, async () => {
  const dir = tempDir('connector-notify-');
  const address = path.join(dir, 'n.sock');
  await withListener(address, async (listener) => {
    try {
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ infrastructure: { httpServer: { port: 'eighty' } } }));
      const r = runConnectord(['--config', bad], { env: { NOTIFY_SOCKET: address } });
      const preventing = unitSettings().RestartPreventExitStatus.split(/\s+/).map(Number);
      assert.ok(preventing.includes(r.code), `exit ${r.code} is in RestartPreventExitStatus=${preventing}`);
      assert.equal(r.code, 78);
      assert.match(r.stderr, /infrastructure\.httpServer\.port/);
      await sleep(200);
      assert.equal(listener.has('READY=1'), false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the systemd unit: Type=notify with a watchdog, restart policy, reload by SIGHUP, hardening, own user', () => {
  const s = unitSettings();
  assert.equal(s.Type, 'notify');
  assert.equal(s.NotifyAccess, 'main', 'only connectord itself may notify, not its workers');
  assert.match(s.WatchdogSec, /^\d+s?$/);
  assert.equal(s.Restart, 'on-failure');
  assert.equal(s.ExecReload, '/bin/kill -HUP $MAINPID');
  assert.match(s.ExecStart, /^@bindir@\/connectord --config @sysconfdir@\/connector\/config\.json$/);
  for (const [key, value] of Object.entries({
    NoNewPrivileges: 'yes', ProtectSystem: 'strict', PrivateTmp: 'yes', RuntimeDirectory: 'connector',
    RuntimeDirectoryMode: '0700', ProtectHome: 'yes',
  })) assert.equal(s[key], value, key);
  assert.ok(s.User && s.User !== 'root', 'a dedicated user');
  const sysusers = fs.readFileSync(path.join(srcdir, 'contrib/systemd/connector.sysusers'), 'utf8');
  assert.match(sysusers, new RegExp(`^u ${s.User} `, 'm'), 'the user is declared for systemd-sysusers');
  // the runtime directory systemd creates is the one connectord is told to use
  assert.match(s.Environment, /supervisor__runtimeDirectory=\/run\/connector\b/);
  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (analyze.status === 0) {
    const dir = tempDir('connector-unit-');
    try {
      const unit = path.join(dir, 'connectord.service');
      fs.writeFileSync(unit, fs.readFileSync(unitPath, 'utf8').replaceAll('@bindir@', '/bin').replaceAll('@sysconfdir@', '/etc')
        .replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true'));
      const v = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
      assert.doesNotMatch(v.stderr, /Unknown (key|section)|Invalid|Failed to parse/i, v.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
