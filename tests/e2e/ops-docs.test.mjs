// ops-docs.test.mjs: the OpenAPI document at /docs/json and /docs/yaml matches the routes the binary
// actually serves. Compared three ways: with the route table in workers/http-api/routes.c (read from
// the source, independent of the binary), by sending every documented operation to the binary
// (under /api/core/v1 and /api/v2: none may answer 404 or 405), and JSON against YAML (parsed with
// the npm package yaml). Also: the docs exist only in debug mode with docs.enabled, and the Swagger
// UI page and its assets (from the npm package swagger-ui-dist) are served.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';

import { srcdir, startConnector } from './lib/connector.mjs';
import { secret } from './ops-helpers.mjs';

// The npm packages of contrib/docs-ui (npm ci --prefix contrib/docs-ui), or CONNECTOR_NPM_MODULES.
const vendored = process.env.CONNECTOR_NPM_MODULES ?? path.join(srcdir, 'contrib/docs-ui/node_modules');
const uiDir = path.join(vendored, 'swagger-ui-dist');
const yamlPath = path.join(vendored, 'yaml');
const YAML = fs.existsSync(yamlPath) ? createRequire(import.meta.url)(yamlPath) : null;
const skipVendored = (!YAML || !fs.existsSync(uiDir)) && 'npm packages not installed: run npm ci --prefix contrib/docs-ui';

const key = secret('docs-key');
const docsConfig = {
  debug: true,
  infrastructure: { httpServer: { authentication: { apiKey: { keys: { main: { key } } } } } },
  modules: { coreHttpApi: { docs: { enabled: true } } },
};

// Every {method, path} row of the route table source, and which list it is in.
function sourceRoutes() {
  const text = fs.readFileSync(path.join(srcdir, 'workers/http-api/routes.c'), 'utf8');
  const lists = {};
  for (const m of text.matchAll(/static const struct api_route (\w+)\[\] = \{([\s\S]*?)\n\};/g))
    lists[m[1]] = [...m[2].matchAll(/\{HTTP_M_(\w+), "([^"]+)"/g)].map((r) => ({ method: r[1].toLowerCase(), path: r[2] }));
  return lists;
}

function documentedOperations(doc) {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) ops.push({ method, path: p, op });
  return ops;
}

const key_ = (r) => `${r.method.toUpperCase()} ${r.path}`;

test('the docs are served only in debug mode with modules.coreHttpApi.docs.enabled', async () => {
  for (const config of [{ modules: { coreHttpApi: { docs: { enabled: true } } } }, { debug: true }]) {
    const c = await startConnector({ config: { ...config, infrastructure: docsConfig.infrastructure } });
    try {
      for (const p of ['/docs/json', '/docs/yaml', '/docs/swagger']) {
        const r = await fetch(`${c.baseUrl}${p}`, { headers: { 'X-API-KEY': key } });
        await r.text();
        assert.equal(r.status, 404, `${p} with ${JSON.stringify(config)}`);
      }
    } finally {
      await c.cleanup();
    }
  }
});

