// publisher.test.mjs: connector-publisher against real RabbitMQ, Redis, Mosquitto and the Google
// Pub/Sub emulator (addresses from contrib/testservers.sh: CONNECTOR_TEST_AMQP_URL,
// CONNECTOR_TEST_REDIS_URL, CONNECTOR_TEST_MQTT_URL, PUBSUB_EMULATOR_HOST; PostgreSQL from
// CONNECTOR_TEST_DATABASE). Events are appended to the outbox with connector-outbox-append; each
// test checks what arrives: body = JSON of the event data ({} without data), routing key / channel /
// topic / attribute = the namespace as the original connector sent them, plus our documented
// additions (AMQP persistent + message id, Redis stream entry).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import * as lib from "./publisher-lib.mjs";

const { PG } = process.env;
const AMQP = process.env.CONNECTOR_TEST_AMQP_URL;
const REDIS = process.env.CONNECTOR_TEST_REDIS_URL;
const MQTT = process.env.CONNECTOR_TEST_MQTT_URL;
const PUBSUB = process.env.PUBSUB_EMULATOR_HOST;
const skip = (v, name) => (!process.env.CONNECTOR_TEST_DATABASE ? "CONNECTOR_TEST_DATABASE not set" : !v ? `${name} not set (contrib/testservers.sh)` : false);

const cleanups = [];
const publishers = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function database(consumers) {
  const db = lib.createDatabase();
  cleanups.push(() => db.drop());
  lib.registerConsumers(db, consumers);
  return db;
}

async function publisher(db, modules, opts) {
  const p = await lib.startPublisher({ database: { connectionString: db.conninfo, dbName: db.schema }, modules }, opts);
  publishers.push(p);
  assert.ok(p.ready, `publisher READY; log:\n${p.log.lines.join("\n")}`);
  return p;
}

// The three kinds of event every test produces: two data events and one without data.
function produce(db) {
  const [msg] = lib.appendEvents(db, "transport.messageReceived", lib.messageDTO());
  const [rel] = lib.appendEvents(db, "transport.relationshipChanged", lib.relationshipDTO());
  const [started] = lib.appendEvents(db, "runtime.modulesStarted", undefined);
  return [
    { ...msg, namespace: "transport.messageReceived", data: lib.messageDTO() },
    { ...rel, namespace: "transport.relationshipChanged", data: lib.relationshipDTO() },
    { ...started, namespace: "runtime.modulesStarted", data: {} },
  ];
}

// The original's body: JSON.stringify(data). jsonb storage does not keep key order, so compare the
// value and require the compact form.
function assertBody(body, data, what) {
  assert.deepEqual(JSON.parse(body), data, `${what}: body is the event data`);
  assert.equal(body, JSON.stringify(JSON.parse(body)), `${what}: compact JSON like JSON.stringify`);
}

test("AMQP: routing key = namespace on the configured exchange, body = data, persistent with the event id", { skip: skip(AMQP, "CONNECTOR_TEST_AMQP_URL") }, async () => {
  const db = database(["broker:1:AMQP"]);
  const exchange = lib.unique("nmshd");
  const reader = await lib.amqpReader(AMQP, lib.unique("q"), { exchange, type: "topic", bind: "#" });
  cleanups.push(() => reader.stop());
  await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "AMQP", configuration: { url: AMQP, exchange } }] } });
  const events = produce(db);
  await lib.eventually(() => reader.received().length >= 3, 15000, "3 AMQP messages");
  const got = reader.received();
  for (const ev of events) {
    const m = got.find((x) => x.properties.messageId === ev.id);
    assert.ok(m, `message for ${ev.namespace} arrived`);
    assert.equal(m.exchange, exchange);
    assert.equal(m.routingKey, ev.namespace);
    assertBody(m.body, ev.data, ev.namespace);
    assert.deepEqual(m.properties, { deliveryMode: 2, messageId: ev.id }, "no headers, no content type: only persistence and the id");
  }
  await lib.eventually(() => lib.deliveryStates(db, "broker:1:AMQP").delivered === 3, 5000, "3 deliveries settled");
});

