// tests/e2e/relationships-lib.mjs: helpers of the relationship/token end-to-end tests: JSON calls
// with the API key (core/v1 or v2 prefix), future dates, the outbox events of a schema, and
// waiting for a relationship to reach a status on one side after syncing it.
import assert from 'node:assert/strict';
import { API_KEY, sql } from './account-lib.mjs';
import { sleep } from './lib/connector.mjs';

export async function call(connector, method, path, body, { prefix = '/api/core/v1', headers = {} } = {}) {
  const init = { method, headers: { 'X-API-KEY': API_KEY, ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(connector.baseUrl + prefix + path, init);
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

// Asserts status and returns the result (or the error object for 4xx/5xx).
export async function expect(connector, method, path, body, status, options) {
  const res = await call(connector, method, path, body, options);
  assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
  return res.json?.result ?? res.json?.error ?? res.json;
}

export const inFuture = (ms = 3600_000) => new Date(Date.now() + ms).toISOString();

export function events(env, schema, namespace) {
  const rows = sql(env, `SELECT coalesce(json_agg(data ORDER BY seq), '[]') FROM "${schema}".outbox_events WHERE namespace = '${namespace}'`);
  return JSON.parse(rows || '[]');
}

export async function sync(connector) {
  const res = await call(connector, 'POST', '/Account/Sync');
  assert.equal(res.status, 204, `sync: ${res.text}`);
}

// Syncs connector until its relationship id has status (the Backbone may still be committing).
export async function syncUntil(connector, id, status, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sync(connector);
    const list = await expect(connector, 'GET', '/Relationships', undefined, 200);
    const r = list.find((x) => x.id === id);
    if (r?.status === status) return r;
    if (Date.now() > deadline) throw new Error(`relationship ${id} did not reach ${status}: ${JSON.stringify(r)}`);
    await sleep(200);
  }
}

export const templateContent = (value) => ({ '@type': 'ArbitraryRelationshipTemplateContent', value });
export const creationContent = (value) => ({ '@type': 'ArbitraryRelationshipCreationContent', value });
