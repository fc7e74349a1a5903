// ops-logging.test.mjs: logging.level and logging.format reach every process (connectord and each
// worker), one line per event, with level, module (process role), worker index and pid; the HTTP
// worker's request lines look like the original's ("HttpServer: GET /path 200 -- 3ms") followed by
// the request's correlation id (" correlationId=<uuid>"; JSON: a last field "correlationId").
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sleep, startConnector } from './lib/connector.mjs';

const CORR = 'correlationId=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const humanLine = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) ([a-z-]+)\[(\d+)\] pid=(\d+) ([A-Za-z_][\w.-]*): (.*)$/;

async function run(config, env = {}) {
  const c = await startConnector({ config: { modules: { coreHttpApi: { workers: 2 } }, ...config }, env });
  try {
    // several requests so that both workers (sharing the listening socket) are likely to log one
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${c.baseUrl}/Monitoring/Version`, { headers: { Connection: 'close' } });
      await r.text();
    }
    const r = await fetch(`${c.baseUrl}/No/Such/Route`);
    await r.text();
    await sleep(200);
    await c.stop();
  } finally {
    await c.cleanup();
  }
  return c.logs;
}

test('human format (default): every line is one event with time, level, role[index], pid, category', async () => {
  const log = await run({});
  const lines = log.split('\n').filter(Boolean);
  assert.ok(lines.length > 5);
  for (const line of lines) assert.match(line, humanLine);
  const parsed = lines.map((l) => humanLine.exec(l));
  const workerPids = new Set(parsed.filter((m) => m[2] === 'http-api').map((m) => `${m[3]}:${m[4]}`));
  assert.ok([...workerPids].some((w) => w.startsWith('1:')), 'worker 1 logged');
  assert.ok(parsed.some((m) => m[2] === 'supervisor' && m[3] === '0' && m[5] === 'Supervisor'));
  assert.ok(parsed.some((m) => m[2] === 'http-api' && m[5] === 'HttpServer' && new RegExp(`^GET /Monitoring/Version 200 -- \\d+ms ${CORR}$`).test(m[6])),
    'request lines like the original\'s');
  assert.ok(parsed.some((m) => m[5] === 'HttpServer' && new RegExp(`^GET /No/Such/Route 40[14] -- \\d+ms ${CORR}$`).test(m[6])));
  assert.ok(!parsed.some((m) => m[1] === 'DEBUG' || m[1] === 'TRACE'), 'the default level is info');
});

test('logging.format json: every line of every process is a JSON object with the same fields', async () => {
  const log = await run({ logging: { format: 'json', level: 'debug' } });
  const lines = log.split('\n').filter(Boolean);
  const events = lines.map((l) => JSON.parse(l));
  for (const e of events) {
    const keys = ['time', 'level', 'module', 'worker', 'pid', 'category', 'message'];
    assert.deepEqual(Object.keys(e), 'correlationId' in e ? [...keys, 'correlationId'] : keys);
    assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].includes(e.level));
    assert.ok(Number.isInteger(e.worker) && Number.isInteger(e.pid));
  }
  const api = events.filter((e) => e.module === 'http-api');
  assert.ok(api.some((e) => e.category === 'HttpServer' && /^GET \/Monitoring\/Version 200 -- \d+ms$/.test(e.message)
    && new RegExp(`^${CORR}$`).test(`correlationId=${e.correlationId}`)));
  assert.ok(api.every((e) => e.worker === 1 || e.worker === 2));
  assert.ok(events.some((e) => e.module === 'supervisor' && e.worker === 0));
});

test('a multi-line message (a refused reload\'s report) stays one line in the human format', async () => {
  const c = await startConnector({});
  try {
    c.writeConfig({ ...c.config, infrastructure: { httpServer: { port: 'x', host: 5 } } });
    await c.reload();
    const deadline = Date.now() + 10000;
    while (!/reload refused/.test(c.logs) && Date.now() < deadline) await sleep(20);
    await c.stop();
  } finally {
    await c.cleanup();
  }
  const refused = c.logs.split('\n').find((l) => l.includes('reload refused'));
  assert.match(refused, humanLine);
  assert.match(refused, /stays in force: \| infrastructure\.httpServer\.port: expected an integer/);
  for (const line of c.logs.split('\n').filter(Boolean)) assert.match(line, humanLine);
});

test('logging.level warn (from the environment, logging__level) silences INFO in connectord and in the workers', async () => {
  const log = await run({}, { logging__level: 'warn' });
  const lines = log.split('\n').filter(Boolean).map((l) => humanLine.exec(l));
  assert.ok(lines.every(Boolean));
  assert.ok(!lines.some((m) => ['TRACE', 'DEBUG', 'INFO '].includes(m[1])), log);
  // the open-API warning of the HTTP workers (no API key configured) is still there: they did log
  assert.ok(lines.some((m) => m[2] === 'http-api' && m[1] === 'WARN '), log);
});

test('debug: true lowers the level to DEBUG in every process', async () => {
  const log = await run({ debug: true, logging: { level: 'error' } });
  const lines = log.split('\n').filter(Boolean).map((l) => humanLine.exec(l));
  assert.ok(lines.some((m) => m[2] === 'http-api' && m[1] === 'INFO '), 'the workers log at INFO and below');
  assert.ok(lines.some((m) => m[2] === 'supervisor' && m[1] === 'INFO '));
});
