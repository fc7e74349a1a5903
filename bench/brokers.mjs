// bench/brokers.mjs: end-to-end figures of the broker publishers. For each broker (RabbitMQ, Redis,
// Mosquitto, Pub/Sub emulator): events are appended to the outbox (one transaction each, by
// connector-outbox-append), connector-publisher publishes them, a reader receives them. Printed per
// broker:
//   throughput  events/s delivered: N events wait in the outbox, then the publisher starts; from
//               the first receipt to the last (process and connection start-up excluded)
//   latency     p50/p99 ms from commit to receipt, at a steady 100 events/s (no queueing)
// Brokers come from CONNECTOR_TEST_* / PUBSUB_EMULATOR_HOST, else contrib/testservers.sh starts
// private ones in a temporary folder. Needs CONNECTOR_TEST_DATABASE. Usage:
//   make bench-brokers [BENCH_ARGS="--events 2000 --latency-events 300"]
// Receipt times: RabbitMQ's from the reader process; the others when the reader's line or pull
// answer reaches Node (Pub/Sub pulls in a loop, so its figures include up to one pull round trip).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as lib from "../tests/e2e/publisher-lib.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("events", 2000);
const LAT_N = arg("latency-events", 300);
const LAT_RATE = 100;

if (!lib.PG) {
  console.error("bench-brokers: set CONNECTOR_TEST_DATABASE (contrib/pg-private.sh start DIR; then its url)");
  process.exit(2);
}

let serversDir = null;
function ensureServers() {
  const need = { CONNECTOR_TEST_AMQP_URL: "amqp", CONNECTOR_TEST_REDIS_URL: "redis", CONNECTOR_TEST_MQTT_URL: "mqtt", PUBSUB_EMULATOR_HOST: "pubsub" };
  const missing = Object.entries(need).filter(([v]) => !process.env[v]).map(([, s]) => s);
  if (!missing.length) return;
  serversDir = lib.tempDir("bench-brokers");
  const r = spawnSync(path.join(lib.SRC, "contrib", "testservers.sh"), ["start", serversDir, ...missing], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  for (const m of r.stdout.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]] = m[2];
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const brokers = {
  AMQP: {
    async reader() {
      const r = await lib.amqpReader(process.env.CONNECTOR_TEST_AMQP_URL, lib.unique("bench"), { exchange: lib.unique("bench"), type: "fanout" });
      r.exchange = r.child.spawnargs[r.child.spawnargs.indexOf("--exchange") + 1];
      r.receipts = () => r.received().map((m) => ({ body: m.body, at: m.receivedAt }));
      return r;
    },
    configuration: (r) => ({ url: process.env.CONNECTOR_TEST_AMQP_URL, exchange: r.exchange }),
  },
  Redis: {
    async reader() {
      const r = await lib.redisSubscriber(process.env.CONNECTOR_TEST_REDIS_URL);
      r.receipts = () => r.received().map((m) => ({ body: m.message, at: m.receivedAt }));
      return r;
    },
    configuration: () => ({ url: process.env.CONNECTOR_TEST_REDIS_URL }),
  },
  MQTT: {
    async reader() {
      const r = await lib.mqttSubscriber(process.env.CONNECTOR_TEST_MQTT_URL);
      r.receipts = () => r.received().map((m) => ({ body: m.payload, at: m.receivedAt }));
      return r;
    },
    configuration: () => ({ url: process.env.CONNECTOR_TEST_MQTT_URL }),
  },
  PubSub: {
    async reader() {
      const host = process.env.PUBSUB_EMULATOR_HOST;
      const topicName = lib.unique("bench");
      const sub = await lib.pubsubTopicWithSubscription(host, "bench-project", topicName);
      const got = [];
      let stopped = false;
      const loop = (async () => {
        while (!stopped) got.push(...(await lib.pubsubPull(host, sub, 1, 50, 5)));
      })();
      return { topicName, receipts: () => got.map((m) => ({ body: m.data, at: m.receivedAt })), stop: async () => { stopped = true; await loop; } };
    },
    configuration: (r) => ({ projectId: "bench-project", topicName: r.topicName, keyFile: "/unused-with-emulator.json" }),
  },
};

// Appends count events (backlog: before the publisher starts; else at rate per second while it
// runs) and waits for all of them at the reader.
async function runOnce(type, count, rate, backlog) {
  const b = brokers[type];
  const db = lib.createDatabase();
  const reader = await b.reader();
  lib.registerConsumers(db, [`broker:1:${type}`]);
  const tag = lib.unique("b");
  const config = { database: { connectionString: db.conninfo, dbName: db.schema }, modules: { messageBrokerPublisher: { enabled: true, brokers: [{ type, configuration: b.configuration(reader) }] } } };
  let events = backlog ? lib.appendEvents(db, "transport.messageReceived", `{"id":"${tag}-%i"}`, count, 0) : null;
  const started = Date.now();
  const pub = await lib.startPublisher(config);
  if (!pub.ready) throw new Error(`${type} publisher not ready:\n${pub.log.lines.join("\n")}`);
  if (!backlog) events = await lib.appendEventsAsync(db, "transport.messageReceived", `{"id":"${tag}-%i"}`, count, rate);
  const byBody = new Map();
  await lib.eventually(() => {
    for (const r of reader.receipts()) if (!byBody.has(r.body)) byBody.set(r.body, r.at);
    return events.every((_, i) => byBody.has(`{"id":"${tag}-${i + 1}"}`));
  }, 120000, `${count} ${type} receipts`);
  await pub.stop();
  await reader.stop();
  db.drop();
  const latencies = events.map((e, i) => byBody.get(`{"id":"${tag}-${i + 1}"}`) - e.at).sort((x, y) => x - y);
  const receipts = events.map((_, i) => byBody.get(`{"id":"${tag}-${i + 1}"}`));
  const first = Math.min(...receipts), last = Math.max(...receipts);
  return { startup: first - started, perSecond: ((count - 1) * 1000) / Math.max(1, last - first), p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

try {
  ensureServers();
  console.log(`broker publishers, end to end (outbox commit -> receipt); build: ${lib.BUILD}`);
  console.log(`${"broker".padEnd(8)} ${"events/s".padStart(9)} (N=${N})   ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} (at ${LAT_RATE}/s, N=${LAT_N})`);
  for (const type of Object.keys(brokers)) {
    const t = await runOnce(type, N, 0, true);
    const l = await runOnce(type, LAT_N, LAT_RATE, false);
    console.log(`${type.padEnd(8)} ${t.perSecond.toFixed(0).padStart(9)}            ${String(l.p50).padStart(7)} ${String(l.p99).padStart(7)}`);
  }
} finally {
  if (serversDir) {
    spawnSync(path.join(lib.SRC, "contrib", "testservers.sh"), ["stop", serversDir]);
    fs.rmSync(serversDir, { recursive: true, force: true });
  }
}
