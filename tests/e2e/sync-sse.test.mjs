// tests/e2e/sync-sse.test.mjs: the sse worker (connector-sse) under connectord with a real local
// Backbone and PostgreSQL: with sync and sse both enabled only sse runs; every ExternalEventCreated
// triggers a sync (no interval, no API call); after the Backbone restarts the stream reconnects
// and events are synced again.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startConnector } from './lib/connector.mjs';
import {
  asConnector, connectorConfig, count, haveDatabase, makeEvents, newPeer, restartBackbone, setupBackbone, start, teardown,
  unsyncedOnBackbone, waitUntil,
} from './account-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const SCHEMA = 'acct_sse';
let env, connector, self, peer;

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_sse');
  // an interval far beyond the test: any sync seen here comes from the event stream
  connector = await start(env, SCHEMA, { sse: { enabled: true }, sync: { enabled: true, interval: 3600 } });
  await waitUntil('the identity', () => count(env, `SELECT count(*) FROM ${SCHEMA}.account_identity WHERE state = 'ready'`) === 1);
  self = await asConnector(env, SCHEMA);
  peer = await newPeer(env);
});

after(async () => {
  if (!skip) await teardown(env, [connector]);
});

const applied = () => count(env, `SELECT count(*) FROM ${SCHEMA}.external_events`);

test('with sse and sync enabled, only the sse worker runs', { skip }, async () => {
  const status = await connector.status();
  assert.equal(connector.module(status, 'sse').workers.length, 1);
  assert.equal(connector.module(status, 'sync').workers.length, 0, 'sync is disabled by sse');
});

test('the stream opens and the connector syncs after connecting', { skip }, async () => {
  await waitUntil('Connected to SSE endpoint', () => connector.logs.includes('Connected to SSE endpoint'), 20000);
  await waitUntil('a first sync', () => count(env, `SELECT count(*) FROM ${SCHEMA}.sync_state WHERE last_completed_at IS NOT NULL`) === 1, 20000);
});

test('every ExternalEventCreated triggers a sync', { skip }, async () => {
  await makeEvents(self, peer, 2);
  await waitUntil('2 events applied', () => applied() === 2, 20000);
  await makeEvents(self, peer, 1);
  await waitUntil('the third applied', () => applied() === 3, 20000);
  assert.equal(unsyncedOnBackbone(env, self.address), 0);
});

test('after a Backbone restart the stream reconnects and syncs again', { skip }, async () => {
  const opened = connector.logs.split('Connected to SSE endpoint').length;
  await restartBackbone(env);
  await waitUntil('reconnected', () => connector.logs.split('Connected to SSE endpoint').length > opened, 30000);
  self = await asConnector(env, SCHEMA);
  await makeEvents(self, peer, 2);
  await waitUntil('2 more events applied', () => applied() === 5, 20000);
  assert.match(connector.logs, /SSE stream ended/);
});

test('4xx answers do not stop the stream: it reconnects until it is served', { skip }, async () => {
  // a stand-in SSE endpoint (baseUrlOverride, debug mode): 403, then 404, then a real stream
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization ?? '' });
    if (seen.length <= 2) {
      res.writeHead(seen.length === 1 ? 403 : 404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('event: ConnectionOpened\ndata: _\n\n');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = connectorConfig(env, 'acct_sse_4xx', {
    sse: { enabled: true, baseUrlOverride: `http://127.0.0.1:${server.address().port}` },
  });
  const other = await startConnector({ config: { ...config, debug: true }, startTimeoutMs: 30000 });
  try {
    await waitUntil('a stream after two refusals', () => seen.length >= 3, 30000).catch((e) => {
      throw new Error(`${e.message}; seen ${JSON.stringify(seen)}\n${other.logs}`);
    });
    await waitUntil('connected', () => other.logs.includes('Connected to SSE endpoint'), 10000);
    assert.ok(seen.every((r) => r.url === '/api/v1/sse'), 'the path is /api/v1/sse');
    assert.ok(seen.every((r) => /^Bearer \S+$/.test(r.auth)), 'with the bearer token');
    await waitUntil('the sync after connecting', () => count(env, 'SELECT count(*) FROM acct_sse_4xx.sync_state WHERE last_completed_at IS NOT NULL') === 1, 20000);
  } finally {
    server.closeAllConnections();
    server.close();
    await other.cleanup();
  }
});
