// tests/sdk/relationships-sdk.test.mjs: the official @nmshd/connector-sdk 6.7.0 (npm, pinned in
// this directory's package.json and lock) drives tokens, templates and the relationship lifecycle
// of two C Connectors under /api/v2. Every answer is validated with ajv against the SDK's own
// schemas.json where today's DTO did not change since 6.7.0: the whole schema for CanCreate, audit
// log entries and errors; for Token, RelationshipTemplate and Relationship the schema without the
// fields that changed (truncatedReference -> reference, template -> templateId, isOwn on tokens).
// Skipped without CONNECTOR_TEST_DATABASE or without `npm ci --prefix tests/sdk`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { API_KEY, haveDatabase, setupBackbone, start, teardown } from '../e2e/account-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const haveSdk = fs.existsSync(path.join(here, 'node_modules/@nmshd/connector-sdk/schemas.json'));
const skip = (!haveDatabase && 'CONNECTOR_TEST_DATABASE not set') || (!haveSdk && 'npm ci --prefix tests/sdk not run');
let env, a, b, sa, sb, validators;
const s = {};
const inFuture = () => new Date(Date.now() + 3600_000).toISOString();

function makeValidators() {
  const Ajv = require('ajv');
  const schemas = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/@nmshd/connector-sdk/schemas.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  const defs = schemas.definitions;
  const without = (name, changed) => {
    const d = structuredClone(defs[name]);
    for (const f of changed) delete d.properties[f];
    d.required = (d.required ?? []).filter((f) => !changed.includes(f));
    return d;
  };
  const compile = (schema) => ajv.compile({ ...schema, definitions: defs });
  return {
    canCreate: compile({ $ref: '#/definitions/CanCreateRelationshipResponse' }),
    auditEntry: compile({ $ref: '#/definitions/ConnectorRelationshipAuditLogEntry' }),
    error: compile({ $ref: '#/definitions/ConnectorError' }),
    token: compile(without('ConnectorToken', ['truncatedReference'])),
    template: compile(without('ConnectorRelationshipTemplate', ['truncatedReference'])),
    relationship: compile(without('ConnectorRelationship', ['template'])),
  };
}

function valid(kind, value, changedNow = []) {
  const copy = structuredClone(value);
  for (const f of changedNow) delete copy[f];
  const ok = validators[kind](copy);
  assert.ok(ok, `${kind} does not match the SDK schema: ${JSON.stringify(validators[kind].errors)}\n${JSON.stringify(value)}`);
}
const validToken = (t) => valid('token', t, ['reference', 'isOwn']);
const validTemplate = (t) => valid('template', t, ['reference']);
function validRelationship(r) {
  valid('relationship', r, ['templateId']);
  for (const e of r.auditLog) valid('auditEntry', e);
}

function result(response, what) {
  assert.ok(response.isSuccess, `${what}: ${JSON.stringify(response.error)}`);
  return response.result;
}

function sdkError(response, what) {
  assert.ok(response.isError, `${what}: expected an error`);
  valid('error', response.error);
  return response.error;
}

before(async () => {
  if (skip) return;
  validators = makeValidators();
  const { ConnectorClient } = require('@nmshd/connector-sdk');
  env = await setupBackbone('e2e_sdk');
  [a, b] = await Promise.all([start(env, 'sdk_a'), start(env, 'sdk_b')]);
  sa = ConnectorClient.create({ baseUrl: a.baseUrl, apiKey: API_KEY });
  sb = ConnectorClient.create({ baseUrl: b.baseUrl, apiKey: API_KEY });
});

after(async () => {
  if (!skip) await teardown(env, [a, b]);
});

async function syncUntil(client, id, status) {
  for (let i = 0; i < 50; i++) {
    await client.account.sync();
    const r = result(await client.relationships.getRelationship(id), 'getRelationship');
    if (r.status === status) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`${id} never became ${status}`);
}