test("AMQP default exchange: the message goes to the queue named like the namespace", { skip: skip(AMQP, "CONNECTOR_TEST_AMQP_URL") }, async () => {
  const db = database(["broker:1:AMQP"]);
  const reader = await lib.amqpReader(AMQP, "transport.messageReceived");
  cleanups.push(() => reader.stop());
  await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "AMQP", configuration: { url: AMQP } }] } });
  const [ev] = lib.appendEvents(db, "transport.messageReceived", lib.messageDTO(7));
  const m = await lib.eventually(() => reader.received().find((x) => x.properties.messageId === ev.id), 15000, "message in queue transport.messageReceived");
  assert.equal(m.exchange, "");
  assert.equal(m.routingKey, "transport.messageReceived");
  assertBody(m.body, lib.messageDTO(7), "default exchange");
});

test("amqpPublisher (deprecated): warning, same payload and routing key as the original", { skip: skip(AMQP, "CONNECTOR_TEST_AMQP_URL") }, async () => {
  const db = database(["amqpPublisher"]);
  const exchange = lib.unique("nmshd");
  const reader = await lib.amqpReader(AMQP, lib.unique("myQueue"), { exchange, type: "fanout", bind: "*.*" });
  cleanups.push(() => reader.stop());
  const p = await publisher(db, { amqpPublisher: { enabled: true, url: AMQP, exchange, timeout: 3000 } }, { module: "amqpPublisher" });
  await p.log.waitFor((l) => l.includes("AMQPPublisherModule is deprecated and will be removed in the future. Please use MessageBrokerPublisherModule instead."), 5000, "deprecation warning");
  const events = produce(db);
  await lib.eventually(() => reader.received().length >= 3, 15000, "3 messages");
  for (const ev of events) {
    const m = reader.received().find((x) => x.properties.messageId === ev.id);
    assert.equal(m.routingKey, ev.namespace);
    assertBody(m.body, ev.data, ev.namespace);
  }
});

test("AMQP exchange missing: the original's message, events wait in PostgreSQL, delivered once it exists", { skip: skip(AMQP, "CONNECTOR_TEST_AMQP_URL") }, async () => {
  const db = database(["broker:1:AMQP"]);
  const exchange = lib.unique("later");
  const p = await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "AMQP", configuration: { url: AMQP, exchange, reconnectBackoffCapMs: 500 } }] } });
  await p.log.waitFor((l) => l.includes(`The configured exchange '${exchange}' does not exist.`), 10000, "exchange message");
  const events = produce(db);
  await lib.sleep(1000);
  assert.deepEqual(lib.deliveryStates(db, "broker:1:AMQP"), { pending: 3 }, "nothing claimed, nothing failed while the broker is unusable");
  const reader = await lib.amqpReader(AMQP, lib.unique("q"), { exchange, type: "fanout" });
  cleanups.push(() => reader.stop());
  await lib.eventually(() => reader.received().length >= 3, 15000, "3 messages after the exchange appeared");
  assert.deepEqual(new Set(reader.received().map((m) => m.properties.messageId)), new Set(events.map((e) => e.id)));
});

test("AMQP mandatory: an unroutable message is returned, retried per schedule, delivered once a queue exists", { skip: skip(AMQP, "CONNECTOR_TEST_AMQP_URL") }, async () => {
  const db = database(["broker:1:AMQP"]);
  const namespace = `test.${lib.unique("unroutable")}`;
  await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "AMQP", configuration: { url: AMQP, mandatory: true } }] } });
  const [ev] = lib.appendEvents(db, namespace, { n: 1 });
  const row = () => lib.psql(db.conninfo, `SET search_path TO ${db.schema}; SELECT state || '|' || attempts || '|' || coalesce(last_error, '') FROM outbox_deliveries WHERE consumer_id = 'broker:1:AMQP'`);
  await lib.eventually(() => row().startsWith("pending|1|"), 10000, "first attempt recorded as failed");
  assert.match(row(), /returned 1 unroutable message/);
  const reader = await lib.amqpReader(AMQP, namespace);
  cleanups.push(() => reader.stop());
  const m = await lib.eventually(() => reader.received().find((x) => x.properties.messageId === ev.id), 20000, "delivery on the retry");
  assert.equal(m.routingKey, namespace);
  await lib.eventually(() => row().startsWith("delivered|2|"), 5000, "delivered on attempt 2");
});

