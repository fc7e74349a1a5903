// chaos-webhooks.test.mjs: no event is lost under chaos. A private PostgreSQL cluster (its own temp
// dir, contrib/pg-private.sh) so it can be restarted; connectord with two webhook workers and two
// webhooks (two targets, one receiver each); 10,000 events produced with outbox_append while
//   (a) every delivery worker is kill -9ed every second,
//   (c) both receivers answer 500 for the first 30 s,
//   (d) PostgreSQL is restarted once.
// Then every event id in the outbox must have arrived at every target at least once (2xx answered);
// duplicates are counted and printed. Needs CONNECTOR_TEST_DATABASE only as the switch that a
// PostgreSQL installation exists; bounded to a few minutes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { builddir, sleep, srcdir, standIn, startConnector } from './lib/connector.mjs';

const skip = process.env.CONNECTOR_TEST_DATABASE ? false : 'CONNECTOR_TEST_DATABASE not set';
const pgPrivate = path.join(srcdir, 'contrib/pg-private.sh');
const producer = path.join(builddir, 'test_webhook_produce');
const EVENTS = 10000;
const FAIL_MS = 30000;

function pg(cmd, dir) {
  const r = spawnSync(pgPrivate, [cmd, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg-private.sh ${cmd}: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop();
}

// A receiver that answers 500 until failUntil, then 200; counts 2xx receipts per event id.
async function receiver(failUntil) {
  const ok = new Map();
  let requests = 0, failed = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      if (Date.now() < failUntil) { failed++; res.writeHead(500); res.end(); return; }
      const id = req.headers['webhook-id'];
      ok.set(id, (ok.get(id) ?? 0) + 1);
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    ok,
    stats: () => ({ requests, failed }),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

test('10,000 events, workers kill -9ed every second, receivers failing 30 s, PostgreSQL restarted: nothing lost', { skip, timeout: 360000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-chaos-'));
  fs.chmodSync(dir, 0o755); // as root, pg-private.sh runs the server as user postgres
  const db = pg('start', path.join(dir, 'pg'));
  const started = Date.now();
  const a = await receiver(started + FAIL_MS);
  const b = await receiver(started + FAIL_MS);
  const schedule = [200, 500, 1000, 2000, ...Array(26).fill(3000)];
  let c;
  let killing = true;
  try {
    c = await startConnector({
      workers: { 'http-api': standIn.ready },
      config: {
        database: { connectionString: db, dbName: 'chaos' },
        supervisor: { crashLoopMaxRestarts: 1000000, restartBackoffFloorMs: 20, restartBackoffCapMs: 200, heartbeatTimeoutMs: 20000 },
        modules: {
          webhooks: {
            enabled: true, workers: 2, leaseMs: 2000, requestTimeoutMs: 1000, retrySchedule: schedule,
            targets: {
              a: { url: `${a.url}/a`, secret: 'whsec_Y2hhb3MtdGVzdC1zZWNyZXQ=' },
              b: { url: `${b.url}/b/{{trigger}}`, secret: 'whsec_Y2hhb3MtdGVzdC1zZWNyZXQ=' },
            },
            webhooks: [{ triggers: ['**'], target: 'a' }, { triggers: ['transport.*'], target: 'b' }],
          },
        },
      },
    });
    const produced = new Promise((resolve, reject) => {
      const child = spawn(producer, ['--conninfo', db, '--schema', 'chaos', '--namespace', 'transport.messageReceived',
        '--count', String(EVENTS), '--per-tx', '20', '--rate', '500', '--data', '{"chaos":true}'], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`producer exited ${code}`))));
    });
    let kills = 0;
    const killer = (async () => {
      while (killing) {
        await sleep(1000);
        if (!killing) break;
        const pids = await c.workerPids('webhooks').catch(() => []);
        for (const pid of pids) if (pid) try { process.kill(pid, 'SIGKILL'); kills++; } catch { /* already gone */ }
      }
    })();
    await sleep(8000);
    pg('stop', path.join(dir, 'pg'));
    await sleep(1500);
    pg('start', path.join(dir, 'pg'));
    await produced;
    await sleep(Math.max(0, started + FAIL_MS + 10000 - Date.now())); // keep killing 10 s into the good phase
    killing = false;
    await killer;
    const ids = spawnSync(producer, ['--conninfo', db, '--schema', 'chaos', '--exec', 'SELECT event_id FROM outbox_events'],
      { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout.split('\n').filter(Boolean);
    assert.ok(ids.length >= EVENTS, `at least ${EVENTS} events committed (${ids.length})`);
    const missing = () => ids.filter((id) => !a.ok.has(id)).length + ids.filter((id) => !b.ok.has(id)).length;
    const deadline = Date.now() + 150000;
    while (missing() > 0 && Date.now() < deadline) await sleep(500);
    const dup = (m) => [...m.values()].reduce((s, n) => s + n - 1, 0);
    console.log(`# chaos: ${ids.length} events, ${kills} worker kills, ${Date.now() - started} ms`);
    console.log(`# target a: ${a.ok.size} ids, ${dup(a.ok)} duplicates, ${a.stats().failed} answered 500, ${a.stats().requests} requests`);
    console.log(`# target b: ${b.ok.size} ids, ${dup(b.ok)} duplicates, ${b.stats().failed} answered 500, ${b.stats().requests} requests`);
    console.log(`# duplicates: ${dup(a.ok) + dup(b.ok)}`);
    assert.equal(missing(), 0, 'every event id arrived at every target');
    assert.ok(kills >= 10, `workers were killed (${kills})`);
  } finally {
    killing = false;
    if (c) await c.cleanup();
    await a.close();
    await b.close();
    try { pg('stop', path.join(dir, 'pg')); } catch { /* already stopped */ }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
