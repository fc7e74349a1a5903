// tests/e2e/messages-idempotent.test.mjs: a retried send does not duplicate the message. Connector A
// reaches the local Backbone through a stand-in proxy in this test (no test hook in the product):
// armed, it either forwards A's POST /api/v2/Messages and swallows the Backbone's answer (the
// Backbone accepted the message, A never learns it) or swallows the request itself (the Backbone
// never sees it). Then A's HTTP worker is killed with SIGKILL, and the client retries with the
// same Idempotency-Key: the answer is the one message, the Backbone holds it once and B receives it
// once. Also: a second retry answers from A's record; a different request with a used key and a
// malformed key are refused naming the header; nothing half-written is visible after the kill.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startConnector } from './lib/connector.mjs';
import { createDatabase, startBackbone } from './backbone-lib.mjs';
import { API_KEY, connectorConfig, haveDatabase, sql, start, teardown } from './account-lib.mjs';
import { creationContent, events, expect, inFuture, sync, syncUntil, templateContent } from './relationships-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const A = 'msgi_a', B = 'msgi_b';
let env, proxy, a, b, addrA, addrB;

// The stand-in between A and the Backbone. arm(mode) returns a promise resolved when the armed
// POST /api/v2/Messages was swallowed: 'after' (forwarded, answer dropped) or 'before' (dropped).
function startProxy(target) {
  const p = { mode: null, done: null, server: null };
  p.arm = (mode) => new Promise((resolve) => { p.mode = mode; p.done = resolve; });
  const fire = () => { const d = p.done; p.mode = null; p.done = null; d(); };
  p.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const armed = req.method === 'POST' && req.url.split('?')[0] === '/api/v2/Messages' ? p.mode : null;
      if (armed === 'before') return fire();
      const up = http.request(target + req.url, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (ur) => {
        if (armed === 'after') {
          ur.resume();
          ur.on('end', fire);
          return;
        }
        res.writeHead(ur.statusCode, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) => p.server.listen(0, '127.0.0.1', () => {
    p.baseUrl = `http://localhost:${p.server.address().port}`;
    resolve(p);
  }));
}

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

function send(key, value) {
  return fetch(a.baseUrl + '/api/core/v1/Messages', {
    method: 'POST',
    headers: { 'X-API-KEY': API_KEY, 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify({ recipients: [addrB], content: { '@type': 'ArbitraryMessageContent', value } }),
  }).then(async (r) => ({ status: r.status, json: JSON.parse(await r.text() || '{}') })).catch(() => ({ status: 'killed' }));
}

const atBackbone = () => JSON.parse(sql(env, `SELECT coalesce(json_agg(id ORDER BY id), '[]') FROM backbone.messages WHERE created_by = '${addrA}'`));
const localRows = (id) => Number(sql(env, `SELECT count(*) FROM "${A}".messages WHERE id = '${id}'`));
const sendRow = (key) => sql(env, `SELECT coalesce(message_id, '<none>') FROM "${A}".message_sends WHERE idempotency_key = '${key}'`);

async function receivedByB(value) {
  let got = [];
  for (let i = 0; i < 100; i++) {
    await sync(b);
    got = (await expect(b, 'GET', '/Messages', undefined, 200)).filter((m) => m.content.value?.tag === value.tag);
    if (got.length > 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive in the same sync
  await sync(b);
  return (await expect(b, 'GET', '/Messages', undefined, 200)).filter((m) => m.content.value?.tag === value.tag);
}

async function killHttpWorker() {
  const [pid] = await a.workerPids('coreHttpApi');
  process.kill(pid, 'SIGKILL');
}

before(async () => {
  if (skip) return;
  const db = createDatabase('e2e_msgi');
  env = { db, backbone: await startBackbone(['--listen', '127.0.0.1:0', '--database', db.conninfo]) };
  proxy = await startProxy(env.backbone.baseUrl);
  const config = connectorConfig(env, A);
  config.transportLibrary.baseUrl = proxy.baseUrl;
  [a, b] = await Promise.all([startConnector({ config, startTimeoutMs: 30000 }), start(env, B)]);
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
  if (skip) return;
  await teardown(env, [a, b]);
  proxy?.server.closeAllConnections();
  proxy?.server.close();
});

test('Backbone accepted, answer lost, worker killed: the retry answers the one message', { skip }, async () => {
  const value = { tag: 'accepted-then-killed' };
  const before = atBackbone();
  const held = proxy.arm('after');
  const first = send('key-accepted-1', value);
  await held;
  const added = atBackbone().filter((id) => !before.includes(id));
  assert.equal(added.length, 1, 'the Backbone accepted the first attempt');
  await killHttpWorker();
  assert.equal((await first).status, 'killed');
  assert.equal(localRows(added[0]), 0, 'no message row before the retry');
  assert.equal(sendRow('key-accepted-1'), '<none>', 'the send record is there, without outcome');
  await waitApi(a);

  const retry = await send('key-accepted-1', value);
  assert.equal(retry.status, 201, JSON.stringify(retry.json));
  assert.equal(retry.json.result.id, added[0], 'the retry answers the message the Backbone holds');
  assert.deepEqual(atBackbone(), [...before, added[0]].sort(), 'no second message at the Backbone');
  const again = await send('key-accepted-1', value);
  assert.equal(again.status, 201);
  assert.deepEqual(again.json.result, retry.json.result, 'a further retry answers the same DTO');
  assert.equal(events(env, A, 'transport.messageSent').filter((e) => e.id === added[0]).length, 1);
  const got = await receivedByB(value);
  assert.deepEqual(got.map((m) => m.id), [added[0]], 'B receives it exactly once');
});

test('request lost before the Backbone, worker killed: the retry sends it once', { skip }, async () => {
  const value = { tag: 'lost-then-killed' };
  const before = atBackbone();
  const held = proxy.arm('before');
  const first = send('key-lost-1', value);
  await held;
  await killHttpWorker();
  assert.equal((await first).status, 'killed');
  assert.deepEqual(atBackbone(), before, 'the Backbone never saw the first attempt');
  await waitApi(a);

  const retry = await send('key-lost-1', value);
  assert.equal(retry.status, 201, JSON.stringify(retry.json));
  const added = atBackbone().filter((id) => !before.includes(id));
  assert.deepEqual(added, [retry.json.result.id]);
  assert.equal(sendRow('key-lost-1'), retry.json.result.id);
  const got = await receivedByB(value);
  assert.deepEqual(got.map((m) => m.id), added, 'B receives it exactly once');
});

test('a used key with a different request, and malformed keys, are refused naming the header', { skip }, async () => {
  const before = atBackbone();
  const other = await send('key-accepted-1', { tag: 'something else' });
  assert.equal(other.status, 400);
  assert.equal(other.json.error.code, 'error.runtime.validation.invalidPropertyValue');
  assert.match(other.json.error.message, /Idempotency-Key 'key-accepted-1' was already used for a different request/);
  for (const bad of ['x'.repeat(256), 'two words']) {
    const r = await send(bad, { tag: 'bad key' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /Idempotency-Key/);
  }
  assert.deepEqual(atBackbone(), before, 'nothing was sent');
  const plain = await send(null, { tag: 'no key' });
  assert.equal(plain.status, 201, 'sends without a key work as before');
});
