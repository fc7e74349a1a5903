// supervisor.test.mjs: connectord against real processes: start, status, kill -9 and replacement,
// crash-loop detection, missing binaries, heartbeats, graceful and forced stop, SIGHUP reload,
// configuration errors, migration child, pid file, sd_notify. Stand-in workers are shell scripts
// speaking the notify protocol (tests/e2e/lib/connector.mjs).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

import {
  Connector, deepMerge, freePort, processesInGroups, runConnectord, sleep, standIn, startConnector,
} from './lib/connector.mjs';

const twoApiWorkers = { modules: { coreHttpApi: { workers: 2 } } };

function worker(status, module, index) {
  return status.modules.find((m) => m.name === module).workers.find((w) => w.index === index);
}

const isoPattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('status --json describes connectord, modules and workers; pid file holds the pid', async () => {
  const c = await startConnector({ config: twoApiWorkers, workers: { 'http-api': standIn.ready } });
  try {
    const s = await c.status();
    assert.equal(s.pid, c.pid);
    assert.equal(s.state, 'running');
    assert.match(s.startedAt, isoPattern);
    assert.equal(s.configGeneration, 1);
    const api = s.modules.find((m) => m.name === 'coreHttpApi');
    assert.deepEqual([api.role, api.enabled, api.state], ['http-api', true, 'running']);
    assert.equal(api.workers.length, 2);
    for (const [i, w] of api.workers.entries()) {
      assert.equal(w.index, i + 1);
      assert.ok(Number.isInteger(w.pid) && w.pid > 0);
      assert.equal(w.state, 'running');
      assert.match(w.readySince, isoPattern);
      assert.equal(w.restarts, 0);
      assert.equal(w.lastExit, null);
      assert.equal(w.status, 'stand-in coreHttpApi');
      // each worker leads its own process group
      const stat = fs.readFileSync(`/proc/${w.pid}/stat`, 'utf8');
      assert.equal(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]), w.pid);
    }
    assert.equal(s.modules.find((m) => m.name === 'sync').state, 'disabled');
    assert.equal(s.listen.length >= 1, true);
    assert.ok(s.listen.every((l) => l.endsWith(`:${c.port}`)), 'listens on the configured port');
    assert.equal(fs.readFileSync(c.pidFile, 'utf8').trim(), String(c.pid));
    assert.equal(fs.statSync(c.runtimeDir).mode & 0o777, 0o700, 'runtime directory is private');
    assert.equal(fs.statSync(path.join(c.runtimeDir, 'config.json')).mode & 0o777, 0o600);
    const health = await c.health();
    assert.equal(health.healthy, true);
    assert.equal(health.modules.coreHttpApi, 'running');
    const human = await c.ctl('status');
    assert.equal(human.code, 0);
    assert.match(human.stdout, /coreHttpApi\s+http-api\s+running/);
    const bad = await c.ctl('restart', 'noSuchModule');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown module "noSuchModule"/);
    const usage = await c.ctl('frobnicate');
    assert.equal(usage.code, 78);
    const stop = await c.ctl('stop');
    assert.equal(stop.code, 0, stop.stderr);
    const { code } = await c.exited;
    assert.equal(code, 0, 'connectorctl stop: exit 0');
    assert.equal(fs.existsSync(c.pidFile), false, 'pid file removed at exit');
  } finally {
    await c.cleanup();
  }
});