test("Redis: PUBLISH on channel = namespace with the JSON data, plus the stream entry", { skip: skip(REDIS, "CONNECTOR_TEST_REDIS_URL") }, async () => {
  const db = database(["broker:1:Redis"]);
  const stream = lib.unique("events");
  const sub = await lib.redisSubscriber(REDIS);
  cleanups.push(() => sub.stop());
  await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "Redis", configuration: { url: REDIS, stream } }] } });
  const events = produce(db);
  await lib.eventually(() => sub.received().filter((m) => events.some((e) => e.namespace === m.channel)).length >= 3, 15000, "3 Redis messages");
  for (const ev of events) {
    const m = sub.received().find((x) => x.channel === ev.namespace);
    assert.equal(m.pattern, "*");
    assertBody(m.message, ev.data, ev.namespace);
  }
  const entries = lib.redisCli(REDIS, ["XRANGE", stream, "-", "+"]);
  assert.equal(entries.length, 3, "one stream entry per event");
  for (const [i, ev] of events.entries()) {
    const [, fields] = entries[i];
    assert.deepEqual(fields.slice(0, 4), ["eventId", ev.id, "namespace", ev.namespace]);
    assertBody(fields[5], ev.data, `stream ${ev.namespace}`);
  }
});

test("MQTT: topic = namespace with '.' -> '/', payload = data, QoS 1 acknowledged, not retained", { skip: skip(MQTT, "CONNECTOR_TEST_MQTT_URL") }, async () => {
  const db = database(["broker:2:MQTT"]);
  const sub = await lib.mqttSubscriber(MQTT);
  cleanups.push(() => sub.stop());
  // index 2: the publisher serves brokers[1]; brokers[0] is someone else's
  await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "Redis", configuration: { url: "redis://127.0.0.1:1" } }, { type: "MQTT", configuration: { url: MQTT } }] } }, { index: 2 });
  const events = produce(db);
  const topics = { "transport.messageReceived": "transport/messageReceived", "transport.relationshipChanged": "transport/relationshipChanged", "runtime.modulesStarted": "runtime/modulesStarted" };
  await lib.eventually(() => Object.values(topics).every((t) => sub.received().some((m) => m.topic === t)), 15000, "3 MQTT messages");
  for (const ev of events) {
    const m = sub.received().find((x) => x.topic === topics[ev.namespace]);
    assert.equal(m.qos, 1);
    assert.equal(m.retain, 0);
    assertBody(m.payload, ev.data, ev.namespace);
  }
  await lib.eventually(() => lib.deliveryStates(db, "broker:2:MQTT").delivered === 3, 5000, "PUBACKs settled the deliveries");
});

test("PubSub (emulator): data = JSON, attributes exactly {namespace}", { skip: skip(PUBSUB, "PUBSUB_EMULATOR_HOST") }, async () => {
  const db = database(["broker:1:PubSub"]);
  const topicName = lib.unique("topic");
  const sub = await lib.pubsubTopicWithSubscription(PUBSUB, "test-project", topicName);
  const p = await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "PubSub", configuration: { projectId: "test-project", topicName, keyFile: "/nonexistent/key.json" } }] } });
  await p.log.waitFor((l) => l.includes("connected to PubSub"), 10000, "connected");
  const events = produce(db);
  const got = await lib.pubsubPull(PUBSUB, sub, 3);
  assert.equal(got.length, 3);
  for (const ev of events) {
    const m = got.find((x) => x.attributes.namespace === ev.namespace);
    assert.deepEqual(m.attributes, { namespace: ev.namespace });
    assertBody(m.data, ev.data, ev.namespace);
  }
});

test("PubSubPublisher (deprecated) with topic only: warning, publishes; missing topic: the original's message", { skip: skip(PUBSUB, "PUBSUB_EMULATOR_HOST") }, async () => {
  const db = database(["PubSubPublisher"]);
  const topic = lib.unique("legacy");
  const sub = await lib.pubsubTopicWithSubscription(PUBSUB, "test-project", topic);
  const p = await publisher(db, { PubSubPublisher: { enabled: true, projectId: "test-project", topic, keyFile: "/k.json" } }, { module: "PubSubPublisher" });
  await p.log.waitFor((l) => l.includes("PubSubPublisherModule is deprecated and will be removed in the future. Please use MessageBrokerPublisherModule instead."), 5000, "deprecation warning");
  const [ev] = lib.appendEvents(db, "transport.messageReceived", lib.messageDTO(3));
  const got = await lib.pubsubPull(PUBSUB, sub, 1);
  assert.deepEqual(got[0].attributes, { namespace: "transport.messageReceived" });
  assertBody(got[0].data, lib.messageDTO(3), "legacy");
  assert.ok(ev.id);

  const db2 = database(["broker:1:PubSub"]);
  const p2 = await publisher(db2, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "PubSub", configuration: { projectId: "test-project", topicName: "missingTopic", keyFile: "/k.json" } }] } });
  await p2.log.waitFor((l) => l.includes("Topic 'missingTopic' does not exist in the project 'test-project'."), 10000, "missing topic message");
});

