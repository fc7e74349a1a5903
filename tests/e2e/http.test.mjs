// tests/e2e/http.test.mjs: the HTTP worker (connector-http-api) as a real process on a real socket.
//
// Until the shared harness (tests/e2e/lib/connector.mjs, connectord) is available, this file plays a
// minimal supervisor: it opens the listening socket, hands it (fd 4) to a small `sh` that keeps it
// and starts worker processes on request (fd 3, the notify pipe, is the shell's stdout, so READY and
// HEARTBEAT lines come back here), which also lets a test kill -9 one worker and start another on the
// same socket. Every request uses a fresh connection (agent: false), so a stopped worker (SIGSTOP)
// can never serve it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const WORKER = path.join(process.env.CONNECTOR_LIBEXEC_DIR ?? process.env.CONNECTOR_BUILDDIR ?? '.', 'connector-http-api');
const KEY = 'e2e-Key-0123456789-abcdefghijkl!';
const NEW_KEY = 'Another-e2e-key-98765-ZYXWVUTSRQ#';
const ERROR_KEYS = ['code', 'docs', 'id', 'message', 'time'];
const groups = [];

after(async () => {
	for (const group of groups) await group.stop();
});

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what, predicate, timeoutMs = 15000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await predicate()) return;
		await sleep(25);
	}
	throw new Error(`timed out waiting for ${what}`);
}

// A set of workers sharing one listening socket and one runtime directory.
async function startGroup(config, { workers = 1 } = {}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-e2e-'));
	fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
	const listener = net.createServer();
	await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
	const port = listener.address().port;
	const env = {
		...process.env,
		CONNECTOR_RUNTIME_DIR: dir,
		CONNECTOR_CONFIG_FILE: path.join(dir, 'config.json'),
		CONNECTOR_BUS_PUSH: `ipc://${dir}/bus-push`,
		CONNECTOR_BUS_SUB: `ipc://${dir}/bus-sub`,
		CONNECTOR_CONTROL: `ipc://${dir}/control`,
		CONNECTOR_LISTEN_FDS: '1',
		CONNECTOR_HEARTBEAT_MS: '200',
		CONNECTOR_WORKER_ROLE: 'http-api',
		CONNECTOR_WORKER_MODULE: 'coreHttpApi',
	};
	const shell = spawn('sh', ['-c', 'while read -r index; do "$WORKER" --index "$index" 3>&1 </dev/null 2>>"$CONNECTOR_RUNTIME_DIR/worker-$index.log" & echo "PID $index $!"; done'], {
		env: { ...env, WORKER },
		stdio: ['pipe', 'pipe', 'inherit', 'ignore', listener._handle.fd],
	});
	listener.close();
	const group = { dir, port, shell, pids: {}, notify: [], exits: {} };
	let pending = '';
	shell.stdout.on('data', (chunk) => {
		pending += chunk;
		const lines = pending.split('\n');
		pending = lines.pop();
		for (const line of lines) {
			const pid = /^PID (\d+) (\d+)$/.exec(line);
			if (pid) group.pids[pid[1]] = Number(pid[2]);
			else group.notify.push(line);
		}
	});
	group.start = async (index) => {
		const ready = group.notify.filter((l) => l === 'READY').length;
		shell.stdin.write(`${index}\n`);
		await waitFor(`worker ${index} READY`, () => group.notify.filter((l) => l === 'READY').length > ready && group.pids[index]);
		await waitFor(`worker ${index} log`, () => group.log(index).includes('serving on'));
		return group.pids[index];
	};
	group.log = (index) => {
		try {
			return fs.readFileSync(path.join(dir, `worker-${index}.log`), 'utf8');
		} catch {
			return '';
		}
	};
	// Killed workers stay zombies of the shell until it reaps them: those count as gone.
	group.alive = (pid) => {
		try {
			return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
		} catch {
			return false;
		}
	};
	group.stop = async () => {
		shell.stdin.end();
		for (const pid of Object.values(group.pids)) {
			try {
				process.kill(pid, 'SIGCONT');
				process.kill(pid, 'SIGTERM');
			} catch {}
		}
		for (const pid of Object.values(group.pids)) await waitFor(`pid ${pid} exit`, () => !group.alive(pid)).catch(() => {});
		fs.rmSync(dir, { recursive: true, force: true });
	};
	groups.push(group);
	for (let i = 1; i <= workers; i++) await group.start(i);
	return group;
}