test('workers get the contract: arguments, environment, notify pipe at 3, listening sockets at 4.., nothing else', async () => {
  const c = await startConnector({
    config: twoApiWorkers,
    workers: { 'http-api': standIn.report },
    env: { NOTIFY_SOCKET: '/nonexistent/notify', WATCHDOG_USEC: '60000000' },
  });
  try {
    const s = await c.status();
    const file = path.join(c.dir, 'inherited-http-api-2');
    const report = fs.readFileSync(file, 'utf8');
    assert.match(report, /^ARGS --index 2$/m);
    const env = Object.fromEntries(report.split('\n').filter((l) => l.startsWith('CONNECTOR_') || /^(NOTIFY|WATCHDOG)/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    assert.equal(env.CONNECTOR_WORKER_ROLE, 'http-api');
    assert.equal(env.CONNECTOR_WORKER_MODULE, 'coreHttpApi');
    assert.equal(env.CONNECTOR_WORKER_INDEX, '2');
    assert.equal(env.CONNECTOR_CONFIG_FILE, path.join(c.runtimeDir, 'config.json'));
    assert.equal(env.CONNECTOR_RUNTIME_DIR, c.runtimeDir);
    assert.equal(env.CONNECTOR_BUS_PUSH, `ipc://${c.runtimeDir}/bus-push.ipc`);
    assert.equal(env.CONNECTOR_BUS_SUB, `ipc://${c.runtimeDir}/bus-sub.ipc`);
    assert.equal(env.CONNECTOR_CONTROL, `ipc://${c.runtimeDir}/control.ipc`);
    assert.equal(env.CONNECTOR_HEARTBEAT_MS, '200');
    assert.equal(env.CONNECTOR_LISTEN_FDS, String(s.listen.length));
    assert.equal(env.NOTIFY_SOCKET, undefined, 'NOTIFY_SOCKET is for connectord only');
    assert.equal(env.WATCHDOG_USEC, undefined);
    const written = JSON.parse(fs.readFileSync(env.CONNECTOR_CONFIG_FILE, 'utf8'));
    assert.equal(written.modules.coreHttpApi.workers, 2, 'the effective configuration is written for workers');
    const fds = Object.fromEntries([...report.matchAll(/ (\d+) -> (.*)$/gm)].map((m) => [Number(m[1]), m[2]]));
    assert.match(fds[3], /^pipe:/, 'fd 3 is the notify pipe');
    for (let i = 0; i < s.listen.length; i++) assert.match(fds[4 + i], /^socket:/, `fd ${4 + i} is a listening socket`);
    const script = fs.realpathSync(path.join(c.libexecDir, 'connector-http-api'));
    const extra = Object.entries(fds).filter(([fd, target]) => Number(fd) >= 4 + s.listen.length && target !== script);
    assert.deepEqual(extra, [], 'no other descriptor of connectord leaks into a worker');
  } finally {
    await c.cleanup();
  }
});

test('a worker that never sends READY is killed after readyTimeoutMs and restarted', async () => {
  const c = await startConnector({
    config: { supervisor: { readyTimeoutMs: 300, restartBackoffFloorMs: 50 } },
    workers: { 'http-api': standIn.neverReady },
    waitReady: false,
  });
  try {
    const s = await c.waitFor((st) => worker(st, 'coreHttpApi', 1).restarts >= 1, 10000, 'a ready-timeout kill');
    assert.deepEqual(worker(s, 'coreHttpApi', 1).lastExit, { signal: 'KILL' });
    assert.match(c.logs, /not ready within 300 ms: SIGKILL/);
    assert.equal((await c.health()).healthy, false);
  } finally {
    await c.cleanup();
  }
});

test('instances per module: one publisher per configured broker, N webhooks, modules named in the environment', async () => {
  const c = await startConnector({
    config: {
      modules: {
        coreHttpApi: { enabled: false },
        webhooks: { enabled: true, workers: 2 },
        messageBrokerPublisher: { enabled: true, brokers: [
          { type: 'AMQP', configuration: { url: 'amqp://localhost', exchange: 'x' } },
          { type: 'Redis', configuration: { url: 'redis://localhost' } }] },
        amqpPublisher: { enabled: true, url: 'amqp://localhost', exchange: 'e' },
      },
    },
    workers: { webhooks: standIn.ready, publisher: standIn.ready },
  });
  try {
    const s = await c.status();
    const shape = (name) => c.module(s, name).workers.map((w) => [w.index, w.state, w.status]);
    assert.deepEqual(shape('webhooks'), [[1, 'running', 'stand-in webhooks'], [2, 'running', 'stand-in webhooks']]);
    assert.deepEqual(shape('messageBrokerPublisher'),
      [[1, 'running', 'stand-in messageBrokerPublisher'], [2, 'running', 'stand-in messageBrokerPublisher']]);
    assert.deepEqual(shape('amqpPublisher'), [[1, 'running', 'stand-in amqpPublisher']]);
    assert.equal(c.module(s, 'coreHttpApi').state, 'disabled');
    assert.deepEqual(s.listen, [], 'no HTTP socket without coreHttpApi');
  } finally {
    await c.cleanup();
  }
});

test('kill -9 of one worker: it is replaced and ready again, the other keeps running', async () => {
  const c = await startConnector({ config: twoApiWorkers, workers: { 'http-api': standIn.ready } });
  try {
    const before = await c.status();
    const [victim, other] = await c.workerPids('coreHttpApi', before);
    const killedAt = Date.now();
    process.kill(victim, 'SIGKILL');
    const after = await c.waitFor((s) => {
      const w = worker(s, 'coreHttpApi', 1);
      return w.pid !== victim && w.state === 'running';
    }, 10000, 'the replacement of worker 1');
    const w1 = worker(after, 'coreHttpApi', 1);
    const w2 = worker(after, 'coreHttpApi', 2);
    assert.equal(w2.pid, other, 'the other worker was not touched');
    assert.equal(w2.restarts, 0);
    assert.equal(w1.restarts, 1);
    assert.deepEqual(w1.lastExit, { signal: 'KILL' });
    assert.throws(() => process.kill(victim, 0), /ESRCH/, 'the killed process is gone (reaped)');
    const connected = await new Promise((resolve) => {
      const sock = net.connect(c.port, '127.0.0.1', () => { sock.destroy(); resolve(true); });
      sock.on('error', () => resolve(false));
    });
    assert.equal(connected, true, 'the port stays open: connectord holds the listening socket');
    console.log(`replaced and ready ${Date.parse(w1.readySince) - killedAt} ms after kill -9`);

    const restart = await c.ctl('restart', 'coreHttpApi');
    assert.equal(restart.code, 0, restart.stderr);
    const restarted = await c.waitFor((s) => {
      const a = worker(s, 'coreHttpApi', 1), b = worker(s, 'coreHttpApi', 2);
      return a.pid !== w1.pid && b.pid !== other && a.state === 'running' && b.state === 'running';
    }, 10000, 'connectorctl restart');
    assert.equal(worker(restarted, 'coreHttpApi', 2).restarts, 1);
  } finally {
    await c.cleanup();
  }
});

test('a worker that exits at once trips crash-loop detection; the other modules keep serving', async () => {
  const c = await startConnector({
    config: {
      ...twoApiWorkers,
      modules: { ...twoApiWorkers.modules, sync: { enabled: true }, webhooks: { enabled: true } },
      supervisor: { restartBackoffFloorMs: 20, crashLoopMaxRestarts: 3, crashLoopWindowMs: 20000, crashLoopCooldownMs: 600000 },
    },
    workers: { 'http-api': standIn.ready, sync: standIn.crash, webhooks: null },
    waitReady: false,
  });
  try {
    const s = await c.waitFor((st) => c.module(st, 'sync').state === 'failed', 15000, 'sync to fail');
    const sync = c.module(s, 'sync');
    assert.match(sync.message, /crash loop: exited with code 1, more than 3 exits within 20000 ms/);
    assert.equal(sync.workers[0].state, 'failed');
    assert.equal(sync.workers[0].pid, null);
    assert.equal(sync.workers[0].restarts, 3);
    assert.deepEqual(sync.workers[0].lastExit, { code: 1 });
    const webhooks = c.module(s, 'webhooks');
    assert.equal(webhooks.state, 'failed');
    assert.match(webhooks.message, /^connector-webhooks not found in /);
    const api = c.module(s, 'coreHttpApi');
    assert.equal(api.state, 'running');
    assert.ok(api.workers.every((w) => w.state === 'running' && w.restarts === 0));
    assert.ok(api.workers.every((w) => process.kill(w.pid, 0)), 'http-api workers alive');
    const health = await c.health();
    assert.equal(health.healthy, false, 'a crash-looping module makes connectord unhealthy');
    assert.equal(health.modules.sync, 'failed');
    const later = await c.status();
    assert.equal(worker(later, 'sync', 1).restarts, 3, 'no restart during the cool-down');
    assert.match(c.logs, /connector-webhooks not found in/);
  } finally {
    await c.cleanup();
  }
});

test('a failed module is retried after the cool-down', async () => {
  const c = await startConnector({
    config: {
      modules: { sync: { enabled: true } },
      supervisor: { restartBackoffFloorMs: 10, crashLoopMaxRestarts: 1, crashLoopWindowMs: 20000, crashLoopCooldownMs: 300 },
    },
    workers: { 'http-api': standIn.ready, sync: standIn.crash },
    waitReady: false,
  });
  try {
    await c.waitFor((st) => c.module(st, 'sync').state === 'failed', 10000, 'sync to fail');
    await c.waitFor((st) => worker(st, 'sync', 1).restarts >= 2, 10000, 'a retry after the cool-down');
    assert.match(c.logs, /sync\[1\]: cool-down over, retrying/);
  } finally {
    await c.cleanup();
  }
});

test('a worker exiting 78 (configuration error) is not restarted', async () => {
  const c = await startConnector({
    config: { modules: { sync: { enabled: true } } },
    workers: { 'http-api': standIn.ready, sync: standIn.configError },
    waitReady: false,
  });
  try {
    const s = await c.waitFor((st) => c.module(st, 'sync').state === 'failed', 10000, 'sync to fail');
    assert.match(c.module(s, 'sync').message, /configuration error \(exit 78\)/);
    await sleep(300);
    assert.equal(worker(await c.status(), 'sync', 1).restarts, 0);
  } finally {
    await c.cleanup();
  }
});

test('SIGTERM stops every worker within the grace and leaves no process behind', async () => {
  const c = await startConnector({ config: twoApiWorkers, workers: { 'http-api': standIn.ready } });
  try {
    const pids = await c.workerPids('coreHttpApi');
    assert.equal(processesInGroups(pids).length >= 2, true, 'worker groups exist (each with its sleep)');
    const { code } = await c.stop({ signal: 'SIGTERM', timeoutMs: 3000 + 5000 });
    assert.equal(code, 0);
    assert.deepEqual(processesInGroups(pids), []);
    assert.match(c.logs, /http-api\[1\] pid \d+ stopped \(killed by signal TERM\)/);
    assert.equal(fs.existsSync(path.join(c.runtimeDir, 'config.json')), false, 'effective config removed');
  } finally {
    await c.cleanup();
  }
});

test('a worker that ignores SIGTERM is SIGKILLed with its process group after the grace', async () => {
  const c = await startConnector({
    config: { supervisor: { shutdownGraceMs: 400 } },
    workers: { 'http-api': standIn.ignoreTerm },
  });
  try {
    const pids = await c.workerPids('coreHttpApi');
    assert.ok(processesInGroups(pids).length >= 1);
    const { code } = await c.stop({ signal: 'SIGINT', timeoutMs: 10000 });
    assert.equal(code, 0);
    assert.deepEqual(processesInGroups(pids), []);
    assert.match(c.logs, /did not stop within 400 ms: SIGKILL/);
    assert.match(c.logs, /stopped \(killed by signal KILL\)/);
  } finally {
    await c.cleanup();
  }
});

test('a second SIGTERM during the stop kills every worker at once', async () => {
  const c = await startConnector({ config: { supervisor: { shutdownGraceMs: 60000 } }, workers: { 'http-api': standIn.ignoreTerm } });
  try {
    const pids = await c.workerPids('coreHttpApi');
    process.kill(c.pid, 'SIGTERM');
    await c.waitFor((st) => st.state === 'stopping', 5000, 'the stop to begin');
    const { code } = await c.stop({ signal: 'SIGTERM', timeoutMs: 10000 });
    assert.equal(code, 0);
    assert.deepEqual(processesInGroups(pids), []);
    assert.match(c.logs, /second stop signal: killing every worker now/);
  } finally {
    await c.cleanup();
  }
});

test('notify lines: split writes are joined, unknown and overlong lines are ignored', async () => {
  const noisy = '#!/bin/sh\nprintf "HELLO\\n" >&3\nprintf "%0400d\\n" 0 >&3\nprintf "STATUS half" >&3\nsleep 0.1\n' +
    'printf " and half\\nREA" >&3\nsleep 0.1\nprintf "DY\\n" >&3\nwhile :; do echo HEARTBEAT >&3; sleep 0.1; done\n';
  const c = await startConnector({ workers: { 'http-api': noisy } });
  try {
    const w = worker(await c.status(), 'coreHttpApi', 1);
    assert.equal(w.state, 'running');
    assert.equal(w.status, 'half and half');
    assert.match(c.logs, /http-api\[1\]: unknown notify line ignored/);
  } finally {
    await c.cleanup();
  }
});

test('missing heartbeats get a worker killed and restarted', async () => {
  const c = await startConnector({
    config: { supervisor: { heartbeatTimeoutMs: 500, restartBackoffFloorMs: 50 } },
    workers: { 'http-api': standIn.noHeartbeat },
  });
  try {
    const [first] = await c.workerPids('coreHttpApi');
    const s = await c.waitFor((st) => worker(st, 'coreHttpApi', 1).restarts >= 1, 10000, 'a heartbeat kill');
    const w = worker(s, 'coreHttpApi', 1);
    assert.notEqual(w.pid, first);
    assert.deepEqual(w.lastExit, { signal: 'KILL' });
    assert.match(c.logs, /http-api\[1\] pid \d+ no heartbeat for \d+ ms: SIGKILL/);
  } finally {
    await c.cleanup();
  }
});

test('SIGHUP with a broken file keeps the old configuration; a good one is applied', async () => {
  const c = await startConnector({ config: twoApiWorkers, workers: { 'http-api': standIn.ready } });
  try {
    const pids = await c.workerPids('coreHttpApi');
    c.writeConfig('{"modules": {"coreHttpApi": {"workers": 3}');
    await c.reload();
    await sleep(300);
    let s = await c.status();
    assert.equal(s.configGeneration, 1, 'broken JSON: generation unchanged');
    assert.deepEqual(await c.workerPids('coreHttpApi', s), pids, 'workers untouched');

    c.writeConfig({ ...c.config, infrastructure: { httpServer: { port: 'abc' } } });
    const refused = await c.ctl('reload');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /infrastructure\.httpServer\.port/);
    s = await c.status();
    assert.equal(s.configGeneration, 1, 'invalid value: generation unchanged');
    assert.deepEqual(await c.workerPids('coreHttpApi', s), pids);

    c.writeConfig({ ...c.config, modules: { coreHttpApi: { workers: 3 } } });
    await c.reload();
    s = await c.waitFor((st) => st.configGeneration === 2 && c.module(st, 'coreHttpApi').state === 'running' &&
      c.module(st, 'coreHttpApi').workers.length === 3, 10000, 'the new configuration');
    assert.deepEqual((await c.workerPids('coreHttpApi', s)).slice(0, 2), pids, 'count change keeps running workers');

    c.writeConfig({ ...c.config, modules: { coreHttpApi: { workers: 1 } }, logging: { level: 'debug' } });
    const applied = await c.ctl('reload', '--json');
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.json.configGeneration, 3);
    s = await c.waitFor((st) => c.module(st, 'coreHttpApi').workers.length === 1 &&
      c.module(st, 'coreHttpApi').state === 'running', 10000, 'shrink to one worker with a restart');
    assert.notEqual(worker(s, 'coreHttpApi', 1).pid, pids[0], 'a shared setting change restarts the worker');
    assert.deepEqual(processesInGroups(pids.slice(1)), [], 'retired worker is gone');

    const taken = net.createServer();
    await new Promise((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = taken.address().port;
    c.writeConfig({ ...c.config, modules: { coreHttpApi: { workers: 1 } }, logging: { level: 'debug' },
      infrastructure: { httpServer: { port: takenPort } } });
    const busy = await c.ctl('reload');
    taken.close();
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
    s = await c.status();
    assert.equal(s.configGeneration, 3, 'a port that cannot be bound keeps the old configuration');
    assert.ok(s.listen.every((l) => l.endsWith(`:${c.port}`)));

    const newPort = await freePort();
    c.writeConfig({ ...c.config, modules: { coreHttpApi: { workers: 1 } }, logging: { level: 'debug' },
      infrastructure: { httpServer: { port: newPort } } });
    assert.equal((await c.ctl('reload')).code, 0);
    s = await c.waitFor((st) => st.configGeneration === 4 && c.module(st, 'coreHttpApi').state === 'running', 10000, 'the new port');
    assert.ok(s.listen.length >= 1 && s.listen.every((l) => l.endsWith(`:${newPort}`)), 'listens on the new port');
  } finally {
    await c.cleanup();
  }
});

const probe = path.join(process.env.CONNECTOR_BUILDDIR ?? path.join(import.meta.dirname ?? '.', '../../build'), 'test_bus_probe');

function startSubscriber(url, prefix, count) {
  const child = spawn(probe, ['sub', url, prefix, String(count), '10000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise((resolve) => child.stdout.on('data', (d) => { out += d; if (out.includes('READY\n')) resolve(); }));
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, lines: out.split('\n').slice(1).filter(Boolean).map((l) => JSON.parse(l)) })));
  return { ready, done };
}

