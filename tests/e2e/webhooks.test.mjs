// webhooks.test.mjs: connectord with the real connector-migrate and connector-webhooks against a real
// PostgreSQL (CONNECTOR_TEST_DATABASE) and real HTTP receivers (node:http on port 0). Events are
// produced with outbox_append by tests/unit/test_webhook_produce.c (real flows come later).
// Covers: the original's exact body and headers for transport.messageReceived and
// transport.relationshipChanged, EventEmitter2 triggers, {{trigger}} URLs, per-target headers,
// ApiKey and OAuth2 authentication, Standard Webhooks signatures, retries with Retry-After, dead
// letters, bad configuration (the original's codes and messages, exit 78), and two connectord
// instances on one database where one is killed mid-stream (connections reused), skipTlsCheck.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { builddir, defaultConfigPath, runConnectord, sleep, standIn, startConnector } from './lib/connector.mjs';

const DB = process.env.CONNECTOR_TEST_DATABASE;
const producer = path.join(builddir, 'test_webhook_produce');
const skip = DB ? false : 'CONNECTOR_TEST_DATABASE not set';

// ---- helpers ----

function newSchema(tag) {
  return `wh_${tag}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
}

function sql(schema, query) {
  const r = spawnSync(producer, ['--conninfo', DB, '--schema', schema, '--exec', query], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sql failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

function produce(schema, namespace, data, count = 1, extra = []) {
  const args = ['--conninfo', DB, '--schema', schema, '--namespace', namespace, '--count', String(count), ...extra];
  if (data !== undefined) args.push('--data', JSON.stringify(data));
  const r = spawnSync(producer, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`produce failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
}

function produceAsync(schema, namespace, count, extra = []) {
  const child = spawn(producer, ['--conninfo', DB, '--schema', schema, '--namespace', namespace,
    '--count', String(count), '--data', '{"n":1}', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0
    ? resolve(out.split('\n').filter(Boolean).map((l) => l.split(' ')[0]))
    : reject(new Error(`producer exited ${code}`)))));
}