function listen(handler) {
  return new Promise((resolve) => {
    const server = http.createServer(handler).listen(0, "127.0.0.1", () => resolve(server));
  });
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => resolve(body));
  });
}

test("PubSub with a service-account key: RS256 JWT exchanged at token_uri, Bearer token on the API calls", { skip: skip(PUBSUB, "PUBSUB_EMULATOR_HOST") }, async () => {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const assertions = [];
  const tokenServer = await listen(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    const [h, c, sig] = (form.get("assertion") ?? "").split(".");
    const valid = crypto.verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(sig ?? "", "base64url"));
    assertions.push({ grant: form.get("grant_type"), valid, header: JSON.parse(Buffer.from(h, "base64url")), claims: JSON.parse(Buffer.from(c, "base64url")) });
    res.writeHead(valid ? 200 : 400, { "content-type": "application/json" });
    res.end(JSON.stringify(valid ? { access_token: "token-for-test", expires_in: 3600, token_type: "Bearer" } : { error: "invalid_grant" }));
  });
  const authorizations = [];
  const apiProxy = await listen(async (req, res) => {
    authorizations.push(req.headers.authorization);
    const body = await readBody(req);
    const r = await fetch(`http://${PUBSUB}${req.url}`, { method: req.method, headers: { "content-type": "application/json" }, body: body || undefined });
    res.writeHead(r.status, { "content-type": "application/json" });
    res.end(await r.text());
  });
  cleanups.push(() => tokenServer.close(), () => apiProxy.close());
  const dir = lib.tempDir("pubsub-key");
  const keyFile = path.join(dir, "key.json");
  fs.writeFileSync(keyFile, JSON.stringify({ type: "service_account", client_email: "publisher@test-project.iam.gserviceaccount.com", private_key: privateKey.export({ type: "pkcs8", format: "pem" }), token_uri: `http://127.0.0.1:${tokenServer.address().port}/token` }));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));

  const db = database(["broker:1:PubSub"]);
  const topicName = lib.unique("auth");
  const sub = await lib.pubsubTopicWithSubscription(PUBSUB, "test-project", topicName);
  const apiEndpoint = `http://127.0.0.1:${apiProxy.address().port}`;
  await publisher(db, { messageBrokerPublisher: { enabled: true, brokers: [{ type: "PubSub", configuration: { projectId: "test-project", topicName, keyFile, apiEndpoint } }] } }, { env: { PUBSUB_EMULATOR_HOST: "" } });
  lib.appendEvents(db, "transport.messageReceived", lib.messageDTO(5));
  const got = await lib.pubsubPull(PUBSUB, sub, 1);
  assert.deepEqual(got[0].attributes, { namespace: "transport.messageReceived" });
  assert.equal(assertions.length, 1, "one token request");
  const [a] = assertions;
  assert.ok(a.valid, "the JWT signature verifies with the key's public half");
  assert.equal(a.grant, "urn:ietf:params:oauth:grant-type:jwt-bearer");
  assert.deepEqual(a.header, { alg: "RS256", typ: "JWT" });
  assert.equal(a.claims.iss, "publisher@test-project.iam.gserviceaccount.com");
  assert.equal(a.claims.aud, `http://127.0.0.1:${tokenServer.address().port}/token`);
  assert.equal(a.claims.scope, "https://www.googleapis.com/auth/pubsub");
  assert.equal(a.claims.exp - a.claims.iat, 3600);
  assert.ok(authorizations.length >= 2 && authorizations.every((h) => h === "Bearer token-for-test"), `topic check and publish carry the token: ${authorizations}`);
});

test("every publisher stops on SIGTERM with exit code 0 and no sanitizer report", async () => {
  for (const p of publishers) {
    const r = await p.stop();
    assert.deepEqual(r, { code: 0, signal: null }, p.log.lines.slice(-5).join("\n"));
    assert.ok(!p.log.lines.some((l) => /Sanitizer|runtime error/.test(l)), p.log.lines.join("\n"));
    assert.ok(p.log.lines.some((l) => l.includes("stopping:")), "logged its counters");
  }
});