function publish(url, namespace, id, data) {
  return new Promise((resolve) => {
    const child = spawn(probe, ['pub', url, namespace, id, JSON.stringify(data)], { stdio: 'inherit' });
    child.on('exit', resolve);
  });
}

test('the bus: a worker publishes through connectord, every subscriber gets what its prefix selects', { skip: !fs.existsSync(probe) && 'test_bus_probe not built' }, async () => {
  const c = await startConnector({ workers: { 'http-api': standIn.ready } });
  try {
    const push = `ipc://${c.runtimeDir}/bus-push.ipc`, sub = `ipc://${c.runtimeDir}/bus-sub.ipc`;
    const transport = startSubscriber(sub, 'transport.', 2);
    const everything = startSubscriber(sub, '', 3);
    await Promise.all([transport.ready, everything.ready]);
    assert.equal(await publish(push, 'transport.messageReceived', 'E1', { n: 1 }), 0);
    assert.equal(await publish(push, 'consumption.incomingRequestReceived', 'E2', { n: 2 }), 0);
    assert.equal(await publish(push, 'transport.relationshipChanged', 'E3', { n: 3, s: 'ä' }), 0);
    const [t, e] = await Promise.all([transport.done, everything.done]);
    assert.equal(t.code, 0, 'the transport subscriber got its two events');
    assert.deepEqual(t.lines.map((l) => l.id).sort(), ['E1', 'E3']);
    assert.deepEqual(t.lines.find((l) => l.id === 'E3').data, { n: 3, s: 'ä' });
    assert.equal(t.lines[0].target, 'did:e:probe');
    assert.equal(e.code, 0);
    assert.deepEqual(e.lines.map((l) => l.id).sort(), ['E1', 'E2', 'E3']);
    assert.equal(fs.statSync(path.join(c.runtimeDir, 'bus-sub.ipc')).mode & 0o777, 0o600);
  } finally {
    await c.cleanup();
  }
});

