// publisher-lib.mjs: helpers of the broker publisher tests (publisher*.test.mjs, chaos-brokers, bench):
// a private database per test file, events appended with connector-outbox-append, connector-publisher
// started the way connectord starts it (fd 3 notify pipe, worker environment), and one reader per
// broker: connector-amqp-probe (RabbitMQ), redis-cli --json (Redis), mosquitto_sub -F %j (MQTT), the
// emulator's REST API (Pub/Sub). Nothing here listens on a fixed port.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BUILD = process.env.CONNECTOR_BUILDDIR ?? process.cwd();
export const SRC = process.env.CONNECTOR_SRCDIR ?? join(BUILD, "..");
export const SQL = process.env.CONNECTOR_SQL_DIR ?? join(SRC, "sql");
export const DEFAULTS = process.env.CONNECTOR_DEFAULT_CONFIG ?? join(SRC, "etc", "default.json");
export const PG = process.env.CONNECTOR_TEST_DATABASE;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const unique = (prefix) => `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `${prefix}-`));
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function psql(conninfo, sql) {
  return run("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql]).trim();
}

// A fresh database with the Connector schema applied; returns {conninfo, schema, drop()}.
export function createDatabase() {
  const name = unique("pubtest").toLowerCase();
  psql(PG, `CREATE DATABASE ${name}`);
  const conninfo = `${PG} dbname=${name}`;
  const schema = "acc1";
  run(join(BUILD, "connector-migrate"), ["--sql-dir", SQL], {
    env: { ...process.env, DATABASE_CONNECTION_STRING: conninfo, DATABASE_NAME: schema, CONNECTOR_DEFAULT_CONFIG: DEFAULTS },
  });
  return {
    conninfo,
    schema,
    drop() {
      psql(PG, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

// Registers consumers (normally connector-migrate's job) subscribed to every event.
export function registerConsumers(db, ids) {
  run(join(BUILD, "connector-outbox-append"), ["--db", db.conninfo, "--schema", db.schema, ...ids.flatMap((id) => ["--register", id])]);
}

// Appends events; returns [{id, at}] (event id, commit time in epoch ms).
export function appendEvents(db, namespace, data, count = 1, rate = 0) {
  const args = ["--db", db.conninfo, "--schema", db.schema, "--namespace", namespace, "--count", String(count)];
  if (data !== undefined) args.push("--data", typeof data === "string" ? data : JSON.stringify(data));
  if (rate) args.push("--rate", String(rate));
  return run(join(BUILD, "connector-outbox-append"), args)
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [id, at] = l.split(" ");
      return { id, at: Number(at) };
    });
}

// The same without blocking Node's event loop (readers keep timestamping receipts meanwhile).
export function appendEventsAsync(db, namespace, data, count = 1, rate = 0) {
  const args = ["--db", db.conninfo, "--schema", db.schema, "--namespace", namespace, "--count", String(count), "--data", data];
  if (rate) args.push("--rate", String(rate));
  const child = spawn(join(BUILD, "connector-outbox-append"), args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0
        ? resolve(out.trim().split("\n").map((l) => ({ id: l.split(" ")[0], at: Number(l.split(" ")[1]) })))
        : reject(new Error(`connector-outbox-append exit ${code}`)),
    ),
  );
}

export function deliveryStates(db, consumer) {
  const out = psql(db.conninfo, `SET search_path TO ${db.schema}; SELECT state || ':' || count(*) FROM outbox_deliveries WHERE consumer_id = '${consumer}' GROUP BY state ORDER BY 1`);
  return Object.fromEntries(out.split("\n").filter((l) => l.includes(":")).map((l) => [l.split(":")[0], Number(l.split(":")[1])]));
}

// Collects the lines of a child's stream; waitFor(pred) resolves with the first matching line.
class Lines {
  constructor(stream) {
    this.lines = [];
    this.times = []; // Date.now() at the arrival of each line
    this.waiters = [];
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop();
      for (const line of parts) {
        this.lines.push(line);
        this.times.push(Date.now());
        this.waiters = this.waiters.filter((w) => !(w.pred(line) && (w.resolve(line), true)));
      }
    });
  }
  waitFor(pred, timeoutMs = 15000, what = "line") {
    const found = this.lines.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => reject(new Error(`timeout waiting for ${what}; got:\n${this.lines.slice(-20).join("\n")}`)), timeoutMs).unref();
    });
  }
}

// Starts connector-publisher as connectord would; resolves once it said READY (or exited).
export async function startPublisher(config, { module = "messageBrokerPublisher", index = 1, env = {} } = {}) {
  const dir = tempDir("publisher");
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const child = spawn(join(BUILD, "connector-publisher"), ["--index", String(index)], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: {
      ...process.env,
      CONNECTOR_WORKER_ROLE: "publisher",
      CONNECTOR_WORKER_MODULE: module,
      CONNECTOR_WORKER_INDEX: String(index),
      CONNECTOR_CONFIG_FILE: join(dir, "config.json"),
      CONNECTOR_RUNTIME_DIR: dir,
      CONNECTOR_BUS_PUSH: `ipc://${dir}/push`,
      CONNECTOR_BUS_SUB: `ipc://${dir}/sub`,
      CONNECTOR_CONTROL: `ipc://${dir}/control`,
      CONNECTOR_HEARTBEAT_MS: "1000",
      ...env,
    },
  });
  const notify = new Lines(child.stdio[3]);
  const log = new Lines(child.stderr);
  child.stdout.resume();
  const exited = new Promise((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const ready = await Promise.race([notify.waitFor((l) => l === "READY", 20000, "READY"), exited]);
  return {
    child,
    notify,
    log,
    exited,
    ready: ready === "READY",
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const r = await exited;
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
}

function spawnReader(cmd, args) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const out = new Lines(child.stdout);
  const err = new Lines(child.stderr);
  const exited = new Promise((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    out,
    err,
    messages: [],
    stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

// RabbitMQ: durable queue (bound to exchange when given); messages: {exchange, routingKey, body, properties, receivedAt}.
export async function amqpReader(url, queue, { exchange, type = "fanout", bind } = {}) {
  const args = ["--url", url, "--queue", queue];
  if (exchange) args.push("--exchange", exchange, "--type", type);
  if (bind !== undefined) args.push("--bind", bind);
  const r = spawnReader(join(BUILD, "connector-amqp-probe"), args);
  await r.out.waitFor((l) => l === '{"ready":true}', 20000, "amqp probe ready");
  r.received = () => r.out.lines.filter((l) => l.startsWith('{"exchange"')).map((l) => JSON.parse(l));
  return r;
}

export function redisCli(url, args) {
  return JSON.parse(run("redis-cli", ["-u", url, "--json", ...args]));
}

// Redis PSUBSCRIBE *: messages {pattern, channel, message}.
export async function redisSubscriber(url) {
  // stdbuf: line-buffered output, so receipt times are those of the messages, not of a full buffer
  const r = spawnReader("stdbuf", ["-oL", "redis-cli", "-u", url, "--json", "psubscribe", "*"]);
  await r.out.waitFor((l) => l.startsWith('["psubscribe"'), 10000, "redis psubscribe");
  r.received = () =>
    r.out.lines.flatMap((l, i) => {
      if (!l.startsWith('["pmessage"')) return [];
      const [, pattern, channel, message] = JSON.parse(l);
      return [{ pattern, channel, message, receivedAt: r.out.times[i] }];
    });
  return r;
}

// MQTT subscriber on '#' with QoS 1: messages {topic, qos, retain, payload}.
export async function mqttSubscriber(url) {
  const u = new URL(url);
  const r = spawnReader("stdbuf", ["-oL", "mosquitto_sub", "-h", u.hostname, "-p", u.port, "-t", "#", "-q", "1", "-F", "%j"]);
  const probe = unique("probe/ready");
  for (let i = 0; i < 100; i++) {
    spawnSync("mosquitto_pub", ["-h", u.hostname, "-p", u.port, "-t", probe, "-m", "x", "-q", "1"]);
    try {
      await r.out.waitFor((l) => l.includes(`"${probe}"`), 200, "mqtt ready");
      break;
    } catch {}
  }
  r.received = () =>
    r.out.lines
      .flatMap((l, i) => (l.startsWith("{") ? [{ ...JSON.parse(l), receivedAt: r.out.times[i] }] : []))
      .filter((m) => !m.topic.startsWith("probe/"));
  return r;
}

// Pub/Sub emulator REST.
export async function pubsubCall(host, method, path, body) {
  const res = await fetch(`http://${host}/v1/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function pubsubTopicWithSubscription(host, project, topic) {
  const t = await pubsubCall(host, "PUT", `projects/${project}/topics/${topic}`);
  if (t.status !== 200) throw new Error(`create topic: ${t.status} ${JSON.stringify(t.body)}`);
  const s = await pubsubCall(host, "PUT", `projects/${project}/subscriptions/${topic}-sub`, { topic: `projects/${project}/topics/${topic}`, ackDeadlineSeconds: 30 });
  if (s.status !== 200) throw new Error(`create subscription: ${s.status} ${JSON.stringify(s.body)}`);
  return `projects/${project}/subscriptions/${topic}-sub`;
}

// Pulls until `count` messages arrived (acknowledging them); returns [{data (text), attributes, messageId}].
export async function pubsubPull(host, subscription, count, timeoutMs = 15000, pollMs = 100) {
  const got = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    const r = await pubsubCall(host, "POST", `${subscription}:pull`, { maxMessages: 100, returnImmediately: true });
    const msgs = r.body?.receivedMessages ?? [];
    const receivedAt = Date.now();
    for (const m of msgs) got.push({ data: Buffer.from(m.message.data ?? "", "base64").toString("utf8"), attributes: m.message.attributes, messageId: m.message.messageId, receivedAt });
    if (msgs.length) await pubsubCall(host, "POST", `${subscription}:acknowledge`, { ackIds: msgs.map((m) => m.ackId) });
    else await sleep(pollMs);
  }
  return got;
}

// Waits until fn() returns a truthy value.
export async function eventually(fn, timeoutMs = 15000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await sleep(100);
  }
}

// Realistic event data: a MessageDTO and a RelationshipDTO as the runtime emits them.
export function messageDTO(n = 1) {
  return {
    id: `MSGabcdefghijklmno${n}`,
    isOwn: false,
    content: { "@type": "Mail", body: "Hällo / <world> \"quoted\"", subject: "Test", to: ["did:e:localhost:dids:0123456789abcdef"] },
    createdBy: "did:e:localhost:dids:fedcba9876543210",
    createdByDevice: "DVCabcdefghijklmnop",
    recipients: [{ address: "did:e:localhost:dids:0123456789abcdef", relationshipId: "RELabcdefghijklmnop", receivedAt: "2026-11-27T02:00:00.000Z", receivedByDevice: "DVCqrstuvwxyzabcdef" }],
    createdAt: "2026-11-27T01:59:59.000Z",
    attachments: [],
    wasReadAt: null,
    n: 1.5,
  };
}

export function relationshipDTO() {
  return {
    id: "RELabcdefghijklmnop",
    templateId: "RLTabcdefghijklmnop",
    status: "Pending",
    peer: "did:e:localhost:dids:fedcba9876543210",
    peerIdentity: { address: "did:e:localhost:dids:fedcba9876543210", publicKey: "eyJwdWIiOiJ4In0", realm: "id1" },
    creationContent: { "@type": "RelationshipCreationContent", response: { items: [], requestId: "REQabcdefghijklmnop", result: "Accepted" } },
    auditLog: [{ createdAt: "2026-11-27T02:00:00.000Z", createdBy: "did:e:localhost:dids:fedcba9876543210", createdByDevice: "DVCabcdefghijklmnop", reason: "Creation", newStatus: "Pending" }],
  };
}
