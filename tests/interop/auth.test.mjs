// tests/interop/auth.test.mjs: access tokens over their lifetime. The Backbone runs with
// --token-lifetime 60; the runtime must get expires_in 60, and once its token has expired the
// Backbone refuses that token with an empty 401 while the runtime authenticates again by itself
// (it renews 10 s before expiry) and keeps working.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { establishRelationship } from "./lib/flows.mjs";
import { messageContent } from "./lib/content.mjs";
import { CLIENT_ID, CLIENT_SECRET } from "./lib/backbone.mjs";

const suite = interopSuite("auth");
const { step } = suite;
const LIFETIME = 60;

step(`the Backbone starts with --token-lifetime ${LIFETIME}; A and B establish a relationship`, {}, async (s) => {
    await suite.startBackbone(["--token-lifetime", String(LIFETIME)]);
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.rel = await establishRelationship(s.a, s.b, "auth");
});

step(`POST /connect/token with A's device credentials grants a bearer token for ${LIFETIME} s`, { needs: ["rel"] }, async (s) => {
    const credentials = await s.a.runtime.accountController().activeDevice.getCredentials();
    const form = new URLSearchParams({ grant_type: "password", client_id: CLIENT_ID, client_secret: CLIENT_SECRET, username: credentials.username, password: credentials.password });
    const response = await fetch(`${s.a.baseUrl}/connect/token`, { method: "POST", body: form });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(Number(body.expires_in), LIFETIME);
    assert.match(body.token_type, /^bearer$/i);
    assert.ok(typeof body.access_token === "string" && body.access_token.length >= 16);
    const wrong = await fetch(`${s.a.baseUrl}/connect/token`, { method: "POST", body: new URLSearchParams({ grant_type: "password", client_id: CLIENT_ID, client_secret: CLIENT_SECRET, username: credentials.username, password: `${credentials.password}x` }) });
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).error, "invalid_grant");
    s.issuedAt = Date.now();
    s.ownToken = body.access_token;
});

step("after the lifetime, the old token gets an empty 401 and the runtime authenticates again by itself", { needs: ["ownToken"], timeout: 120000 }, async (s) => {
    const runtimeToken = await s.a.bearerToken(); // issued no later than now
    await sleep(Math.max(0, Math.max(s.issuedAt, Date.now()) + (LIFETIME + 2) * 1000 - Date.now()));
    for (const token of [s.ownToken, runtimeToken]) {
        const response = await fetch(`${s.a.baseUrl}/api/v2/Relationships/${s.rel}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(response.status, 401);
        assert.equal(await response.text(), "");
    }
    const content = messageContent("after re-authentication");
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content }), "A sends with a renewed token");
    assert.notEqual(await s.a.bearerToken(), runtimeToken, "the runtime renewed its token");
    const arrived = await s.b.syncUntilMessage(sent.id);
    assert.deepEqual(arrived.content, content);
});

suite.wireConventionsStep();
suite.shutdownStep();
