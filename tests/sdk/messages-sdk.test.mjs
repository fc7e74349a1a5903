// tests/sdk/messages-sdk.test.mjs: the official @nmshd/connector-sdk 6.7.0 (npm, pinned in this
// directory's package.json and lock) drives send/list/get of messages, upload/download/peer load of
// files and challenges between two C Connectors under /api/v2. Every answer is validated with ajv
// against the SDK's own schemas.json: whole schemas for messages, recipients, challenges and errors;
// for File the schema without what changed since 6.7.0 (truncatedReference -> reference, title now
// optional; owner, ownershipToken, ownershipIsLocked and tags are new).
// Skipped without CONNECTOR_TEST_DATABASE or without `npm ci --prefix tests/sdk`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { API_KEY, haveDatabase, setupBackbone, start, teardown } from '../e2e/account-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const haveSdk = fs.existsSync(path.join(here, 'node_modules/@nmshd/connector-sdk/schemas.json'));
const skip = (!haveDatabase && 'CONNECTOR_TEST_DATABASE not set') || (!haveSdk && 'npm ci --prefix tests/sdk not run');
let env, a, b, sa, sb, v, addrA, addrB;
const s = {};
const inFuture = () => new Date(Date.now() + 3600_000).toISOString();
const FILE_NEW = ['reference', 'owner', 'ownershipToken', 'ownershipIsLocked', 'tags'];

function makeValidators() {
  const Ajv = require('ajv');
  const schemas = JSON.parse(fs.readFileSync(path.join(here, 'node_modules/@nmshd/connector-sdk/schemas.json'), 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false });
  const defs = schemas.definitions;
  const file = structuredClone(defs.ConnectorFile);
  delete file.properties.truncatedReference;
  file.required = file.required.filter((f) => f !== 'truncatedReference' && f !== 'title');
  const compile = (schema) => ajv.compile({ ...schema, definitions: { ...defs, ConnectorFile: file } });
  return {
    message: compile({ $ref: '#/definitions/ConnectorMessage' }),
    file: compile({ $ref: '#/definitions/ConnectorFile' }),
    challenge: compile({ $ref: '#/definitions/ConnectorChallenge' }),
    error: compile({ $ref: '#/definitions/ConnectorError' }),
  };
}

function valid(kind, value, drop = []) {
  const copy = structuredClone(value);
  for (const f of drop) delete copy[f];
  assert.ok(v[kind](copy), `${kind} does not match the SDK schema: ${JSON.stringify(v[kind].errors)}\n${JSON.stringify(value)}`);
}
const validFile = (f) => valid('file', f, FILE_NEW);

function result(response, what) {
  assert.ok(response.isSuccess, `${what}: ${JSON.stringify(response.error)}`);
  return response.result;
}

before(async () => {
  if (skip) return;
  v = makeValidators();
  const { ConnectorClient } = require('@nmshd/connector-sdk');
  env = await setupBackbone('e2e_msgsdk');
  [a, b] = await Promise.all([start(env, 'msdk_a'), start(env, 'msdk_b')]);
  sa = ConnectorClient.create({ baseUrl: a.baseUrl, apiKey: API_KEY });
  sb = ConnectorClient.create({ baseUrl: b.baseUrl, apiKey: API_KEY });
  addrA = result(await sa.account.getIdentityInfo(), 'identity').address;
  addrB = result(await sb.account.getIdentityInfo(), 'identity').address;
  const t = result(await sa.relationshipTemplates.createOwnRelationshipTemplate({
    content: { '@type': 'ArbitraryRelationshipTemplateContent', value: {} }, expiresAt: inFuture(),
  }), 'template');
  result(await sb.relationshipTemplates.loadPeerRelationshipTemplate({ reference: t.reference.truncated }), 'load');
  const r = result(await sb.relationships.createRelationship({
    templateId: t.id, creationContent: { '@type': 'ArbitraryRelationshipCreationContent', value: {} },
  }), 'create');
  for (let i = 0; i < 50; i++) {
    await sa.account.sync();
    if ((await sa.relationships.getRelationship(r.id)).isSuccess) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  result(await sa.relationships.acceptRelationship(r.id), 'accept');
  for (let i = 0; i < 50; i++) {
    await sb.account.sync();
    if (result(await sb.relationships.getRelationship(r.id), 'get').status === 'Active') break;
    await new Promise((res) => setTimeout(res, 200));
  }
});

after(async () => {
  if (!skip) await teardown(env, [a, b]);
});

test('files: uploadOwnFile (multipart as the SDK sends it), getFile, getOwnFiles, downloadFile', { skip }, async () => {
  const bytes = crypto.randomBytes(2048);
  const f = result(await sa.files.uploadOwnFile({ title: 'sdk', description: 'by the SDK', expiresAt: inFuture(), file: bytes, filename: 'sdk.txt' }), 'upload');
  validFile(f);
  assert.equal(f.filename, 'sdk.txt');
  assert.equal(f.mimetype, 'text/plain');
  validFile(result(await sa.files.getFile(f.id), 'getFile'));
  for (const x of result(await sa.files.getOwnFiles({}), 'getOwnFiles')) validFile(x);
  const d = result(await sa.files.downloadFile(f.id), 'downloadFile');
  assert.ok(Buffer.from(d).equals(bytes));
  const peer = result(await sb.files.loadPeerFile({ reference: f.reference.truncated }), 'loadPeerFile');
  validFile(peer);
  assert.equal(peer.isOwn, false);
  s.file = f;
  s.bytes = bytes;
});

test('messages: sendMessage, getMessages with a filter, getMessage, attachments', { skip }, async () => {
  const content = { '@type': 'Mail', to: [addrB], cc: [], subject: 'sdk', body: 'hello' };
  const m = result(await sa.messages.sendMessage({ recipients: [addrB], content, attachments: [s.file.id] }), 'send');
  valid('message', m);
  for (let i = 0; i < 50; i++) {
    await sb.account.sync();
    if (result(await sb.messages.getMessages({ 'content.subject': 'sdk' }), 'list').length) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  const list = result(await sb.messages.getMessages({ 'content.subject': 'sdk' }), 'list');
  assert.equal(list.length, 1);
  for (const x of list) valid('message', x);
  const full = result(await sb.messages.getMessage(m.id), 'getMessage');
  validFile(full.attachments[0]);
  valid('message', { ...full, attachments: full.attachments.map((x) => x.id) });
  validFile(result(await sb.messages.getAttachment(m.id, s.file.id), 'getAttachment'));
  const d = result(await sb.messages.downloadAttachment(m.id, s.file.id), 'downloadAttachment');
  assert.ok(Buffer.from(d).equals(s.bytes));
  const err = await sa.messages.sendMessage({ recipients: ['did:e:localhost:dids:0123456789abcdef012345'], content });
  assert.ok(err.isError);
  valid('error', err.error);
  assert.equal(err.error.code, 'error.transport.messages.hasNoActiveRelationship');
});

test('challenges: createChallenge and validateChallenge', { skip }, async () => {
  const c = result(await sa.challenges.createChallenge({ challengeType: 'Identity' }), 'createChallenge');
  valid('challenge', c);
  const r = result(await sb.challenges.validateChallenge({ challengeString: c.challengeString, signature: c.signature }), 'validate');
  assert.equal(r.isValid, true);
  assert.equal(r.correspondingRelationship.peer, addrA);
});
