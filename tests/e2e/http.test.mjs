// tests/e2e/http.test.mjs: the HTTP worker (connector-http-api) run by the real connectord, on the
// listening sockets connectord opens, through the shared harness tests/e2e/lib/connector.mjs.
// Every request uses a fresh connection (agent: false), so a worker stopped with SIGSTOP can never
// serve it: that is how the tests decide which of two workers answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startConnector, standIn, realLibexecDir, sleep } from './lib/connector.mjs';

const WORKER = path.join(realLibexecDir, 'connector-http-api');
const KEY = 'legacy-e2e-key';
const NEW_KEY = 'Another-e2e-KEY-98765-zyxwvutsrq#';
const ERROR_KEYS = ['code', 'docs', 'id', 'message', 'time'];
const connectors = [];
const HEALTH_CACHE_MS = 1100; // a little over the worker's report cache

after(async () => {
	for (const c of connectors) await c.cleanup();
});

async function connector(config, opts = {}) {
	const c = await startConnector({ config, ...opts });
	connectors.push(c);
	return c;
}

async function waitFor(what, predicate, timeoutMs = 15000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await predicate()) return;
		await sleep(25);
	}
	throw new Error(`timed out waiting for ${what}`);
}

// Log lines of one worker process.
function workerLog(c, pid) {
	return c.logs.split('\n').filter((l) => l.includes(` pid=${pid} `)).join('\n');
}

// One request on a new connection; resolves {status, headers, text, json, ms}.
function request(c, method, urlPath, { headers = {}, body, host = '127.0.0.1' } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const req = http.request({ host, port: c.port, method, path: urlPath, headers, agent: false, timeout: 15000 }, (res) => {
			const chunks = [];
			res.on('data', (chunk) => chunks.push(chunk));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let json;
				try {
					json = JSON.parse(text);
				} catch {}
				resolve({ status: res.statusCode, headers: res.headers, text, json, ms: Date.now() - started });
			});
		});
		req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer`)));
		req.on('error', reject);
		if (body !== undefined) req.write(body);
		req.end();
	});
}

const withKey = { 'X-API-KEY': KEY };

function assertError(res, status, code) {
	assert.equal(res.status, status, res.text);
	assert.match(res.headers['content-type'], /^application\/json/);
	assert.deepEqual(Object.keys(res.json), ['error']);
	const error = res.json.error;
	assert.deepEqual(Object.keys(error).filter((k) => k !== 'stacktrace' && k !== 'details').sort(), ERROR_KEYS);
	assert.equal(error.code, code);
	assert.match(error.id, /^ERR[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{17}$/);
	assert.equal(error.docs, `https://enmeshed.eu/integrate/error-codes#${code}`);
	assert.ok(!Number.isNaN(Date.parse(error.time)));
	return error;
}

const baseConfig = { infrastructure: { httpServer: { apiKey: KEY } } };
let main;

test('connectord starts the worker on its listening sockets', async () => {
	main = await connector(baseConfig);
	const status = await main.status();
	assert.equal(main.module(status, 'coreHttpApi').state, 'running');
	assert.ok(status.listen.includes(`127.0.0.1:${main.port}`));
	if (status.listen.includes(`[::1]:${main.port}`)) {
		const v6 = await request(main, 'GET', '/Monitoring/Version', { headers: withKey, host: '::1' });
		assert.equal(v6.status, 200, 'served on the IPv6 loopback too');
	}
});

