#!/usr/bin/env node
// bench/http/bench.mjs: requests/s of GET /Monitoring/Version on connector-http-api with 1 and 2
// workers sharing one listening socket, beside a minimal libevent server answering a fixed JSON
// body (bench_http_minimal), all measured with wrk and started the same way (listening socket as
// fd 4). Prints the figures and the ratios. Run from the build directory (or set CONNECTOR_BUILDDIR):
//   node ../bench/http/bench.mjs [seconds=5] [connections=32]
// Measure a build without sanitizers for meaningful numbers; the worker logs one line per request
// (its real configuration), the log goes to /dev/null here.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const build = process.env.CONNECTOR_BUILDDIR ?? process.cwd();
const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 32);
const KEY = 'bench-Key-0123456789-abcdefghijkl!';

const sanitized = fs.existsSync(path.join(build, 'Makefile')) && /fsanitize=address/.test(fs.readFileSync(path.join(build, 'Makefile'), 'utf8'));

async function serve(binary, count, env) {
	const listener = net.createServer();
	await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
	const port = listener.address().port;
	const children = [];
	for (let i = 1; i <= count; i++)
		children.push(spawn(binary, ['--index', String(i)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore', 'ignore', listener._handle.fd] }));
	listener.close();
	for (let tries = 0; tries < 200; tries++) {
		const up = await fetch(`http://127.0.0.1:${port}/Monitoring/Version`, { headers: { 'X-API-KEY': KEY } }).then((r) => r.ok, () => false);
		if (up) break;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	await new Promise((resolve) => setTimeout(resolve, 300));
	return { port, stop: () => Promise.all(children.map((c) => new Promise((resolve) => { c.on('exit', resolve); c.kill('SIGTERM'); }))) };
}

function wrk(port) {
	const out = spawnSync('wrk', ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '-H', `X-API-KEY: ${KEY}`, `http://127.0.0.1:${port}/Monitoring/Version`], { encoding: 'utf8' });
	if (out.error) throw new Error(`wrk: ${out.error.message} (apt-get install wrk)`);
	const rps = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout);
	const latency = /Latency\s+(\S+)/.exec(out.stdout);
	const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out.stdout);
	return { rps: rps ? Number(rps[1]) : 0, latency: latency ? latency[1] : '?', non2xx: errors ? Number(errors[1]) : 0 };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-http-'));
fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ infrastructure: { httpServer: { apiKey: KEY } }, database: { connectionString: '' } }));
const workerEnv = {
	CONNECTOR_RUNTIME_DIR: dir,
	CONNECTOR_CONFIG_FILE: path.join(dir, 'config.json'),
	CONNECTOR_BUS_PUSH: `ipc://${dir}/push`,
	CONNECTOR_BUS_SUB: `ipc://${dir}/sub`,
	CONNECTOR_CONTROL: `ipc://${dir}/control`,
	CONNECTOR_LISTEN_FDS: '1',
	CONNECTOR_HEARTBEAT_MS: '1000',
};

const runs = [
	['minimal evhttp server, 1 process', path.join(build, 'bench_http_minimal'), 1, {}],
	['connector-http-api, 1 worker', path.join(build, 'connector-http-api'), 1, workerEnv],
	['connector-http-api, 2 workers', path.join(build, 'connector-http-api'), 2, workerEnv],
];
console.log(`# wrk -t2 -c${connections} -d${seconds}s GET /Monitoring/Version on ${os.cpus().length} CPU(s)${sanitized ? ' -- WARNING: sanitizer build, figures are not representative' : ''}`);
const results = [];
for (const [name, binary, count, env] of runs) {
	const server = await serve(binary, count, env);
	const r = wrk(server.port);
	await server.stop();
	results.push(r);
	console.log(`${name.padEnd(36)} ${r.rps.toFixed(0).padStart(9)} requests/s   avg latency ${r.latency}${r.non2xx ? `   non-2xx: ${r.non2xx}` : ''}`);
}
const [base, one, two] = results.map((r) => r.rps);
console.log(`ratio 1 worker / minimal server: ${(one / base).toFixed(2)}`);
console.log(`ratio 2 workers / minimal server: ${(two / base).toFixed(2)}`);
console.log(`ratio 2 workers / 1 worker: ${(two / one).toFixed(2)}`);
fs.rmSync(dir, { recursive: true, force: true });
