// tests/e2e/messages-peer.test.mjs: a C Connector (connectord, PostgreSQL, the local Backbone) and
// an official @nmshd/runtime 7.0.0 peer (tests/interop/lib/peer.mjs) exchange messages both ways
// with 0, 1 and 5 attachments of 0 B, 1 KiB and 20 MiB; the bytes that arrive are the bytes that
// were sent (SHA-256 compared); each loads the other's files by reference and by token; a Mail to a
// pending relationship is refused with the original's error. 20 MiB files need the file size limit
// raised on all three sides: the local Backbone (--max-file-size, for the ~27 MiB cipher), the C
// Connector and the official runtime (transportLibrary.platformMaxUnencryptedFileSize). Skipped without the database or the npm packages of
// tests/interop (npm ci --prefix tests/interop).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { srcdir } from './lib/connector.mjs';
import { startConnector } from './lib/connector.mjs';
import { createDatabase, startBackbone } from './backbone-lib.mjs';
import { API_KEY, connectorConfig, haveDatabase, teardown } from './account-lib.mjs';
import { creationContent, expect, inFuture, sync, syncUntil, templateContent } from './relationships-lib.mjs';

const haveRuntime = fs.existsSync(path.join(srcdir, 'tests/interop/node_modules/@nmshd/runtime/package.json'));
const skip = (!haveDatabase && 'CONNECTOR_TEST_DATABASE not set') ||
  (!haveRuntime && 'npm packages of tests/interop not installed');
const C = 'msgpeer_c';
let env, c, peer, addrC, expectOk;
const s = {};
const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
const MiB = 1 << 20;
const SIZES = [0, 1024, 20 * MiB];
const MAX_FILE = 21 * MiB; /* platformMaxUnencryptedFileSize of both Connectors */
const MAX_CIPHER = 30 * MiB; /* the Backbone's --max-file-size: the base64 cipher of 21 MiB fits */

async function uploadC(bytes, filename) {
  const form = new FormData();
  form.append('title', filename);
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), filename);
  const res = await fetch(c.baseUrl + '/api/core/v1/Files/Own', { method: 'POST', headers: { 'X-API-KEY': API_KEY }, body: form });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text).result;
}

