#!/usr/bin/env node
// restart.mjs: time from `kill -9` of a worker to its replacement being ready (READY received by
// connectord, from the worker's readySince), median of 20 rounds, with the real connector-http-api
// when `--real` is given and the binary exists, else a stand-in script that is ready at once.
// Run: make -C build bench-restart   (or: node bench/restart.mjs [--rounds N] [--real])
import { standIn, startConnector, realLibexecDir, sleep } from '../tests/e2e/lib/connector.mjs';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 20;
const real = args.includes('--real') && fs.existsSync(path.join(realLibexecDir, 'connector-http-api'));

const c = await startConnector({
  config: {
    modules: { coreHttpApi: { workers: 2 } },
    // several kills within the default window would (correctly) trip crash-loop detection
    supervisor: { crashLoopMaxRestarts: 1000, crashLoopWindowMs: 1000, stablePeriodMs: 1000 },
    infrastructure: { httpServer: { apiKey: 'bench-restart-key-0123456789abcdef' } },
  },
  env: { API_KEY: 'bench-restart-key-0123456789abcdef' },
  workers: real ? {} : { 'http-api': standIn.ready },
});
const samples = [];
try {
  for (let i = 0; i < rounds; i++) {
    const before = await c.status();
    const w = before.modules.find((m) => m.name === 'coreHttpApi').workers[0];
    const killedAt = Date.now();
    process.kill(w.pid, 'SIGKILL');
    const after = await c.waitFor((s) => {
      const n = s.modules.find((m) => m.name === 'coreHttpApi').workers[0];
      return n.pid !== w.pid && n.state === 'running';
    }, 15000, 'replacement');
    const n = after.modules.find((m) => m.name === 'coreHttpApi').workers[0];
    samples.push(Date.parse(n.readySince) - killedAt);
    await sleep(1100); // past the stable period below: every round starts at the backoff floor
  }
} finally {
  await c.cleanup();
}
samples.sort((a, b) => a - b);
const median = samples.length % 2 ? samples[(samples.length - 1) / 2]
  : (samples[samples.length / 2 - 1] + samples[samples.length / 2]) / 2;
console.log(`restart after kill -9 (${real ? 'connector-http-api' : 'stand-in worker'}, ${rounds} rounds, ` +
  `backoff floor 100 ms + jitter <= 25 ms):`);
console.log(`  median ${median} ms, min ${samples[0]} ms, max ${samples[samples.length - 1]} ms`);
console.log(`  samples: ${samples.join(' ')}`);
console.log('  for reference (shared/reference/anchors.md 1.9): systemd restarts after RestartSec=100 ms by default,' +
  ' s6 waits >= 1 s for a service that was not ready for 1 s, runit/daemontools pause 1 s');
