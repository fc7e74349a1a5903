// tests/e2e/account.test.mjs: identity creation and the Account routes through a real connectord
// (shared harness), a real local Backbone and real PostgreSQL: the identity is created on first
// start and reused on the next, two dbNames in one database are two identities, IdentityInfo,
// Sync (204, applies the Backbone's events, acknowledges them) and SyncInfo, under both prefixes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { deriveAddress } from './backbone-lib.mjs';
import {
  api, asConnector, count, haveDatabase, makeEvents, newPeer, restartBackbone, setupBackbone, sql, start, teardown,
  unsyncedOnBackbone,
} from './account-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
let env, connector, second;

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_account');
  connector = await start(env, 'acct_one');
});

after(async () => {
  if (!skip) await teardown(env, [connector, second]);
});

test('first start: IdentityInfo returns the new identity, stored in the schema', { skip }, async () => {
  const res = await api(connector, 'GET', '/Account/IdentityInfo');
  assert.equal(res.status, 200, res.text);
  const { address, publicKey } = res.json.result;
  assert.match(address, /^did:e:localhost:dids:[0-9a-f]{22}$/);
  const key = JSON.parse(Buffer.from(publicKey, 'base64url').toString());
  assert.equal(key.alg, 3);
  assert.deepEqual(Object.keys(key), ['pub', 'alg'], "the official runtime's short form, without @type");
  assert.equal(deriveAddress(Buffer.from(key.pub, 'base64url'), 'localhost'), address, 'address of the public key');
  assert.equal(sql(env, 'SELECT state || \' \' || address FROM acct_one.account_identity'), `ready ${address}`);
  const v2 = await api(connector, 'GET', '/Account/IdentityInfo', { prefix: '/api/v2' });
  assert.deepEqual(v2.json, res.json, 'the same under /api/v2');
});

test('/health: the Backbone is reachable and the stored credentials log in', { skip }, async () => {
  const res = await fetch(connector.baseUrl + '/health');
  const report = await res.json();
  assert.equal(res.status, 200, JSON.stringify(report));
  assert.equal(report.services.backboneConnection, 'healthy');
  assert.equal(report.services.backboneAuthentication, 'healthy');
});

test('the routes need the API key', { skip }, async () => {
  const res = await fetch(connector.baseUrl + '/api/core/v1/Account/IdentityInfo');
  assert.equal(res.status, 401);
});

test('a restart reuses the stored identity', { skip }, async () => {
  const before = (await api(connector, 'GET', '/Account/IdentityInfo')).json.result.address;
  await connector.cleanup();
  connector = await start(env, 'acct_one');
  const res = await api(connector, 'GET', '/Account/IdentityInfo');
  assert.equal(res.json.result.address, before);
  assert.equal(count(env, 'SELECT count(*) FROM acct_one.account_identity'), 1);
});

test('another dbName in the same database is another identity', { skip }, async () => {
  second = await start(env, 'acct_two');
  const one = (await api(connector, 'GET', '/Account/IdentityInfo')).json.result.address;
  const two = (await api(second, 'GET', '/Account/IdentityInfo')).json.result.address;
  assert.match(two, /^did:e:localhost:dids:/);
  assert.notEqual(one, two);
  await second.cleanup();
  second = undefined;
});

test('SyncInfo before any sync has no lastSyncRun; Sync answers 204; then SyncInfo has it', { skip }, async () => {
  const before = await api(connector, 'GET', '/Account/SyncInfo');
  assert.equal(before.status, 200, before.text);
  assert.deepEqual(before.json, { result: {} });
  const sync = await api(connector, 'POST', '/Account/Sync');
  assert.equal(sync.status, 204, sync.text);
  assert.equal(sync.text, '');
  const after = await api(connector, 'GET', '/Account/SyncInfo');
  assert.match(after.json.result.lastSyncRun.completedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('Sync applies the Backbone\'s external events and acknowledges them', { skip }, async () => {
  const self = await asConnector(env, 'acct_one');
  const peer = await newPeer(env);
  await makeEvents(self, peer, 7);
  assert.equal(unsyncedOnBackbone(env, self.address), 7);
  const sync = await api(connector, 'POST', '/Account/Sync', { prefix: '/api/v2' });
  assert.equal(sync.status, 204, sync.text);
  assert.equal(count(env, "SELECT count(*) FROM acct_one.external_events WHERE event_type = 'RelationshipTemplateAllocationsExhausted'"), 7);
  assert.equal(unsyncedOnBackbone(env, self.address), 0, 'all acknowledged');
  assert.equal(count(env, 'SELECT count(*) FROM acct_one.sync_runs WHERE finalized_at IS NULL'), 0, 'no open run');
});

test('concurrent Sync calls all succeed (single flight) and apply each event once', { skip }, async () => {
  const self = await asConnector(env, 'acct_one');
  const peer = await newPeer(env);
  await makeEvents(self, peer, 5);
  const results = await Promise.all([1, 2, 3].map(() => api(connector, 'POST', '/Account/Sync')));
  assert.deepEqual(results.map((r) => r.status), [204, 204, 204]);
  assert.equal(count(env, 'SELECT count(*) FROM acct_one.external_events'), 12);
  assert.equal(count(env, 'SELECT count(*) FROM acct_one.external_events WHERE times_seen > 1'), 0, 'none applied twice');
});

test('Backbone down: IdentityInfo and SyncInfo still answer from the database, Sync fails with 500', { skip }, async () => {
  const address = (await api(connector, 'GET', '/Account/IdentityInfo')).json.result.address;
  await env.backbone.stop();
  const info = await api(connector, 'GET', '/Account/IdentityInfo');
  assert.equal(info.status, 200, info.text);
  assert.equal(info.json.result.address, address);
  assert.equal((await api(connector, 'GET', '/Account/SyncInfo')).status, 200);
  const sync = await api(connector, 'POST', '/Account/Sync');
  assert.equal(sync.status, 500, sync.text);
  assert.equal(sync.json.error.code, 'error.platform.unexpected');
  await restartBackbone(env);
  assert.equal((await api(connector, 'POST', '/Account/Sync')).status, 204, 'and works again when it is back');
});
