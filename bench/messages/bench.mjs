// bench/messages/bench.mjs: figures for messages and files, printed (never asserted).
//   1. messages sent per second from C Connector A to B (1 KiB ArbitraryMessageContent), one at a
//      time and 4 in parallel, in rounds of 20 (the Backbone's limit of unreceived messages per
//      sender), and messages received per second by B (its sync fetching, opening and storing them);
//   2. upload and download throughput in MiB/s for a 20 MiB file (the local Backbone runs with
//      --max-file-size 30 MiB for its ~27 MiB cipher, A with platformMaxUnencryptedFileSize 21 MiB),
//      and the HTTP worker's peak RSS (VmHWM) before and after the upload.
// Needs CONNECTOR_TEST_DATABASE and a build (preferably without sanitizers, which inflate RSS):
// node bench/messages/bench.mjs [rounds]; CONNECTOR_BUILDDIR defaults to ./build.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { API_KEY, connectorConfig, teardown } from '../../tests/e2e/account-lib.mjs';
import { createDatabase, startBackbone } from '../../tests/e2e/backbone-lib.mjs';
import { startConnector } from '../../tests/e2e/lib/connector.mjs';
import { creationContent, expect, inFuture, sync, syncUntil, templateContent } from '../../tests/e2e/relationships-lib.mjs';

const rounds = Number(process.argv[2] ?? 5);
const MiB = 1 << 20;
const FILE_MIB = 20;

async function relate(a, b) {
  const t = await expect(a, 'POST', '/RelationshipTemplates/Own', { content: templateContent({}), expiresAt: inFuture() }, 201);
  await expect(b, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.truncated }, 201);
  const r = await expect(b, 'POST', '/Relationships', { templateId: t.id, creationContent: creationContent({}) }, 201);
  await syncUntil(a, r.id, 'Pending');
  await expect(a, 'PUT', `/Relationships/${r.id}/Accept`, undefined, 200);
  await syncUntil(b, r.id, 'Active');
}

const body = (to, i) => ({ recipients: [to], content: { '@type': 'ArbitraryMessageContent', value: { i, text: 'x'.repeat(1024) } } });

async function messages(a, b, addrB, parallel) {
  let sendMs = 0, recvMs = 0, n = 0, total = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i += parallel) {
      await Promise.all(Array.from({ length: Math.min(parallel, 20 - i) }, (_, k) => expect(a, 'POST', '/Messages', body(addrB, i + k), 201)));
    }
    sendMs += performance.now() - t0;
    n += 20;
    const t1 = performance.now();
    for (;;) {
      await sync(b);
      const got = (await expect(b, 'GET', '/Messages', undefined, 200)).length;
      if (got >= total + 20) { total = got; break; }
    }
    recvMs += performance.now() - t1;
  }
  return { sent: n / (sendMs / 1000), received: n / (recvMs / 1000) };
}

const peakRss = (pid) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function files(a) {
  const [pid] = await a.workerPids('coreHttpApi');
  const before = peakRss(pid);
  const bytes = crypto.randomBytes(FILE_MIB * MiB);
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'bench.bin');
  const t0 = performance.now();
  const res = await fetch(a.baseUrl + '/api/core/v1/Files/Own', { method: 'POST', headers: { 'X-API-KEY': API_KEY }, body: form });
  const text = await res.text();
  if (res.status !== 201) throw new Error('upload: ' + text);
  const id = JSON.parse(text).result.id;
  const up = performance.now() - t0;
  const after = peakRss(pid);
  const t1 = performance.now();
  const d = await fetch(a.baseUrl + `/api/core/v1/Files/${id}/Download`, { headers: { 'X-API-KEY': API_KEY } });
  const got = Buffer.from(await d.arrayBuffer());
  const down = performance.now() - t1;
  if (!got.equals(bytes)) throw new Error('download differs');
  return { up: FILE_MIB / (up / 1000), down: FILE_MIB / (down / 1000), before, after };
}

const db = createDatabase('bench_msg');
const env = { db, backbone: await startBackbone(['--listen', '127.0.0.1:0', '--database', db.conninfo, '--max-file-size', String(30 * MiB)]) };
function start(name) {
  const config = connectorConfig(env, name);
  Object.assign(config.transportLibrary, { platformMaxUnencryptedFileSize: 21 * MiB, platformTimeout: 120000 });
  return startConnector({ config, startTimeoutMs: 30000 });
}
const [a, b] = await Promise.all([start('bmsg_a'), start('bmsg_b')]);
try {
  await relate(a, b);
  const addrB = (await expect(b, 'GET', '/Account/IdentityInfo', undefined, 200)).address;
  const one = await messages(a, b, addrB, 1);
  const four = await messages(a, b, addrB, 4);
  const f = await files(a);
  console.log(`messages (1 KiB, ${rounds * 20} per run, rounds of 20)`);
  console.log(`  sent/s, one at a time     ${one.sent.toFixed(1)}`);
  console.log(`  sent/s, 4 in parallel     ${four.sent.toFixed(1)}`);
  console.log(`  received/s (sync)         ${one.received.toFixed(1)} / ${four.received.toFixed(1)}`);
  console.log(`file of ${FILE_MIB} MiB`);
  console.log(`  upload   MiB/s            ${f.up.toFixed(1)}`);
  console.log(`  download MiB/s            ${f.down.toFixed(1)}`);
  console.log(`  HTTP worker peak RSS MiB  ${f.before.toFixed(1)} before, ${f.after.toFixed(1)} after the upload (+${(f.after - f.before).toFixed(1)})`);
} finally {
  await teardown(env, [a, b]);
}