test('the control socket answers malformed requests with an error naming the field', { skip: !fs.existsSync(probe) && 'test_bus_probe not built' }, async () => {
  const c = await startConnector({ workers: { 'http-api': standIn.ready } });
  try {
    const url = `ipc://${c.runtimeDir}/control.ipc`;
    const ask = (text) => {
      const r = spawnSync(probe, ['req', url, text], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    for (const bad of ['not json', '[]', '{"command":5}', '{"command":"status"} trailing'])
      assert.match(ask(bad).error, /^command: expected a JSON object with a string "command"/, bad);
    assert.match(ask('{"command":"frobnicate"}').error, /^command: unknown command "frobnicate"/);
    assert.match(ask('{"command":"restart"}').error, /^module: expected the name of a module/);
    assert.match(ask('{"command":"restart","module":"sync"}').error, /^module: sync is not enabled/);
    assert.equal(ask('{"command":"health"}').healthy, true);
    assert.equal((await c.status()).state, 'running', 'still serving');
  } finally {
    await c.cleanup();
  }
});

test('a changed module restarts its instances one at a time: the module keeps serving', async () => {
  const c = await startConnector({ config: { modules: { coreHttpApi: { workers: 3 } } }, workers: { 'http-api': standIn.slowReady } });
  try {
    const before = await c.workerPids('coreHttpApi');
    c.writeConfig(deepMerge(c.config, { modules: { coreHttpApi: { docs: { enabled: true } } } }));
    await c.reload();
    let polls = 0;
    const s = await c.waitFor((st) => {
      const workers = c.module(st, 'coreHttpApi').workers;
      polls++;
      assert.ok(workers.filter((w) => w.state === 'running').length >= 2,
        `at most one instance is down at a time: ${JSON.stringify(workers.map((w) => w.state))}`);
      return st.configGeneration === 2 && workers.every((w, i) => w.pid !== before[i] && w.state === 'running');
    }, 15000, 'every instance restarted');
    assert.ok(polls > 3, 'the restart was observed while it happened');
    assert.equal(c.module(s, 'coreHttpApi').workers.length, 3);
    const order = [...c.logs.matchAll(/http-api\[(\d)\] pid \d+ (stopped|ready)/g)].slice(3).map((m) => `${m[1]}${m[2][0]}`);
    assert.deepEqual(order, ['1s', '1r', '2s', '2r', '3s', '3r']);
  } finally {
    await c.cleanup();
  }
});

test('a bad configuration makes connectord exit 78 naming the key; --check-config agrees', async () => {
  const c = new Connector({});
  fs.mkdirSync(c.dir, { recursive: true });
  try {
    c.writeConfig({ infrastructure: { httpServer: { port: 'abc' } }, supervisor: { runtimeDirectory: c.runtimeDir } });
    let r = runConnectord(['--config', c.configPath]);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /infrastructure\.httpServer\.port/);
    assert.equal(fs.existsSync(c.runtimeDir), false, 'nothing was started');
    r = runConnectord(['--config', c.configPath, '--check-config']);
    assert.equal(r.code, 78);
    assert.match(r.stderr, /infrastructure\.httpServer\.port/);
    c.writeConfig({ supervisor: { runtimeDirectory: c.runtimeDir } });
    r = runConnectord(['--config', c.configPath, '--check-config']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configuration OK/);
    r = runConnectord(['--no-such-option']);
    assert.equal(r.code, 78);
    r = runConnectord(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^connectord \d+\.\d+/);
  } finally {
    await c.cleanup();
  }
});

test('a port that is taken, or a second connectord on the same pid file, exits 75 (temporary)', async () => {
  const blocker = await startConnector({ workers: { 'http-api': standIn.ready } });
  try {
    const r = runConnectord(['--config', blocker.configPath], {
      env: { 'supervisor__runtimeDirectory': path.join(blocker.dir, 'run2'), CONNECTOR_LIBEXEC_DIR: blocker.libexecDir },
    });
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /cannot listen on .*:\d+: Address already in use/);
    const second = runConnectord(['--config', blocker.configPath], { env: { CONNECTOR_LIBEXEC_DIR: blocker.libexecDir } });
    assert.equal(second.code, 75, second.stderr);
    assert.match(second.stderr, new RegExp(`another connectord \\(pid ${blocker.pid}\\) holds`));
    assert.equal(fs.readFileSync(blocker.pidFile, 'utf8').trim(), String(blocker.pid), 'pid file left intact');
    assert.equal((await blocker.status()).state, 'running');
  } finally {
    await blocker.cleanup();
  }
});

