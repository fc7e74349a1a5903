// ops-metrics.test.mjs: GET /metrics of a real connectord with real HTTP workers. The exposition is
// parsed with a real Prometheus text parser (parse-prometheus-text-format from npm, installed by
// `npm ci --prefix contrib/docs-ui`) and linted with Prometheus' own `promtool check metrics` when
// it is installed. Checks per-route request counts and latency histograms summed over workers,
// worker states and restarts from the supervisor, the outbox backlog and oldest undelivered age per
// consumer from a real database, the sync and Backbone families, and the API-key protection.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';

import { builddir, srcdir, startConnector } from './lib/connector.mjs';
import { secret } from './ops-helpers.mjs';

// The npm packages of contrib/docs-ui (npm ci --prefix contrib/docs-ui), or CONNECTOR_NPM_MODULES.
const vendored = process.env.CONNECTOR_NPM_MODULES ?? path.join(srcdir, 'contrib/docs-ui/node_modules');
const parserPath = path.join(vendored, 'parse-prometheus-text-format');
const parse = fs.existsSync(parserPath) ? createRequire(import.meta.url)(parserPath) : null;
const skipParser = !parse && 'parse-prometheus-text-format not installed: run npm ci --prefix contrib/docs-ui';
const promtool = spawnSync('promtool', ['--version']).status === 0;
const database = process.env.CONNECTOR_TEST_DATABASE;