const ctlDriver = path.join(builddir, 'connectorctl');
function ctl(c, ...args) {
  const flags = args[0] === '--json' ? [args.shift()] : [];
  const r = spawnSync(ctlDriver, ['--runtime-dir', c.runtimeDir, ...flags, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// An HTTP receiver recording every request; respond(req, body, rec) returns {status, headers, body}.
async function receiver(respond = () => ({ status: 200 })) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), port: req.socket.remotePort };
      requests.push(rec);
      const r = respond(req, rec) ?? { status: 200 };
      const answer = () => { if (!res.destroyed) { res.writeHead(r.status, r.headers ?? {}); res.end(r.body ?? ''); } };
      if (r.delayMs) setTimeout(answer, r.delayMs); else answer();
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function connectorConfig(schema, webhooks) {
  return {
    database: { connectionString: DB, dbName: schema },
    modules: { webhooks: { enabled: true, ...webhooks } },
  };
}

function startWith(schema, webhooks, opts = {}) {
  return startConnector({ config: connectorConfig(schema, webhooks), workers: { 'http-api': standIn.ready }, ...opts });
}

// A transport.messageReceived payload shaped like the runtime's MessageDTO (key order matters).
const message = {
  id: 'MSGqQKkCP5iGYbMkUwXS',
  isOwn: false,
  content: { '@type': 'Mail', body: 'Hallo "Welt" / ü €\n', cc: [], subject: 'Test', to: ['did:e:localhost:dids:0f4a'] },
  createdBy: 'did:e:localhost:dids:a1b2',
  createdByDevice: 'DVC8R3wkHYa7Q9Vt8k1Q',
  recipients: [{ address: 'did:e:localhost:dids:0f4a', relationshipId: 'RELu3pBg6ZQ0r1C9W7xX', receivedAt: '2026-11-27T01:02:03.456Z', receivedByDevice: 'DVCx' }],
  createdAt: '2026-11-27T01:02:03.000Z',
  attachments: [],
  numberValue: 1.5,
};
const relationship = {
  id: 'RELu3pBg6ZQ0r1C9W7xX',
  template: { id: 'RLTabc', isOwn: true, createdBy: 'did:e:localhost:dids:0f4a', content: {} },
  status: 'Pending',
  peer: 'did:e:localhost:dids:a1b2',
  peerIdentity: { address: 'did:e:localhost:dids:a1b2', publicKey: 'eyJ' },
  changes: [{ id: 'RCHx', request: { createdBy: 'did:e:localhost:dids:a1b2', createdAt: '2026-11-27T01:00:00.000Z', content: null }, status: 'Pending', type: 'Creation' }],
};

// ---- tests ----

test('the original\'s exact body, URL and headers for messageReceived and relationshipChanged', { skip }, async (t) => {
  const recv = await receiver();
  const schema = newSchema('exact');
  const c = await startWith(schema, {
    targets: { backend: { url: `${recv.url}/hooks/{{trigger}}`, headers: { 'X-Custom': 'one', Authorization: 'Basic eA==' } } },
    webhooks: [
      { triggers: ['transport.messageReceived'], target: 'backend' },
      { triggers: ['transport.relationshipChanged'], target: { url: `${recv.url}/inline` } },
    ],
  });
  try {
    const [msgId] = produce(schema, 'transport.messageReceived', message);
    const [relId] = produce(schema, 'transport.relationshipChanged', relationship);
    produce(schema, 'transport.messageSent', { id: 'MSGother' }); // no trigger matches
    await waitUntil(() => recv.requests.length >= 2, 15000, 'two webhook requests');
    await sleep(300);
    assert.equal(recv.requests.length, 2, 'one request per matching webhook, none for messageSent');
    const byUrl = Object.fromEntries(recv.requests.map((r) => [r.url, r]));
    const m = byUrl['/hooks/transport.messageReceived'];
    const r = byUrl['/inline'];
    assert.ok(m && r, `urls: ${Object.keys(byUrl)}`);
    assert.equal(m.method, 'POST');
    // Byte-exactness needs the outbox to keep the producer's JSON text. sql/0002 makes the column
    // json, but lib/outbox.c still casts the parameter to jsonb (normalised key order): until that
    // one-token change lands, the exact comparison is reported as TODO, the rest still asserted.
    const stored = sql(schema, `SELECT data::text FROM outbox_events WHERE event_id = '${msgId}'`)[0][0];
    if (stored !== JSON.stringify(message)) t.todo('lib/outbox.c casts event data to jsonb; needs $3::json');
    assert.deepEqual(JSON.parse(m.body), { data: message, trigger: 'transport.messageReceived' });
    assert.deepEqual(JSON.parse(r.body), { data: relationship, trigger: 'transport.relationshipChanged' });
    assert.ok(m.body.startsWith('{"data":{') && m.body.endsWith('},"trigger":"transport.messageReceived"}'));
    for (const rec of [m, r]) {
      assert.equal(rec.headers['content-type'], 'application/json');
      assert.equal(rec.headers.accept, 'application/json, text/plain, */*');
      assert.match(rec.headers['user-agent'], /^axios\//);
      assert.equal(rec.headers['content-length'], String(Buffer.byteLength(rec.body)));
      assert.equal(rec.headers['webhook-id'], undefined, 'no Standard Webhooks headers without a secret');
      assert.equal(rec.headers.expect, undefined);
    }
    assert.equal(m.headers['x-custom'], 'one', 'per-target headers');
    assert.equal(m.headers.authorization, 'Basic eA==');
    assert.equal(r.headers['x-custom'], undefined, 'headers belong to their target only');
    const states = sql(schema, `SELECT d.consumer_id, d.state, d.attempts FROM outbox_deliveries d
      JOIN outbox_events e ON e.seq = d.event_seq WHERE e.event_id IN ('${msgId}', '${relId}') ORDER BY 1`);
    assert.deepEqual(states, [['webhook:1:backend', 'delivered', '1'], ['webhook:2:inline', 'delivered', '1']]);
    assert.equal(m.body, JSON.stringify({ data: message, trigger: 'transport.messageReceived' }));
    assert.equal(r.body, JSON.stringify({ data: relationship, trigger: 'transport.relationshipChanged' }));
  } finally {
    await c.cleanup();
    await recv.close();
  }
});

test('ApiKey, OAuth2 (token cached) and Standard Webhooks signatures; wildcard triggers', { skip }, async () => {
  let tokenCalls = 0;
  const recv = await receiver((req, rec) => {
    if (rec.url !== '/token') return { status: 204 };
    tokenCalls++;
    rec.tokenRequest = true;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }) };
  });
  const key = crypto.randomBytes(24);
  const schema = newSchema('auth');
  const c = await startWith(schema, {
    targets: {
      signed: { url: `${recv.url}/signed`, secret: `whsec_${key.toString('base64')}`, authentication: { type: 'ApiKey', apiKey: 'k1', headerName: 'X-Key' } },
      oauth: { url: `${recv.url}/oauth`, authentication: { type: 'OAuth2', accessTokenUrl: `${recv.url}/token`, clientId: 'cid', clientSecret: 'csec', scope: 's1' } },
    },
    webhooks: [
      { triggers: ['consumption.*'], target: 'signed' },
      { triggers: ['consumption.**'], target: 'oauth' },
    ],
  });
  try {
    const ids = produce(schema, 'consumption.attributeCreated', { id: 'ATT1' }, 3);
    const deep = produce(schema, 'consumption.a.b', { id: 'ATT2' });
    await waitUntil(() => recv.requests.filter((r) => !r.tokenRequest).length >= 7, 15000, '7 webhook requests');
    await sleep(300);
    const signed = recv.requests.filter((r) => r.url === '/signed');
    const oauth = recv.requests.filter((r) => r.url === '/oauth');
    assert.equal(signed.length, 3, "'consumption.*' matches one segment only");
    assert.equal(oauth.length, 4, "'consumption.**' matches any depth");
    assert.deepEqual(signed.map((r) => r.headers['webhook-id']).sort(), [...ids].sort(), 'webhook-id is the event id');
    for (const r of signed) {
      assert.equal(r.headers['x-key'], 'k1');
      const ts = r.headers['webhook-timestamp'];
      assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
      const expected = crypto.createHmac('sha256', key).update(`${r.headers['webhook-id']}.${ts}.${r.body}`).digest('base64');
      assert.equal(r.headers['webhook-signature'], `v1,${expected}`);
    }
    assert.ok(oauth.every((r) => r.headers.authorization === 'Bearer tok-1'));
    assert.ok(oauth.some((r) => r.body.includes('"trigger":"consumption.a.b"')) && deep.length === 1);
    assert.equal(tokenCalls, 1, 'the token is fetched once and cached');
    const tokenReq = recv.requests.find((r) => r.url === '/token');
    assert.equal(tokenReq.headers.authorization, `Basic ${Buffer.from('cid:csec').toString('base64')}`);
    assert.equal(tokenReq.body, 'grant_type=client_credentials&scope=s1');
  } finally {
    await c.cleanup();
    await recv.close();
  }
});

