// tests/e2e/relationships.test.mjs: two C Connectors (two dbNames in one database) and the local
// Backbone, all real: templates shared by token and by reference (password-protected too), a
// relationship in both directions, accept, reject, revoke, terminate, reactivation requested and
// accepted / rejected / revoked, decomposition by both sides; each side sees the other's status
// after a sync, and every change is in the outbox. Bad input: malformed references, foreign ids,
// wrong passwords, expired tokens, invalid filters: the original's codes, 400/404, state unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from './lib/connector.mjs';
import { asConnector, count, haveDatabase, setupBackbone, start, teardown, waitUntil } from './account-lib.mjs';
import { call, creationContent, events, expect, inFuture, sync, syncUntil, templateContent } from './relationships-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const A = 'rel_a', B = 'rel_b';
let env, a, b, addrA, addrB;
const state = {};

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_rel');
  [a, b] = await Promise.all([start(env, A), start(env, B)]);
  addrA = (await expect(a, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
  addrB = (await expect(b, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
});

after(async () => {
  if (!skip) await teardown(env, [a, b]);
});

test('A creates a template: DTO fields, reference, stored, listed as own', { skip }, async () => {
  const expiresAt = inFuture();
  const t = await expect(a, 'POST', '/RelationshipTemplates/Own',
    { content: templateContent({ greeting: 'hello', path: 'a/b' }), expiresAt, maxNumberOfAllocations: 5 }, 201);
  assert.match(t.id, /^RLT[A-Za-z0-9]{17}$/);
  assert.equal(t.isOwn, true);
  assert.equal(t.createdBy, addrA);
  assert.match(t.createdByDevice, /^DVC/);
  assert.equal(t.expiresAt, expiresAt);
  assert.equal(t.maxNumberOfAllocations, 5);
  assert.deepEqual(t.content, templateContent({ greeting: 'hello', path: 'a/b' }));
  assert.match(t.reference.url, new RegExp(`^${env.backbone.baseUrl}/r/${t.id}#`));
  assert.deepEqual(Object.keys(t).sort(),
    ['content', 'createdAt', 'createdBy', 'createdByDevice', 'expiresAt', 'id', 'isOwn', 'maxNumberOfAllocations', 'reference']);
  const own = await expect(a, 'GET', '/RelationshipTemplates/Own', undefined, 200);
  assert.deepEqual(own.map((x) => x.id), [t.id]);
  assert.deepEqual(await expect(a, 'GET', `/RelationshipTemplates/${t.id}`, undefined, 200), t);
  state.template = t;
});

test('A makes a token for it; B loads the template through the token', { skip }, async () => {
  const token = await expect(a, 'POST', `/RelationshipTemplates/Own/${state.template.id}/Token`, {}, 201);
  assert.match(token.id, /^TOK/);
  assert.equal(token.content['@type'], 'TokenContentRelationshipTemplate');
  assert.equal(token.content.templateId, state.template.id);
  assert.equal(token.isEphemeral, false);
  const peer = await expect(b, 'POST', '/RelationshipTemplates/Peer', { reference: token.reference.truncated }, 201);
  assert.equal(peer.id, state.template.id);
  assert.equal(peer.isOwn, false);
  assert.equal(peer.createdBy, addrA);
  assert.deepEqual(peer.content, state.template.content);
  assert.equal(events(env, B, 'transport.peerRelationshipTemplateLoaded').length, 1);
  const list = await expect(b, 'GET', '/RelationshipTemplates/Peer', undefined, 200);
  assert.deepEqual(list.map((x) => x.id), [peer.id]);
});

test('B asks CanCreate, then requests the relationship (Pending on both sides after A syncs)', { skip }, async () => {
  const can = await expect(b, 'PUT', '/Relationships/CanCreate',
    { templateId: state.template.id, creationContent: creationContent({ hi: 1 }) }, 200);
  assert.deepEqual(can, { isSuccess: true });
  const r = await expect(b, 'POST', '/Relationships',
    { templateId: state.template.id, creationContent: creationContent({ hi: 1 }) }, 201);
  assert.equal(r.status, 'Pending');
  assert.equal(r.peer, addrA);
  assert.equal(r.peerIdentity.address, addrA);
  assert.deepEqual(r.creationContent, creationContent({ hi: 1 }));
  assert.equal(r.auditLog.length, 1);
  assert.equal(r.auditLog[0].reason, 'Creation');
  const seen = await syncUntil(a, r.id, 'Pending');
  assert.equal(seen.peer, addrB);
  assert.deepEqual(seen.creationContent, creationContent({ hi: 1 }));
  assert.equal(seen.templateId, state.template.id);
  assert.equal(events(env, A, 'transport.relationshipChanged').length, 1);
  const again = await expect(b, 'PUT', '/Relationships/CanCreate',
    { templateId: state.template.id, creationContent: creationContent({}) }, 200);
  assert.equal(again.isSuccess, false);
  assert.equal(again.code, 'error.transport.relationships.relationshipCurrentlyExists');
  state.rel = r.id;
});

test('the requestor cannot accept its own request; A accepts; B sees Active', { skip }, async () => {
  const err = await expect(b, 'PUT', `/Relationships/${state.rel}/Accept`, undefined, 400);
  assert.equal(err.code, 'error.transport.relationships.operationOnlyAllowedForPeer');
  const r = await expect(a, 'PUT', `/Relationships/${state.rel}/Accept`, undefined, 200);
  assert.equal(r.status, 'Active');
  assert.equal(r.auditLog.at(-1).reason, 'AcceptanceOfCreation');
  const seen = await syncUntil(b, state.rel, 'Active');
  assert.equal(seen.auditLog.length, 2);
  assert.equal(count(env, `SELECT count(*) FROM ${B}.relationships WHERE secrets_kind = 'full'`), 1);
  const changed = events(env, B, 'transport.relationshipChanged');
  assert.equal(changed.at(-1).status, 'Active');
});

test('terminate, reactivation requested by B and accepted by A', { skip }, async () => {
  assert.equal((await expect(a, 'PUT', `/Relationships/${state.rel}/Terminate`, undefined, 200)).status, 'Terminated');
  await syncUntil(b, state.rel, 'Terminated');
  const req = await expect(b, 'PUT', `/Relationships/${state.rel}/Reactivate`, undefined, 200);
  assert.equal(req.auditLog.at(-1).reason, 'ReactivationRequested');
  const twice = await expect(b, 'PUT', `/Relationships/${state.rel}/Reactivate`, undefined, 400);
  assert.equal(twice.code, 'error.transport.relationships.reactivationAlreadyRequested');
  await waitUntil('the reactivation request at A', async () => {
    await sync(a);
    const r = await expect(a, 'GET', `/Relationships/${state.rel}`, undefined, 200);
    return r.auditLog.at(-1).reason === 'ReactivationRequested';
  });
  assert.equal(events(env, A, 'transport.relationshipReactivationRequested').length, 1);
  const wrong = await expect(b, 'PUT', `/Relationships/${state.rel}/Reactivate/Accept`, undefined, 400);
  assert.equal(wrong.code, 'error.transport.relationships.reactivationNotRequested');
  assert.equal((await expect(a, 'PUT', `/Relationships/${state.rel}/Reactivate/Accept`, undefined, 200)).status, 'Active');
  await syncUntil(b, state.rel, 'Active');
  assert.equal(events(env, B, 'transport.relationshipReactivationCompleted').length, 1);
});

test('reactivation rejected by the peer and revoked by the requestor', { skip }, async () => {
  await expect(b, 'PUT', `/Relationships/${state.rel}/Terminate`, undefined, 200);
  await syncUntil(a, state.rel, 'Terminated');
  await expect(a, 'PUT', `/Relationships/${state.rel}/Reactivate`, undefined, 200);
  await waitUntil('the request at B', async () => {
    await sync(b);
    return (await expect(b, 'GET', `/Relationships/${state.rel}`, undefined, 200)).auditLog.at(-1).reason === 'ReactivationRequested';
  });
  const rejected = await expect(b, 'PUT', `/Relationships/${state.rel}/Reactivate/Reject`, undefined, 200);
  assert.equal(rejected.auditLog.at(-1).reason, 'RejectionOfReactivation');
  await waitUntil('the rejection at A', async () => {
    await sync(a);
    return (await expect(a, 'GET', `/Relationships/${state.rel}`, undefined, 200)).auditLog.at(-1).reason === 'RejectionOfReactivation';
  });
  await expect(a, 'PUT', `/Relationships/${state.rel}/Reactivate`, undefined, 200);
  const revoked = await expect(a, 'PUT', `/Relationships/${state.rel}/Reactivate/Revoke`, undefined, 200);
  assert.equal(revoked.auditLog.at(-1).reason, 'RevocationOfReactivation');
  assert.equal(revoked.status, 'Terminated');
});

test('decomposition by A (204, gone locally), DeletionProposed at B, then B decomposes', { skip }, async () => {
  const res = await call(a, 'DELETE', `/Relationships/${state.rel}`);
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  const gone = await expect(a, 'GET', `/Relationships/${state.rel}`, undefined, 404);
  assert.equal(gone.code, 'error.runtime.recordNotFound');
  assert.deepEqual(events(env, A, 'transport.relationshipDecomposedBySelf').at(-1), { relationshipId: state.rel });
  await syncUntil(b, state.rel, 'DeletionProposed');
  assert.equal((await call(b, 'DELETE', `/Relationships/${state.rel}`)).status, 204);
  assert.deepEqual(await expect(b, 'GET', '/Relationships', undefined, 200), []);
});

test('the other direction: B owns a password-protected template, A requests, B rejects', { skip }, async () => {
  const t = await expect(b, 'POST', '/RelationshipTemplates/Own', {
    content: templateContent({ by: 'B' }), expiresAt: inFuture(), passwordProtection: { password: 'geheim' },
  }, 201);
  assert.deepEqual(t.passwordProtection, { password: 'geheim' });
  const missing = await expect(a, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.url }, 400);
  assert.equal(missing.code, 'error.runtime.validation.noPasswordProvided');
  const wrong = await expect(a, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.url, password: 'falsch' }, 404);
  assert.match(wrong.code, /recordNotFound/);
  assert.equal(count(env, `SELECT count(*) FROM ${A}.relationship_templates WHERE id = '${t.id}'`), 0, 'state unchanged');
  const peer = await expect(a, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.url, password: 'geheim' }, 201);
  assert.deepEqual(peer.passwordProtection, { password: 'geheim' });
  const r = await expect(a, 'POST', '/Relationships', { templateId: t.id, creationContent: creationContent('x') }, 201);
  await syncUntil(b, r.id, 'Pending');
  assert.equal((await expect(b, 'PUT', `/Relationships/${r.id}/Reject`, undefined, 200)).status, 'Rejected');
  await syncUntil(a, r.id, 'Rejected');
  assert.equal((await call(a, 'DELETE', `/Relationships/${r.id}`)).status, 204);
  state.templateB = t;
});