test('connector-migrate runs first, is retried on failure, and workers start after it succeeded', async () => {
  const migrate = '#!/bin/sh\nn=$(cat "$CONNECTOR_RUNTIME_DIR/../migrate-runs" 2>/dev/null || echo 0)\n' +
    'echo $((n + 1)) > "$CONNECTOR_RUNTIME_DIR/../migrate-runs"\n[ "$n" -ge 2 ] && exit 0\nexit 1\n';
  const c = await startConnector({
    config: { database: { connectionString: 'host=/nonexistent dbname=x' }, supervisor: { restartBackoffFloorMs: 20 } },
    workers: { 'http-api': standIn.ready, migrate, housekeeping: standIn.ready },
  });
  try {
    assert.equal(fs.readFileSync(path.join(c.dir, 'migrate-runs'), 'utf8').trim(), '3');
    assert.match(c.logs, /connector-migrate exited with code 1; retrying in \d+ ms/);
    assert.match(c.logs, /database schema is up to date/);
    const s = await c.status();
    assert.equal(c.module(s, 'housekeeping').state, 'running');
  } finally {
    await c.cleanup();
  }
});

test('a stop during the migration ends a connector-migrate that ignores SIGTERM after the grace', async () => {
  const migrate = "#!/bin/sh\ntrap '' TERM\nsleep 600\n";
  const c = await startConnector({
    config: { database: { connectionString: 'host=/nonexistent dbname=x' }, supervisor: { shutdownGraceMs: 300 } },
    workers: { 'http-api': standIn.ready, migrate },
    waitReady: false,
  });
  try {
    const s = await c.status();
    assert.equal(s.state, 'migrating');
    assert.equal(c.module(s, 'coreHttpApi').workers[0].pid, null, 'no worker before the schema is current');
    assert.equal((await c.health()).healthy, false);
    const pgids = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
      try { return fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(path.join(c.libexecDir, 'connector-migrate')); } catch { return false; }
    }).map(Number);
    assert.equal(pgids.length, 1, 'connector-migrate runs');
    const { code } = await c.stop({ timeoutMs: 10000 });
    assert.equal(code, 0);
    assert.deepEqual(processesInGroups(pgids), []);
    assert.match(c.logs, /grace of 300 ms over: killing what is left/);
  } finally {
    await c.cleanup();
  }
});

