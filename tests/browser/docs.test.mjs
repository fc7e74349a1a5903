// docs.test.mjs (browser): headless Chromium (Debian's chromium package) opens /docs/swagger of a
// running debug Connector, Swagger UI (from the vendored swagger-ui-dist) fetches /docs/json and
// renders it; the test reads the rendered DOM for the route list and writes a screenshot to
// <builddir>/tests/browser/output/docs-swagger.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { builddir, srcdir, startConnector } from '../e2e/lib/connector.mjs';
import { tempDir } from '../e2e/ops-helpers.mjs';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const modules = process.env.CONNECTOR_NPM_MODULES ?? path.join(srcdir, 'contrib/docs-ui/node_modules');
const uiDir = path.join(modules, 'swagger-ui-dist');
const skip = (!chromium && 'chromium not installed (contrib/install-deps.sh)') ||
  (!fs.existsSync(uiDir) && 'swagger-ui-dist not installed: npm ci --prefix contrib/docs-ui');
const outputDir = path.join(builddir, 'tests/browser/output');

// Runs headless Chromium on url with extra arguments; resolves its stdout.
function runChromium(url, args, profile) {
  return new Promise((resolve, reject) => {
    const proc = spawn(chromium, [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-extensions', '--disable-background-networking', '--disable-sync', '--hide-scrollbars',
      `--user-data-dir=${profile}`, '--window-size=1280,2200', '--virtual-time-budget=20000', ...args, url,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 120000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`chromium exited ${code}:\n${stderr}`));
    });
  });
}

test('headless Chromium renders the route list of /docs/swagger', { skip, timeout: 300000 }, async () => {
  const c = await startConnector({
    config: { debug: true, modules: { coreHttpApi: { docs: { enabled: true } } } },
    env: { CONNECTOR_DOCS_UI_DIR: uiDir },
  });
  const profile = tempDir('connector-chromium-');
  try {
    const doc = await (await fetch(`${c.baseUrl}/docs/json`)).json();
    const url = `${c.baseUrl}/docs/swagger`;
    const dom = await runChromium(url, ['--dump-dom'], profile);
    // Swagger UI rendered the document: title, tag sections and one summary per operation
    assert.match(dom, /class="swagger-ui"/);
    assert.match(dom, /enmeshed Connector \(C\): Core HTTP API/);
    const rendered = new Set([...dom.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]));
    const documented = Object.keys(doc.paths);
    assert.ok(documented.length > 50);
    for (const p of documented) assert.ok(rendered.has(p), `the route list shows ${p}`);
    for (const method of ['get', 'post', 'put', 'delete']) assert.match(dom, new RegExp(`opblock-${method}`));
    fs.mkdirSync(outputDir, { recursive: true });
    const shot = path.join(outputDir, 'docs-swagger.png');
    fs.rmSync(shot, { force: true });
    await runChromium(url, [`--screenshot=${shot}`], profile);
    const png = fs.readFileSync(shot);
    assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG');
    assert.ok(png.length > 20000, `a screenshot with content (${png.length} bytes)`);
    console.log(`screenshot: ${shot}`);
    // the requests the browser made went through the HTTP worker
    assert.match(c.logs, /HttpServer: GET \/docs\/swagger\/swagger-ui-bundle\.js 200/);
    assert.match(c.logs, /HttpServer: GET \/docs\/json 200/);
  } finally {
    await c.cleanup();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