test('A requests again on the same template and revokes its own request', { skip }, async () => {
  await syncUntil(b, (await expect(b, 'GET', '/Relationships', undefined, 200))[0].id, 'DeletionProposed');
  await expect(b, 'DELETE', `/Relationships/${(await expect(b, 'GET', '/Relationships', undefined, 200))[0].id}`, undefined, 204);
  const r = await expect(a, 'POST', '/Relationships', { templateId: state.templateB.id, creationContent: creationContent('y') }, 201);
  const notYours = await expect(a, 'PUT', `/Relationships/${r.id}/Reject`, undefined, 400);
  assert.equal(notYours.code, 'error.transport.relationships.operationOnlyAllowedForPeer');
  assert.equal((await expect(a, 'PUT', `/Relationships/${r.id}/Revoke`, undefined, 200)).status, 'Revoked');
  await syncUntil(b, r.id, 'Revoked');
});

test('tokens: own with content, peer load, PIN protection, ephemeral, expiry, delete', { skip }, async () => {
  const own = await expect(a, 'POST', '/Tokens/Own', { content: { any: ['json', 1] }, expiresAt: inFuture() }, 201);
  assert.deepEqual(own.content, { any: ['json', 1] });
  assert.deepEqual(Object.keys(own).sort(),
    ['content', 'createdAt', 'createdBy', 'createdByDevice', 'expiresAt', 'id', 'isEphemeral', 'isOwn', 'reference']);
  const peer = await expect(b, 'POST', '/Tokens/Peer', { reference: own.reference.truncated }, 201);
  assert.equal(peer.isOwn, false);
  assert.deepEqual(peer.content, own.content);
  assert.deepEqual((await expect(b, 'GET', '/Tokens/Peer', undefined, 200)).map((x) => x.id), [own.id]);
  const pin = await expect(a, 'POST', '/Tokens/Own',
    { content: { p: 1 }, expiresAt: inFuture(), passwordProtection: { password: '1234', passwordIsPin: true } }, 201);
  assert.deepEqual(pin.passwordProtection, { password: '1234', passwordIsPin: true });
  await expect(b, 'POST', '/Tokens/Peer', { reference: pin.reference.truncated, password: '9999' }, 404);
  const eph = await expect(b, 'POST', '/Tokens/Peer', { reference: pin.reference.truncated, password: '1234', ephemeral: true }, 201);
  assert.equal(eph.isEphemeral, true);
  assert.equal(count(env, `SELECT count(*) FROM ${B}.tokens WHERE id = '${pin.id}'`), 0, 'ephemeral tokens are not stored');
  const short = await expect(a, 'POST', '/Tokens/Own', { content: {}, expiresAt: inFuture(1500) }, 201);
  await sleep(2000);
  const expired = await expect(b, 'POST', '/Tokens/Peer', { reference: short.reference.truncated }, 404);
  assert.match(expired.code, /recordNotFound/);
  assert.equal((await call(a, 'DELETE', `/Tokens/${own.id}`)).status, 204);
  await expect(a, 'GET', `/Tokens/${own.id}`, undefined, 404);
});

