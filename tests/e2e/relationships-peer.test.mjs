// tests/e2e/relationships-peer.test.mjs: a C Connector (connectord with its workers, PostgreSQL,
// the local Backbone) and an official @nmshd/runtime 7.0.0 peer (tests/interop/lib/peer.mjs)
// establish relationships in both directions: the C template shared through a token, the peer's
// password-protected template by reference; then reject, revoke, terminate, reactivation and
// decomposition, each side checking the other's status. Skipped without the database or the npm
// packages of tests/interop (npm ci --prefix tests/interop).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { srcdir } from './lib/connector.mjs';
import { haveDatabase, setupBackbone, start, teardown } from './account-lib.mjs';
import { creationContent, expect, inFuture, syncUntil, templateContent } from './relationships-lib.mjs';

const haveRuntime = fs.existsSync(path.join(srcdir, 'tests/interop/node_modules/@nmshd/runtime/package.json'));
const skip = (!haveDatabase && 'CONNECTOR_TEST_DATABASE not set') ||
  (!haveRuntime && 'npm packages of tests/interop not installed');
const C = 'peer_c';
let env, c, peer, addrC, expectOk;
const s = {};

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_peer');
  const lib = await import('../interop/lib/peer.mjs');
  expectOk = lib.expectOk;
  [c, peer] = await Promise.all([start(env, C), lib.createPeer(env.backbone.baseUrl, 'official')]);
  addrC = (await expect(c, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
});

after(async () => {
  if (skip) return;
  await peer?.stop().catch(() => {});
  await teardown(env, [c]);
});

test('the official peer loads the C template through a token and requests a relationship', { skip }, async () => {
  const t = await expect(c, 'POST', '/RelationshipTemplates/Own',
    { content: templateContent({ from: 'C', list: [1, 2] }), expiresAt: inFuture() }, 201);
  const token = await expect(c, 'POST', `/RelationshipTemplates/Own/${t.id}/Token`, { expiresAt: inFuture() }, 201);
  const loaded = await expectOk(peer.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: token.reference.truncated }), 'peer loads');
  assert.equal(loaded.id, t.id);
  assert.equal(loaded.createdBy, addrC);
  assert.deepEqual(loaded.content, t.content);
  const r = await expectOk(peer.transport.relationships.createRelationship({ templateId: t.id, creationContent: creationContent({ hello: 'C' }) }), 'peer requests');
  const seen = await syncUntil(c, r.id, 'Pending');
  assert.equal(seen.peer, peer.address);
  assert.equal(seen.peerIdentity.publicKey, peer.publicKey);
  assert.deepEqual(seen.creationContent, creationContent({ hello: 'C' }));
  s.rel1 = r.id;
});

test('C accepts; the official peer sees Active with the same audit log', { skip }, async () => {
  const r = await expect(c, 'PUT', `/Relationships/${s.rel1}/Accept`, undefined, 200);
  assert.equal(r.status, 'Active');
  const active = await peer.syncUntilRelationship(s.rel1, 'Active');
  assert.equal(active.peer, addrC);
  const info = await expect(c, 'GET', '/Account/IdentityInfo', undefined, 200);
  const key = (b64) => JSON.parse(Buffer.from(b64, 'base64url').toString()).pub;
  assert.equal(key(active.peerIdentity.publicKey), key(info.publicKey), 'the peer knows the key C announces');
  assert.deepEqual(active.auditLog.map((e) => e.reason), r.auditLog.map((e) => e.reason));
});

test('C terminates; the peer requests reactivation; C accepts it', { skip }, async () => {
  await expect(c, 'PUT', `/Relationships/${s.rel1}/Terminate`, undefined, 200);
  await peer.syncUntilRelationship(s.rel1, 'Terminated');
  await expectOk(peer.transport.relationships.requestRelationshipReactivation({ relationshipId: s.rel1 }), 'peer asks reactivation');
  for (let i = 0; ; i++) {
    await syncUntil(c, s.rel1, 'Terminated');
    const r = await expect(c, 'GET', `/Relationships/${s.rel1}`, undefined, 200);
    if (r.auditLog.at(-1).reason === 'ReactivationRequested') break;
    assert.ok(i < 50, 'the reactivation request arrives');
  }
  await expect(c, 'PUT', `/Relationships/${s.rel1}/Reactivate/Accept`, undefined, 200);
  await peer.syncUntilRelationship(s.rel1, 'Active');
});

