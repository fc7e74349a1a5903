// tests/e2e/account-lib.mjs: shared setup of the account/sync end-to-end tests: a private database
// per test file with a local Backbone (connector-backbone-dev) in it, a connectord (shared harness)
// configured for that Backbone, API calls with the key, the connector's device credentials read
// from its schema (so a test can act as the connector on the Backbone), and a peer identity that
// makes external events for the connector (templates of the connector with one allocation each,
// exhausted by the peer: one RelationshipTemplateAllocationsExhausted event per template).
import { spawn } from 'node:child_process';
import { Client, createDatabase, dropDatabase, psql, startBackbone } from './backbone-lib.mjs';
import { startConnector, sleep } from './lib/connector.mjs';

export const API_KEY = 'e2e-Account-Key-0123456789-abcdef!';
export const haveDatabase = Boolean(process.env.CONNECTOR_TEST_DATABASE);

export async function setupBackbone(prefix) {
  const db = createDatabase(prefix);
  const backbone = await startBackbone(['--listen', '127.0.0.1:0', '--database', db.conninfo]);
  return { db, backbone };
}

// Restarts the Backbone on the same port (its state is in the database).
export async function restartBackbone(env) {
  await env.backbone.stop();
  env.backbone = await startBackbone(['--listen', `127.0.0.1:${env.backbone.port}`, '--database', env.db.conninfo]);
}

export async function teardown(env, connectors = []) {
  for (const c of connectors) await c?.cleanup();
  await env?.backbone?.stop();
  if (env?.db) dropDatabase(env.db.name);
}

export function connectorConfig(env, dbName, modules = {}) {
  return {
    transportLibrary: {
      baseUrl: env.backbone.baseUrl,
      platformClientId: 'test',
      platformClientSecret: 'test',
      platformTimeout: 5000,
    },
    database: { connectionString: env.db.conninfo, dbName },
    infrastructure: { httpServer: { apiKey: API_KEY } },
    modules,
  };
}

export function start(env, dbName, modules = {}) {
  return startConnector({ config: connectorConfig(env, dbName, modules), startTimeoutMs: 30000 });
}

export async function api(connector, method, path, { prefix = '/api/core/v1', headers = {} } = {}) {
  const res = await fetch(connector.baseUrl + prefix + path, { method, headers: { 'X-API-KEY': API_KEY, ...headers } });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

export function sql(env, query) {
  return psql(env.db.conninfo, query);
}

export function count(env, query) {
  return Number(sql(env, query));
}

// A Backbone client logged in as the connector's device (credentials from its schema).
export async function asConnector(env, dbName) {
  const row = sql(env, `SELECT username || ' ' || device_password || ' ' || address FROM "${dbName}".account_identity`);
  const [username, password, address] = row.split(' ');
  const client = new Client(env.backbone.baseUrl);
  client.username = username;
  client.address = address;
  const res = await client.login(password);
  if (res.status !== 200) throw new Error('login as the connector failed: ' + res.text);
  return client;
}

export async function newPeer(env) {
  return new Client(env.backbone.baseUrl).createIdentity();
}

// n external events for the connector (see the header); returns their template ids.
export async function makeEvents(owner, peer, n) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const t = await owner.post('/api/v2/RelationshipTemplates', { content: 'AAEC', maxNumberOfAllocations: 1 });
    if (t.status === 401) { await owner.login(owner.password); i--; continue; }
    if (t.status !== 201) throw new Error('template: ' + t.text);
    const g = await peer.get(`/api/v2/RelationshipTemplates/${t.json.result.id}`);
    if (g.status !== 200) throw new Error('allocation: ' + g.text);
    ids.push(t.json.result.id);
  }
  return ids;
}

// Events of the connector's identity the Backbone has not had acknowledged yet.
export function unsyncedOnBackbone(env, address) {
  return count(env, `SELECT count(*) FROM backbone.external_events WHERE owner = '${address}' AND NOT delivered`);
}

export async function waitUntil(what, predicate, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// The session advisory lock key of lib/db (purpose, FNV-1a of the schema name as int32).
export const LOCK_SYNC = 0x434e0002;
export function lockKey(schema) {
  let hash = 2166136261;
  for (const byte of Buffer.from(schema)) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return hash | 0;
}

// Holds the schema's sync lock in a psql session until release() (pauses every sync meanwhile).
export async function holdSyncLock(env, schema) {
  const proc = spawn('psql', [env.db.conninfo, '-At', '-v', 'ON_ERROR_STOP=1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stdin.write(`SELECT pg_advisory_lock(${LOCK_SYNC}, ${lockKey(schema)}); SELECT 'locked';\n`);
  await waitUntil('the sync lock', () => out.includes('locked'), 30000);
  return {
    release: () => new Promise((resolve) => {
      proc.on('exit', resolve);
      proc.stdin.end('\\q\n');
    }),
  };
}