test('templates: forIdentity, inherited personalization, allocations exhausted, expiry', { skip }, async () => {
  const personal = await expect(a, 'POST', '/RelationshipTemplates/Own',
    { content: templateContent('for B'), expiresAt: inFuture(), forIdentity: addrB, maxNumberOfAllocations: 1 }, 201);
  assert.equal(personal.forIdentity, addrB);
  let e = await expect(a, 'POST', `/RelationshipTemplates/Own/${personal.id}/Token`, {}, 400);
  assert.equal(e.code, 'error.runtime.relationshipTemplates.personalizationMustBeInherited');
  const token = await expect(a, 'POST', `/RelationshipTemplates/Own/${personal.id}/Token`, { forIdentity: addrB }, 201);
  assert.equal(token.forIdentity, addrB);
  const loaded = await expect(b, 'POST', '/RelationshipTemplates/Peer', { reference: token.reference.truncated }, 201);
  assert.equal(loaded.forIdentity, addrB);
  assert.equal(loaded.maxNumberOfAllocations, 1);
  await waitUntil('the allocations exhausted event at A', async () => {
    await sync(a);
    return events(env, A, 'transport.relationshipTemplateAllocationsExhausted').some((t) => t.id === personal.id);
  });
  e = await expect(b, 'POST', `/RelationshipTemplates/Own/${personal.id}/Token`, {}, 400);
  assert.equal(e.code, 'error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate');
  const short = await expect(a, 'POST', '/RelationshipTemplates/Own', { content: templateContent('short'), expiresAt: inFuture(1500) }, 201);
  await sleep(2000);
  e = await expect(b, 'POST', '/RelationshipTemplates/Peer', { reference: short.reference.truncated }, 404);
  assert.match(e.code, /recordNotFound/);
  assert.equal(count(env, `SELECT count(*) FROM ${B}.relationship_templates WHERE id = '${short.id}'`), 0);
  e = await expect(b, 'POST', '/RelationshipTemplates/Peer', { reference: (await expect(a, 'POST', '/Tokens/Own', { content: { x: 1 }, expiresAt: inFuture() }, 201)).reference.truncated }, 400);
  assert.equal(e.code, 'error.runtime.invalidTokenContent');
});