test('retries on 500 and timeouts with Retry-After, dead letter after the schedule, 410 dead at once', { skip }, async () => {
  const seen = new Map();
  const recv = await receiver((req, rec) => {
    const n = (seen.get(rec.url + rec.body) ?? 0) + 1;
    seen.set(rec.url + rec.body, n);
    if (rec.url === '/flaky') return n === 1 ? { status: 500 } : n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    if (rec.url === '/gone') return { status: 410 };
    if (rec.url === '/slow') return n === 1 ? { status: 200, delayMs: 3000 } : { status: 200 };
    return { status: 503 };
  });
  const schema = newSchema('retry');
  const c = await startWith(schema, {
    retrySchedule: [100, 100, 100],
    requestTimeoutMs: 2000,
    targets: { flaky: { url: `${recv.url}/flaky` }, gone: { url: `${recv.url}/gone` }, down: { url: `${recv.url}/down` }, slow: { url: `${recv.url}/slow` } },
    webhooks: [
      { triggers: ['transport.messageReceived'], target: 'flaky' },
      { triggers: ['transport.messageReceived'], target: 'gone' },
      { triggers: ['transport.messageReceived'], target: 'down' },
      { triggers: ['transport.messageReceived'], target: 'slow' },
    ],
  });
  try {
    const [id] = produce(schema, 'transport.messageReceived', { id: 'MSG1' });
    const states = () => sql(schema, `SELECT consumer_id, state, attempts FROM outbox_deliveries ORDER BY 1`);
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline && states().some((s) => s[1] === 'pending' || s[1] === 'in_flight')) await sleep(100);
    assert.deepEqual(states(), [
      ['webhook:1:flaky', 'delivered', '3'],
      ['webhook:2:gone', 'failed', '1'],
      ['webhook:3:down', 'failed', '4'],
      ['webhook:4:slow', 'delivered', '2'],
    ]);
    const slow = sql(schema, `SELECT outcome, error FROM outbox_delivery_attempts WHERE consumer_id = 'webhook:4:slow' ORDER BY attempt`);
    assert.equal(slow[0][0], 'retry');
    assert.match(slow[0][1], /timed out/i, 'the 2 s request timeout ends the first attempt');
    const flaky = recv.requests.filter((r) => r.url === '/flaky');
    assert.ok(flaky[2].at - flaky[1].at >= 900, `Retry-After: 1 honoured (${flaky[2].at - flaky[1].at} ms)`);
    const attempts = sql(schema, `SELECT consumer_id, attempt, outcome, coalesce(http_status, 0), error
      FROM outbox_delivery_attempts ORDER BY consumer_id, attempt`);
    assert.deepEqual(attempts.filter((a) => a[0] === 'webhook:1:flaky').map((a) => a.slice(1, 4)),
      [['1', 'retry', '500'], ['2', 'retry', '429'], ['3', 'delivered', '200']]);
    assert.deepEqual(attempts.filter((a) => a[0] === 'webhook:3:down').map((a) => a[2]), ['retry', 'retry', 'retry', 'failed']);
    assert.equal(sql(schema, `SELECT last_error FROM outbox_deliveries WHERE consumer_id = 'webhook:2:gone'`)[0][0], 'HTTP 410');
    // operators: overview, dead letters, one event, replay (connectorctl deliveries ...)
    const overview = ctl(c, '--json', 'deliveries');
    assert.equal(overview.code, 0, overview.stderr);
    const down = JSON.parse(overview.stdout).consumers.find((x) => x.consumerId === 'webhook:3:down');
    assert.deepEqual([down.deadLetters, down.pending, down.attempts, down.lastError, down.oldestUndeliveredAgeMs],
      [1, 0, 4, 'HTTP 503', null]);
    assert.match(ctl(c, 'deliveries').stdout, /webhook:3:down\s+webhook\s+true\s+0\s+0\s+0\s+1/);
    const dead = JSON.parse(ctl(c, '--json', 'deliveries', 'dead').stdout).deadLetters;
    assert.deepEqual(dead.map((d) => d.consumerId).sort(), ['webhook:2:gone', 'webhook:3:down']);
    assert.ok(dead.every((d) => d.eventId === id && d.namespace === 'transport.messageReceived'));
    const event = JSON.parse(ctl(c, 'deliveries', 'event', id).stdout);
    assert.equal(event.deliveries.find((d) => d.consumerId === 'webhook:1:flaky').attemptLog.length, 3);
    const downBefore = recv.requests.filter((r) => r.url === '/down').length;
    const replay = JSON.parse(ctl(c, 'deliveries', 'replay', 'webhook:3:down').stdout);
    assert.equal(replay.replayed, 1);
    await waitUntil(() => recv.requests.filter((r) => r.url === '/down').length >= downBefore + 4, 10000, 'replayed attempts');
    await waitUntil(() => states()[2][1] === 'failed', 5000, 'dead again');
    assert.equal(ctl(c, 'deliveries', 'bogus').code, 78);
  } finally {
    await c.cleanup();
    await recv.close();
  }
});

