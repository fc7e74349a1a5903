// tests/e2e/sync.test.mjs: the sync worker (connector-sync) under connectord with a real local
// Backbone and PostgreSQL: it syncs at start and every interval; kill -9 of the worker in the
// middle of a sync loses nothing and applies nothing twice; the Backbone being down shows in
// /health and the sync resumes when it is back.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './lib/connector.mjs';
import {
  asConnector, count, haveDatabase, holdSyncLock, makeEvents, newPeer, restartBackbone, setupBackbone, start, teardown,
  unsyncedOnBackbone, waitUntil,
} from './account-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const SCHEMA = 'acct_sync';
let env, connector, self, peer;

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_sync');
  connector = await start(env, SCHEMA, { sync: { enabled: true, interval: 1 } });
  await waitUntil('the identity', () => count(env, `SELECT count(*) FROM ${SCHEMA}.account_identity WHERE state = 'ready'`) === 1);
  self = await asConnector(env, SCHEMA);
  peer = await newPeer(env);
});

after(async () => {
  if (!skip) await teardown(env, [connector]);
});

const applied = () => count(env, `SELECT count(*) FROM ${SCHEMA}.external_events`);

test('the sync worker picks up new events by itself within its interval', { skip }, async () => {
  const status = await connector.status();
  assert.equal(connector.module(status, 'sync').workers.length, 1, 'one sync worker');
  await makeEvents(self, peer, 4);
  await waitUntil('4 events applied', () => applied() === 4, 20000);
  await waitUntil('acknowledged', () => unsyncedOnBackbone(env, self.address) === 0, 10000);
});

test('kill -9 of the sync worker during a sync loses nothing and applies nothing twice', { skip }, async () => {
  const before = applied();
  const [pid] = await connector.workerPids('sync');
  // the events pile up while the test holds the sync lock, so one run gets all of them
  const lock = await holdSyncLock(env, SCHEMA);
  await makeEvents(self, peer, 120);
  await lock.release();
  // kill as soon as a run is open (recorded, not finalized); if the run is already over the
  // invariants below must hold all the same
  let killedMidRun = false;
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (count(env, `SELECT count(*) FROM ${SCHEMA}.sync_runs WHERE finalized_at IS NULL`) > 0) {
      process.kill(pid, 'SIGKILL');
      killedMidRun = true;
      break;
    }
    await sleep(5);
  }
  if (!killedMidRun) process.kill(pid, 'SIGKILL');
  const appliedAtKill = applied() - before;
  await waitUntil('a new sync worker', async () => {
    const [now] = await connector.workerPids('sync');
    return now && now !== pid;
  }, 20000);
  await waitUntil('all 120 events applied', () => applied() === before + 120, 30000);
  await waitUntil('no open run', () => count(env, `SELECT count(*) FROM ${SCHEMA}.sync_runs WHERE finalized_at IS NULL`) === 0, 30000);
  assert.equal(unsyncedOnBackbone(env, self.address), 0, 'the Backbone has nothing left to hand out');
  assert.equal(count(env, `SELECT count(*) FROM ${SCHEMA}.external_events WHERE result = 'failed'`), 0);
  test.diagnostic?.(`killed ${killedMidRun ? 'during' : 'after'} a run, ${appliedAtKill} of 120 applied at the kill`);
  console.log(`# killed ${killedMidRun ? 'during' : 'after'} a run, ${appliedAtKill} of 120 applied at the kill`);
});

test('Backbone down: /health reports it, and the sync resumes when it is back', { skip }, async () => {
  await env.backbone.stop();
  const down = await fetch(connector.baseUrl + '/health');
  const report = await down.json();
  assert.equal(down.status, 500);
  assert.equal(report.services.backboneConnection, 'unhealthy');
  assert.equal(report.services.backboneAuthentication, 'unhealthy');
  assert.equal(report.services.database, 'healthy');
  await sleep(1500); // at least one failing sync attempt
  await restartBackbone(env);
  await waitUntil('/health healthy again', async () => (await fetch(connector.baseUrl + '/health')).status === 200, 10000);
  const up = await (await fetch(connector.baseUrl + '/health')).json();
  assert.equal(up.services.backboneConnection, 'healthy');
  assert.equal(up.services.backboneAuthentication, 'healthy');
  self = await asConnector(env, SCHEMA);
  const before = applied();
  await makeEvents(self, peer, 3);
  await waitUntil('3 more events applied', () => applied() === before + 3, 30000);
  assert.match(connector.logs, /Sync failed/, 'the failed attempts were logged');
});
