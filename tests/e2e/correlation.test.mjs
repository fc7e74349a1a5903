// tests/e2e/correlation.test.mjs: the correlation id end to end (http-api.md §2.9), all real:
// connectord with the HTTP, webhooks and migrate workers, PostgreSQL, the local Backbone and an
// HTTP webhook receiver. A peer exhausts a template of the connector (one external event), then
// POST /Account/Sync applies it: the transport.relationshipTemplateAllocationsExhausted webhook
// carries x-correlation-id = the request's header (first value when repeated), or the UUID v4 the
// worker generated for a request without one, which is the id of that request's log line. The
// response never echoes the header; the outbox row stores the id. A sync worker run (a second
// connectord on the same schema) gives its events a UUID v4 of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { API_KEY, haveDatabase, newPeer, setupBackbone, sql, start, teardown, waitUntil } from './account-lib.mjs';
import { expect, inFuture, templateContent } from './relationships-lib.mjs';

const skip = !haveDatabase && 'CONNECTOR_TEST_DATABASE not set';
const SCHEMA = 'corr_a';
const EVENT = 'transport.relationshipTemplateAllocationsExhausted';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let env, connector, peer, receiver;

async function startReceiver() {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

before(async () => {
  if (skip) return;
  receiver = await startReceiver();
  env = await setupBackbone('e2e_corr');
  connector = await start(env, SCHEMA, {
    webhooks: { enabled: true, targets: { recv: { url: receiver.url } }, webhooks: [{ triggers: ['**'], target: 'recv' }] },
  });
  peer = await newPeer(env);
});

after(async () => {
  if (skip) return;
  await teardown(env, [connector]);
  await receiver.close();
});

// A template of the connector with one allocation, taken by the peer: one external event.
async function exhaustedTemplate() {
  const t = await expect(connector, 'POST', '/RelationshipTemplates/Own',
    { content: templateContent({ n: 1 }), expiresAt: inFuture(), maxNumberOfAllocations: 1 }, 201);
  const g = await peer.get(`/api/v2/RelationshipTemplates/${t.id}`);
  assert.equal(g.status, 200, `peer allocation: ${g.text}`);
  return t.id;
}

// POST /Account/Sync with extra headers; returns the response.
async function syncWith(headers) {
  const h = new Headers({ 'X-API-KEY': API_KEY });
  for (const [name, value] of headers) h.append(name, value);
  const res = await fetch(`${connector.baseUrl}/api/core/v1/Account/Sync`, { method: 'POST', headers: h });
  assert.equal(res.status, 204, await res.text());
  return res;
}

async function webhookFor(templateId) {
  return waitUntil(`the webhook of ${templateId}`,
    () => receiver.requests.find((r) => r.body.trigger === EVENT && r.body.data?.id === templateId), 30000);
}

function storedCorrelation(templateId) {
  return sql(env, `SELECT coalesce(correlation_id, '<null>') FROM "${SCHEMA}".outbox_events`
    + ` WHERE namespace = '${EVENT}' AND data->>'id' = '${templateId}'`);
}

test('a request\'s x-correlation-id reaches the webhook of the events it caused, and is not echoed', { skip }, async () => {
  const id = await exhaustedTemplate();
  const res = await syncWith([['x-correlation-id', 'e2e-corr-given-1']]);
  assert.equal(res.headers.get('x-correlation-id'), null, 'not echoed in the response');
  const hook = await webhookFor(id);
  assert.equal(hook.headers['x-correlation-id'], 'e2e-corr-given-1');
  assert.equal(storedCorrelation(id), 'e2e-corr-given-1');
  assert.match(connector.logs, /POST \/api\/core\/v1\/Account\/Sync 204 -- \d+ms correlationId=e2e-corr-given-1\n/);
});

test('a repeated header: the first value counts', { skip }, async () => {
  const id = await exhaustedTemplate();
  await syncWith([['x-correlation-id', 'first-value'], ['x-correlation-id', 'second-value']]);
  const hook = await webhookFor(id);
  assert.equal(hook.headers['x-correlation-id'], 'first-value');
});

test('without the header a UUID v4 is generated, the same in the log line and the webhook', { skip }, async () => {
  const id = await exhaustedTemplate();
  const before = connector.logs.length;
  const res = await syncWith([]);
  assert.equal(res.headers.get('x-correlation-id'), null, 'not echoed in the response');
  const hook = await webhookFor(id);
  const sent = hook.headers['x-correlation-id'];
  assert.match(sent ?? '', UUID_V4);
  const line = /POST \/api\/core\/v1\/Account\/Sync 204 -- \d+ms correlationId=(\S+)\n/.exec(connector.logs.slice(before));
  assert.ok(line, 'the request\'s log line carries a correlation id');
  assert.equal(line[1], sent, 'log line and webhook header agree');
  assert.equal(storedCorrelation(id), sent);
});

test('requests without events still log their own generated id; events of other requests are unaffected', { skip }, async () => {
  const before = connector.logs.length;
  await expect(connector, 'GET', '/Account/IdentityInfo', undefined, 200);
  await expect(connector, 'GET', '/Account/IdentityInfo', undefined, 200);
  const ids = [...connector.logs.slice(before).matchAll(/GET \/api\/core\/v1\/Account\/IdentityInfo 200 -- \d+ms correlationId=(\S+)\n/g)]
    .map((m) => m[1]);
  assert.equal(ids.length, 2);
  assert.match(ids[0], UUID_V4);
  assert.notEqual(ids[0], ids[1], 'a fresh id per request');
  assert.equal(receiver.requests.filter((r) => r.body.trigger === EVENT).length, 3, 'one webhook per exhausted template');
});

test('a sync worker run (no HTTP request) gives its events a generated UUID v4', { skip }, async () => {
  // a second connectord on the same schema, with the sync worker every second
  const second = await start(env, SCHEMA, {
    webhooks: { enabled: true, targets: { recv: { url: receiver.url } }, webhooks: [{ triggers: ['**'], target: 'recv' }] },
    sync: { enabled: true, interval: 1 },
  });
  try {
    const id = await exhaustedTemplate();
    const hook = await webhookFor(id);
    const sent = hook.headers['x-correlation-id'];
    assert.match(sent ?? '', UUID_V4);
    assert.equal(storedCorrelation(id), sent);
    assert.ok(!connector.logs.includes(sent) && !new RegExp(`HttpServer: .*correlationId=${sent}`).test(second.logs),
      'not the id of any HTTP request');
  } finally {
    await second.cleanup();
  }
});