// One request on a new connection; resolves {status, headers, text, json, ms}.
function request(group, method, urlPath, { headers = {}, body } = {}) {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const req = http.request({ host: '127.0.0.1', port: group.port, method, path: urlPath, headers, agent: false, timeout: 15000 }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
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

const unreachableDb = 'host=/nonexistent-connector-e2e port=5432 dbname=nothing user=nobody';
const baseConfig = { debug: false, infrastructure: { httpServer: { apiKey: KEY } }, database: { connectionString: unreachableDb } };
let main;

test('the worker reports READY, then HEARTBEAT lines', async () => {
	main = await startGroup(baseConfig);
	await waitFor('two heartbeats', () => main.notify.filter((l) => l === 'HEARTBEAT').length >= 2);
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

test('wrong API key (and the key in lower-case header form) handled', async () => {
	const wrong = await request(main, 'GET', '/Monitoring/Version', { headers: { 'X-API-KEY': KEY + 'x' } });
	assertError(wrong, 401, 'error.connector.unauthorized');
	const lower = await request(main, 'GET', '/Monitoring/Version', { headers: { 'x-api-key': KEY } });
	assert.equal(lower.status, 200);
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
	const png = await request(main, 'GET', '/api/core/v1/Files', { headers: { ...withKey, Accept: 'image/png' } });
	assertError(png, 406, 'error.connector.http.notAcceptable');
	const json = await request(main, 'GET', '/api/core/v1/Files', { headers: { ...withKey, Accept: 'application/json' } });
	assert.equal(json.status, 501);
	const qr = await request(main, 'GET', '/api/v2/Tokens/TOK12345678901234567', { headers: { ...withKey, Accept: 'image/png' } });
	assert.equal(qr.status, 501, 'QR routes accept image/png');
});

test('bad JSON: 400 invalidJsonInPayload even without a key', async () => {
	const headers = { 'Content-Type': 'application/json' };
	assertError(await request(main, 'POST', '/api/core/v1/Messages', { headers, body: '{"a":' }), 400, 'error.connector.validation.invalidJsonInPayload');
	assertError(await request(main, 'POST', '/api/core/v1/Messages', { headers, body: '{} x' }), 400, 'error.connector.validation.invalidJsonInPayload');
	assertError(await request(main, 'POST', '/api/core/v1/Messages', { headers, body: '"text"' }), 400, 'error.connector.validation.invalidJsonInPayload');
	const good = await request(main, 'POST', '/api/core/v1/Messages', { headers: { ...headers, ...withKey }, body: '{"recipients":[]}' });
	assert.equal(good.status, 501);
});

test('an empty x-www-form-urlencoded body is accepted (the SDK sync call)', async () => {
	const res = await request(main, 'POST', '/api/core/v1/Account/Sync', { headers: { ...withKey, 'Content-Type': 'application/x-www-form-urlencoded' }, body: '' });
	assertError(res, 501, 'error.connector.http.notImplemented');
});

test('JSON bodies over 2 MiB: 413 payloadTooLarge', async () => {
	const body = '[' + '1,'.repeat(1024 * 1024) + '1]';
	const res = await request(main, 'POST', '/api/core/v1/Messages', { headers: { ...withKey, 'Content-Type': 'application/json' }, body });
	const error = assertError(res, 413, 'error.connector.http.payloadTooLarge');
	assert.match(error.message, /2097152 bytes/);
	const fits = '[' + '1,'.repeat(1024 * 1024 - 10) + '1]';
	const ok = await request(main, 'POST', '/api/core/v1/Messages', { headers: { ...withKey, 'Content-Type': 'application/json' }, body: fits });
	assert.equal(ok.status, 501);
});

test('CORS off: OPTIONS meets auth', async () => {
	const res = await request(main, 'OPTIONS', '/Monitoring/Version', { headers: { Origin: 'https://app.example' } });
	assertError(res, 401, 'error.connector.unauthorized');
	assert.equal(res.headers['access-control-allow-origin'], undefined);
});

test('/health is public and 500 when the database is unreachable', async () => {
	const res = await request(main, 'GET', '/health');
	assert.equal(res.status, 500);
	assert.deepEqual(res.json, { isHealthy: false, services: { database: 'unhealthy' } });
	await waitFor('warning logged', () => main.log(1).includes('Health: database:'));
});

test('/Monitoring/Support masks secrets', async () => {
	const res = await request(main, 'GET', '/Monitoring/Support', { headers: withKey });
	assert.equal(res.status, 200);
	assert.deepEqual(Object.keys(res.json).sort(), ['configuration', 'health', 'identityInfo', 'version']);
	assert.equal(res.json.configuration.infrastructure.httpServer.apiKey, '***');
	assert.equal(res.json.configuration.database.connectionString, '***');
	assert.equal(res.json.health.isHealthy, false);
	assert.equal(typeof res.json.identityInfo.error, 'string');
	assert.ok(!res.text.includes(KEY));
});

test('request log lines: "<METHOD> <path> <status> -- <ms>ms", never the key', async () => {
	const log = main.log(1);
	assert.match(log, /INFO .*HttpServer: GET \/Monitoring\/Version 200 -- \d+ms/);
	assert.match(log, /HttpServer: PUT \/api\/core\/v1\/Files\/Own 405 -- \d+ms/);
	assert.ok(!log.includes(KEY), 'the API key never appears in the log');
});

test('SIGTERM: the request in flight is answered, then exit 0', async () => {
	const group = await startGroup(baseConfig);
	const pid = group.pids[1];
	const pending = request(group, 'GET', '/Monitoring/Version');
	await sleep(200);
	process.kill(pid, 'SIGTERM');
	const res = await pending;
	assertError(res, 401, 'error.connector.unauthorized');
	await waitFor('worker exit', () => !group.alive(pid));
	assert.match(group.log(1), /HttpServer: stopping: waiting for 1 request\(s\) in flight/);
	assert.match(group.log(1), /HttpServer: stopped/);
});

test('debug mode adds stacktrace to errors', async () => {
	const group = await startGroup({ ...baseConfig, debug: true });
	const error = assertError(await request(group, 'GET', '/nothing', { headers: withKey }), 404, 'error.connector.http.routeDoesNotExist');
	assert.deepEqual(error.stacktrace, []);
});

test('CORS on: preflight answered before auth, origin reflected on requests', async () => {
	const config = { ...baseConfig, infrastructure: { httpServer: { apiKey: KEY, cors: { origin: ['https://app.example'], credentials: true, maxAge: 600 } } } };
	const group = await startGroup(config);
	const pre = await request(group, 'OPTIONS', '/api/core/v1/Messages', { headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key,content-type' } });
	assert.equal(pre.status, 204);
	assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
	assert.equal(pre.headers['access-control-allow-credentials'], 'true');
	assert.equal(pre.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
	assert.equal(pre.headers['access-control-allow-headers'], 'x-api-key,content-type');
	assert.equal(pre.headers['access-control-max-age'], '600');
	const get = await request(group, 'GET', '/Monitoring/Version', { headers: { ...withKey, Origin: 'https://app.example' } });
	assert.equal(get.status, 200);
	assert.equal(get.headers['access-control-allow-origin'], 'https://app.example');
	const other = await request(group, 'GET', '/Monitoring/Version', { headers: { ...withKey, Origin: 'https://evil.example' } });
	assert.equal(other.headers['access-control-allow-origin'], undefined);
});

test('bad API key configuration: exit 78 naming the key', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-e2e-bad-'));
	const configFile = path.join(dir, 'config.json');
	fs.writeFileSync(configFile, JSON.stringify({ infrastructure: { httpServer: { authentication: { apiKey: { keys: { k1: { key: 'x', expiresAt: 'soon' } } } } } } }));
	const child = spawn(WORKER, ['--index', '1'], {
		env: { ...process.env, CONNECTOR_RUNTIME_DIR: dir, CONNECTOR_CONFIG_FILE: configFile, CONNECTOR_BUS_PUSH: 'ipc:///x', CONNECTOR_BUS_SUB: 'ipc:///y', CONNECTOR_CONTROL: 'ipc:///z', CONNECTOR_LISTEN_FDS: '1' },
		stdio: ['ignore', 'ignore', 'pipe', 'ignore', 'ignore'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => (stderr += d));
	const code = await new Promise((resolve) => child.on('exit', resolve));
	assert.equal(code, 78);
	assert.match(stderr, /authentication\.apiKey\.keys\.k1\.expiresAt: expected an ISO 8601 date/);
	fs.rmSync(dir, { recursive: true, force: true });
});

test('/health is 200 when the database is reachable', { skip: !process.env.CONNECTOR_TEST_DATABASE && 'CONNECTOR_TEST_DATABASE not set' }, async () => {
	const group = await startGroup({ ...baseConfig, database: { connectionString: process.env.CONNECTOR_TEST_DATABASE } });
	const res = await request(group, 'GET', '/health');
	assert.equal(res.status, 200, res.text);
	assert.deepEqual(res.json, { isHealthy: true, services: { database: 'healthy' } });
});

test('/health checks the Backbone at transportLibrary.baseUrl', async () => {
	const backbone = http.createServer((req, res) => {
		res.statusCode = req.url === '/health' ? 503 : 404;
		res.end();
	});
	await new Promise((resolve) => backbone.listen(0, '127.0.0.1', resolve));
	const group = await startGroup({ ...baseConfig, transportLibrary: { baseUrl: `http://127.0.0.1:${backbone.address().port}` } });
	const res = await request(group, 'GET', '/health');
	backbone.close();
	assert.equal(res.status, 500);
	assert.deepEqual(res.json, { isHealthy: false, services: { database: 'unhealthy', backboneConnection: 'unhealthy' } });
});

test('/Monitoring/Requests: summed over 2 workers, kept across kill -9', async () => {
	const config = { ...baseConfig, infrastructure: { httpServer: { authentication: { apiKey: { keys: { e2e: { key: NEW_KEY } } } } } } };
	const group = await startGroup(config, { workers: 2 });
	const key = { 'X-API-KEY': NEW_KEY };
	const [first, second] = [group.pids[1], group.pids[2]];
	const served = (index) => (group.log(index).match(/HttpServer: GET \/Monitoring\/Version 200/g) ?? []).length;
	process.kill(first, 'SIGSTOP');
	for (let i = 0; i < 3; i++) assert.equal((await request(group, 'GET', '/Monitoring/Version', { headers: key })).status, 200);
	process.kill(first, 'SIGCONT');
	process.kill(second, 'SIGSTOP');
	for (let i = 0; i < 2; i++) assert.equal((await request(group, 'GET', '/Monitoring/Version', { headers: key })).status, 200);
	assert.equal((await request(group, 'GET', '/nothing', { headers: key })).status, 404);
	process.kill(second, 'SIGCONT');
	await waitFor('log lines', () => served(1) === 2 && served(2) === 3);
	const counts = await request(group, 'GET', '/Monitoring/Requests', { headers: key });
	assert.equal(counts.status, 200);
	assert.deepEqual(counts.json.requestCountByStatus, { 200: 5, 404: 1 });
	assert.equal(counts.json.requestCount, 6);

	process.kill(first, 'SIGKILL');
	await waitFor('worker 1 gone', () => !group.alive(first));
	await group.start(3);
	process.kill(second, 'SIGSTOP');
	const after = await request(group, 'GET', '/Monitoring/Requests', { headers: key });
	process.kill(second, 'SIGCONT');
	assert.match(group.log(3), /GET \/Monitoring\/Requests 200/, 'the new worker answered');
	assert.deepEqual(after.json.requestCountByStatus, { 200: 6, 404: 1 }, 'the earlier Requests call counts once finished');
	assert.equal(after.json.requestCount, 7);
	assert.equal(after.json.since, counts.json.since);
});