test('bad configuration: the original\'s codes and messages, exit code 78', { skip }, async () => {
  const cases = [
    [{ targets: {}, webhooks: [{ triggers: ['a'], target: 'nope' }] },
      'error.runtime.modules.webhooks.invalidTargetReference', "Invalid configuration. target 'nope' not found!"],
    [{ targets: { t: { url: 'localhost:8080/x' } } },
      'error.runtime.modules.webhooks.invalidUrlFormat', "'localhost:8080/x' is not a valid URL."],
    [{ targets: { t: { headers: {} } } },
      'error.runtime.modules.webhooks.invalidUrlFormat', "'undefined' is not a valid URL."],
  ];
  for (const [webhooks, code, message] of cases) {
    const schema = newSchema('bad');
    const config = JSON.stringify(connectorConfig(schema, webhooks));
    const file = path.join(process.env.TMPDIR ?? '/tmp', `${schema}.json`);
    fs.writeFileSync(file, config);
    const migrate = spawnSync(path.join(builddir, 'connector-migrate'), ['--config', file],
      { encoding: 'utf8', env: { ...process.env, CONNECTOR_DEFAULT_CONFIG: defaultConfigPath, CONNECTOR_WORKER_ROLE: '' } });
    const out = migrate.stdout + migrate.stderr;
    const d = runConnectord(['--config', file]);
    fs.rmSync(file);
    assert.equal(d.code, 78, `connectord refuses to start: ${d.stderr}`);
    assert.equal(migrate.status, 78, out);
    assert.ok(out.includes(`${code}: ${message}`), `migrate names code and message: ${out}`);
  }
});