test('the peer terminates; C decomposes; the peer sees DeletionProposed and decomposes too', { skip }, async () => {
  await expectOk(peer.transport.relationships.terminateRelationship({ relationshipId: s.rel1 }), 'peer terminates');
  await syncUntil(c, s.rel1, 'Terminated');
  await expect(c, 'DELETE', `/Relationships/${s.rel1}`, undefined, 204);
  await peer.syncUntilRelationship(s.rel1, 'DeletionProposed');
  await expectOk(peer.transport.relationships.decomposeRelationship({ relationshipId: s.rel1 }), 'peer decomposes');
});

test('the peer owns a password-protected template; C loads it, requests, the peer accepts', { skip }, async () => {
  const own = await expectOk(peer.transport.relationshipTemplates.createOwnRelationshipTemplate({
    content: templateContent({ from: 'peer' }), expiresAt: inFuture(), passwordProtection: { password: 'pass-word' },
  }), 'peer creates template');
  const wrong = await expect(c, 'POST', '/RelationshipTemplates/Peer', { reference: own.reference.truncated, password: 'nope' }, 404);
  assert.match(wrong.code, /recordNotFound/);
  const loaded = await expect(c, 'POST', '/RelationshipTemplates/Peer', { reference: own.reference.truncated, password: 'pass-word' }, 201);
  assert.deepEqual(loaded.content, own.content);
  assert.equal(loaded.createdBy, peer.address);
  const r = await expect(c, 'POST', '/Relationships', { templateId: own.id, creationContent: creationContent({ from: 'C' }) }, 201);
  const arrived = await peer.syncUntilRelationship(r.id, 'Pending');
  assert.deepEqual(arrived.creationContent, creationContent({ from: 'C' }));
  assert.equal(arrived.peer, addrC);
  await expectOk(peer.transport.relationships.acceptRelationship({ relationshipId: r.id }), 'peer accepts');
  const active = await syncUntil(c, r.id, 'Active');
  assert.equal(count(active.auditLog), 2);
  s.rel2 = r.id;
  s.peerTemplate = own;
});

test('reject by the C templator, revoke by the official requestor', { skip }, async () => {
  await expectOk(peer.transport.relationships.terminateRelationship({ relationshipId: s.rel2 }), 'terminate');
  await syncUntil(c, s.rel2, 'Terminated');
  await expect(c, 'DELETE', `/Relationships/${s.rel2}`, undefined, 204);
  await peer.syncUntilRelationship(s.rel2, 'DeletionProposed');
  await expectOk(peer.transport.relationships.decomposeRelationship({ relationshipId: s.rel2 }), 'peer decomposes');

  const t = await expect(c, 'POST', '/RelationshipTemplates/Own', { content: templateContent('again'), expiresAt: inFuture() }, 201);
  await expectOk(peer.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: t.reference.url }), 'peer loads by URL');
  const r1 = await expectOk(peer.transport.relationships.createRelationship({ templateId: t.id, creationContent: creationContent(1) }), 'request');
  await syncUntil(c, r1.id, 'Pending');
  await expect(c, 'PUT', `/Relationships/${r1.id}/Reject`, undefined, 200);
  await peer.syncUntilRelationship(r1.id, 'Rejected');
  // runtime 7.0.0 does not decompose a rejected request itself (tests/interop/FINDINGS.md); a
  // rejected relationship does not block a new request.

  const r2 = await expectOk(peer.transport.relationships.createRelationship({ templateId: t.id, creationContent: creationContent(2) }), 'request again');
  await syncUntil(c, r2.id, 'Pending');
  await expectOk(peer.transport.relationships.revokeRelationship({ relationshipId: r2.id }), 'peer revokes');
  await syncUntil(c, r2.id, 'Revoked');
});

function count(list) {
  return list.length;
}
