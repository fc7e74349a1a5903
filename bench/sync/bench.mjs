// bench/sync/bench.mjs: figures for the account area, against a local Backbone and PostgreSQL
// (CONNECTOR_TEST_DATABASE; run from the build directory: node ../bench/sync/bench.mjs [events]).
// Prints: identity creation time (first IdentityInfo), and the time of one POST /Account/Sync that
// applies N external events (events per second), then of a sync with nothing to do.
import { api, asConnector, count, makeEvents, newPeer, setupBackbone, start, teardown } from '../../tests/e2e/account-lib.mjs';

if (!process.env.CONNECTOR_TEST_DATABASE) {
  console.log('CONNECTOR_TEST_DATABASE not set');
  process.exit(0);
}
const n = Number(process.argv[2] ?? 500);
const env = await setupBackbone('bench_sync');
const connector = await start(env, 'bench');
try {
  let t = performance.now();
  const info = await api(connector, 'GET', '/Account/IdentityInfo');
  console.log(`identity creation (first IdentityInfo): ${(performance.now() - t).toFixed(0)} ms (${info.json.result.address})`);
  const self = await asConnector(env, 'bench');
  const peer = await newPeer(env);
  t = performance.now();
  await makeEvents(self, peer, n);
  console.log(`making ${n} events on the Backbone: ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  const res = await api(connector, 'POST', '/Account/Sync');
  const ms = performance.now() - t;
  const applied = count(env, 'SELECT count(*) FROM bench.external_events');
  console.log(`POST /Account/Sync (${res.status}) applying ${applied} events: ${ms.toFixed(0)} ms, ${(applied / (ms / 1000)).toFixed(0)} events/s`);
  t = performance.now();
  await api(connector, 'POST', '/Account/Sync');
  console.log(`POST /Account/Sync with nothing new: ${(performance.now() - t).toFixed(1)} ms`);
} finally {
  await teardown(env, [connector]);
}