test('two connectord instances on one database deliver every event; killing one loses nothing', { skip }, async () => {
  const recv = await receiver();
  const schema = newSchema('two');
  // Short retries: under a loaded (sanitizer) build a slow answer can time out once; the default
  // schedule would then park that row for minutes although the receiver already has the event.
  const webhooks = { leaseMs: 6000, requestTimeoutMs: 2000, retrySchedule: [250, 500, 1000, 2000, 4000, 8000], targets: { t: { url: `${recv.url}/t`, secret: 'whsec_dGVzdHNlY3JldA==' } }, webhooks: [{ triggers: ['**'], target: 't' }] };
  const a = await startWith(schema, webhooks);
  const b = await startWith(schema, webhooks);
  try {
    const producing = produceAsync(schema, 'transport.messageReceived', 3000, ['--per-tx', '10', '--rate', '1500']);
    await sleep(800);
    const pids = await a.workerPids('webhooks');
    process.kill(a.pid, 'SIGKILL');
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    const ids = await producing;
    const all = sql(schema, 'SELECT event_id FROM outbox_events').map((r) => r[0]);
    assert.equal(all.length, 3000);
    assert.deepEqual(new Set(ids), new Set(all), 'the producer saw every committed event');
    const got = () => new Set(recv.requests.map((r) => r.headers['webhook-id']));
    await waitUntil(() => { const seen = got(); return all.every((id) => seen.has(id)); }, 60000, 'every event id at the receiver');
    await waitUntil(() => Number(sql(schema, "SELECT count(*) FROM outbox_deliveries WHERE state = 'delivered'")[0][0]) === 3000,
      60000, 'every delivery row delivered');
    const sockets = new Set(recv.requests.map((r) => r.port)).size;
    assert.ok(sockets * 10 < recv.requests.length, `connections are reused (${sockets} for ${recv.requests.length} requests)`);
    console.log(`# two instances: ${sockets} connections, ${recv.requests.length} requests for 3000 events, ${recv.requests.length - 3000} duplicates`);
  } finally {
    await a.cleanup().catch(() => {});
    await b.cleanup();
    await recv.close();
  }
});

// A self-signed certificate from the openssl command (skipped when it is not installed).
function selfSigned() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-tls-'));
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const pair = { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) };
  fs.rmSync(dir, { recursive: true, force: true });
  return pair;
}

test('skipTlsCheck: a self-signed HTTPS receiver is refused by default and accepted with the flag', { skip }, async (t) => {
  const pair = selfSigned();
  if (!pair) {
    t.skip('openssl not installed');
    return;
  }
  const hits = [];
  const server = https.createServer(pair, (req, res) => { req.resume(); req.on('end', () => { hits.push(req.url); res.writeHead(200); res.end(); }); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${server.address().port}`;
  try {
    for (const skipTlsCheck of [false, true]) {
      const schema = newSchema('tls');
      const c = await startWith(schema, { skipTlsCheck, retrySchedule: [60000], targets: { t: { url: `${url}/${skipTlsCheck}` } }, webhooks: [{ triggers: ['**'], target: 't' }] });
      try {
        produce(schema, 'transport.messageReceived', { id: 'MSG1' });
        const done = () => sql(schema, 'SELECT state, attempts, coalesce(last_error, \'\') FROM outbox_deliveries')[0];
        await waitUntil(() => { const d = done(); return d && (d[0] === 'delivered' || d[2] !== ''); }, 15000, 'an outcome');
        const [state, , error] = done();
        if (skipTlsCheck) assert.equal(state, 'delivered');
        else assert.ok(state === 'pending' && /certificate|SSL/i.test(error), `refused: ${state} ${error}`);
      } finally {
        await c.cleanup();
      }
    }
    assert.deepEqual(hits, ['/true'], 'only the request with skipTlsCheck reached the server');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