test('connector-migrate exiting 78 makes connectord exit 78 before any worker starts', async () => {
  const c = new Connector({
    config: { database: { connectionString: 'host=/nonexistent dbname=x' } },
    workers: { 'http-api': standIn.ready, migrate: standIn.configError },
  });
  try {
    await assert.rejects(c.start(), /exited/);
    const { code } = await c.exited;
    assert.equal(code, 78);
    assert.doesNotMatch(c.logs, /started http-api/);
  } finally {
    await c.cleanup();
  }
});

const haveDbWorkers = ['connector-migrate', 'connector-housekeeping']
  .every((b) => fs.existsSync(path.join(process.env.CONNECTOR_LIBEXEC_DIR ?? '', b)));

test('with PostgreSQL: the real connector-migrate runs first, then workers; titles name role and index', {
  skip: !process.env.CONNECTOR_TEST_DATABASE ? 'CONNECTOR_TEST_DATABASE not set'
    : !haveDbWorkers && 'connector-migrate / connector-housekeeping not built',
}, async () => {
  const admin = process.env.CONNECTOR_TEST_DATABASE;
  const name = `supervisor_${process.pid}_${Date.now()}`;
  const psql = (sql) => spawnSync('psql', [admin, '-qXtAc', sql], { encoding: 'utf8' });
  assert.equal(psql(`CREATE DATABASE ${name}`).status, 0);
  const cs = /dbname=\S+/.test(admin) ? admin.replace(/dbname=\S+/, `dbname=${name}`) : `${admin} dbname=${name}`;
  let c;
  try {
    c = await startConnector({
      config: { database: { connectionString: cs } },
      workers: { 'http-api': standIn.ready },
      env: { CONNECTOR_SQL_DIR: process.env.CONNECTOR_SQL_DIR ?? '' },
    });
    assert.match(c.logs, /applying the database schema \(connector-migrate pid \d+\)/);
    assert.match(c.logs, /database schema is up to date/);
    assert.ok(c.logs.indexOf('database schema is up to date') < c.logs.indexOf('started http-api[1]'),
      'workers start only after the migration');
    const s = await c.status();
    const hk = c.module(s, 'housekeeping');
    assert.equal(hk.state, 'running');
    const title = fs.readFileSync(`/proc/${hk.workers[0].pid}/cmdline`, 'utf8').replace(/\0+$/, '');
    assert.equal(title, 'connectord: housekeeping[1]');
  } finally {
    if (c) await c.cleanup();
    psql(`DROP DATABASE IF EXISTS ${name}`);
  }
});

