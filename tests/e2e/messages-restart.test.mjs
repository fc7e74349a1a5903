// tests/e2e/messages-restart.test.mjs: restart safety of sends and uploads. Two C Connectors and the
// local Backbone, all real; A's HTTP worker is killed with SIGKILL while sends and a large upload
// are in flight. Afterwards: every message and file A lists is complete (its DTO whole, its bytes
// downloadable and intact), nothing is listed that the Backbone does not have, B opens every message
// the Backbone holds, and no relationship counter was used twice (the per-recipient key ciphers at
// the Backbone carry pairwise different cnt values).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { API_KEY, haveDatabase, setupBackbone, sql, start, teardown } from './account-lib.mjs';
import { creationContent, events, expect, inFuture, sync, syncUntil, templateContent } from './relationships-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const A = 'msgk_a', B = 'msgk_b';
let env, a, b, addrA, addrB;

async function waitApi(connector, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(connector.baseUrl + '/api/core/v1/Account/IdentityInfo', { headers: { 'X-API-KEY': API_KEY } });
      if (res.status === 200) return;
    } catch { /* worker restarting */ }
    if (Date.now() > deadline) throw new Error('HTTP worker did not come back');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function killHttpWorker(connector) {
  const [pid] = await connector.workerPids('coreHttpApi');
  process.kill(pid, 'SIGKILL');
  return pid;
}

// Backbone rows (its tables live in the same database as the connectors' schemas).
function backboneMessagesFrom(address) {
  const rows = sql(env, `SELECT coalesce(json_agg(json_build_object('id', m.id, 'key', convert_from(r.encrypted_key, 'UTF8'))), '[]')
    FROM backbone.messages m JOIN backbone.message_recipients r ON r.message_id = m.id WHERE m.created_by = '${address}'`);
  return JSON.parse(rows);
}

before(async () => {
  if (skip) return;
  env = await setupBackbone('e2e_msgk');
  [a, b] = await Promise.all([start(env, A), start(env, B)]);
  addrA = (await expect(a, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
  addrB = (await expect(b, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
  const t = await expect(a, 'POST', '/RelationshipTemplates/Own', { content: templateContent({}), expiresAt: inFuture() }, 201);
  await expect(b, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.truncated }, 201);
  const r = await expect(b, 'POST', '/Relationships', { templateId: t.id, creationContent: creationContent({}) }, 201);
  await syncUntil(a, r.id, 'Pending');
  await expect(a, 'PUT', `/Relationships/${r.id}/Accept`, undefined, 200);
  await syncUntil(b, r.id, 'Active');
});

after(async () => {
  if (!skip) await teardown(env, [a, b]);
});

test('kill -9 during sends: no half-written message, counters never reused, B opens every message', { skip }, async () => {
  const send = (i) => fetch(a.baseUrl + '/api/core/v1/Messages', {
    method: 'POST',
    headers: { 'X-API-KEY': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ recipients: [addrB], content: { '@type': 'ArbitraryMessageContent', value: { i, pad: 'x'.repeat(1024) } } }),
  }).then((r) => r.status).catch(() => 'killed');
  // The pid first, so the kill follows the first answer at once: the worker answers the sends one
  // after another (each waits for the Backbone), so the others are still in flight then.
  const [pid] = await a.workerPids('coreHttpApi');
  const inflight = [];
  for (let i = 0; i < 14; i++) inflight.push(send(i)); // with the 5 below at most 19 unreceived (the Backbone allows 20)
  await Promise.race(inflight);
  process.kill(pid, 'SIGKILL');
  const statuses = await Promise.all(inflight);
  assert.ok(statuses.includes('killed') || statuses.some((s) => s !== 201), `the kill hit the sends: ${statuses}`);
  await waitApi(a);
  for (let i = 100; i < 105; i++) assert.equal(await send(i), 201);

  const local = await expect(a, 'GET', '/Messages', undefined, 200);
  const remote = backboneMessagesFrom(addrA);
  const remoteIds = new Set(remote.map((m) => m.id));
  for (const m of local) {
    assert.ok(remoteIds.has(m.id), `${m.id} is at the Backbone`);
    assert.deepEqual(Object.keys(m).sort(), ['attachments', 'content', 'createdAt', 'createdBy', 'createdByDevice', 'id', 'isOwn', 'recipients']);
  }
  assert.equal(events(env, A, 'transport.messageSent').length, local.length, 'one messageSent event per stored message');
  const counters = remote.map((m) => JSON.parse(m.key).cnt);
  assert.equal(new Set(counters).size, counters.length, `transmit counters are pairwise different: ${counters}`);

  const deadline = Date.now() + 30000;
  let got = [];
  while (Date.now() < deadline) {
    await sync(b);
    got = await expect(b, 'GET', '/Messages', undefined, 200);
    if (got.length >= remote.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(got.map((m) => m.id).sort(), [...remoteIds].sort(), 'B opened every message the Backbone holds');
  const failed = sql(env, `SELECT count(*) FROM "${B}".external_events WHERE result = 'failed'`);
  assert.equal(Number(failed), 0);
});

test('kill -9 during a 7 MiB upload: no half-written file; uploads work afterwards', { skip }, async () => {
  const before = await expect(a, 'GET', '/Files', undefined, 200);
  const big = crypto.randomBytes(7 << 20);
  const form = new FormData();
  form.append('title', 'killed');
  form.append('file', new Blob([big]), 'big.bin');
  const upload = fetch(a.baseUrl + '/api/core/v1/Files/Own', { method: 'POST', headers: { 'X-API-KEY': API_KEY }, body: form })
    .then((r) => r.status).catch(() => 'killed');
  await new Promise((r) => setTimeout(r, 40));
  await killHttpWorker(a);
  await upload;
  await waitApi(a);
  const after = await expect(a, 'GET', '/Files', undefined, 200);
  assert.ok(after.length - before.length <= 1);
  for (const f of after) {
    assert.equal(typeof f.filesize, 'number');
    const res = await fetch(a.baseUrl + `/api/core/v1/Files/${f.id}/Download`, { headers: { 'X-API-KEY': API_KEY } });
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, f.filesize);
    if (f.title === 'killed') assert.ok(bytes.equals(big), 'a file that was stored is intact');
  }
  const small = crypto.randomBytes(4096);
  const form2 = new FormData();
  form2.append('file', new Blob([small]), 'small.bin');
  const res = await fetch(a.baseUrl + '/api/core/v1/Files/Own', { method: 'POST', headers: { 'X-API-KEY': API_KEY }, body: form2 });
  assert.equal(res.status, 201);
});
