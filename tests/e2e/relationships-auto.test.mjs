// tests/e2e/relationships-auto.test.mjs: the modules autoAcceptPendingRelationships,
// autoAcceptRelationshipCreationChanges (seed name, responseContent ignored) and
// autoDecomposeDeletionProposedRelationships under connectord with the local Backbone: an incoming
// request is accepted after the one sync that brought it in, a relationship the peer decomposed is
// decomposed, and a Connector without the module accepts nothing. The workers read durable outbox
// deliveries, so a request synced while the worker is down is accepted once it is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './lib/connector.mjs';
import { count, haveDatabase, setupBackbone, start, teardown, waitUntil } from './account-lib.mjs';
import { creationContent, events, expect, inFuture, sync, syncUntil, templateContent } from './relationships-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const AUTO = 'auto_a', SEED = 'auto_s', PLAIN = 'auto_p', OTHER = 'auto_o';
let env, auto, seed, plain, other;

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_auto');
  [auto, seed, plain, other] = await Promise.all([
    start(env, AUTO, {
      autoAcceptPendingRelationships: { enabled: true },
      autoDecomposeDeletionProposedRelationships: { enabled: true },
    }),
    start(env, SEED, { autoAcceptRelationshipCreationChanges: { enabled: true, responseContent: { ignored: true } } }),
    start(env, PLAIN),
    start(env, OTHER),
  ]);
});

after(async () => {
  if (!skip) await teardown(env, [auto, seed, plain, other]);
});

async function request(owner, requestor) {
  const t = await expect(owner, 'POST', '/RelationshipTemplates/Own', { content: templateContent('t'), expiresAt: inFuture() }, 201);
  await expect(requestor, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.truncated }, 201);
  return expect(requestor, 'POST', '/Relationships', { templateId: t.id, creationContent: creationContent('r') }, 201);
}

async function localStatus(connector, id) {
  const r = await expect(connector, 'GET', '/Relationships', undefined, 200);
  return r.find((x) => x.id === id)?.status;
}

test('autoAcceptPendingRelationships accepts an incoming request after one sync', { skip }, async () => {
  const r = await request(auto, plain);
  await sync(auto);
  await waitUntil('the acceptance', async () => (await localStatus(auto, r.id)) === 'Active', 20000);
  const changed = events(env, AUTO, 'transport.relationshipChanged').filter((d) => d.id === r.id);
  assert.deepEqual(changed.map((d) => d.status), ['Pending', 'Active']);
  await syncUntil(plain, r.id, 'Active');
});

test('its own outgoing requests are left alone (the peer with the seed-named module accepts)', { skip }, async () => {
  const r = await request(seed, auto);
  await sync(seed);
  await waitUntil('the acceptance by the peer', async () => (await localStatus(seed, r.id)) === 'Active', 20000);
  await syncUntil(auto, r.id, 'Active');
  assert.equal(count(env, `SELECT count(*) FROM ${AUTO}.outbox_deliveries WHERE state <> 'delivered'`), 0,
    'every delivery of the auto modules settled, none failed');
});

test('the seed name autoAcceptRelationshipCreationChanges accepts too (responseContent ignored)', { skip }, async () => {
  const r = await request(seed, plain);
  await sync(seed);
  await waitUntil('the acceptance', async () => (await localStatus(seed, r.id)) === 'Active', 20000);
});

test('without the module nothing is accepted', { skip }, async () => {
  const r = await request(plain, other);
  await sync(plain);
  await sleep(2000);
  assert.equal(await localStatus(plain, r.id), 'Pending');
  assert.equal(count(env, `SELECT count(*) FROM ${PLAIN}.outbox_consumers WHERE enabled`), 0);
});

test('autoDecomposeDeletionProposedRelationships decomposes what the peer decomposed', { skip }, async () => {
  const plainAddress = (await expect(plain, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
  const active = await expect(auto, 'GET', `/Relationships?status=Active&peer=${encodeURIComponent(plainAddress)}`, undefined, 200);
  assert.ok(active.length >= 1);
  const id = active[0].id;
  await expect(plain, 'PUT', `/Relationships/${id}/Terminate`, undefined, 200);
  await syncUntil(auto, id, 'Terminated');
  await expect(plain, 'DELETE', `/Relationships/${id}`, undefined, 204);
  await sync(auto);
  await waitUntil('the decomposition', async () => (await localStatus(auto, id)) === undefined, 20000);
  assert.deepEqual(events(env, AUTO, 'transport.relationshipDecomposedBySelf').map((d) => d.relationshipId), [id]);
});

test('a request synced while the worker is stopped or crashed is accepted once it is back', { skip }, async () => {
  const [pid] = await auto.workerPids('autoAcceptPendingRelationships');
  assert.ok(pid, 'the auto-accept worker runs');
  process.kill(pid, 'SIGSTOP');
  try {
    const r = await request(auto, other);
    await sync(auto);
    await sleep(1000);
    assert.equal(await localStatus(auto, r.id), 'Pending', 'nothing accepts while the worker is stopped');
    process.kill(pid, 'SIGKILL');
    await waitUntil('the acceptance after the restart', async () => (await localStatus(auto, r.id)) === 'Active', 30000);
  } finally {
    try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
  }
});
