// bench/relationships/bench.mjs: figures for the relationship runtime, printed (never asserted).
//   1. relationships established per minute between two C Connectors (template loaded once; each
//      round: request, sync at the templator, accept, sync at the requestor until Active), and the
//      full round including the teardown (terminate, decompose on both sides);
//   2. latency from the peer's action (POST /Relationships answered) until the templator has the
//      relationship and its transport.relationshipChanged event committed (seen by polling its
//      HTTP API every 5 ms), with the sse module (push) and with polling sync (interval 1 s).
// Needs CONNECTOR_TEST_DATABASE and a build (run from anywhere: node bench/relationships/bench.mjs
// [rounds]); CONNECTOR_BUILDDIR defaults to ./build.
import { performance } from 'node:perf_hooks';
import { setupBackbone, start, teardown } from '../../tests/e2e/account-lib.mjs';
import { call, expect, inFuture, sync, syncUntil, templateContent, creationContent } from '../../tests/e2e/relationships-lib.mjs';

const rounds = Number(process.argv[2] ?? 20);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : NaN; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sharedTemplate(owner, requestor) {
  const t = await expect(owner, 'POST', '/RelationshipTemplates/Own', { content: templateContent('bench'), expiresAt: inFuture(86400_000) }, 201);
  await expect(requestor, 'POST', '/RelationshipTemplates/Peer', { reference: t.reference.truncated }, 201);
  return t.id;
}

async function establishRate(env) {
  const [a, b] = await Promise.all([start(env, 'bench_a'), start(env, 'bench_b')]);
  try {
    const templateId = await sharedTemplate(a, b);
    const establish = [], full = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const r = await expect(b, 'POST', '/Relationships', { templateId, creationContent: creationContent(i) }, 201);
      await syncUntil(a, r.id, 'Pending');
      await expect(a, 'PUT', `/Relationships/${r.id}/Accept`, undefined, 200);
      await syncUntil(b, r.id, 'Active');
      const t1 = performance.now();
      await expect(a, 'PUT', `/Relationships/${r.id}/Terminate`, undefined, 200);
      await expect(a, 'DELETE', `/Relationships/${r.id}`, undefined, 204);
      await syncUntil(b, r.id, 'DeletionProposed');
      await expect(b, 'DELETE', `/Relationships/${r.id}`, undefined, 204);
      establish.push(t1 - t0);
      full.push(performance.now() - t0);
    }
    const perMin = (ms) => (60000 / ms).toFixed(1);
    console.log(`establish (request -> Active on both sides), ${rounds} rounds: median ${median(establish).toFixed(1)} ms, ` +
      `p90 ${pct(establish, 0.9).toFixed(1)} ms => ${perMin(median(establish))} relationships/min sequentially`);
    console.log(`full round incl. terminate + decompose both sides: median ${median(full).toFixed(1)} ms => ${perMin(median(full))} rounds/min`);
  } finally {
    await Promise.all([a.cleanup(), b.cleanup()]);
  }
}

async function latency(env, label, modules, schemaSuffix) {
  const [a, b] = await Promise.all([start(env, `lat_a_${schemaSuffix}`, modules), start(env, `lat_b_${schemaSuffix}`)]);
  try {
    const templateId = await sharedTemplate(a, b);
    await sleep(1500); // let the sse stream / first sync settle
    const samples = [];
    for (let i = 0; i < rounds; i++) {
      const r = await expect(b, 'POST', '/Relationships', { templateId, creationContent: creationContent(i) }, 201);
      const t0 = performance.now();
      for (;;) {
        const res = await call(a, 'GET', `/Relationships/${r.id}`);
        if (res.status === 200) break;
        if (performance.now() - t0 > 30000) throw new Error(`${label}: no event after 30 s`);
        await sleep(5);
      }
      samples.push(performance.now() - t0);
      await expect(b, 'PUT', `/Relationships/${r.id}/Revoke`, undefined, 200);
      await sleep(50 + Math.random() * 200); // decorrelate from the polling interval
    }
    console.log(`latency peer action -> event in the outbox, ${label}: median ${median(samples).toFixed(1)} ms, ` +
      `p90 ${pct(samples, 0.9).toFixed(1)} ms, min ${Math.min(...samples).toFixed(1)} ms (${rounds} samples)`);
  } finally {
    await Promise.all([a.cleanup(), b.cleanup()]);
  }
}

if (!process.env.CONNECTOR_TEST_DATABASE) {
  console.error('CONNECTOR_TEST_DATABASE is required (contrib/pg-private.sh url DIR)');
  process.exit(2);
}
const env = await setupBackbone('bench_rel');
try {
  await establishRate(env);
  await latency(env, 'sse (push)', { sse: { enabled: true }, sync: { enabled: true, interval: 3600 } }, 'sse');
  await latency(env, 'polling sync every 1 s', { sync: { enabled: true, interval: 1 } }, 'poll');
} finally {
  await teardown(env, []);
}
