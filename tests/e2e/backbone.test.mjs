// tests/e2e/backbone.test.mjs: connector-backbone-dev at the HTTP level against a private
// PostgreSQL database: the runtime's start-up sequence, every endpoint group's happy path, the
// relationship state machine with its external events, files, SSE, and bad input (malformed
// JSON, wrong and unknown ids, unknown and expired tokens, wrong passwords, replayed and foreign
// sync runs, oversized bodies, wrong content types) answered with the Backbone's error codes while
// the state stays as it was; finally a restart that keeps all state.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import {
    pgUrl, createDatabase, dropDatabase, psql, startBackbone, runBackbone, Client, b64url, b64std, deriveAddress, inFuture
} from "./backbone-lib.mjs";

if (!pgUrl) {
    console.log("1..0 # SKIP CONNECTOR_TEST_DATABASE not set");
    process.exit(0);
}

const db = createDatabase("backbone_e2e");
const args = ["--listen", "127.0.0.1:0", "--database", db.conninfo, "--client", "test:test", "--address-domain", "localhost", "--max-body", "65536"];
let bb = await startBackbone(args);
after(async () => {
    await bb.stop();
    dropDatabase(db.name);
});

const count = (table, where = "true") => Number(psql(db.conninfo, `SELECT count(*) FROM backbone.${table} WHERE ${where}`));
const snapshot = () =>
    ["identities", "devices", "tokens", "templates", "template_allocations", "relationships", "relationship_audit", "messages", "external_events", "files", "sync_runs"]
        .map((t) => `${t}=${count(t)}`)
        .join(",");
