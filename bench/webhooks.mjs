// bench/webhooks.mjs: events per second delivered end-to-end (outbox_append -> connector-webhooks ->
// a local HTTP receiver) with 1 and 4 webhook workers, and the latency from the outbox insert
// (commit time printed by the producer) to receipt, p50 and p99. Prints figures only.
//   throughput: a backlog of --events is appended while connectord is stopped, then connectord
//               starts and the rate is measured from the first to the last receipt;
//   latency:    --events more are appended at --rate events/s while connectord runs.
//
//   make bench-webhooks [BENCH_ARGS='--events 5000 --workers 1,4']
// Uses CONNECTOR_TEST_DATABASE when set, else a private PostgreSQL cluster in a temp dir. Build
// without sanitizers for meaningful numbers.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { builddir, srcdir, standIn, startConnector } from '../tests/e2e/lib/connector.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const EVENTS = Number(opt('--events', '5000'));
const WORKERS = opt('--workers', '1,4').split(',').map(Number);
const RATE = opt('--rate', '300');
const producer = path.join(builddir, 'test_webhook_produce');

function database() {
  if (process.env.CONNECTOR_TEST_DATABASE) return { conninfo: process.env.CONNECTOR_TEST_DATABASE, stop: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-bench-'));
  fs.chmodSync(dir, 0o755);
  const script = path.join(srcdir, 'contrib/pg-private.sh');
  const out = spawnSync(script, ['start', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return {
    conninfo: out.stdout.trim().split('\n').pop(),
    stop: () => { spawnSync(script, ['stop', dir]); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

async function receiver() {
  const receipts = new Map();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'];
      if (!receipts.has(id)) receipts.set(id, Date.now());
      res.writeHead(200);
      res.end();
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, receipts, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

function produce(conninfo, schema, rate) {
  return new Promise((resolve, reject) => {
    const child = spawn(producer, ['--conninfo', conninfo, '--schema', schema, '--namespace', 'transport.messageReceived',
      '--count', String(EVENTS), '--per-tx', rate ? '1' : '50', '--rate', rate ?? '0', '--data', '{"id":"MSGbench","content":{"@type":"Mail","body":"x"}}'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean).map((l) => l.split(' '))) : reject(new Error(`producer ${code}`))));
  });
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function waitAll(recv, n) {
  const deadline = Date.now() + 300000;
  while (recv.receipts.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function start(conninfo, schema, workers, url) {
  return startConnector({
    workers: { 'http-api': standIn.ready },
    config: {
      database: { connectionString: conninfo, dbName: schema },
      modules: { webhooks: { enabled: true, workers, targets: { t: { url: `${url}/t`, secret: 'whsec_YmVuY2gtc2VjcmV0' } }, webhooks: [{ triggers: ['**'], target: 't' }] } },
    },
  });
}

async function run(conninfo, workers) {
  const recv = await receiver();
  const schema = `bench_${process.pid}_${workers}`;
  let c = await start(conninfo, schema, workers, recv.url); // registers the consumer
  await c.cleanup();
  try {
    const backlog = await produce(conninfo, schema);
    c = await start(conninfo, schema, workers, recv.url);
    await waitAll(recv, backlog.length);
    const times = [...recv.receipts.values()];
    const span = Math.max(...times) - Math.min(...times);
    const rate = ((recv.receipts.size - 1) * 1000) / span;
    recv.receipts.clear();
    const events = await produce(conninfo, schema, RATE);
    await waitAll(recv, events.length);
    const latencies = events.map(([id, at]) => recv.receipts.get(id) - Number(at)).filter(Number.isFinite).sort((x, y) => x - y);
    console.log(`webhooks workers=${workers}: backlog of ${backlog.length} delivered in ${span} ms = ${rate.toFixed(0)} events/s; ` +
      `at ${RATE} events/s insert->receipt p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms (${latencies.length} events)`);
  } finally {
    await c.cleanup();
    await recv.close();
    spawnSync(producer, ['--conninfo', conninfo, '--schema', schema, '--exec', `DROP SCHEMA "${schema}" CASCADE`]);
  }
}

const db = database();
try {
  for (const w of WORKERS) await run(db.conninfo, w);
} finally {
  db.stop();
}