test('templates and tokens through the SDK; DTOs match its schemas', { skip }, async () => {
  const t = result(await sa.relationshipTemplates.createOwnRelationshipTemplate({
    content: { '@type': 'ArbitraryRelationshipTemplateContent', value: { sdk: true } }, expiresAt: inFuture(), maxNumberOfAllocations: 2,
  }), 'createOwnRelationshipTemplate');
  validTemplate(t);
  const token = result(await sa.relationshipTemplates.createTokenForOwnRelationshipTemplate(t.id, {}), 'createToken');
  validToken(token);
  const loaded = result(await sb.relationshipTemplates.loadPeerRelationshipTemplate({ reference: token.reference.truncated }), 'loadPeer');
  validTemplate(loaded);
  for (const x of result(await sb.relationshipTemplates.getPeerRelationshipTemplates({}), 'getPeer')) validTemplate(x);
  for (const x of result(await sa.relationshipTemplates.getOwnRelationshipTemplates({ isOwn: true }), 'getOwn')) validTemplate(x);
  const own = result(await sa.tokens.createOwnToken({ content: { hello: 'sdk' }, expiresAt: inFuture(), ephemeral: false }), 'createOwnToken');
  validToken(own);
  validToken(result(await sb.tokens.loadPeerToken({ reference: own.reference.truncated, ephemeral: false }), 'loadPeerToken'));
  for (const x of result(await sa.tokens.getOwnTokens({}), 'getOwnTokens')) validToken(x);
  validToken(result(await sa.tokens.getToken(own.id), 'getToken'));
  s.template = t;
});

test('relationship lifecycle through the SDK (CanCreate, create, accept, terminate, reactivate, decompose)', { skip }, async () => {
  const content = { '@type': 'ArbitraryRelationshipCreationContent', value: 'sdk' };
  const can = result(await sb.relationships.canCreateRelationship({ templateId: s.template.id, creationContent: content }), 'canCreate');
  valid('canCreate', can);
  assert.equal(can.isSuccess, true);
  const r = result(await sb.relationships.createRelationship({ templateId: s.template.id, creationContent: content }), 'create');
  validRelationship(r);
  validRelationship(await syncUntil(sa, r.id, 'Pending'));
  validRelationship(result(await sa.relationships.acceptRelationship(r.id), 'accept'));
  validRelationship(await syncUntil(sb, r.id, 'Active'));
  for (const x of result(await sa.relationships.getRelationships({ status: 'Active' }), 'list')) validRelationship(x);
  assert.deepEqual(result(await sa.relationships.getAttributesForRelationship(r.id), 'attributes'), []);
  validRelationship(result(await sb.relationships.terminateRelationship(r.id), 'terminate'));
  await syncUntil(sa, r.id, 'Terminated');
  validRelationship(result(await sa.relationships.requestRelationshipReactivation(r.id), 'reactivate'));
  for (let i = 0; ; i++) {
    await sb.account.sync();
    const x = result(await sb.relationships.getRelationship(r.id), 'get');
    if (x.auditLog.at(-1).reason === 'ReactivationRequested') break;
    assert.ok(i < 50);
  }
  validRelationship(result(await sb.relationships.rejectRelationshipReactivation(r.id), 'reject reactivation'));
  assert.equal((await syncUntil(sa, r.id, 'Terminated')).auditLog.at(-1).reason, 'RejectionOfReactivation');
  const gone = await sa.relationships.decomposeRelationship(r.id);
  assert.ok(gone.isSuccess, JSON.stringify(gone.error));
  await syncUntil(sb, r.id, 'DeletionProposed');
  assert.ok((await sb.relationships.decomposeRelationship(r.id)).isSuccess);
});

test('errors through the SDK carry the envelope its schema allows', { skip }, async () => {
  let e = sdkError(await sa.relationships.getRelationship('RELxxxxxxxxxxxxxxxxx'), 'unknown relationship');
  assert.equal(e.code, 'error.runtime.recordNotFound');
  e = sdkError(await sa.relationshipTemplates.loadPeerRelationshipTemplate({ reference: 'garbage' }), 'bad reference');
  assert.equal(e.code, 'error.runtime.relationshipTemplates.invalidReference');
  e = sdkError(await sa.relationships.getRelationships({ nope: 'x' }), 'bad filter');
  assert.equal(e.code, 'error.runtime.validation.invalidPropertyValue');
  e = sdkError(await sa.tokens.loadPeerToken({ reference: 'VE9L', ephemeral: true }), 'bad token reference');
  assert.equal(e.code, 'error.runtime.validation.invalidPropertyValue');
});
