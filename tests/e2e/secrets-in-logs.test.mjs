// secrets-in-logs.test.mjs: no configured secret ever reaches a log. connectord runs with real
// workers at the most verbose level (trace, debug mode) in both log formats, with every kind of
// secret configured (API keys old and new form, the platform client secret from the file and from the
// environment, a database password in both connection-string forms), then is exercised: good and bad
// keys, bearer tokens, keys in query strings, /Monitoring/Support, /health with the database,
// reloads (good, and refused with secrets in the bad file), --check-config, connectorctl.
// Everything connectord and its workers printed is collected and searched for each secret.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { runConnectord, sleep, startConnector } from './lib/connector.mjs';
import { secret, tempDir } from './ops-helpers.mjs';

const database = process.env.CONNECTOR_TEST_DATABASE;

function psql(sql) {
  const r = spawnSync('psql', [database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout;
}

// "host=/x port=5432 user=postgres dbname=postgres" -> its parts
function conninfoParts(conninfo) {
  return Object.fromEntries(conninfo.trim().split(/\s+/).map((kv) => kv.split('=')));
}

// Every secret, by what it stands for.
function makeSecrets() {
  return {
    oldApiKey: secret('old-api-key'),
    newApiKey: secret('new-api-key'),
    envApiKey: secret('env-api-key'),
    clientSecret: secret('client-secret'),
    envClientSecret: secret('env-client-secret'),
    dbPassword: secret('db-password'),
    wrongKey: secret('wrong-key'),
    bearer: secret('bearer-token'),
    queryKey: secret('query-key'),
    reloadKey: secret('reload-key'),
    badFileSecret: secret('bad-file-secret'),
  };
}

function assertNoSecret(text, secrets, where) {
  assert.ok(text.length > 0, `${where}: something was logged`);
  const forms = Object.entries(secrets).flatMap(([name, value]) =>
    [[name, value], [`${name} (URI-encoded)`, encodeURIComponent(value)]]);
  for (const [name, value] of forms)
    assert.equal(text.includes(value), false, `${where}: the ${name} appears in the log:\n` +
      text.split('\n').filter((l) => l.includes(value)).join('\n'));
}

async function exercise(c, s, collected) {
  // Connection: close: a reload restarts the workers, a kept-alive socket to a stopped one would fail
  const get = (p, headers = {}) => fetch(`${c.baseUrl}${p}`, { headers: { ...headers, Connection: 'close' } })
    .then(async (r) => ({ status: r.status, body: await r.text() }));
  // API_KEY (environment) replaces infrastructure.httpServer.apiKey from the file
  assert.equal((await get('/Monitoring/Version', { 'X-API-KEY': s.oldApiKey })).status, 401);
  assert.equal((await get('/Monitoring/Version', { 'X-API-KEY': s.newApiKey })).status, 200);
  assert.equal((await get('/Monitoring/Version', { 'X-API-KEY': s.envApiKey })).status, 200);
  assert.equal((await get('/Monitoring/Version', { 'X-API-KEY': s.wrongKey })).status, 401);
  assert.equal((await get('/Monitoring/Version', { Authorization: `Bearer ${s.bearer}` })).status, 401);
  assert.equal((await get(`/Monitoring/Requests?apiKey=${s.queryKey}&token=${s.bearer}`, { 'X-API-KEY': s.newApiKey })).status, 200);
  assert.equal((await get(`/api/core/v1/No/${s.queryKey}`, { 'X-API-KEY': s.newApiKey })).status, 404);
  const support = await get('/Monitoring/Support', { 'X-API-KEY': s.newApiKey });
  assert.equal(support.status, 200);
  collected.push(support.body); // the support document shows the configuration: masked
  const health = await get('/health');
  collected.push(health.body);
  for (const args of [['status', '--json'], ['health', '--json'], ['status']]) {
    const r = await c.ctl(...args);
    collected.push(r.stdout, r.stderr);
  }
}

async function runScenario(format, connectionString) {
  const s = makeSecrets();
  const dir = tempDir('connector-secrets-');
  const collected = [];
  const config = {
    debug: true,
    logging: { level: 'trace', format },
    transportLibrary: { platformClientId: 'client-id', platformClientSecret: s.clientSecret },
    infrastructure: {
      httpServer: {
        apiKey: s.oldApiKey,
        authentication: { apiKey: { keys: { main: { key: s.newApiKey } } } },
      },
    },
    modules: { coreHttpApi: { workers: 2 } },
  };
  if (connectionString) config.database = { connectionString: connectionString(s.dbPassword), dbName: 'secrets' };
  const c = await startConnector({
    config,
    env: { PLATFORM_CLIENT_SECRET: s.envClientSecret, API_KEY: s.envApiKey },
  });
  try {
    await exercise(c, s, collected);
    // a good reload that changes a key
    const reloaded = { ...c.config, infrastructure: { ...c.config.infrastructure, httpServer: {
      ...c.config.infrastructure.httpServer, authentication: { apiKey: { keys: { main: { key: s.reloadKey } } } },
    } } };
    c.writeConfig(reloaded);
    await c.reload();
    const restarted = (st) => st.configGeneration >= 2 && st.modules.find((m) => m.name === 'coreHttpApi').workers
      .every((w) => w.state === 'running' && w.restarts >= 1);
    await c.waitFor(restarted, 20000, 'the workers restarted with the new key');
    // a refused reload: the bad file holds secrets in wrongly typed secret keys (a wrong non-secret
    // value, the port, is echoed in the error as it should be)
    const badFile = {
      ...c.config,
      transportLibrary: { platformClientSecret: [s.badFileSecret] },
      infrastructure: { httpServer: { apiKey: { value: s.badFileSecret }, port: 'eighty' } },
    };
    c.writeConfig(badFile);
    await c.reload();
    await sleep(500);
    assert.equal(c.exitCode, undefined, 'the refused reload left connectord running');
    const check = runConnectord(['--check-config', '--config', c.configPath],
      { env: { PLATFORM_CLIENT_SECRET: s.envClientSecret, API_KEY: s.envApiKey } });
    assert.equal(check.code, 78);
    collected.push(check.stdout, check.stderr);
    c.writeConfig(reloaded);
    await c.reload();
    await c.waitFor(restarted, 20000, 'the reloaded workers');
    await exercise(c, { ...s, newApiKey: s.reloadKey }, collected);
  } finally {
    await c.stop().catch(() => {});
    await c.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { log: c.logs, collected: collected.join('\n'), secrets: s };
}

test('human format at trace level: no secret in any log line of connectord or its workers', async () => {
  const { log, collected, secrets } = await runScenario('human');
  // the run really was verbose and really reached the workers
  assert.match(log, /DEBUG|TRACE/);
  assert.match(log, /http-api\[[12]\] pid=\d+ HttpServer: GET \/Monitoring\/Version 200/);
  assert.match(log, /HttpServer: GET \/Monitoring\/Version 401/);
  assertNoSecret(log, secrets, 'connectord output');
  assertNoSecret(collected, secrets, 'answers and tool output');
});

test('JSON format with a real database (password in a URI): no secret in any log line', { skip: !database && 'CONNECTOR_TEST_DATABASE not set' }, async () => {
  const name = `ops_secrets_${process.pid}_${Date.now()}`;
  psql(`CREATE DATABASE ${name}`);
  try {
    const parts = conninfoParts(database);
    const uri = (password) => `postgresql://${parts.user}:${encodeURIComponent(password)}@/${name}?host=${encodeURIComponent(parts.host)}&port=${parts.port ?? 5432}`;
    const { log, collected, secrets } = await runScenario('json', uri);
    const lines = log.split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l));
    assert.ok(parsed.some((l) => l.module === 'migrate'), 'the migration child logged (it used the password)');
    assert.ok(parsed.some((l) => l.module === 'http-api' && l.category === 'HttpServer'));
    assertNoSecret(log, secrets, 'connectord output');
    assertNoSecret(collected, secrets, 'answers and tool output');
  } finally {
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
});

test('a URI password with a raw "#" and "?" (libpq takes both verbatim) is masked too', { skip: !database && 'CONNECTOR_TEST_DATABASE not set' }, async () => {
  const name = `ops_secrets_raw_${process.pid}_${Date.now()}`;
  psql(`CREATE DATABASE ${name}`);
  try {
    const parts = conninfoParts(database);
    const uri = (password) => `postgresql://${parts.user}:${password}?x@/${name}?host=${encodeURIComponent(parts.host)}&port=${parts.port ?? 5432}`;
    const { log, collected, secrets } = await runScenario('human', uri);
    assert.match(collected, /"connectionString":"postgresql:\/\/[^"]*:\*\*\*@/, 'the support document shows the URI with the password masked');
    assertNoSecret(log, secrets, 'connectord output');
    assertNoSecret(collected, secrets, 'answers and tool output');
  } finally {
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
});

test('key=value connection string with an unreachable server: the password stays out of the retries\' errors', async () => {
  const password = secret('db-password');
  const c = await startConnector({
    waitReady: false,
    config: {
      logging: { level: 'trace' },
      database: { connectionString: `host=127.0.0.1 port=1 user=connector password=${password} dbname=x connect_timeout=1` },
    },
  });
  try {
    const deadline = Date.now() + 15000;
    while ((c.logs.match(/connector-migrate exited with code 75/g) ?? []).length < 2 && Date.now() < deadline) await sleep(50);
    assert.match(c.logs, /migrate\[0\] pid=\d+ Migrate: .*127\.0\.0\.1/, 'the migration child logged the failed connection');
  } finally {
    await c.cleanup();
  }
  assertNoSecret(c.logs, { password }, 'connectord output');
});