function expectError(res, status, code) {
    assert.equal(res.status, status, res.text);
    assert.equal(res.json?.error?.code, code, res.text);
    assert.match(res.json.error.id, /^ERR[A-Za-z0-9]{17}$/);
    assert.match(res.json.error.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
}
const cipher = (n = 64) => b64url(JSON.stringify({ cph: b64url(crypto.randomBytes(n)), alg: 3, nnc: b64url(crypto.randomBytes(24)) }));
const dateRe = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

const a = await new Client(bb.baseUrl).createIdentity();
const b = await new Client(bb.baseUrl).createIdentity();
const c = await new Client(bb.baseUrl).createIdentity();
for (const x of [a, b, c]) await x.initDatawallet();

test("command line: --help, --version, bad arguments exit 78 naming the flag", async () => {
    const help = await runBackbone(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /DEVELOPMENT AND TESTS ONLY/);
    assert.match((await runBackbone(["--version"])).stdout, /^connector-backbone-dev \d/);
    for (const [argv, flag] of [
        [["--listen", "nohost", "--database", "x"], "--listen"],
        [["--database", "x", "--address-domain", "127.0.0.1"], "--address-domain"],
        [["--database", "x", "--max-body", "ten"], "--max-body"],
        [["--database", "x", "--bogus"], "--bogus"],
        [["--database", "x", "--log-level", "loud"], "--log-level"],
        [["--database", "x", "--token-lifetime", "5"], "--token-lifetime"],
        [["--client", "nocolon", "--database", "x"], "--client"],
        [["--listen", "127.0.0.1:0"], "--database"]
    ]) {
        const res = await runBackbone(argv);
        assert.equal(res.code, 78, argv.join(" "));
        assert.ok(res.stderr.includes(flag), res.stderr);
    }
});

test("identity creation derives the did:e address like the runtime", () => {
    assert.equal(a.address, a.expectedAddress);
    assert.equal(a.address, deriveAddress(a.rawPub, "localhost"));
    assert.match(a.deviceId, /^DVC[A-Za-z0-9]{17}$/);
    assert.match(a.username, /^USR[A-Za-z0-9]{17}$/);
});

test("Version, health, Tags with ETag, Announcements, IsDeleted", async () => {
    assert.deepEqual((await a.get("/api/v2/Version", { auth: false })).json, { result: { majorVersion: "7" } });
    assert.equal((await a.get("/health", { auth: false })).status, 200);
    const tags = await a.get("/api/v2/Tags");
    assert.deepEqual(tags.json.result.supportedLanguages, ["en"]);
    const etag = tags.headers.get("etag");
    assert.equal((await a.get("/api/v2/Tags", { headers: { "if-none-match": etag } })).status, 304);
    assert.deepEqual((await a.get("/api/v2/Announcements?language=en")).json, { result: [] });
    const del = await a.get(`/api/v2/Identities/IsDeleted?username=${a.username}`, { auth: false });
    assert.deepEqual(del.json.result, { isDeleted: false, deletionDate: null });
});

test("identity creation rejects bad clients, signatures, challenges and replays without new state", async () => {
    const before = snapshot();
    const fresh = new Client(bb.baseUrl);
    const good = { ...a.identityBody };
    expectError(await fresh.post("/api/v2/Identities", { ...good, clientSecret: "wrong" }), 400, "error.platform.unauthorized");
    const sig = JSON.parse(Buffer.from(good.signedChallenge.signature, "base64url"));
    sig.sig = b64url(crypto.randomBytes(64));
    expectError(
        await fresh.post("/api/v2/Identities", { ...good, signedChallenge: { ...good.signedChallenge, signature: b64url(JSON.stringify(sig)) } }),
        400, "error.platform.validation.device.invalidSignature");
    expectError(await fresh.post("/api/v2/Identities", good), 400, "error.platform.validation.device.addressAlreadyExists");
    // a correctly signed challenge that the Backbone never issued
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
    const challenge = JSON.stringify({ id: "CHLaaaaaaaaaaaaaaaaa", expiresAt: inFuture(60000), type: "Identity" });
    const forged = {
        ...good,
        identityPublicKey: b64url(JSON.stringify({ pub: b64url(raw), alg: 3 })),
        signedChallenge: { challenge, signature: b64url(JSON.stringify({ sig: b64url(crypto.sign(null, Buffer.from(challenge), privateKey)), alg: 2 })) }
    };
    expectError(await fresh.post("/api/v2/Identities", forged), 404, "error.platform.recordNotFound");
    expectError(await fresh.post("/api/v2/Identities", { ...good, identityPublicKey: "!!" }), 400, "error.platform.validation.invalidPropertyValue");
    expectError(await fresh.request("POST", "/api/v2/Identities", { raw: "{\"clientId\": ", headers: { "content-type": "application/json" } }), 400, "error.platform.inputCannotBeParsed");
    expectError(await fresh.request("POST", "/api/v2/Identities", { raw: JSON.stringify(good), headers: { "content-type": "text/plain" } }), 415, "error.platform.unsupportedMediaType");
    expectError(await fresh.post("/api/v2/Identities", { ...good, identityVersion: "one" }), 400, "error.platform.inputCannotBeParsed");
    assert.equal(snapshot(), before);
});

test("OAuth password grant: wrong password, unknown client, lockout; tokens expire", async () => {
    const d = await new Client(bb.baseUrl).createIdentity();
    const res = await d.login("wrong-password");
    assert.equal(res.status, 400);
    assert.equal(res.json.error, "invalid_grant");
    const form = { client_id: "other", client_secret: "x", grant_type: "password", username: d.username, password: d.password };
    const badClient = await d.request("POST", "/connect/token", { auth: false, form });
    assert.equal(badClient.json.error, "invalid_client");
    const badGrant = await d.request("POST", "/connect/token", { auth: false, form: { ...form, client_id: "test", client_secret: "test", grant_type: "client_credentials" } });
    assert.equal(badGrant.json.error, "unsupported_grant_type");
    const asJson = await d.post("/connect/token", { ...form, client_id: "test", client_secret: "test" }, { auth: false });
    assert.equal(asJson.json.error, "invalid_request");
    const ok = await d.login();
    assert.equal(ok.status, 200);
    assert.equal(ok.json.token_type, "Bearer");
    assert.ok(ok.json.expires_in > 10);
    for (let i = 0; i < 3; i++) await d.login("wrong-password");
    const locked = await d.login();
    assert.equal(locked.status, 400);
    assert.equal(locked.json.error, "access_denied");
    // the token issued before still works until it expires
    assert.equal((await d.get("/api/v2/Devices/Self")).status, 200);
    psql(db.conninfo, `UPDATE backbone.access_tokens SET expires_at = 0 WHERE device_id = '${d.deviceId}'`);
    const expired = await d.get("/api/v2/Devices/Self");
    assert.equal(expired.status, 401);
    assert.equal(expired.text, "");
});

test("unknown or missing bearer tokens get 401 with an empty body", async () => {
    const anon = new Client(bb.baseUrl);
    for (const token of [undefined, "nonsense", b64url(crypto.randomBytes(32))]) {
        anon.token = token;
        const res = await anon.post("/api/v2/RelationshipTemplates", { content: cipher() });
        assert.equal(res.status, 401);
        assert.equal(res.text, "");
        assert.match(res.headers.get("www-authenticate"), /Bearer/);
    }
});

test("challenges: anonymous and authenticated creation, GET", async () => {
    const anon = await a.post("/api/v2/Challenges", {}, { auth: false });
    assert.equal(anon.status, 201);
    assert.equal(anon.json.result.createdBy, null);
    assert.match(anon.json.result.expiresAt, dateRe);
    const own = await a.post("/api/v2/Challenges", {});
    assert.equal(own.json.result.createdBy, a.address);
    assert.equal(own.json.result.createdByDevice, a.deviceId);
    const got = await a.get(`/api/v2/Challenges/${own.json.result.id}`);
    assert.deepEqual(got.json.result, own.json.result);
    expectError(await a.get("/api/v2/Challenges/CHLxxxxxxxxxxxxxxxxx"), 404, "error.platform.recordNotFound");
    expectError(await a.get("/api/v2/Challenges/nonsense"), 400, "error.platform.validation.invalidId");
});

test("devices: Self, language, second device with signed challenge, password change, push registration", async () => {
    const self = await a.get("/api/v2/Devices/Self");
    assert.equal(self.json.result.id, a.deviceId);
    assert.equal(self.json.result.communicationLanguage, "en");
    assert.match(self.json.result.lastLogin.time, dateRe);
    assert.equal((await a.put("/api/v2/Devices/Self", { communicationLanguage: "de" })).status, 204);
    assert.equal((await a.get("/api/v2/Devices/Self")).json.result.communicationLanguage, "de");
    const second = await addDevice(a);
    assert.equal((await second.put("/api/v2/Devices/Self/Password", { oldPassword: "wrong", newPassword: "x".repeat(45) })).json.error.code,
        "error.platform.validation.device.changePasswordFailed");
    assert.equal((await second.put("/api/v2/Devices/Self/Password", { oldPassword: second.password, newPassword: "n".repeat(45) })).status, 204);
    assert.equal((await second.login("n".repeat(45))).status, 200);
    const push = await a.put("/api/v2/Devices/Self/PushNotifications", { platform: "dummy", handle: "handle-handle", appId: "x" });
    assert.match(push.json.result.devicePushIdentifier, /^DPI/);
    assert.equal((await a.del("/api/v2/Devices/Self/PushNotifications")).status, 204);
    expectError(await a.del(`/api/v2/Devices/${second.deviceId}`), 400, "error.platform.validation.device.deviceCannotBeDeleted");
});

async function addDevice(owner) {
    const ch = (await owner.post("/api/v2/Challenges", {})).json.result;
    const challenge = JSON.stringify({ id: ch.id, expiresAt: ch.expiresAt, type: "Identity" });
    const signature = b64url(JSON.stringify({ sig: b64url(crypto.sign(null, Buffer.from(challenge), owner.privateKey)), alg: 2 }));
    const password = crypto.randomBytes(30).toString("base64url");
    const res = await owner.post("/api/v2/Devices", { devicePassword: password, signedChallenge: { challenge, signature, "@type": "ChallengeSigned" } });
    assert.equal(res.status, 201, res.text);
    const dev = new Client(owner.baseUrl);
    Object.assign(dev, { username: res.json.result.username, deviceId: res.json.result.id, password, address: owner.address });
    assert.equal((await dev.login()).status, 200);
    return dev;
}

let template, relationshipId;

test("templates and tokens: allocation limit, passwords, forIdentity, exhaustion event", async () => {
    const tpl = await a.post("/api/v2/RelationshipTemplates", { content: cipher(), expiresAt: inFuture(3600e3), maxNumberOfAllocations: 1 });
    assert.equal(tpl.status, 201);
    template = tpl.json.result.id;
    assert.match(template, /^RLT[A-Za-z0-9]{17}$/);
    const tok = await a.post("/api/v2/Tokens", { content: cipher(), expiresAt: inFuture(3600e3) });
    assert.equal(tok.status, 201);
    assert.equal(tok.headers.get("location"), `/api/v2/Tokens/${tok.json.result.id}`);
    const read = await b.get(`/api/v2/Tokens/${tok.json.result.id}`, { auth: false });
    assert.equal(read.json.result.createdBy, a.address);
    assert.doesNotMatch(read.json.result.content, /[+/=]/);
    assert.equal(read.json.result.isPasswordProtected, false);
    const got = await b.get(`/api/v2/RelationshipTemplates/${template}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.result.maxNumberOfAllocations, 1);
    assert.equal((await b.get(`/api/v2/RelationshipTemplates/${template}`)).status, 200, "a second read by the same identity is free");
    expectError(await c.get(`/api/v2/RelationshipTemplates/${template}`), 400, "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted");
    const events = await a.sync();
    assert.deepEqual(events.map((e) => [e.type, e.payload]), [["RelationshipTemplateAllocationsExhausted", { relationshipTemplateId: template }]]);
    // password protected template: the creator reads without, others need the standard base64 hash
    const pw = crypto.randomBytes(32);
    const secret = await a.post("/api/v2/RelationshipTemplates", { content: cipher(), expiresAt: inFuture(3600e3), password: b64std(pw) });
    const id = secret.json.result.id;
    expectError(await c.get(`/api/v2/RelationshipTemplates/${id}`), 404, "error.platform.recordNotFound");
    expectError(await c.get(`/api/v2/RelationshipTemplates/${id}?password=${encodeURIComponent(b64std(crypto.randomBytes(32)))}`), 404, "error.platform.recordNotFound");
    assert.equal((await c.get(`/api/v2/RelationshipTemplates/${id}?password=${encodeURIComponent(b64std(pw))}`)).status, 200);
    assert.equal((await a.get(`/api/v2/RelationshipTemplates/${id}`)).status, 200);
    const listed = await b.get(`/api/v2/RelationshipTemplates?templates.0.id=${template}&templates.1.id=${id}&templates.2.id=${id}&templates.2.password=${encodeURIComponent(b64std(pw))}`);
    assert.deepEqual(listed.json.result.map((t) => t.id), [template, id], "the protected one only with its password");
    const personal = await a.post("/api/v2/RelationshipTemplates", { content: cipher(), forIdentity: b.address });
    expectError(await c.get(`/api/v2/RelationshipTemplates/${personal.json.result.id}`), 404, "error.platform.recordNotFound");
    assert.equal((await b.get(`/api/v2/RelationshipTemplates/${personal.json.result.id}`)).status, 200);
    expectError(await c.del(`/api/v2/RelationshipTemplates/${personal.json.result.id}`), 403, "error.platform.forbidden");
    assert.equal((await a.del(`/api/v2/RelationshipTemplates/${personal.json.result.id}`)).status, 204);
    expectError(await a.post("/api/v2/RelationshipTemplates", { content: cipher(), expiresAt: "2000-01-01T00:00:00.000Z" }), 400, "error.platform.validation.invalidPropertyValue");
    expectError(await a.post("/api/v2/RelationshipTemplates", { content: cipher(), maxNumberOfAllocations: 0 }), 400, "error.platform.validation.invalidPropertyValue");
});

test("tokens: password attempts are counted, forIdentity, empty anonymous tokens and UpdateContent, delete", async () => {
    const pw = crypto.randomBytes(32);
    const tok = (await a.post("/api/v2/Tokens", { content: cipher(), expiresAt: inFuture(3600e3), password: b64std(pw), forIdentity: c.address })).json.result.id;
    expectError(await b.get(`/api/v2/Tokens/${tok}?password=${encodeURIComponent(b64std(pw))}`), 404, "error.platform.recordNotFound");
    expectError(await c.get(`/api/v2/Tokens/${tok}?password=${encodeURIComponent(b64std(crypto.randomBytes(32)))}`), 404, "error.platform.recordNotFound");
    assert.equal(count("tokens", `id = '${tok}' AND failed_attempts = 1`), 1, "the failed attempt is kept");
    const ok = await c.get(`/api/v2/Tokens/${tok}?password=${encodeURIComponent(b64std(pw))}`);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.result.isPasswordProtected, true);
    assert.equal(ok.json.result.forIdentity, c.address);
    const empty = await b.post("/api/v2/Tokens", { expiresAt: inFuture(60e3) }, { auth: false });
    assert.equal(empty.status, 201, empty.text);
    expectError(await b.post("/api/v2/Tokens", { content: cipher(), expiresAt: inFuture(60e3) }, { auth: false }), 400, "error.platform.validation.invalidPropertyValue");
    const upd = await b.post(`/api/v2/Tokens/${empty.json.result.id}/UpdateContent`, { id: empty.json.result.id, newContent: cipher() });
    assert.equal(upd.status, 200, upd.text);
    assert.equal(upd.json.result.createdBy, b.address);
    expectError(await b.post(`/api/v2/Tokens/${empty.json.result.id}/UpdateContent`, { newContent: cipher() }), 400, "error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists");
    expectError(await c.del(`/api/v2/Tokens/${empty.json.result.id}`), 403, "error.platform.forbidden");
    assert.equal((await b.del(`/api/v2/Tokens/${empty.json.result.id}`)).status, 204);
    expectError(await b.get(`/api/v2/Tokens/${empty.json.result.id}`), 404, "error.platform.recordNotFound");
    expectError(await b.get("/api/v2/Tokens/TOK123"), 400, "error.platform.validation.invalidId");
    const listed = await c.get(`/api/v2/Tokens?ids=${tok}&ids=${empty.json.result.id}&ids=TOKaaaaaaaaaaaaaaaaa`);
    assert.deepEqual(listed.json.result.map((t) => t.id), [tok], "only tokens c holds an allocation of");
    assert.equal((await fetch(`${bb.baseUrl}/api/v2/Tokens?ids=${tok}`)).status, 401);
});

test("relationship creation, blocked message events, acceptance with external events", async () => {
    const can = await b.get(`/api/v2/Relationships/CanCreate?peer=${encodeURIComponent(a.address)}`);
    assert.deepEqual(can.json.result, { canCreate: true });
    const unknown = await b.get(`/api/v2/Relationships/CanCreate?peer=${encodeURIComponent(deriveAddress(crypto.randomBytes(32), "localhost"))}`);
    expectError(unknown, 404, "error.platform.recordNotFound");
    assert.match(unknown.json.error.message, /^Identity not found/);
    expectError(await a.post("/api/v2/Relationships", { relationshipTemplateId: template, creationContent: cipher() }), 400, "error.platform.validation.relationship.cannotCreateRelationshipWithYourself");
    const rel = await b.post("/api/v2/Relationships", { relationshipTemplateId: template, creationContent: cipher() });
    assert.equal(rel.status, 201, rel.text);
    relationshipId = rel.json.result.id;
    assert.equal(rel.json.result.status, "Pending");
    assert.equal(rel.json.result.from, b.address);
    assert.equal(rel.json.result.to, a.address);
    assert.equal(rel.json.result.creationContent, undefined);
    assert.deepEqual(rel.json.result.auditLog.map((e) => [e.reason, e.oldStatus, e.newStatus, e.createdBy]), [["Creation", null, "Pending", b.address]]);
    expectError(await b.post("/api/v2/Relationships", { relationshipTemplateId: template, creationContent: cipher() }), 400, "error.platform.validation.relationship.relationshipToTargetAlreadyExists");
    assert.equal((await b.get(`/api/v2/Relationships/CanCreate?peer=${encodeURIComponent(a.address)}`)).json.result.code, "error.platform.validation.relationship.relationshipToTargetAlreadyExists");
    // a message while Pending is accepted but its event stays blocked
    const msg = await b.post("/api/v2/Messages", { recipients: [{ address: a.address, encryptedKey: cipher(40) }], body: cipher(100), attachments: [] });
    assert.equal(msg.status, 201, msg.text);
    const events = await a.sync();
    assert.deepEqual(events.map((e) => [e.type, e.payload]), [["RelationshipStatusChanged", { relationshipId }]]);
    const full = await a.get(`/api/v2/Relationships/${relationshipId}`);
    assert.match(full.json.result.creationContent, /^[A-Za-z0-9_-]+$/);
    assert.equal(full.json.result.creationResponseContent, null);
    expectError(await b.put(`/api/v2/Relationships/${relationshipId}/Accept`, { creationResponseContent: cipher() }), 400, "error.platform.validation.relationship.cannotAcceptOrRejectRelationshipAddressedToSomeoneElse");
    expectError(await c.get(`/api/v2/Relationships/${relationshipId}`), 404, "error.platform.recordNotFound");
    const acc = await a.put(`/api/v2/Relationships/${relationshipId}/Accept`, { creationResponseContent: cipher() });
    assert.equal(acc.status, 200, acc.text);
    assert.equal(acc.json.result.status, "Active");
    const log = acc.json.result.auditLog.map((e) => Date.parse(e.createdAt));
    assert.ok(log[1] > log[0], "audit timestamps increase strictly");
    assert.deepEqual((await b.sync()).map((e) => e.type), ["RelationshipStatusChanged"]);
    assert.match((await b.get(`/api/v2/Relationships/${relationshipId}`)).json.result.creationResponseContent, /^[A-Za-z0-9_-]+$/);
    const list = await a.get(`/api/v2/Relationships?ids=${relationshipId}&ids=RELaaaaaaaaaaaaaaaaa`);
    assert.deepEqual(list.json.result.map((x) => [x.id, x.status]), [[relationshipId, "Active"]]);
    assert.equal((await fetch(`${bb.baseUrl}/api/v2/Relationships?ids=${relationshipId}`)).status, 401);
    const released = await a.sync();
    assert.deepEqual(released.map((e) => [e.type, e.payload]), [["MessageReceived", { id: msg.json.result.id }]]);
});

test("messages: recipient rules, receivedAt on first read, visibility, ids lists", async () => {
    expectError(await c.post("/api/v2/Messages", { recipients: [{ address: a.address, encryptedKey: cipher(40) }], body: cipher() }), 400, "error.platform.validation.message.noRelationshipToRecipientExists");
    expectError(await a.post("/api/v2/Messages", { recipients: [{ address: b.address, encryptedKey: cipher(40) }, { address: b.address, encryptedKey: cipher(40) }], body: cipher() }), 400, "error.platform.validation.invalidPropertyValue");
    expectError(await a.post("/api/v2/Messages", { recipients: [], body: cipher() }), 400, "error.platform.validation.invalidPropertyValue");
    expectError(await a.post("/api/v2/Messages", { recipients: "x", body: cipher() }), 400, "error.platform.inputCannotBeParsed");
    const sent = await a.post("/api/v2/Messages", { recipients: [{ address: b.address, encryptedKey: cipher(40) }], body: cipher(200), attachments: [{ id: "FILaaaaaaaaaaaaaaaaa" }] });
    assert.equal(sent.status, 201, sent.text);
    const id = sent.json.result.id;
    const events = await b.sync();
    assert.deepEqual(events.map((e) => e.payload.id), [id]);
    const m = await b.get(`/api/v2/Messages/${id}`);
    assert.equal(m.json.result.createdBy, a.address);
    assert.deepEqual(m.json.result.attachments, [{ id: "FILaaaaaaaaaaaaaaaaa" }]);
    assert.equal(m.json.result.recipients.length, 1);
    assert.match(m.json.result.recipients[0].receivedAt, dateRe);
    assert.equal(m.json.result.recipients[0].receivedByDevice, b.deviceId);
    const again = await b.get(`/api/v2/Messages/${id}`);
    assert.equal(again.json.result.recipients[0].receivedAt, m.json.result.recipients[0].receivedAt);
    assert.equal((await a.get(`/api/v2/Messages/${id}?noBody=true`)).json.result.body, null);
    expectError(await c.get(`/api/v2/Messages/${id}`), 404, "error.platform.recordNotFound");
    const list = await a.get(`/api/v2/Messages?ids=${id}&ids=MSGaaaaaaaaaaaaaaaaa`);
    assert.deepEqual(list.json.result.map((x) => x.id), [id]);
});

test("sync runs: foreign, other device, replayed finalize, open run, errors and retries", async () => {
    await a.post("/api/v2/Messages", { recipients: [{ address: b.address, encryptedKey: cipher(40) }], body: cipher() });
    const before = count("external_events", `owner = '${b.address}' AND NOT delivered`);
    expectError(await b.request("POST", "/api/v2/SyncRuns", { body: { type: "ExternalEventSync" }, headers: { "x-supported-datawallet-version": "" } }), 400, "error.platform.inputCannotBeParsed");
    expectError(await b.post("/api/v2/SyncRuns", { type: "Everything" }), 400, "error.platform.inputCannotBeParsed");
    const run = (await b.post("/api/v2/SyncRuns", { type: "ExternalEventSync" })).json.result.syncRun;
    assert.ok(run.eventCount >= 1);
    expectError(await b.post("/api/v2/SyncRuns", { type: "ExternalEventSync" }), 400, "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning");
    expectError(await c.get(`/api/v2/SyncRuns/${run.id}/ExternalEvents`), 404, "error.platform.recordNotFound");
    expectError(await c.put(`/api/v2/SyncRuns/${run.id}/FinalizeExternalEventSync`, { externalEventResults: [] }), 404, "error.platform.recordNotFound");
    const other = await addDevice(b);
    expectError(await other.get(`/api/v2/SyncRuns/${run.id}/ExternalEvents`), 400, "error.platform.validation.syncRun.cannotReadExternalEventsOfASyncRunStartedByAnotherDevice");
    expectError(await other.put(`/api/v2/SyncRuns/${run.id}/FinalizeExternalEventSync`, { externalEventResults: [] }), 400, "error.platform.validation.syncRun.cannotFinalizeSyncRunStartedByAnotherDevice");
    expectError(await b.put(`/api/v2/SyncRuns/${run.id}/FinalizeDatawalletVersionUpgrade`, { newDatawalletVersion: 1 }), 400, "error.platform.validation.syncRun.unexpectedSyncRunType");
    const events = (await b.get(`/api/v2/SyncRuns/${run.id}/ExternalEvents`)).json.result;
    assert.equal(count("external_events", `owner = '${b.address}' AND NOT delivered`), before, "errors changed nothing");
    const fin = await b.put(`/api/v2/SyncRuns/${run.id}/FinalizeExternalEventSync`, { externalEventResults: [{ externalEventId: events[0].id, errorCode: "error.x" }] });
    assert.equal(fin.status, 200, fin.text);
    assert.equal(fin.json.result.newUnsyncedExternalEventsExist, false, "events with errors are not counted as new");
    expectError(await b.put(`/api/v2/SyncRuns/${run.id}/FinalizeExternalEventSync`, { externalEventResults: [] }), 400, "error.platform.validation.syncRun.syncRunAlreadyFinalized");
    expectError(await b.get(`/api/v2/SyncRuns/${run.id}/ExternalEvents`), 400, "error.platform.validation.syncRun.syncRunAlreadyFinalized");
    // the failed event comes back with its error count; a missing result counts as notProcessed
    const run2 = (await b.post("/api/v2/SyncRuns", { type: "ExternalEventSync" })).json.result.syncRun;
    const ev2 = (await b.get(`/api/v2/SyncRuns/${run2.id}/ExternalEvents`)).json.result;
    assert.equal(ev2[0].syncErrorCount, 1);
    await b.put(`/api/v2/SyncRuns/${run2.id}/FinalizeExternalEventSync`, { externalEventResults: [] });
    assert.equal(count("sync_errors", `event_id = '${ev2[0].id}' AND code = 'notProcessed'`), 1);
    const ev3 = await b.sync();
    assert.equal(ev3[0].syncErrorCount, 2);
    assert.deepEqual(await b.sync(), []);
    expectError(await b.get("/api/v2/SyncRuns/SYRaaaaaaaaaaaaaaaaa/ExternalEvents"), 404, "error.platform.recordNotFound");
});

test("datawallet: version, push with localIndex, modifications since an index", async () => {
    assert.equal((await a.get("/api/v2/Datawallet")).json.result.version, 1);
    const item = { type: "Create", objectIdentifier: "OBJ1", collection: "Col", datawalletVersion: 1, encryptedPayload: cipher() };
    const push = await a.post("/api/v2/Datawallet/Modifications", { localIndex: -1, modifications: [item, { ...item, type: "Update" }] });
    assert.equal(push.status, 201, push.text);
    assert.equal(push.json.result.newIndex, 1);
    expectError(await a.post("/api/v2/Datawallet/Modifications", { localIndex: 0, modifications: [item] }), 400, "error.platform.validation.datawallet.datawalletNotUpToDate");
    const mods = (await a.get("/api/v2/Datawallet/Modifications?localIndex=0")).json.result;
    assert.deepEqual(mods.map((m) => [m.index, m.type]), [[1, "Update"]]);
    expectError(await a.post("/api/v2/Datawallet/Modifications", { localIndex: 1, modifications: [{ ...item, type: "Explode" }] }), 400, "error.platform.inputCannotBeParsed");
});

test("files: multipart upload, download, metadata, ownership tokens, delete", async () => {
    const content = crypto.randomBytes(5000);
    const hash = b64url(crypto.createHash("sha512").update(content).digest());
    const form = new FormData();
    form.append("content", new Blob([content]), "cipher.bin");
    form.append("cipherHash", hash);
    form.append("owner", a.address);
    form.append("ownerSignature", b64url(JSON.stringify({ sig: b64url(crypto.randomBytes(64)), alg: 2 })));
    form.append("expiresAt", inFuture(3600e3));
    form.append("encryptedProperties", cipher());
    const up = await fetch(`${bb.baseUrl}/api/v2/Files`, { method: "POST", body: form, headers: { authorization: `Bearer ${a.token}` } });
    assert.equal(up.status, 201);
    const file = (await up.json()).result;
    assert.equal(file.cipherHash, hash);
    assert.equal(file.cipherSize, 5000);
    assert.equal(file.owner, a.address);
    assert.equal(file.ownershipToken.length, 20);
    const down = await fetch(`${bb.baseUrl}/api/v2/Files/${file.id}`, { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(down.headers.get("content-type"), "application/octet-stream");
    assert.ok(Buffer.from(await down.arrayBuffer()).equals(content));
    const meta = await b.get(`/api/v2/Files/${file.id}/metadata`);
    assert.deepEqual((await c.get(`/api/v2/Files?ids=${file.id}&ids=FILaaaaaaaaaaaaaaaaa`)).json.result, [meta.json.result]);
    assert.equal(meta.json.result.cipherHash, hash);
    assert.equal(meta.json.result.ownershipIsLocked, false);
    assert.equal((await b.post(`/api/v2/Files/${file.id}/ValidateOwnershipToken`, { ownershipToken: file.ownershipToken })).json.result.isValid, true);
    expectError(await b.patch(`/api/v2/Files/${file.id}/RegenerateOwnershipToken`, {}), 403, "error.platform.forbidden");
    expectError(await a.patch(`/api/v2/Files/${file.id}/ClaimOwnership`, { ownershipToken: file.ownershipToken }), 400, "error.platform.validation.file.cannotClaimOwnershipOfOwnFile");
    expectError(await c.patch(`/api/v2/Files/${file.id}/ClaimOwnership`, { ownershipToken: "wrong" }), 403, "error.platform.forbidden");
    assert.equal((await a.get(`/api/v2/Files/${file.id}/Metadata`)).json.result.ownershipIsLocked, true);
    assert.deepEqual((await a.sync()).map((e) => e.type), ["FileOwnershipLocked"]);
    expectError(await b.patch(`/api/v2/Files/${file.id}/ClaimOwnership`, { ownershipToken: file.ownershipToken }), 403, "error.platform.forbidden");
    const token = (await a.patch(`/api/v2/Files/${file.id}/RegenerateOwnershipToken`, {})).json.result.newOwnershipToken;
    const claim = await b.patch(`/api/v2/Files/${file.id}/ClaimOwnership`, { ownershipToken: token });
    assert.equal(claim.status, 200, claim.text);
    assert.deepEqual((await a.sync()).map((e) => [e.type, e.payload]), [["FileOwnershipClaimed", { fileId: file.id, newOwnerAddress: b.address }]]);
    const bad = await fetch(`${bb.baseUrl}/api/v2/Files`, { method: "POST", body: "nope", headers: { authorization: `Bearer ${a.token}`, "content-type": "multipart/form-data; boundary=xyz" } });
    assert.equal((await bad.json()).error.code, "error.platform.inputCannotBeParsed");
    const noHash = new FormData();
    noHash.append("content", new Blob([content]), "cipher.bin");
    noHash.append("expiresAt", inFuture(3600e3));
    const nh = await fetch(`${bb.baseUrl}/api/v2/Files`, { method: "POST", body: noHash, headers: { authorization: `Bearer ${a.token}` } });
    assert.equal((await nh.json()).error.code, "error.platform.validation.invalidPropertyValue");
    expectError(await b.del(`/api/v2/Files/${file.id}`), 403, "error.platform.forbidden");
    assert.equal((await a.del(`/api/v2/Files/${file.id}`)).status, 204);
    expectError(await b.get(`/api/v2/Files/${file.id}/metadata`), 404, "error.platform.recordNotFound");
});

test("relationship state machine: terminate, reactivation, decomposition, wrong transitions", async () => {
    const path = `/api/v2/Relationships/${relationshipId}`;
    expectError(await a.put(`${path}/Revoke`, {}), 400, "error.platform.validation.relationship.relationshipIsNotInCorrectStatus");
    expectError(await a.put(`${path}/Decompose`, {}), 400, "error.platform.validation.relationship.relationshipIsNotInCorrectStatus");
    assert.equal((await a.put(`${path}/Terminate`, {})).json.result.status, "Terminated");
    assert.deepEqual((await b.sync()).map((e) => e.type), ["RelationshipStatusChanged"]);
    // messages to a terminated relationship are stored but blocked
    assert.equal((await a.post("/api/v2/Messages", { recipients: [{ address: b.address, encryptedKey: cipher(40) }], body: cipher() })).status, 201);
    expectError(await b.put(`${path}/Reactivate/Accept`, {}), 400, "error.platform.validation.relationship.noAcceptableRelationshipReactivationRequestExists");
    const req = await b.put(`${path}/Reactivate`, {});
    assert.equal(req.json.result.status, "Terminated");
    expectError(await a.put(`${path}/Reactivate`, {}), 400, "error.platform.validation.relationship.cannotRequestReactivationWhenThereIsAnOpenReactivationRequest");
    expectError(await b.put(`${path}/Reactivate/Accept`, {}), 400, "error.platform.validation.relationship.noAcceptableRelationshipReactivationRequestExists");
    expectError(await a.put(`${path}/Reactivate/Revoke`, {}), 400, "error.platform.validation.relationship.noRevocableReactivationRequestExists");
    assert.deepEqual((await a.sync()).map((e) => e.type), ["RelationshipReactivationRequested"]);
    assert.equal((await a.put(`${path}/Reactivate/Accept`, {})).json.result.status, "Active");
    assert.deepEqual((await b.sync()).map((e) => e.type).sort(), ["MessageReceived", "RelationshipReactivationCompleted"]);
    await b.put(`${path}/Terminate`, {});
    const d1 = await a.put(`${path}/Decompose`, {});
    assert.equal(d1.json.result.status, "DeletionProposed");
    expectError(await a.get(path), 400, "error.platform.validation.relationship.relationshipAlreadyDecomposed");
    const d2 = await b.put(`${path}/Decompose`, {});
    assert.equal(d2.json.result.status, "ReadyForDeletion");
    const reasons = d2.json.result.auditLog.map((e) => e.reason);
    assert.deepEqual(reasons, ["Creation", "AcceptanceOfCreation", "Termination", "ReactivationRequested", "AcceptanceOfReactivation", "Termination", "Decomposition", "Decomposition"]);
    const times = d2.json.result.auditLog.map((e) => Date.parse(e.createdAt));
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1]);
});

test("reject and revoke delete blocked message events", async () => {
    const tpl = (await c.post("/api/v2/RelationshipTemplates", { content: cipher(), expiresAt: inFuture(3600e3) })).json.result.id;
    await a.get(`/api/v2/RelationshipTemplates/${tpl}`);
    const rel = (await a.post("/api/v2/Relationships", { relationshipTemplateId: tpl, creationContent: cipher() })).json.result.id;
    await a.post("/api/v2/Messages", { recipients: [{ address: c.address, encryptedKey: cipher(40) }], body: cipher() });
    assert.equal(count("external_events", `context = '${rel}' AND blocked`), 1);
    expectError(await a.put(`/api/v2/Relationships/${rel}/Reject`, {}), 400, "error.platform.validation.relationship.cannotAcceptOrRejectRelationshipAddressedToSomeoneElse");
    expectError(await c.put(`/api/v2/Relationships/${rel}/Revoke`, {}), 400, "error.platform.validation.relationship.cannotRevokeRelationshipNotCreatedByYourself");
    assert.equal((await c.put(`/api/v2/Relationships/${rel}/Reject`, {})).json.result.status, "Rejected");
    assert.equal(count("external_events", `context = '${rel}' AND blocked`), 0);
    expectError(await a.post("/api/v2/Messages", { recipients: [{ address: c.address, encryptedKey: cipher(40) }], body: cipher() }), 400, "error.platform.validation.message.relationshipToRecipientNotActive");
});

test("SSE: ConnectionOpened, then ExternalEventCreated after a new event", async () => {
    const e = await new Client(bb.baseUrl).createIdentity();
    await e.initDatawallet();
    const ac = new AbortController();
    const res = await fetch(`${bb.baseUrl}/api/v1/sse`, { headers: { authorization: `Bearer ${e.token}` }, signal: ac.signal });
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = res.body.getReader();
    let text = "";
    const until = async (re) => {
        while (!re.test(text)) {
            const { value, done } = await reader.read();
            if (done) throw new Error("stream ended: " + text);
            text += Buffer.from(value).toString();
        }
    };
    await until(/event: ConnectionOpened\ndata: _\n\n/);
    await e.post("/api/v2/RelationshipTemplates", { content: cipher(), maxNumberOfAllocations: 1 }).then((t) => c.get(`/api/v2/RelationshipTemplates/${t.json.result.id}`));
    await until(/event: ExternalEventCreated\ndata: _\n\n/);
    // a second stream of the same identity replaces the first one, which the server ends
    const v2 = await fetch(`${bb.baseUrl}/api/v2/sse`, { headers: { authorization: `Bearer ${e.token}` } });
    assert.equal(v2.status, 200);
    for (;;) {
        const { done } = await reader.read();
        if (done) break;
    }
    ac.abort();
    await v2.body.cancel();
    assert.equal((await fetch(`${bb.baseUrl}/api/v2/sse`)).status, 401);
});

test("expiry: challenges (after the one-hour grace), tokens, templates, abandoned sync runs", async () => {
    const fresh = new Client(bb.baseUrl);
    const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
    const raw = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
    const ch = (await fresh.post("/api/v2/Challenges", {}, { auth: false })).json.result;
    psql(db.conninfo, `UPDATE backbone.challenges SET expires_at = ${Date.now() - 2 * 3600e3} WHERE id = '${ch.id}'`);
    const challenge = JSON.stringify({ id: ch.id, expiresAt: ch.expiresAt, type: "Identity" });
    const before = count("identities");
    expectError(await fresh.post("/api/v2/Identities", {
        clientId: "test", clientSecret: "test", devicePassword: "p".repeat(45), identityVersion: 1,
        identityPublicKey: b64url(JSON.stringify({ pub: b64url(raw), alg: 3 })),
        signedChallenge: { challenge, signature: b64url(JSON.stringify({ sig: b64url(crypto.sign(null, Buffer.from(challenge), privateKey)), alg: 2 })) }
    }), 400, "error.platform.validation.device.challengeHasExpired");
    assert.equal(count("identities"), before);
    expectError(await a.get(`/api/v2/Challenges/${ch.id}`), 404, "error.platform.recordNotFound");
    const tok = (await a.post("/api/v2/Tokens", { content: cipher(), expiresAt: inFuture(3600e3) })).json.result.id;
    const tpl = (await a.post("/api/v2/RelationshipTemplates", { content: cipher(), expiresAt: inFuture(3600e3) })).json.result.id;
    psql(db.conninfo, `UPDATE backbone.tokens SET expires_at = 1 WHERE id = '${tok}'; UPDATE backbone.templates SET expires_at = 1 WHERE id = '${tpl}'`);
    expectError(await c.get(`/api/v2/Tokens/${tok}`), 404, "error.platform.recordNotFound");
    expectError(await c.get(`/api/v2/RelationshipTemplates/${tpl}`), 404, "error.platform.recordNotFound");
    assert.equal((await a.get(`/api/v2/Tokens/${tok}`)).status, 200, "the creator still reads it");
    expectError(await c.post("/api/v2/Relationships", { relationshipTemplateId: tpl, creationContent: cipher() }), 404, "error.platform.recordNotFound");
    // an abandoned run expires: the next start cancels it and its events come back with an error count
    const tplC = (await c.post("/api/v2/RelationshipTemplates", { content: cipher(), maxNumberOfAllocations: 1 })).json.result.id;
    await b.get(`/api/v2/RelationshipTemplates/${tplC}`);
    const run = (await c.post("/api/v2/SyncRuns", { type: "ExternalEventSync", duration: 60 })).json.result.syncRun;
    assert.ok(run.eventCount >= 1);
    psql(db.conninfo, `UPDATE backbone.sync_runs SET expires_at = 1 WHERE id = '${run.id}'`);
    const next = await c.post("/api/v2/SyncRuns", { type: "ExternalEventSync" });
    assert.equal(next.status, 201, next.text);
    assert.equal(count("sync_errors", `sync_run_id = '${run.id}' AND code = 'syncRunCanceled'`), run.eventCount);
    const events = (await c.get(`/api/v2/SyncRuns/${next.json.result.syncRun.id}/ExternalEvents`)).json.result;
    assert.ok(events.every((e) => e.syncErrorCount === 1));
    await c.put(`/api/v2/SyncRuns/${next.json.result.syncRun.id}/FinalizeExternalEventSync`, { externalEventResults: events.map((e) => ({ externalEventId: e.id })) });
    expectError(await c.put(`/api/v2/SyncRuns/${run.id}/FinalizeExternalEventSync`, { externalEventResults: [] }), 400, "error.platform.validation.syncRun.syncRunAlreadyFinalized");
});

test("identity deletion process: start, peers told, sync refused, cancel", async () => {
    const f = await new Client(bb.baseUrl).createIdentity();
    await f.initDatawallet();
    const tpl = (await f.post("/api/v2/RelationshipTemplates", { content: cipher() })).json.result.id;
    await c.get(`/api/v2/RelationshipTemplates/${tpl}`);
    const rel = (await c.post("/api/v2/Relationships", { relationshipTemplateId: tpl, creationContent: cipher() })).json.result.id;
    await f.put(`/api/v2/Relationships/${rel}/Accept`, { creationResponseContent: cipher() });
    await c.sync();
    await f.sync();
    const started = await f.post("/api/v2/Identities/Self/DeletionProcesses", {});
    assert.equal(started.status, 201, started.text);
    assert.equal(started.json.result.status, "Active");
    expectError(await f.post("/api/v2/Identities/Self/DeletionProcesses", {}), 400, "error.platform.validation.device.onlyOneActiveDeletionProcessAllowed");
    const told = await c.sync();
    assert.deepEqual(told.map((e) => [e.type, e.payload.relationshipId]), [["PeerToBeDeleted", rel]]);
    assert.match(told[0].payload.deletionDate, dateRe);
    expectError(await f.post("/api/v2/SyncRuns", { type: "ExternalEventSync" }), 400, "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted");
    assert.deepEqual((await c.get(`/api/v2/Relationships/CanCreate?peer=${encodeURIComponent(f.address)}`)).json.result,
        { canCreate: false, code: "error.platform.validation.relationship.peerIsToBeDeleted" });
    const id = started.json.result.id;
    assert.equal((await f.get(`/api/v2/Identities/Self/DeletionProcesses/${id}`)).json.result.id, id);
    expectError(await c.get(`/api/v2/Identities/Self/DeletionProcesses/${id}`), 404, "error.platform.recordNotFound");
    const cancelled = (await f.put(`/api/v2/Identities/Self/DeletionProcesses/${id}/Cancel`, {})).json.result;
    assert.equal(cancelled.status, "Cancelled");
    assert.match(cancelled.cancelledAt, dateRe);
    assert.equal(cancelled.cancelledByDevice, f.deviceId);
    expectError(await f.put(`/api/v2/Identities/Self/DeletionProcesses/${id}/Cancel`, {}), 400, "error.platform.validation.device.noDeletionProcessWithRequiredStatusExists");
    assert.deepEqual((await c.sync()).map((e) => e.type), ["PeerDeletionCancelled"]);
    assert.deepEqual(await f.sync(), []);
});

test("oversized bodies, unknown routes and ids answer with error codes and change nothing", async () => {
    const before = snapshot();
    expectError(await a.post("/api/v2/RelationshipTemplates", { content: b64url(crypto.randomBytes(70000)) }), 400, "error.platform.requestBodyTooLarge");
    expectError(await a.post("/api/v2/Messages", { recipients: [{ address: b.address, encryptedKey: cipher(40) }], body: b64url(crypto.randomBytes(60000)) }), 400, "error.platform.requestBodyTooLarge");
    expectError(await a.post("/api/v2/RelationshipTemplates", { content: "not base64!" }), 400, "error.platform.inputCannotBeParsed");
    expectError(await a.request("POST", "/api/v2/RelationshipTemplates", { raw: "[1,2]", headers: { "content-type": "application/json" } }), 400, "error.platform.inputCannotBeParsed");
    expectError(await a.request("POST", "/api/v2/RelationshipTemplates", { raw: "{} trailing", headers: { "content-type": "application/json" } }), 400, "error.platform.inputCannotBeParsed");
    expectError(await a.get("/api/v2/Relationships/RELaaaaaaaaaaaaaaaaa"), 404, "error.platform.recordNotFound");
    expectError(await a.put("/api/v2/Relationships/REL/Accept", {}), 400, "error.platform.validation.invalidId");
    expectError(await a.post("/api/v2/Relationships", { relationshipTemplateId: "RLTaaaaaaaaaaaaaaaaa", creationContent: cipher() }), 404, "error.platform.recordNotFound");
    expectError(await a.get("/api/v2/Files/FILaaaaaaaaaaaaaaaaa"), 404, "error.platform.recordNotFound");
    expectError(await a.get("/api/v2/Messages?ids=bogus"), 400, "error.platform.validation.invalidId");
    expectError(await a.get("/api/v2/Datawallet/Modifications?localIndex=-1&PageSize=500"), 400, "error.platform.validation.pagination.invalidPageSize");
    const badUtf8 = Buffer.concat([Buffer.from('{"content":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    expectError(await a.request("POST", "/api/v2/RelationshipTemplates", { raw: badUtf8, headers: { "content-type": "application/json" } }), 400, "error.platform.inputCannotBeParsed");
    expectError(await a.get(`/api/v2/Relationships/CanCreate?peer=${encodeURIComponent("did:e:localhost:dids:\u00ff")}`), 400, "error.platform.validation.invalidPropertyValue");
    expectError(await a.get("/api/v2/Datawallet/Modifications?localIndex=-1&PageNumber=99999999999999999"), 400, "error.platform.inputCannotBeParsed");
    expectError(await a.post("/api/v2/Datawallet/Modifications", { localIndex: 1, modifications: [{ type: "Create", objectIdentifier: "X", collection: "C", datawalletVersion: 1e12 }] }), 400, "error.platform.validation.invalidPropertyValue");
    const badLogin = await a.request("POST", "/connect/token", { auth: false, form: { client_id: "test", client_secret: "test", grant_type: "password", username: "\u00ff", password: "x" } });
    assert.equal(badLogin.json.error, "invalid_grant");
    const unknown = await a.get("/api/v2/Nothing");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, "");
    assert.equal(snapshot(), before);
});

test("random JSON bodies on every write route never give a 5xx (fixed seed)", async () => {
    const routes = [
        ["POST", "/api/v2/Identities"], ["POST", "/api/v2/SyncRuns"], ["PUT", "/api/v2/SyncRuns/SYRaaaaaaaaaaaaaaaaa/FinalizeExternalEventSync"],
        ["POST", "/api/v2/Datawallet/Modifications"], ["POST", "/api/v2/Tokens"], ["POST", "/api/v2/Tokens/TOKaaaaaaaaaaaaaaaaa/UpdateContent"],
        ["POST", "/api/v2/RelationshipTemplates"], ["POST", "/api/v2/Relationships"], ["PUT", `/api/v2/Relationships/${relationshipId}/Accept`],
        ["POST", "/api/v2/Messages"], ["POST", "/api/v2/Files"], ["PATCH", "/api/v2/Files/FILaaaaaaaaaaaaaaaaa/ClaimOwnership"],
        ["POST", "/api/v2/Devices"], ["PUT", "/api/v2/Devices/Self/PushNotifications"], ["POST", "/api/v2/Notifications"], ["POST", "/connect/token"]
    ];
    const values = [null, true, 0, -1, 1e300, "", "x", "AAAA", "did:e:localhost:dids:aaaa", [], {}, [1, "a"], "2030-01-01T00:00:00Z", "not-a-date", "\u0000", "a".repeat(3000)];
    const keys = ["type", "content", "expiresAt", "password", "forIdentity", "recipients", "body", "attachments", "relationshipTemplateId", "creationContent",
        "externalEventResults", "datawalletModifications", "modifications", "localIndex", "signedChallenge", "clientId", "clientSecret", "identityPublicKey",
        "devicePassword", "identityVersion", "maxNumberOfAllocations", "newContent", "ownershipToken", "platform", "handle", "appId", "code"];
    let seed = 42;
    const pick = (list) => list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length];
    const e = await new Client(bb.baseUrl).createIdentity();
    for (let i = 0; i < 400; i++) {
        const [method, path] = pick(routes);
        const body = {};
        for (let k = 0; k < 4; k++) {
            const v = pick(values);
            body[pick(keys)] = pick([v, [{ address: pick(values), encryptedKey: pick(values), id: pick(values), externalEventId: pick(values), type: pick(values) }], { challenge: pick(values), signature: pick(values) }]);
        }
        const res = await e.request(method, path, { raw: JSON.stringify(body), headers: { "content-type": "application/json" } });
        assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(body).slice(0, 200)} -> ${res.status} ${res.text}`);
    }
    assert.equal((await e.get("/api/v2/Devices/Self")).status, 200);
});

test("state survives a restart", async () => {
    const before = snapshot();
    const rel = (await b.get(`/api/v2/Relationships/${relationshipId}`)).json.result;
    assert.equal(await bb.stop(), 0, bb.stderr());
    bb = await startBackbone(args);
    for (const x of [a, b]) {
        x.baseUrl = bb.baseUrl;
        assert.equal((await x.login()).status, 200);
    }
    assert.equal(snapshot(), before);
    assert.deepEqual((await b.get(`/api/v2/Relationships/${relationshipId}`)).json.result, rel);
    assert.equal((await a.get("/api/v2/Datawallet")).json.result.version, 1);
});