test('bad input: codes, messages, status, state unchanged', { skip }, async () => {
  const before = count(env, `SELECT count(*) FROM ${A}.relationship_templates`);
  let e = await expect(a, 'POST', '/RelationshipTemplates/Peer', { reference: 'not-a-reference' }, 400);
  assert.equal(e.code, 'error.runtime.relationshipTemplates.invalidReference');
  e = await expect(a, 'POST', '/Tokens/Peer', { reference: 'VE9LAAAA' }, 400);
  assert.equal(e.code, 'error.runtime.validation.invalidPropertyValue');
  e = await expect(a, 'POST', '/RelationshipTemplates/Own', { expiresAt: inFuture() }, 400);
  assert.equal(e.message, "must have required property 'content'");
  e = await expect(a, 'POST', '/RelationshipTemplates/Own', { content: templateContent(1), expiresAt: 'tomorrow' }, 400);
  assert.equal(e.message, 'expiresAt must match ISO8601 datetime format');
  e = await expect(a, 'POST', '/RelationshipTemplates/Own', { content: templateContent(1), expiresAt: inFuture(), maxNumberOfAllocations: 0 }, 400);
  assert.equal(e.message, 'maxNumberOfAllocations must be >= 1');
  e = await expect(a, 'GET', '/Relationships/XYZ', undefined, 400);
  assert.equal(e.message, 'id must match pattern REL.*');
  e = await expect(a, 'GET', '/Relationships/RELaaaaaaaaaaaaaaaaa', undefined, 404);
  assert.equal(e.message, 'Relationship not found. Make sure the ID exists and the record is not expired.');
  e = await expect(a, 'POST', '/Relationships', { templateId: 'RLTaaaaaaaaaaaaaaaaa', creationContent: creationContent(1) }, 404);
  assert.equal(e.code, 'error.runtime.recordNotFound');
  e = await expect(a, 'POST', '/Relationships', { templateId: state.template.id, creationContent: creationContent(1) }, 404);
  assert.equal(e.code, 'error.runtime.recordNotFound', 'an own template is not a peer template');
  e = await expect(a, 'POST', '/Relationships', { templateId: state.templateB.id, creationContent: { '@type': 'Nope' } }, 400);
  assert.equal(e.code, 'error.runtime.unknownType');
  e = await expect(a, 'GET', '/Relationships?unknownKey=1', undefined, 400);
  assert.equal(e.code, 'error.runtime.validation.invalidPropertyValue');
  assert.match(e.message, /unknownKey/);
  e = await expect(a, 'GET', '/Relationships?status=~(', undefined, 400);
  assert.match(e.message, /^status:/);
  assert.equal(count(env, `SELECT count(*) FROM ${A}.relationship_templates`), before);
});

