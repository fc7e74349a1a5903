// chaos-brokers.test.mjs: events produced while RabbitMQ and Redis are stopped for 20 s and started
// again. Every event id must arrive at every target at least once; duplicates are counted and
// printed; nothing is lost. The test runs its own RabbitMQ and Redis (contrib/testservers.sh in a
// temporary folder, Redis with an append-only file so its stream survives the restart), so it never
// disturbs the shared test servers. Needs CONNECTOR_TEST_DATABASE and the rabbitmq-server and
// redis-server binaries.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as lib from "./publisher-lib.mjs";

const script = path.join(lib.SRC, "contrib", "testservers.sh");
const haveServers = fs.existsSync("/usr/lib/rabbitmq/bin/rabbitmq-server") && spawnSync("redis-server", ["--version"]).status === 0;
const skip = !process.env.CONNECTOR_TEST_DATABASE ? "CONNECTOR_TEST_DATABASE not set" : !haveServers ? "rabbitmq-server or redis-server not installed" : false;
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 300);
const RATE = 10; // events per second: production spans 30 s, the outage 20 s of it

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function servers(dir, cmd, ...services) {
  const r = spawnSync(script, [cmd, dir, ...services], { encoding: "utf8", env: { ...process.env, TESTSERVERS_REDIS_PERSIST: "1" } });
  if (r.status !== 0) throw new Error(`testservers.sh ${cmd} failed: ${r.stderr}`);
  return Object.fromEntries([...r.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

function producer(db) {
  const child = spawn(path.join(lib.BUILD, "connector-outbox-append"), ["--db", db.conninfo, "--schema", db.schema, "--namespace", "transport.messageReceived", "--data", '{"id":"MSGchaos%i"}', "--count", String(EVENTS), "--rate", String(RATE)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve(out.trim().split("\n").map((l) => l.split(" ")[0])) : reject(new Error(`producer exit ${code}`)))));
}

function tally(ids, received) {
  const counts = new Map(ids.map((id) => [id, 0]));
  for (const id of received) if (counts.has(id)) counts.set(id, counts.get(id) + 1);
  const missing = [...counts].filter(([, n]) => n === 0).map(([id]) => id);
  const duplicates = [...counts.values()].reduce((a, n) => a + Math.max(0, n - 1), 0);
  return { missing, duplicates };
}

test(`chaos: ${EVENTS} events while RabbitMQ and Redis are down for 20 s: none lost`, { skip, timeout: 240000 }, async (t) => {
  const dir = lib.tempDir("chaos-brokers");
  cleanups.push(() => {
    servers(dir, "stop");
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const env = servers(dir, "start", "amqp", "redis");
  const amqpUrl = env.CONNECTOR_TEST_AMQP_URL, redisUrl = env.CONNECTOR_TEST_REDIS_URL;
  const db = lib.createDatabase();
  cleanups.push(() => db.drop());
  lib.registerConsumers(db, ["broker:1:AMQP", "broker:2:Redis"]);
  const exchange = "chaos";
  const reader = await lib.amqpReader(amqpUrl, "chaos-queue", { exchange, type: "fanout" });
  cleanups.push(() => reader.stop());
  const config = {
    database: { connectionString: db.conninfo, dbName: db.schema },
    modules: { messageBrokerPublisher: { enabled: true, brokers: [
      { type: "AMQP", configuration: { url: amqpUrl, exchange, reconnectBackoffCapMs: 2000 } },
      { type: "Redis", configuration: { url: redisUrl, stream: "chaos", reconnectBackoffCapMs: 2000 } },
    ] } },
  };
  const pubs = [await lib.startPublisher(config, { index: 1 }), await lib.startPublisher(config, { index: 2 })];
  cleanups.push(() => Promise.all(pubs.map((p) => p.stop())));
  assert.ok(pubs.every((p) => p.ready), "both publishers READY");

  const produced = producer(db);
  await lib.sleep(5000);
  servers(dir, "stop", "amqp", "redis");
  t.diagnostic(`RabbitMQ and Redis stopped at ${new Date().toISOString()}`);
  await lib.sleep(20000);
  servers(dir, "start", "amqp", "redis");
  t.diagnostic(`RabbitMQ and Redis started again at ${new Date().toISOString()}`);
  const ids = await produced;
  assert.equal(ids.length, EVENTS);

  const amqpIds = () => reader.received().map((m) => m.properties.messageId);
  const redisIds = () => lib.redisCli(redisUrl, ["XRANGE", "chaos", "-", "+"]).map(([, f]) => f[f.indexOf("eventId") + 1]);
  await lib.eventually(() => tally(ids, amqpIds()).missing.length === 0, 60000, "every event at RabbitMQ").catch(() => {});
  await lib.eventually(() => tally(ids, redisIds()).missing.length === 0, 30000, "every event at Redis").catch(() => {});
  const a = tally(ids, amqpIds()), r = tally(ids, redisIds());
  t.diagnostic(`RabbitMQ: ${amqpIds().length} received, ${a.missing.length} missing, ${a.duplicates} duplicates`);
  t.diagnostic(`Redis stream: ${redisIds().length} received, ${r.missing.length} missing, ${r.duplicates} duplicates`);
  console.log(`# chaos: RabbitMQ ${a.duplicates} duplicate(s), Redis ${r.duplicates} duplicate(s), ${EVENTS} events`);
  assert.deepEqual(a.missing, [], "nothing lost at RabbitMQ");
  assert.deepEqual(r.missing, [], "nothing lost at Redis");
  await lib.eventually(() => lib.deliveryStates(db, "broker:1:AMQP").delivered === EVENTS && lib.deliveryStates(db, "broker:2:Redis").delivered === EVENTS, 10000, "all deliveries settled");
  assert.ok(pubs[0].log.lines.some((l) => l.includes("Could not connect to RabbitMQ")), "the AMQP publisher saw the outage");
  assert.ok(pubs[1].log.lines.some((l) => l.includes("Could not connect to Redis")), "the Redis publisher saw the outage");
  for (const p of pubs) assert.deepEqual(await p.stop(), { code: 0, signal: null });
});