function psql(dbConn, sql) {
  const r = spawnSync('psql', [dbConn, '-v', 'ON_ERROR_STOP=1', '-qAtXc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

async function scrape(c, key) {
  const r = await fetch(`${c.baseUrl}/metrics`, { headers: key ? { 'X-API-KEY': key } : {} });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

// Parses and checks the exposition; returns {family name -> family}.
function families(text) {
  if (promtool) {
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(lint.status, 0, `promtool check metrics:\n${lint.stdout}${lint.stderr}`);
  }
  const parsed = parse(text);
  return Object.fromEntries(parsed.map((f) => [f.name, f]));
}

// One series of a histogram from the raw exposition: {buckets: Map(le -> count), sum, count}.
function histogramSeries(text, name, labels) {
  const buckets = new Map();
  let sum, count;
  for (const line of text.split('\n')) {
    const lab = labels ? `${labels.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')},` : '';
    const m = new RegExp(`^${name}_bucket\\{${lab}le="([^"]+)"\\} (\\S+)$`).exec(line);
    if (m) buckets.set(m[1], Number(m[2]));
    const series = labels ? `{${labels}}` : '';
    if (line.startsWith(`${name}_sum${series} `)) sum = Number(line.split(' ').pop());
    if (line.startsWith(`${name}_count${series} `)) count = Number(line.split(' ').pop());
  }
  assert.ok(buckets.size > 0, `${name}{${labels}} is exposed`);
  return { buckets, sum, count };
}

function sample(family, labels) {
  return family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

test('the exposition parses; per-route counts and latency histograms are summed over the workers', { skip: skipParser }, async () => {
  const key = secret('metrics-key');
  const c = await startConnector({
    config: {
      modules: { coreHttpApi: { workers: 2 } },
      infrastructure: { httpServer: { authentication: { apiKey: { keys: { main: { key } } } } } },
    },
  });
  try {
    const denied = await scrape(c, null);
    assert.equal(denied.status, 401, 'API key protected by default');
    const requests = 20;
    for (let i = 0; i < requests; i++) {
      const r = await fetch(`${c.baseUrl}/Monitoring/Version`, { headers: { 'X-API-KEY': key, Connection: 'close' } });
      assert.equal(r.status, 200);
      await r.text();
    }
    const missing = await fetch(`${c.baseUrl}/api/core/v1/Attributes/ATT123/Versions`, { headers: { 'X-API-KEY': key } });
    await missing.text();
    const ok = await scrape(c, key);
    assert.equal(ok.status, 200);
    assert.equal(ok.type, 'text/plain; version=0.0.4; charset=utf-8');
    const f = families(ok.text);
    assert.equal(f.connector_http_requests_total.type, 'COUNTER');
    const version = sample(f.connector_http_requests_total, { route: '/Monitoring/Version', method: 'GET', status: '200' });
    assert.equal(Number(version.value), requests);
    const notImplemented = sample(f.connector_http_requests_total, { route: '/api/core/v1/Attributes/{id}/Versions', method: 'GET' });
    assert.equal(notImplemented.labels.status, '501');
    const unauthorized = sample(f.connector_http_requests_total, { route: '/metrics', status: '401' });
    assert.equal(Number(unauthorized.value), 1);
    const hist = f.connector_http_request_duration_seconds;
    assert.equal(hist.type, 'HISTOGRAM');
    // parse-prometheus-text-format merges the series of a labelled histogram into one (its known
    // limit); promtool has validated them above, so read this series' lines directly
    const h = histogramSeries(ok.text, 'connector_http_request_duration_seconds', 'route="/Monitoring/Version",method="GET"');
    assert.equal(h.count, requests);
    assert.equal(h.buckets.get('+Inf'), requests);
    const bounds = [...h.buckets.keys()];
    const counts = [...h.buckets.values()];
    assert.ok(bounds.length >= 10);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], 'buckets are cumulative');
    assert.ok(h.sum > 0);
    // both workers contribute to the same shared series: count the pids that logged the requests
    const pids = new Set([...c.logs.matchAll(/http-api\[(\d)\] pid=\d+ HttpServer: GET \/Monitoring\/Version 200/g)].map((m) => m[1]));
    assert.ok(pids.size >= 1);
    for (const name of ['connector_sync_runs_total', 'connector_sync_run_duration_seconds',
      'connector_backbone_requests_total', 'connector_backbone_request_errors_total'])
      assert.ok(f[name], `${name} is exposed`);
    assert.equal(Number(f.connector_build_info.metrics[0].value), 1);
    assert.equal(Number(f.connector_supervisor_up.metrics[0].value), 1);
  } finally {
    await c.cleanup();
  }
});

test('worker states and restarts come from the supervisor', { skip: skipParser }, async () => {
  const c = await startConnector({
    config: { modules: { coreHttpApi: { workers: 2, metrics: { requireApiKey: false } } } },
  });
  try {
    let f = families((await scrape(c)).text);
    assert.equal(Number(sample(f.connector_worker_state, { module: 'coreHttpApi', worker: '1', state: 'running' }).value), 1);
    assert.equal(Number(sample(f.connector_worker_state, { module: 'coreHttpApi', worker: '2', state: 'running' }).value), 1);
    assert.equal(Number(sample(f.connector_worker_restarts_total, { module: 'coreHttpApi', worker: '2' }).value), 0);
    assert.equal(Number(sample(f.connector_module_state, { module: 'coreHttpApi' }).value), 1);
    assert.equal(sample(f.connector_module_state, { module: 'coreHttpApi' }).labels.state, 'running');
    assert.equal(sample(f.connector_module_state, { module: 'sync' }).labels.state, 'disabled');
    const [, second] = await c.workerPids('coreHttpApi');
    process.kill(second, 'SIGKILL');
    await c.waitFor((s) => s.modules.find((m) => m.name === 'coreHttpApi').workers.every((w) => w.state === 'running' && w.pid !== second),
      15000, 'the replacement worker');
    f = families((await scrape(c)).text);
    assert.equal(Number(sample(f.connector_worker_restarts_total, { module: 'coreHttpApi', worker: '2' }).value), 1);
    assert.equal(Number(sample(f.connector_worker_restarts_total, { module: 'coreHttpApi', worker: '1' }).value), 0);
    // the per-route counters live in the runtime directory: the restarted worker did not reset them
    const before = Number(sample(f.connector_http_requests_total, { route: '/metrics', status: '200' }).value);
    f = families((await scrape(c)).text);
    assert.ok(Number(sample(f.connector_http_requests_total, { route: '/metrics', status: '200' }).value) > before);
  } finally {
    await c.cleanup();
  }
});

test('modules.coreHttpApi.metrics.enabled false: no /metrics route', async () => {
  const c = await startConnector({ config: { modules: { coreHttpApi: { metrics: { enabled: false } } } } });
  try {
    assert.equal((await scrape(c)).status, 404);
  } finally {
    await c.cleanup();
  }
});

test('outbox backlog and oldest undelivered age per consumer, read from the database', { skip: skipParser || (!database && 'CONNECTOR_TEST_DATABASE not set') }, async () => {
  const name = `ops_metrics_${process.pid}_${Date.now()}`;
  psql(database, `CREATE DATABASE ${name}`);
  const dbConn = database.replace(/dbname=\S+/, `dbname=${name}`);
  const c = await startConnector({
    config: {
      database: { connectionString: dbConn, dbName: 'metrics' },
      modules: { coreHttpApi: { metrics: { requireApiKey: false } } },
    },
  });
  try {
    const sql = (q) => psql(dbConn, `SET search_path TO metrics; ${q}`);
    sql(`INSERT INTO outbox_consumers (consumer_id, kind) VALUES ('webhooks:a', 'webhook'), ('amqp:b', 'amqp')`);
    sql(`INSERT INTO outbox_events (namespace, created_at) SELECT 'transport.messageReceived', now() - interval '90 seconds' FROM generate_series(1, 5)`);
    sql(`INSERT INTO outbox_deliveries (consumer_id, event_seq, created_at) SELECT 'webhooks:a', seq, now() - interval '90 seconds' FROM outbox_events`);
    sql(`INSERT INTO outbox_deliveries (consumer_id, event_seq, state, attempts, delivered_at) SELECT 'amqp:b', seq, 'delivered', 2, now() FROM outbox_events`);
    sql(`UPDATE outbox_deliveries SET state = 'failed', attempts = 7, last_error = 'HTTP 500' WHERE consumer_id = 'webhooks:a' AND event_seq = (SELECT min(seq) FROM outbox_events)`);
    const f = families((await scrape(c)).text);
    assert.equal(Number(f.connector_database_up.metrics[0].value), 1);
    assert.equal(Number(f.connector_outbox_events.metrics[0].value), 5);
    assert.equal(Number(sample(f.connector_outbox_backlog, { consumer: 'webhooks:a', kind: 'webhook' }).value), 4);
    assert.equal(Number(sample(f.connector_outbox_backlog, { consumer: 'amqp:b' }).value), 0);
    const age = Number(sample(f.connector_outbox_oldest_undelivered_age_seconds, { consumer: 'webhooks:a' }).value);
    assert.ok(age >= 90 && age < 3600, `oldest undelivered age ${age}`);
    assert.equal(Number(sample(f.connector_outbox_oldest_undelivered_age_seconds, { consumer: 'amqp:b' }).value), 0);
    assert.equal(Number(sample(f.connector_outbox_failed, { consumer: 'webhooks:a' }).value), 1);
    assert.equal(Number(sample(f.connector_outbox_delivered, { consumer: 'amqp:b' }).value), 5);
    assert.equal(Number(sample(f.connector_outbox_delivery_attempts, { consumer: 'amqp:b' }).value), 10);
    assert.equal(Number(sample(f.connector_outbox_delivery_attempts, { consumer: 'webhooks:a' }).value), 7);
    assert.equal(Number(sample(f.connector_outbox_deliveries_with_error, { consumer: 'webhooks:a' }).value), 1);
    // delivering drains the backlog
    sql(`UPDATE outbox_deliveries SET state = 'delivered', delivered_at = now() WHERE consumer_id = 'webhooks:a' AND state = 'pending'`);
    const g = families((await scrape(c)).text);
    assert.equal(Number(sample(g.connector_outbox_backlog, { consumer: 'webhooks:a' }).value), 0);
  } finally {
    await c.cleanup();
    psql(database, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
});

test('without a database: no outbox families, the supervisor and registry families are there', { skip: skipParser }, async () => {
  const c = await startConnector({ config: { modules: { coreHttpApi: { metrics: { requireApiKey: false } } } } });
  try {
    const f = families((await scrape(c)).text);
    assert.equal(f.connector_database_up, undefined);
    assert.equal(f.connector_outbox_backlog, undefined);
    assert.ok(f.connector_worker_state && f.connector_sync_runs_total);
  } finally {
    await c.cleanup();
  }
});

test('sync runs and Backbone calls are counted (local Backbone, real database)', { skip: skipParser || (!database && 'CONNECTOR_TEST_DATABASE not set') }, async () => {
  const { api, setupBackbone, start, teardown, API_KEY } = await import('./account-lib.mjs');
  const env = await setupBackbone('ops_metrics_bb');
  let c;
  try {
    c = await start(env, 'metrics_bb');
    const metricsOf = async () => families((await scrape(c, API_KEY)).text);
    const value = (f, name) => Number(f[name].metrics[0].value ?? f[name].metrics[0].count);
    assert.equal((await api(c, 'GET', '/Account/IdentityInfo')).status, 200);
    const before = await metricsOf();
    assert.ok(value(before, 'connector_backbone_requests_total') >= 1, 'the identity came from the Backbone');
    const runsBefore = value(before, 'connector_sync_runs_total');
    assert.equal((await api(c, 'POST', '/Account/Sync')).status, 204);
    const after = await metricsOf();
    assert.equal(value(after, 'connector_sync_runs_total'), runsBefore + 1);
    assert.equal(value(after, 'connector_sync_run_failures_total'), value(before, 'connector_sync_run_failures_total'));
    assert.ok(value(after, 'connector_backbone_requests_total') > value(before, 'connector_backbone_requests_total'));
    const hist = histogramSeries((await scrape(c, API_KEY)).text, 'connector_sync_run_duration_seconds', '');
    assert.equal(hist.count, runsBefore + 1);
    // with the Backbone gone, a sync fails and the failed calls are counted as errors
    await env.backbone.stop();
    const errorsBefore = value(after, 'connector_backbone_request_errors_total');
    assert.notEqual((await api(c, 'POST', '/Account/Sync')).status, 204);
    const down = await metricsOf();
    assert.equal(value(down, 'connector_sync_run_failures_total'), value(after, 'connector_sync_run_failures_total') + 1);
    assert.ok(value(down, 'connector_backbone_request_errors_total') > errorsBefore);
  } finally {
    await teardown(env, [c]);
  }
});

test('delivery attempts and failures per consumer (webhooks to a real receiver)', { skip: skipParser || (!database && 'CONNECTOR_TEST_DATABASE not set') }, async () => {
  const http = await import('node:http');
  const received = { ok: 0, bad: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const which = req.url.startsWith('/ok') ? 'ok' : 'bad';
      received[which]++;
      res.writeHead(which === 'ok' ? 200 : 400);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const schema = `ops_metrics_wh_${process.pid}`;
  const c = await startConnector({
    config: {
      database: { connectionString: database, dbName: schema },
      modules: {
        coreHttpApi: { metrics: { requireApiKey: false } },
        webhooks: {
          enabled: true,
          targets: { ok: { url: `${url}/ok` }, bad: { url: `${url}/bad` } },
          webhooks: [{ triggers: ['transport.messageReceived'], target: 'ok' }, { triggers: ['transport.messageReceived'], target: 'bad' }],
        },
      },
    },
  });
  try {
    const producer = path.join(builddir, 'test_webhook_produce');
    const r = spawnSync(producer, ['--conninfo', database, '--schema', schema, '--namespace', 'transport.messageReceived',
      '--count', '1', '--data', '{"n":1}'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const deadline = Date.now() + 20000;
    let f;
    for (;;) {
      f = families((await scrape(c)).text);
      const attempts = f.connector_delivery_attempts_total?.metrics ?? [];
      if (attempts.length >= 2 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const byConsumer = (family, part) => Number(f[family]?.metrics.find((m) => m.labels.consumer.endsWith(part))?.value ?? 0);
    assert.ok(received.ok >= 1 && received.bad >= 1, `the receiver was called: ${JSON.stringify(received)}`);
    assert.equal(byConsumer('connector_delivery_attempts_total', 'ok'), received.ok);
    assert.equal(byConsumer('connector_delivery_failures_total', 'ok'), 0);
    assert.equal(byConsumer('connector_delivery_attempts_total', 'bad'), received.bad);
    assert.equal(byConsumer('connector_delivery_failures_total', 'bad'), received.bad);
    assert.ok(f.connector_outbox_backlog, 'the outbox families are there too');
  } finally {
    await c.cleanup();
    server.close();
    psql(database, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
});