async function downloadC(pathname) {
  const res = await fetch(c.baseUrl + '/api/core/v1' + pathname, { headers: { 'X-API-KEY': API_KEY } });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

async function receiveC(id) {
  for (let i = 0; i < 100; i++) {
    await sync(c);
    const m = (await expect(c, 'GET', '/Messages', undefined, 200)).find((x) => x.id === id);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`message ${id} did not reach C`);
}

before(async () => {
  if (skip) return;
  const db = createDatabase('e2e_msgpeer');
  env = { db, backbone: await startBackbone(['--listen', '127.0.0.1:0', '--database', db.conninfo, '--max-file-size', String(MAX_CIPHER)]) };
  const lib = await import('../interop/lib/peer.mjs');
  expectOk = lib.expectOk;
  const config = connectorConfig(env, C);
  Object.assign(config.transportLibrary, { platformMaxUnencryptedFileSize: MAX_FILE, platformTimeout: 120000 });
  [c, peer] = await Promise.all([
    startConnector({ config, startTimeoutMs: 30000 }),
    lib.createPeer(env.backbone.baseUrl, 'official', { maxFileSize: MAX_FILE }),
  ]);
  addrC = (await expect(c, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
  const t = await expect(c, 'POST', '/RelationshipTemplates/Own', { content: templateContent({}), expiresAt: inFuture() }, 201);
  await expectOk(peer.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: t.reference.truncated }), 'peer loads');
  const r = await expectOk(peer.transport.relationships.createRelationship({ templateId: t.id, creationContent: creationContent({}) }), 'peer requests');
  s.rel = r.id;
  await syncUntil(c, r.id, 'Pending');
});

after(async () => {
  if (skip) return;
  await peer?.stop().catch(() => {});
  await teardown(env, [c]);
});

test('while Pending, C refuses a Mail with the original error; after the accept it goes through', { skip }, async () => {
  const content = { '@type': 'Mail', to: [peer.address], subject: 'early', body: 'b' };
  const err = await expect(c, 'POST', '/Messages', { recipients: [peer.address], content }, 400);
  assert.equal(err.code, 'error.transport.messages.hasNoActiveRelationship');
  await expect(c, 'PUT', `/Relationships/${s.rel}/Accept`, undefined, 200);
  await peer.syncUntilRelationship(s.rel, 'Active');
});

test('C sends the peer messages with 0, 1 and 5 attachments (0 B, 1 KiB, 20 MiB); hashes match', { skip }, async () => {
  const files = [];
  for (let i = 0; i < 5; i++) {
    const bytes = crypto.randomBytes(SIZES[i % 3]);
    files.push({ dto: await uploadC(bytes, `c${i}.bin`), bytes });
  }
  for (const set of [[], files.slice(0, 1), files]) {
    const content = { '@type': 'Mail', to: [peer.address], subject: `${set.length} from C`, body: 'b' };
    const m = await expect(c, 'POST', '/Messages', { recipients: [peer.address], content, attachments: set.map((f) => f.dto.id) }, 201);
    const arrived = await peer.syncUntilMessage(m.id);
    assert.equal(arrived.createdBy, addrC);
    assert.equal(arrived.content.subject, content.subject);
    assert.equal(arrived.attachments.length, set.length);
    for (const f of set) {
      const d = await expectOk(peer.transport.messages.downloadAttachment({ id: m.id, attachmentId: f.dto.id }), 'peer downloads');
      assert.equal(sha(Buffer.from(d.content)), sha(f.bytes), `${f.dto.filename} arrives intact`);
      assert.equal(d.filename, f.dto.filename);
    }
  }
  s.cFiles = files;
});

test('the peer sends C messages with 0, 1 and 5 attachments; C downloads them intact', { skip }, async () => {
  const files = [];
  for (let i = 0; i < 5; i++) {
    const bytes = crypto.randomBytes(SIZES[i % 3] || 1);
    const dto = await expectOk(peer.transport.files.uploadOwnFile({ content: bytes, filename: `p${i}.bin`, mimetype: 'application/x-test', title: `p${i}` }), 'peer uploads');
    files.push({ dto, bytes });
  }
  for (const set of [[], files.slice(0, 1), files]) {
    const content = { '@type': 'ArbitraryMessageContent', value: { n: set.length } };
    const m = await expectOk(peer.transport.messages.sendMessage({ recipients: [addrC], content, attachments: set.map((f) => f.dto.id) }), 'peer sends');
    const got = await receiveC(m.id);
    assert.deepEqual(got.content, content);
    assert.deepEqual(got.attachments, set.map((f) => f.dto.id));
    for (const f of set) {
      const meta = await expect(c, 'GET', `/Messages/${m.id}/Attachments/${f.dto.id}`, undefined, 200);
      assert.equal(meta.mimetype, 'application/x-test');
      assert.equal(meta.createdBy, peer.address);
      assert.equal(sha(await downloadC(`/Messages/${m.id}/Attachments/${f.dto.id}/Download`)), sha(f.bytes));
    }
  }
  s.peerFiles = files;
});

test('files by reference and by token, both directions', { skip }, async () => {
  const theirs = s.peerFiles[1];
  const byRef = await expect(c, 'POST', '/Files/Peer', { reference: theirs.dto.reference.truncated }, 201);
  assert.equal(byRef.id, theirs.dto.id);
  const fresh = crypto.randomBytes(3000);
  const pf = await expectOk(peer.transport.files.uploadOwnFile({ content: fresh, filename: 'token.bin', mimetype: 'application/octet-stream' }), 'peer uploads');
  const token = await expectOk(peer.transport.files.createTokenForFile({ fileId: pf.id }), 'peer token');
  const byToken = await expect(c, 'POST', '/Files/Peer', { reference: token.reference.truncated }, 201);
  assert.equal(sha(await downloadC(`/Files/${byToken.id}/Download`)), sha(fresh));

  const mine = s.cFiles[1];
  const loaded = await expectOk(peer.transport.files.getOrLoadFile({ reference: mine.dto.reference.truncated }), 'peer loads by reference');
  assert.equal(loaded.filesize, mine.bytes.length);
  const cToken = await expect(c, 'POST', `/Files/${s.cFiles[2].dto.id}/Token`, {}, 201);
  const viaToken = await expectOk(peer.transport.files.getOrLoadFile({ reference: cToken.reference.truncated }), 'peer loads by token');
  const d = await expectOk(peer.transport.files.downloadFile({ id: viaToken.id }), 'peer downloads');
  assert.equal(sha(Buffer.from(d.content)), sha(s.cFiles[2].bytes));
});

test('over platformMaxUnencryptedFileSize both Connectors refuse the upload with the same error', { skip }, async () => {
  const bytes = Buffer.alloc(MAX_FILE + 1);
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'big.bin');
  const res = await fetch(c.baseUrl + '/api/core/v1/Files/Own', { method: 'POST', headers: { 'X-API-KEY': API_KEY }, body: form });
  const ours = (await res.json()).error;
  assert.equal(res.status, 400);
  const theirs = await peer.transport.files.uploadOwnFile({ content: bytes, filename: 'big.bin', mimetype: 'application/octet-stream' });
  assert.ok(theirs.isError, 'the official runtime refuses it too');
  assert.equal(ours.code, theirs.error.code);
  assert.equal(ours.message, theirs.error.message);
});
