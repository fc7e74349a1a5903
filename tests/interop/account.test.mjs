// tests/interop/account.test.mjs: the account-level calls of the official runtime against the
// local Backbone: deletion status, announcements, push registration, device name and
// communication language, public template references, and an identity recovery kit from which a
// fresh runtime recovers the identity.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { inOneHour, rawCall, templateContent } from "./lib/content.mjs";

const require = createRequire(import.meta.url);
const suite = interopSuite("account");
const { step } = suite;

step("the Backbone starts; A (datawallet enabled) and B create their identities", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A", { datawallet: true });
    s.b = await suite.peer("B");
});

step("A is not deleted", { needs: ["a"] }, async (s) => {
    const result = await expectOk(s.a.transport.account.checkIfIdentityIsDeleted(), "checkIfIdentityIsDeleted");
    assert.equal(result.isDeleted, false);
    assert.equal(result.deletionDate, undefined);
});

step("there are no announcements and no public template references", { needs: ["a"] }, async (s) => {
    const announcements = await expectOk(s.a.transport.announcements.getAnnouncements({ language: "en" }), "getAnnouncements");
    assert.deepEqual(announcements, []);
    const references = await expectOk(s.a.transport.publicRelationshipTemplateReferences.getPublicRelationshipTemplateReferences(), "getPublicRelationshipTemplateReferences");
    assert.deepEqual(references, []);
});

step("A registers and unregisters a push token", { needs: ["a"] }, async (s) => {
    const registered = await expectOk(s.a.transport.account.registerPushNotificationToken({ handle: "interop-handle-0123456789", platform: "dummy", appId: "eu.enmeshed.interop", environment: "Development" }), "register push token");
    assert.ok(typeof registered.devicePushIdentifier === "string" && registered.devicePushIdentifier.length > 0, JSON.stringify(registered));
    await expectOk(s.a.transport.account.unregisterPushNotificationToken(), "unregister push token");
});

step("A sets its communication language; the Backbone's device record shows it", { needs: ["a"] }, async (s) => {
    await expectOk(s.a.transport.devices.setCommunicationLanguage({ communicationLanguage: "de" }), "setCommunicationLanguage");
    const self = await rawCall(s.a, "GET", "/api/v2/Devices/Self");
    assert.equal(self.status, 200, self.text);
    assert.equal(self.body.result.id, s.a.deviceId);
    assert.equal(self.body.result.communicationLanguage, "de");
});

step("A renames its device; its device list shows the new name", { needs: ["a"] }, async (s) => {
    const updated = await expectOk(s.a.transport.devices.updateCurrentDevice({ name: "Interop device", description: "runs the interop suite" }), "updateCurrentDevice");
    assert.equal(updated.name, "Interop device");
    const devices = await expectOk(s.a.transport.devices.getDevices(), "getDevices");
    const own = devices.find((d) => d.id === s.a.deviceId);
    assert.equal(own?.name, "Interop device");
    assert.equal(own.isCurrentDevice, true);
});

step("A creates an identity recovery kit; a fresh runtime recovers A's identity and data from it", { needs: ["a", "b"] }, async (s) => {
    const template = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: templateContent("before recovery"), expiresAt: inOneHour() }), "A creates template");
    const kit = await expectOk(s.a.transport.identityRecoveryKits.createIdentityRecoveryKit({ profileName: "recovered", passwordProtection: { password: "recovery password" } }), "createIdentityRecoveryKit");
    assert.match(kit.id, /^TOK/);
    const exists = await expectOk(s.a.transport.identityRecoveryKits.checkForExistingIdentityRecoveryKit(), "checkForExistingIdentityRecoveryKit");
    assert.equal(exists.exists, true);
    const loaded = await expectOk(s.b.anonymous.tokens.loadPeerToken({ reference: kit.reference.truncated, password: "recovery password" }), "anonymous load of the kit");
    assert.equal(loaded.content["@type"], "TokenContentDeviceSharedSecret");
    assert.equal(loaded.content.sharedSecret.isBackupDevice, true);
    const { TokenContentDeviceSharedSecret } = require("@nmshd/transport");
    const { sharedSecret } = TokenContentDeviceSharedSecret.from(loaded.content);
    const recovered = await suite.peer("A-recovered", { datawallet: true, deviceSharedSecret: sharedSecret });
    assert.equal(recovered.address, s.a.address);
    await expectOk(recovered.transport.account.syncDatawallet(), "recovered device syncs datawallet");
    const own = await expectOk(recovered.transport.relationshipTemplates.getRelationshipTemplate({ id: template.id }), "recovered device reads the template");
    assert.deepEqual(own.content, template.content);
    assert.equal(own.isOwn, true);
});

suite.wireConventionsStep();
suite.shutdownStep();
