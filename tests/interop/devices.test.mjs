// tests/interop/devices.test.mjs: one identity on two devices (two official runtimes with the
// datawallet enabled) against the local Backbone: device onboarding through an empty anonymous
// token, the datawallet carrying templates, relationships and their secrets from one device to
// the other, and external events taken by whichever device syncs first.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { creationContent, inOneHour, messageContent, rawCall, templateContent } from "./lib/content.mjs";

const require = createRequire(import.meta.url);
const suite = interopSuite("devices");
const { step } = suite;

step("the Backbone starts; A (datawallet enabled) and B create their identities", {}, async (s) => {
    await suite.startBackbone();
    s.a1 = await suite.peer("A1", { datawallet: true });
    s.b = await suite.peer("B");
});

step("A's template creation reaches the Backbone's datawallet", { needs: ["a1"] }, async (s) => {
    const content = templateContent("datawallet");
    s.template = await expectOk(s.a1.transport.relationshipTemplates.createOwnRelationshipTemplate({ content, expiresAt: inOneHour() }), "A1 creates template");
    await expectOk(s.a1.transport.account.syncDatawallet(), "A1 syncs datawallet");
    const wallet = await rawCall(s.a1, "GET", "/api/v2/Datawallet");
    assert.equal(wallet.status, 200, wallet.text);
    assert.equal(wallet.body.result.version, 1);
    const modifications = await rawCall(s.a1, "GET", "/api/v2/Datawallet/Modifications?localIndex=-1");
    assert.equal(modifications.status, 200, modifications.text);
    const forTemplate = modifications.body.result.filter((m) => m.objectIdentifier === s.template.id);
    assert.ok(forTemplate.length > 0, `a modification for ${s.template.id}: ${modifications.text.slice(0, 500)}`);
    assert.ok(forTemplate.every((m) => m.createdByDevice === s.a1.deviceId && typeof m.encryptedPayload === "string"));
});

step("A onboards a second device through an empty anonymous token", { needs: ["template"] }, async (s) => {
    const empty = await expectOk(s.a1.anonymous.tokens.createEmptyToken(), "anonymous empty token");
    assert.match(empty.id, /^TOK/);
    const filled = await expectOk(s.a1.transport.devices.fillDeviceOnboardingTokenWithNewDevice({ reference: empty.reference.truncated, profileName: "second device" }), "A1 fills the token");
    assert.equal(filled.id, empty.id);
    const loaded = await expectOk(s.b.anonymous.tokens.loadPeerToken({ reference: empty.reference.truncated, password: empty.passwordProtection.password }), "anonymous load of the filled token");
    assert.equal(loaded.content["@type"], "TokenContentDeviceSharedSecret");
    assert.equal(loaded.content.sharedSecret.identity.address, s.a1.address);
    const { TokenContentDeviceSharedSecret } = require("@nmshd/transport");
    const { sharedSecret } = TokenContentDeviceSharedSecret.from(loaded.content);
    s.a2 = await suite.peer("A2", { datawallet: true, deviceSharedSecret: sharedSecret });
    assert.equal(s.a2.address, s.a1.address);
    assert.notEqual(s.a2.deviceId, s.a1.deviceId);
    assert.equal(s.a2.deviceId, loaded.content.sharedSecret.id);
});

step("both devices list each other", { needs: ["a2"] }, async (s) => {
    await expectOk(s.a1.transport.account.syncDatawallet(), "A1 syncs datawallet");
    for (const peer of [s.a1, s.a2]) {
        const devices = await expectOk(peer.transport.devices.getDevices(), `${peer.label} lists devices`);
        const ids = devices.map((d) => d.id);
        assert.ok(ids.includes(s.a1.deviceId) && ids.includes(s.a2.deviceId), `${peer.label} sees ${ids}`);
    }
});

step("the second device has the first device's template from the datawallet", { needs: ["a2"] }, async (s) => {
    await expectOk(s.a2.transport.account.syncDatawallet(), "A2 syncs datawallet");
    const templates = await expectOk(s.a2.transport.relationshipTemplates.getRelationshipTemplates({}), "A2 lists templates");
    const template = templates.find((t) => t.id === s.template.id);
    assert.ok(template, `A2 has ${s.template.id}: ${templates.map((t) => t.id)}`);
    assert.equal(template.isOwn, true);
    assert.deepEqual(template.content, s.template.content);
});

step("B requests a relationship; the second device takes the event and accepts", { needs: ["a2"] }, async (s) => {
    await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: s.template.reference.truncated }), "B loads template");
    const content = creationContent("two devices");
    const requested = await expectOk(s.b.transport.relationships.createRelationship({ templateId: s.template.id, creationContent: content }), "B requests");
    const pending = await s.a2.syncUntilRelationship(requested.id, "Pending");
    assert.deepEqual(pending.creationContent, content);
    await expectOk(s.a2.transport.relationships.acceptRelationship({ relationshipId: requested.id }), "A2 accepts");
    await s.b.syncUntilRelationship(requested.id, "Active");
    s.rel = requested.id;
});

step("the first device learns the relationship from the datawallet and messages B with it", { needs: ["rel"] }, async (s) => {
    await s.a1.syncUntil("relationship arrives through the datawallet", async () => {
        const result = await s.a1.transport.relationships.getRelationship({ id: s.rel });
        return result.isSuccess && result.value.status === "Active" ? result.value : undefined;
    });
    const content = messageContent("from the first device");
    const sent = await expectOk(s.a1.transport.messages.sendMessage({ recipients: [s.b.address], content }), "A1 sends");
    const arrived = await s.b.syncUntilMessage(sent.id);
    assert.deepEqual(arrived.content, content);
    assert.equal(arrived.createdByDevice, s.a1.deviceId);
});

step("B answers; the second device receives and decrypts the answer", { needs: ["rel"] }, async (s) => {
    const content = messageContent("to both devices");
    const sent = await expectOk(s.b.transport.messages.sendMessage({ recipients: [s.a1.address], content }), "B answers");
    const arrived = await s.a2.syncUntilMessage(sent.id);
    assert.deepEqual(arrived.content, content);
});

suite.wireConventionsStep();
suite.shutdownStep();