test('filters on list routes, and the /api/v2 prefix answers the same', { skip }, async () => {
  const all = await expect(a, 'GET', '/Relationships', undefined, 200);
  assert.ok(all.length >= 1);
  const revoked = await expect(a, 'GET', '/Relationships?status=Revoked', undefined, 200);
  assert.ok(revoked.length >= 1 && revoked.every((r) => r.status === 'Revoked'));
  assert.deepEqual(await expect(a, 'GET', '/Relationships?status=!Revoked&status=!Active', undefined, 200),
    all.filter((r) => r.status !== 'Revoked' && r.status !== 'Active'));
  const byPeer = await expect(a, 'GET', `/Relationships?peer=${encodeURIComponent(addrB)}`, undefined, 200);
  assert.equal(byPeer.length, all.length);
  const since = await expect(a, 'GET', `/RelationshipTemplates?createdAt=${encodeURIComponent('>' + new Date(Date.now() - 3600_000).toISOString())}&isOwn=true`, undefined, 200);
  assert.ok(since.length >= 1 && since.every((t) => t.isOwn));
  const v2 = await expect(a, 'GET', '/Relationships', undefined, 200, { prefix: '/api/v2' });
  assert.deepEqual(v2, all);
});

test('the peer starts and cancels its deletion: peerDeletionInfo and the peer events', { skip }, async () => {
  const r = await expect(b, 'POST', '/Relationships', { templateId: state.template.id, creationContent: creationContent('del') }, 201);
  await syncUntil(a, r.id, 'Pending');
  const bAtBackbone = await asConnector(env, B);
  const started = await bAtBackbone.post('/api/v2/Identities/Self/DeletionProcesses', {});
  assert.equal(started.status, 201, started.text);
  const toBeDeleted = await waitUntil('peerDeletionInfo at A', async () => {
    await sync(a);
    const x = await expect(a, 'GET', `/Relationships/${r.id}`, undefined, 200);
    return x.peerDeletionInfo ? x : null;
  });
  assert.equal(toBeDeleted.peerDeletionInfo.deletionStatus, 'ToBeDeleted');
  assert.match(toBeDeleted.peerDeletionInfo.deletionDate, /^\d{4}-\d\d-\d\dT/);
  assert.equal(events(env, A, 'transport.peerToBeDeleted').at(-1).id, r.id);
  const cancelled = await bAtBackbone.put(`/api/v2/Identities/Self/DeletionProcesses/${started.json.result.id}/Cancel`, {});
  assert.equal(cancelled.status, 200, cancelled.text);
  await waitUntil('peerDeletionInfo cleared at A', async () => {
    await sync(a);
    return !(await expect(a, 'GET', `/Relationships/${r.id}`, undefined, 200)).peerDeletionInfo;
  });
  assert.equal(events(env, A, 'transport.peerDeletionCancelled').at(-1).id, r.id);
});