test('the OpenAPI document lists exactly the routes of the route table, and the binary serves each of them', { skip: skipVendored }, async () => {
  const c = await startConnector({ config: docsConfig, env: { CONNECTOR_DOCS_UI_DIR: uiDir } });
  try {
    const r = await fetch(`${c.baseUrl}/docs/json`);
    assert.equal(r.status, 200, 'public: a browser loads it without the key');
    assert.match(r.headers.get('content-type'), /^application\/json/);
    const doc = await r.json();
    assert.equal(doc.openapi, '3.0.3');
    assert.equal(doc.components.securitySchemes.ApiKey.name, 'X-API-KEY');
    const documented = documentedOperations(doc);
    // 1. the same set as the source's route table (business rows under the current prefix)
    const lists = sourceRoutes();
    const expected = [
      ...lists.infrastructure_routes, ...lists.docs_routes,
      lists.metrics_routes[0],
      ...lists.business_routes.map((b) => ({ method: b.method, path: `/api/core/v1${b.path}` })),
    ].map(key_).sort();
    assert.ok(lists.business_routes.length > 50, 'the route table was read');
    assert.deepEqual(documented.map(key_).sort(), [...new Set(expected)].sort());
    // 2. operation ids are unique; public routes say so
    const ids = documented.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, 'unique operationIds');
    for (const o of documented) {
      const isPublic = o.path === '/health' || o.path.startsWith('/docs');
      assert.equal(Array.isArray(o.op.security) && o.op.security.length === 0, isPublic, `${key_(o)} security`);
      const params = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      assert.deepEqual(o.op.parameters.map((p) => p.name), params, `${key_(o)} path parameters`);
    }
    // 3. the binary serves every documented operation, under both prefixes for the API routes
    for (const o of documented) {
      const concrete = o.path.replace(/\{asset\}/, 'swagger-ui.css').replace(/\{\w+\}/g, 'X1');
      const urls = [concrete];
      if (concrete.startsWith('/api/core/v1/')) urls.push(concrete.replace('/api/core/v1/', '/api/v2/'));
      for (const url of urls) {
        const body = ['post', 'put', 'patch'].includes(o.method) ? '{}' : undefined;
        const res = await fetch(`${c.baseUrl}${url}`, {
          method: o.method.toUpperCase(), body,
          headers: { 'X-API-KEY': key, Accept: '*/*', ...(body ? { 'Content-Type': 'application/json' } : {}) },
        });
        await res.arrayBuffer();
        assert.ok(![404, 405].includes(res.status) || (url.includes('X1') && res.status === 404 && !(await isRouteMissing(c, o, url))),
          `${o.method.toUpperCase()} ${url} is served (answered ${res.status})`);
      }
    }
    // and a path that is not documented is not served
    const missing = await fetch(`${c.baseUrl}/api/core/v1/NotARoute`, { headers: { 'X-API-KEY': key } });
    assert.equal(missing.status, 404);
    await missing.text();
    // 4. /docs/yaml is the same document
    const y = await fetch(`${c.baseUrl}/docs/yaml`);
    assert.match(y.headers.get('content-type'), /^application\/yaml/);
    assert.deepEqual(YAML.parse(await y.text()), doc);
  } finally {
    await c.cleanup();
  }
});

// A 404 from a handler (record not found) differs from the router's routeDoesNotExist.
async function isRouteMissing(c, o, url) {
  const res = await fetch(`${c.baseUrl}${url}`, { method: o.method.toUpperCase(), headers: { 'X-API-KEY': key } });
  const text = await res.text();
  return text.includes('error.connector.http.routeDoesNotExist');
}

test('Swagger UI: the page and its assets from the swagger-ui-dist npm package', { skip: skipVendored }, async () => {
  const c = await startConnector({ config: docsConfig, env: { CONNECTOR_DOCS_UI_DIR: uiDir } });
  try {
    const page = await fetch(`${c.baseUrl}/docs/swagger`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    const html = await page.text();
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js']) {
      assert.ok(html.includes(`/docs/swagger/${asset}`), asset);
      const r = await fetch(`${c.baseUrl}/docs/swagger/${asset}`);
      assert.equal(r.status, 200, asset);
      const body = Buffer.from(await r.arrayBuffer());
      if (asset !== 'init.js') assert.ok(body.equals(fs.readFileSync(path.join(uiDir, asset))), `${asset} is the package's file`);
      else assert.match(body.toString(), /SwaggerUIBundle\(\{ url: '\/docs\/json'/);
    }
    const nope = await fetch(`${c.baseUrl}/docs/swagger/other.js`);
    assert.equal(nope.status, 404);
    await nope.text();
  } finally {
    await c.cleanup();
  }
});

test('missing UI assets: 503 naming the file, the rest of the docs still served', async () => {
  const c = await startConnector({ config: docsConfig, env: { CONNECTOR_DOCS_UI_DIR: '/nonexistent/docs-ui' } });
  try {
    const r = await fetch(`${c.baseUrl}/docs/swagger/swagger-ui-bundle.js`);
    assert.equal(r.status, 503);
    assert.match(await r.text(), /\/nonexistent\/docs-ui\/swagger-ui-bundle\.js/);
    assert.equal((await fetch(`${c.baseUrl}/docs/json`)).status, 200);
  } finally {
    await c.cleanup();
  }
});