test('GET /Monitoring/Version: raw body, response headers', async () => {
	const res = await request(main, 'GET', '/Monitoring/Version', { headers: withKey });
	assert.equal(res.status, 200);
	assert.deepEqual(Object.keys(res.json).sort(), ['build', 'commit', 'date', 'runtimeVersion', 'version']);
	assert.match(res.json.version, /^\d+\.\d+\.\d+/);
	assert.match(res.headers['content-type'], /^application\/json; charset=utf-8$/);
	assert.match(res.headers['x-response-time'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
	assert.match(res.headers['x-response-duration-ms'], /^\d+$/);
	assert.equal(res.headers['access-control-allow-origin'], undefined, 'CORS is off by default');
});

test('paths are case-insensitive and tolerate a trailing slash', async () => {
	assert.equal((await request(main, 'GET', '/monitoring/VERSION/', { headers: withKey })).status, 200);
});

test('missing API key: 401 envelope after the 1 s delay', async () => {
	const res = await request(main, 'GET', '/Monitoring/Version');
	const error = assertError(res, 401, 'error.connector.unauthorized');
	assert.equal(error.message, 'Unauthorized.');
	assert.equal(error.stacktrace, undefined, 'no stacktrace outside debug mode');
	assert.ok(res.ms >= 950, `answered after ${res.ms} ms`);
});

test('wrong API key refused; header name is case-insensitive', async () => {
	assertError(await request(main, 'GET', '/Monitoring/Version', { headers: { 'X-API-KEY': KEY + 'x' } }), 401, 'error.connector.unauthorized');
	assertError(await request(main, 'GET', '/Monitoring/Version', { headers: { 'X-API-KEY': KEY.slice(0, -1) } }), 401, 'error.connector.unauthorized');
	assert.equal((await request(main, 'GET', '/Monitoring/Version', { headers: { 'x-api-key': KEY } })).status, 200);
});

test('the auth delay does not block the worker: a good request overtakes a bad one', async () => {
	const order = [];
	const bad = request(main, 'GET', '/Monitoring/Version').then((r) => order.push(['bad', r.status]));
	await sleep(100);
	const good = request(main, 'GET', '/Monitoring/Version', { headers: withKey }).then((r) => order.push(['good', r.status]));
	await Promise.all([bad, good]);
	assert.deepEqual(order, [['good', 200], ['bad', 401]]);
});

test('unknown route: 401 without a key, 404 routeDoesNotExist with it', async () => {
	assertError(await request(main, 'GET', '/api/core/v1/Nothing'), 401, 'error.connector.unauthorized');
	assertError(await request(main, 'GET', '/api/core/v1/Nothing', { headers: withKey }), 404, 'error.connector.http.routeDoesNotExist');
	assertError(await request(main, 'GET', '/api/v3/Files', { headers: withKey }), 404, 'error.connector.http.routeDoesNotExist');
});

test('405 with Allow when the path exists for other methods', async () => {
	const res = await request(main, 'PUT', '/api/core/v1/Files/Own', { headers: withKey });
	assertError(res, 405, 'error.connector.http.methodNotAllowed');
	assert.equal(res.headers.allow, 'GET, HEAD, POST, DELETE');
	const health = await request(main, 'POST', '/health', { headers: withKey });
	assertError(health, 405, 'error.connector.http.methodNotAllowed');
	assert.equal(health.headers.allow, 'GET, HEAD');
});

test('business routes exist under both prefixes (501 until implemented)', async () => {
	for (const prefix of ['/api/core/v1', '/api/v2']) {
		const res = await request(main, 'GET', `${prefix}/Files/FIL12345678901234567`, { headers: withKey });
		const error = assertError(res, 501, 'error.connector.http.notImplemented');
		assert.match(error.message, /getFile/);
	}
});

test('406 when Accept excludes what the route produces', async () => {
	assertError(await request(main, 'GET', '/api/core/v1/Files', { headers: { ...withKey, Accept: 'image/png' } }), 406, 'error.connector.http.notAcceptable');
	assert.equal((await request(main, 'GET', '/api/core/v1/Files', { headers: { ...withKey, Accept: 'application/json' } })).status, 501);
	// accepted (not 406); the handler then fails with 500 because this connector has no database
	assert.equal((await request(main, 'GET', '/api/v2/Tokens/TOK12345678901234567', { headers: { ...withKey, Accept: 'image/png' } })).status, 500, 'QR routes accept image/png');
});

test('bad JSON: 400 invalidJsonInPayload even without a key', async () => {
	const headers = { 'Content-Type': 'application/json' };
	for (const body of ['{"a":', '{} x', '"text"'])
		assertError(await request(main, 'POST', '/api/core/v1/Messages', { headers, body }), 400, 'error.connector.validation.invalidJsonInPayload');
	const good = await request(main, 'POST', '/api/core/v1/Messages', { headers: { ...headers, ...withKey }, body: '{"recipients":[]}' });
	assert.equal(good.status, 501);
});

test('an empty x-www-form-urlencoded body is accepted (the SDK sync call)', async () => {
	const res = await request(main, 'POST', '/api/core/v1/Account/Sync', { headers: { ...withKey, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
	// the body passes; the sync itself fails here because this connector has no database or Backbone
	assertError(res, 500, 'error.platform.unexpected');
});

test('JSON bodies over 2 MiB: 413 payloadTooLarge', async () => {
	const headers = { ...withKey, 'Content-Type': 'application/json' };
	const error = assertError(await request(main, 'POST', '/api/core/v1/Messages', { headers, body: '[' + '1,'.repeat(1024 * 1024) + '1]' }), 413, 'error.connector.http.payloadTooLarge');
	assert.match(error.message, /2097152 bytes/);
	assert.equal((await request(main, 'POST', '/api/core/v1/Messages', { headers, body: '[' + '1,'.repeat(1024 * 1024 - 10) + '1]' })).status, 501, 'just under the limit passes');
});

test('CORS off: OPTIONS meets auth', async () => {
	const res = await request(main, 'OPTIONS', '/Monitoring/Version', { headers: { Origin: 'https://app.example' } });
	assertError(res, 401, 'error.connector.unauthorized');
	assert.equal(res.headers['access-control-allow-origin'], undefined);
});

test('/health is public, 500 without a database, and shows the supervisor view', async () => {
	const res = await request(main, 'GET', '/health');
	assert.equal(res.status, 500);
	assert.equal(res.json.isHealthy, false);
	assert.deepEqual(res.json.services, { database: 'unhealthy' });
	assert.equal(res.json.modules.coreHttpApi, 'running');
	assert.equal(res.json.modules.sync, 'disabled');
	assert.match(main.logs, /Health: database: database\.connectionString is not set/);
});

test('/Monitoring/Support masks secrets', async () => {
	const res = await request(main, 'GET', '/Monitoring/Support', { headers: withKey });
	assert.equal(res.status, 200);
	assert.deepEqual(Object.keys(res.json).sort(), ['configuration', 'health', 'identityInfo', 'version']);
	assert.equal(res.json.configuration.infrastructure.httpServer.apiKey, '***');
	assert.equal(res.json.health.isHealthy, false);
	assert.equal(typeof res.json.identityInfo.error, 'string');
	assert.ok(!res.text.includes(KEY));
});

test('request log lines: "<METHOD> <path> <status> -- <ms>ms", never the key', async () => {
	assert.match(main.logs, /INFO .*http-api\[1\].*HttpServer: GET \/Monitoring\/Version 200 -- \d+ms/);
	assert.match(main.logs, /HttpServer: PUT \/api\/core\/v1\/Files\/Own 405 -- \d+ms/);
	assert.ok(!main.logs.includes(KEY), 'the API key never appears in the log');
});

test('stop: the request in flight is answered, then the worker exits 0', async () => {
	const c = await connector(baseConfig);
	const pending = request(c, 'GET', '/Monitoring/Version');
	await sleep(200);
	const stopped = c.stop();
	assertError(await pending, 401, 'error.connector.unauthorized');
	assert.equal((await stopped).code, 0);
	assert.match(c.logs, /HttpServer: stopping: waiting for 1 request\(s\) in flight/);
	assert.match(c.logs, /http-api\[1\] pid \d+ stopped \(exited with code 0\)/);
});

test('debug mode adds stacktrace to errors', async () => {
	const c = await connector({ ...baseConfig, debug: true });
	const error = assertError(await request(c, 'GET', '/nothing', { headers: withKey }), 404, 'error.connector.http.routeDoesNotExist');
	assert.deepEqual(error.stacktrace, []);
});

test('today\'s key form: headerName and named keys; the legacy header then fails', async () => {
	const c = await connector({ infrastructure: { httpServer: { authentication: { apiKey: { headerName: 'X-Custom-Key', keys: { app: { key: NEW_KEY } } } } } } });
	assert.equal((await request(c, 'GET', '/Monitoring/Version', { headers: { 'X-Custom-Key': NEW_KEY } })).status, 200);
	assertError(await request(c, 'GET', '/Monitoring/Version', { headers: { 'X-API-KEY': NEW_KEY } }), 401, 'error.connector.unauthorized');
});

test('CORS on: preflight answered before auth, origin reflected on requests', async () => {
	const cors = { origin: ['https://app.example'], credentials: true, maxAge: 600 };
	const c = await connector({ infrastructure: { httpServer: { apiKey: KEY, cors } } });
	const pre = await request(c, 'OPTIONS', '/api/core/v1/Messages', { headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key,content-type' } });
	assert.equal(pre.status, 204);
	assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
	assert.equal(pre.headers['access-control-allow-credentials'], 'true');
	assert.equal(pre.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
	assert.equal(pre.headers['access-control-allow-headers'], 'x-api-key,content-type');
	assert.equal(pre.headers['access-control-max-age'], '600');
	const get = await request(c, 'GET', '/Monitoring/Version', { headers: { ...withKey, Origin: 'https://app.example' } });
	assert.equal(get.status, 200);
	assert.equal(get.headers['access-control-allow-origin'], 'https://app.example');
	const other = await request(c, 'GET', '/Monitoring/Version', { headers: { ...withKey, Origin: 'https://evil.example' } });
	assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('bad CORS configuration: the worker exits 78 naming the key', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-e2e-bad-'));
	const configFile = path.join(dir, 'config.json');
	fs.writeFileSync(configFile, JSON.stringify({ infrastructure: { httpServer: { cors: { origin: 5 } } } }));
	const env = { ...process.env, CONNECTOR_RUNTIME_DIR: dir, CONNECTOR_CONFIG_FILE: configFile, CONNECTOR_BUS_PUSH: 'ipc:///x', CONNECTOR_BUS_SUB: 'ipc:///y', CONNECTOR_CONTROL: 'ipc:///z', CONNECTOR_LISTEN_FDS: '1' };
	const child = spawn(WORKER, ['--index', '1'], { env, stdio: ['ignore', 'ignore', 'pipe', 'ignore', 'ignore'] });
	let stderr = '';
	child.stderr.on('data', (d) => (stderr += d));
	const code = await new Promise((resolve) => child.on('exit', resolve));
	fs.rmSync(dir, { recursive: true, force: true });
	assert.equal(code, 78);
	assert.match(stderr, /infrastructure\.httpServer\.cors\.origin: expected a boolean, a string or an array of strings/);
});

test('/health checks the Backbone at transportLibrary.baseUrl', async () => {
	const backbone = http.createServer((req, res) => {
		res.statusCode = req.url === '/health' ? 503 : 404;
		res.end();
	});
	await new Promise((resolve) => backbone.listen(0, '127.0.0.1', resolve));
	const c = await connector({ ...baseConfig, transportLibrary: { baseUrl: `http://127.0.0.1:${backbone.address().port}` } });
	const res = await request(c, 'GET', '/health');
	backbone.close();
	assert.equal(res.status, 500);
	assert.deepEqual(res.json.services, { database: 'unhealthy', backboneConnection: 'unhealthy', backboneAuthentication: 'unhealthy' });
});

test('/health is 200 with a reachable database, 500 once a module fails', { skip: !process.env.CONNECTOR_TEST_DATABASE && 'CONNECTOR_TEST_DATABASE not set' }, async () => {
	const admin = process.env.CONNECTOR_TEST_DATABASE;
	const name = `http_e2e_${process.pid}_${Date.now()}`;
	const psql = (sql) => spawnSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
	assert.equal(psql(`CREATE DATABASE ${name}`).status, 0);
	try {
		const c = await connector({ ...baseConfig, database: { connectionString: admin.replace(/dbname=\S+/, `dbname=${name}`) } });
		const res = await request(c, 'GET', '/health');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.json.isHealthy, true);
		assert.deepEqual(res.json.services, { database: 'healthy' });
		await c.stop();
		const failing = await connector({ ...baseConfig, database: { connectionString: admin.replace(/dbname=\S+/, `dbname=${name}`) }, modules: { sync: { enabled: true } } }, { workers: { sync: standIn.crash }, waitReady: false });
		await failing.waitFor((s) => failing.module(s, 'coreHttpApi').state === 'running' && failing.module(s, 'sync').state !== 'running', 15000, 'sync failing');
		await sleep(HEALTH_CACHE_MS);
		const unhealthy = await request(failing, 'GET', '/health');
		assert.equal(unhealthy.status, 500, unhealthy.text);
		assert.deepEqual(unhealthy.json.services, { database: 'healthy' });
		assert.notEqual(unhealthy.json.modules.sync, 'running');
		await failing.stop();
	} finally {
		psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
	}
});
test('/Monitoring/Requests: summed over 2 workers, kept across kill -9 of a worker', async () => {
	const c = await connector({ ...baseConfig, modules: { coreHttpApi: { workers: 2 } } });
	const [first, second] = await c.workerPids('coreHttpApi');
	const served = (pid) => (workerLog(c, pid).match(/HttpServer: GET \/Monitoring\/Version 200/g) ?? []).length;
	process.kill(first, 'SIGSTOP');
	for (let i = 0; i < 3; i++) assert.equal((await request(c, 'GET', '/Monitoring/Version', { headers: withKey })).status, 200);
	process.kill(first, 'SIGCONT');
	process.kill(second, 'SIGSTOP');
	for (let i = 0; i < 2; i++) assert.equal((await request(c, 'GET', '/Monitoring/Version', { headers: withKey })).status, 200);
	assert.equal((await request(c, 'GET', '/nothing', { headers: withKey })).status, 404);
	process.kill(second, 'SIGCONT');
	await waitFor('log lines of both workers', () => served(first) === 2 && served(second) === 3);
	const counts = await request(c, 'GET', '/Monitoring/Requests', { headers: withKey });
	assert.equal(counts.status, 200);
	assert.deepEqual(counts.json.requestCountByStatus, { 200: 5, 404: 1 });
	assert.equal(counts.json.requestCount, 6);

	process.kill(first, 'SIGKILL');
	const status = await c.waitFor((s) => {
		const w = c.module(s, 'coreHttpApi').workers[0];
		return w.pid !== first && w.state === 'running';
	}, 15000, 'worker 1 restarted');
	const replacement = c.module(status, 'coreHttpApi').workers[0].pid;
	process.kill(second, 'SIGSTOP');
	const later = await request(c, 'GET', '/Monitoring/Requests', { headers: withKey }).finally(() => process.kill(second, 'SIGCONT'));
	// The request log line is written when the response has finished, which can be after the client read it.
	await waitFor('the new worker answered', () => /GET \/Monitoring\/Requests 200/.test(workerLog(c, replacement)));
	assert.deepEqual(later.json.requestCountByStatus, { 200: 6, 404: 1 }, 'the earlier Requests call counts once finished');
	assert.equal(later.json.requestCount, 7);
	assert.equal(later.json.since, counts.json.since);
});
