// tests/interop/smoke.test.mjs: the official runtime's start-up against the local Backbone, using
// only /connect/token, Challenges, Identities, SyncRuns and Version: identity creation by two
// runtimes, address derivation, the token endpoint's refusals, and an empty first sync.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { deriveAddress } from "./lib/address.mjs";
import { CLIENT_ID, CLIENT_SECRET } from "./lib/backbone.mjs";
import { createPeer, expectOk } from "./lib/peer.mjs";
import { allEntries } from "./lib/wire.mjs";

const suite = interopSuite("smoke");
const { step } = suite;

step("the Backbone starts and GET /api/v2/Version reports major version 6 or 7", {}, async (s) => {
    const backbone = await suite.startBackbone();
    const response = await fetch(`${backbone.baseUrl}/api/v2/Version`);
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.ok([6, 7].includes(Number(body.result?.majorVersion)), `majorVersion in ${JSON.stringify(body)}`);
    s.baseUrl = backbone.baseUrl;
});

step("POST /connect/token refuses unknown credentials with 400 invalid_grant", { needs: ["baseUrl"] }, async (s) => {
    const form = new URLSearchParams({ grant_type: "password", client_id: CLIENT_ID, client_secret: CLIENT_SECRET, username: "USRdoesnotexist00000", password: "wrong" });
    const response = await fetch(`${s.baseUrl}/connect/token`, { method: "POST", body: form });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error, "invalid_grant");
    assert.equal(body.access_token, undefined);
});

step("an authenticated endpoint answers 401 without a bearer token", { needs: ["baseUrl"] }, async (s) => {
    const response = await fetch(`${s.baseUrl}/api/v2/Relationships`);
    assert.equal(response.status, 401);
});

step("a runtime with a wrong client secret cannot create an identity: POST /Identities is refused", { needs: ["baseUrl"] }, async (s) => {
    await assert.rejects(createPeer(s.baseUrl, "wrong client", { clientSecret: "not-the-secret" }), /runtime start-up/);
    const attempt = allEntries().filter((e) => e.request.endsWith("/api/v2/Identities")).at(-1);
    assert.ok(attempt, "the runtime posted to /api/v2/Identities");
    assert.equal(attempt.status, 400, attempt.response);
    assert.equal(attempt.json?.error?.code, "error.platform.unauthorized", attempt.response);
});

step("runtime A creates its identity; the address matches its public key and the host name", { needs: ["baseUrl"] }, async (s) => {
    const a = await suite.peer("A");
    assert.match(a.address, /^did:e:localhost:dids:[0-9a-f]{22}$/);
    assert.equal(a.address, deriveAddress(a.publicKey, "localhost"));
    assert.match(a.username, /^USR/);
    s.a = a;
});

step("the runtime's bearer token authenticates a raw call: POST and GET /api/v2/Challenges", { needs: ["a"] }, async (s) => {
    const token = await s.a.bearerToken();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const created = await fetch(`${s.baseUrl}/api/v2/Challenges`, { method: "POST", headers, body: "{}" });
    assert.equal(created.status, 201);
    const challenge = (await created.json()).result;
    assert.match(challenge.id, /^CHL[A-Za-z0-9]{17}$/);
    assert.ok(Date.parse(challenge.expiresAt) > Date.now(), `expiresAt in the future: ${challenge.expiresAt}`);
    const fetched = await fetch(`${s.baseUrl}/api/v2/Challenges/${challenge.id}`, { headers });
    assert.equal(fetched.status, 200);
    const again = (await fetched.json()).result;
    assert.equal(again.id, challenge.id);
    assert.equal(again.expiresAt, challenge.expiresAt);
    assert.equal(again.createdBy, s.a.address);
});

step("runtime B creates a second, different identity", { needs: ["a"] }, async (s) => {
    const b = await suite.peer("B");
    assert.notEqual(b.address, s.a.address);
    assert.equal(b.address, deriveAddress(b.publicKey, "localhost"));
    s.b = b;
});

step("a first sync of each runtime finds nothing", { needs: ["a", "b"] }, async (s) => {
    for (const peer of [s.a, s.b]) {
        const result = await peer.sync();
        assert.deepEqual(result.relationships, []);
        assert.deepEqual(result.messages, []);
        assert.deepEqual(result.files, []);
        assert.deepEqual(result.identityDeletionProcesses, []);
        const info = await expectOk(peer.transport.account.getSyncInfo(), "getSyncInfo");
        assert.ok(info.lastSyncRun?.completedAt, `lastSyncRun recorded: ${JSON.stringify(info)}`);
    }
});

step("the runtime's Backbone compatibility check accepts the Backbone", { needs: ["a"] }, async (s) => {
    const result = await expectOk(s.a.anonymous.backboneCompatibility.checkBackboneCompatibility(), "checkBackboneCompatibility");
    assert.equal(result.isCompatible, true);
    assert.ok([6, 7].includes(Number(result.backboneVersion)), `backboneVersion ${result.backboneVersion}`);
});
suite.wireConventionsStep();
suite.shutdownStep();