const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => fs.existsSync(p));

test('sd_notify: READY=1, STATUS= and WATCHDOG=1 arrive on NOTIFY_SOCKET', { skip: !python && 'python3 not found' }, async () => {
  const dir = fs.mkdtempSync('/tmp/connector-notify-');
  const socketPath = path.join(dir, 'notify.sock');
  // A datagram listener (Node's dgram has no AF_UNIX): prints one line per datagram.
  const listener = spawn(python, ['-u', '-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
`, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let received = '';
  listener.stdout.on('data', (d) => { received += d; });
  let c;
  try {
    while (!received.includes('LISTENING')) await sleep(20);
    c = await startConnector({
      config: twoApiWorkers,
      workers: { 'http-api': standIn.ready },
      env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '200000' },
    });
    const deadline = Date.now() + 10000;
    while (!(received.includes('READY=1') && received.includes('WATCHDOG=1')) && Date.now() < deadline) await sleep(20);
    assert.match(received, /^READY=1$/m);
    assert.match(received, /^STATUS=2\/2 workers ready$/m);
    assert.match(received, /^WATCHDOG=1$/m);
    await c.stop();
    await sleep(100);
    assert.match(received, /^STOPPING=1$/m);
  } finally {
    listener.kill();
    if (c) await c.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
