// publisher-config.test.mjs: bad broker configuration and isolation between brokers.
//  - connector-publisher refuses a bad configuration with the original's message and exit code 78
//    (no broker or database needed);
//  - connectord refuses to start (exit 78) when the configuration of a broker is bad;
//  - under connectord, one publisher process per broker: a broken broker (AMQP on a closed port)
//    does not delay another (Redis), whose events arrive while the broken one's wait in PostgreSQL.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import * as lib from "./publisher-lib.mjs";

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const mbp = (brokers) => ({ messageBrokerPublisher: { enabled: true, brokers } });
const badWorkerConfigs = [
  ["no broker", mbp([]), 1, "messageBrokerPublisher", "At least one broker must be configured"],
  ["unknown type", mbp([{ type: "Kafka", configuration: { url: "x://y" } }]), 1, "messageBrokerPublisher", "unknown broker type 'Kafka'"],
  ["configuration missing", mbp([{ type: "AMQP" }]), 1, "messageBrokerPublisher", "Cannot start the broker, the 'configuration' is not defined."],
  ["AMQP url missing", mbp([{ type: "AMQP", configuration: { exchange: "x" } }]), 1, "messageBrokerPublisher", "Cannot start the module, the ampq url is not defined."],
  ["PubSub projectId missing", mbp([{ type: "PubSub", configuration: { topicName: "t", keyFile: "/k" } }]), 1, "messageBrokerPublisher", "Cannot start the module, the projectId is not defined."],
  ["MQTT qos out of range", mbp([{ type: "MQTT", configuration: { url: "mqtt://127.0.0.1:1", qos: 5 } }]), 1, "messageBrokerPublisher", "modules.messageBrokerPublisher.brokers[0].configuration.qos: expected an integer between 0 and 2"],
  ["index beyond the brokers", mbp([{ type: "Redis", configuration: { url: "redis://127.0.0.1:1" } }]), 2, "messageBrokerPublisher", "worker index 2, but 1 broker(s) configured"],
  ["amqpPublisher url missing", { amqpPublisher: { enabled: true, exchange: "x" } }, 1, "amqpPublisher", "Cannot start the module, the ampq url is not defined."],
  ["PubSubPublisher keyFile missing", { PubSubPublisher: { enabled: true, projectId: "p", topicName: "t" } }, 1, "PubSubPublisher", "Cannot start the module, the keyFile is not defined."],
];

for (const [name, modules, index, module, message] of badWorkerConfigs) {
  test(`connector-publisher, ${name}: exit 78 with "${message}"`, async () => {
    const p = await lib.startPublisher({ modules }, { module, index });
    const r = await p.stop();
    assert.equal(p.ready, false, "never READY");
    assert.deepEqual(r, { code: 78, signal: null });
    assert.ok(p.log.lines.some((l) => l.includes(message)), p.log.lines.join("\n"));
  });
}

const connectord = path.join(lib.BUILD, "connectord");
const haveConnectord = fs.existsSync(connectord);
const badConnectordConfigs = [
  ["unknown broker type", mbp([{ type: "Kafka", configuration: {} }]), "modules.messageBrokerPublisher.brokers[0].type"],
  ["AMQP url missing", mbp([{ type: "AMQP", configuration: {} }]), "modules.messageBrokerPublisher.brokers[0].configuration.url"],
  ["no broker", mbp([]), "modules.messageBrokerPublisher.brokers"],
  ["PubSubPublisher without topicName", { PubSubPublisher: { enabled: true, projectId: "p", keyFile: "/k" } }, "modules.PubSubPublisher.topicName"],
];
for (const [name, modules, key] of badConnectordConfigs) {
  test(`connectord refuses to start, ${name}: exit 78 naming ${key}`, { skip: !haveConnectord && "connectord not built" }, async () => {
    const { Connector } = await import("./lib/connector.mjs");
    const c = new Connector({ config: { modules }, waitReady: false });
    cleanups.push(() => c.cleanup());
    await assert.rejects(c.start(), /exited/);
    assert.equal(c.exitCode, 78, c.logs);
    assert.ok(c.logs.includes(key), c.logs);
  });
}

function closedPort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const REDIS = process.env.CONNECTOR_TEST_REDIS_URL;
const isolationSkip = !haveConnectord ? "connectord not built" : !process.env.CONNECTOR_TEST_DATABASE ? "CONNECTOR_TEST_DATABASE not set" : !REDIS ? "CONNECTOR_TEST_REDIS_URL not set" : false;
test("connectord runs one publisher per broker: a broken AMQP broker does not delay Redis", { skip: isolationSkip }, async () => {
  const db = lib.createDatabase();
  cleanups.push(() => db.drop());
  lib.registerConsumers(db, ["broker:1:AMQP", "broker:2:Redis"]);
  const amqpUrl = `amqp://guest:guest@127.0.0.1:${await closedPort()}`;
  const sub = await lib.redisSubscriber(REDIS);
  cleanups.push(() => sub.stop());
  const { Connector } = await import("./lib/connector.mjs");
  const c = new Connector({
    config: {
      database: { connectionString: db.conninfo, dbName: db.schema },
      modules: mbp([
        { type: "AMQP", configuration: { url: amqpUrl } },
        { type: "Redis", configuration: { url: REDIS } },
      ]),
    },
    waitReady: false,
  });
  cleanups.push(() => c.cleanup());
  await c.start();
  await c.waitFor((s) => c.module(s, "messageBrokerPublisher")?.workers.filter((w) => w.pid).length === 2, 15000, "two publisher processes");
  const pids = await c.workerPids("messageBrokerPublisher");
  assert.equal(new Set(pids).size, 2, "two distinct processes");
  const [ev] = lib.appendEvents(db, "transport.messageReceived", lib.messageDTO(9));
  await lib.eventually(() => sub.received().some((m) => m.channel === "transport.messageReceived" && JSON.parse(m.message).id === lib.messageDTO(9).id), 15000, "Redis message while AMQP is down");
  assert.deepEqual(lib.deliveryStates(db, "broker:1:AMQP"), { pending: 1 }, "the AMQP delivery waits in PostgreSQL");
  await lib.eventually(() => lib.deliveryStates(db, "broker:2:Redis").delivered === 1, 5000, "Redis delivery settled");
  assert.ok(ev.id);
  assert.match(c.logs, /Could not connect to RabbitMQ at 'amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+'/);
  const r = await c.stop();
  assert.equal(r.code, 0, c.logs);
});
