// tests/interop/deletion.test.mjs: an identity deletion process between official runtimes through
// the local Backbone: A starts it (its peer B learns that A is to be deleted, with the date), A
// cannot sync while it runs, A cancels it (B learns that too) and the relationship works again.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { expectError, expectOk } from "./lib/peer.mjs";
import { establishRelationship, shareTemplate } from "./lib/flows.mjs";
import { messageContent } from "./lib/content.mjs";
import { SseStream } from "./lib/sse.mjs";

const suite = interopSuite("deletion");
const { step } = suite;
const idp = (peer) => peer.transport.identityDeletionProcesses;
const EVENT = "ExternalEventCreated";
const randomId = () => Array.from({ length: 17 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(Math.random() * 62)]).join("");

async function openStream(peer) {
    const stream = new SseStream(`${peer.label}'s stream`);
    suite.onTeardown(() => stream.close());
    await stream.open(`${peer.baseUrl}/api/v1/sse`, await peer.bearerToken());
    assert.equal(stream.status, 200);
    await stream.waitForCount("ConnectionOpened", 1);
    return stream;
}

step("the Backbone starts and A and B establish a relationship", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.c = await suite.peer("C");
    s.rel = await establishRelationship(s.a, s.b, "deletion");
    ({ own: s.templateForC } = await shareTemplate(s.a, s.c, "before deletion"));
    s.streams = { A: await openStream(s.a), B: await openStream(s.b) };
});

step("A starts its identity deletion: an Active process with a grace period of 14 days", { needs: ["rel"] }, async (s) => {
    s.pushesToB = s.streams.B.count(EVENT);
    const process = await expectOk(idp(s.a).initiateIdentityDeletionProcess(), "A initiates deletion");
    assert.match(process.id, /^IDP[A-Za-z0-9]{17}$/);
    assert.equal(process.status, "Active");
    assert.equal(process.createdByDevice, s.a.deviceId);
    const days = (Date.parse(process.gracePeriodEndsAt) - Date.parse(process.createdAt)) / 86400000;
    assert.ok(Math.abs(days - 14) < 0.01, `grace period ${days} days`);
    const active = await expectOk(idp(s.a).getActiveIdentityDeletionProcess(), "A reads the active process");
    assert.equal(active.id, process.id);
    s.process = process;
});

step("B's sync reports A as ToBeDeleted with the end of the grace period", { needs: ["process"] }, async (s) => {
    const relationship = await s.b.syncUntil("peer deletion info arrives", (acc) => acc.relationships.find((r) => r.id === s.rel && r.peerDeletionInfo?.deletionStatus === "ToBeDeleted"));
    assert.equal(relationship.peerDeletionInfo.deletionDate, s.process.gracePeriodEndsAt);
    await s.b.waitForEvent("transport.peerToBeDeleted", (r) => r.id === s.rel);
    assert.equal(s.streams.B.count(EVENT), s.pushesToB + 1, "one push to B for PeerToBeDeleted");
});

step("B may still send A a Notification; A, not Active, gets no push for it", { needs: ["process"] }, async (s) => {
    const pushesToA = s.streams.A.count(EVENT);
    s.notification = { "@type": "Notification", id: `NOT${randomId()}`, items: [{ "@type": "OwnAttributeDeletedByOwnerNotificationItem", attributeId: `ATT${randomId()}` }] };
    s.notificationMessage = await expectOk(s.b.transport.messages.sendMessage({ recipients: [s.a.address], content: s.notification }), "B notifies A");
    await s.b.sync();
    assert.equal(s.streams.A.count(EVENT), pushesToA, "no push to an identity that is to be deleted");
});

step("while A's deletion runs, C may not request a relationship on A's earlier template", { needs: ["process", "templateForC"] }, async (s) => {
    const can = await expectOk(s.c.transport.relationships.canCreateRelationship({ templateId: s.templateForC.id }), "C canCreateRelationship");
    assert.equal(can.isSuccess, false, JSON.stringify(can));
    assert.equal(can.code, "error.transport.relationships.activeIdentityDeletionProcessOfOwnerOfRelationshipTemplate");
    const refused = await expectError(s.c.transport.relationships.createRelationship({ templateId: s.templateForC.id, creationContent: { "@type": "ArbitraryRelationshipCreationContent", value: {} } }), "C requests anyway");
    assert.match(refused.code, /activeIdentityDeletionProcessOfOwnerOfRelationshipTemplate|peerIsToBeDeleted/);
});

step("while its deletion runs, A cannot start a sync run", { needs: ["process"] }, async (s) => {
    const refused = await expectError(s.a.transport.account.syncEverything(), "A syncs while to be deleted");
    assert.equal(refused.code, "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted");
});

step("A cancels the deletion; B's sync reports the cancellation", { needs: ["process"] }, async (s) => {
    const pushesToB = s.streams.B.count(EVENT);
    const cancelled = await expectOk(idp(s.a).cancelIdentityDeletionProcess(), "A cancels");
    assert.equal(cancelled.id, s.process.id);
    assert.equal(cancelled.status, "Cancelled");
    const relationship = await s.b.syncUntil("peer deletion cancelled", (acc) => acc.relationships.find((r) => r.id === s.rel && r.peerDeletionInfo === undefined));
    assert.equal(relationship.status, "Active");
    await s.b.waitForEvent("transport.peerDeletionCancelled", (r) => r.id === s.rel);
    assert.equal(s.streams.B.count(EVENT), pushesToB + 1, "one push to B for PeerDeletionCancelled");
    s.cancelled = cancelled;
});

step("A's cancelled process records when and by which device it was cancelled", { needs: ["cancelled"] }, async (s) => {
    const stored = await expectOk(idp(s.a).getIdentityDeletionProcess({ id: s.process.id }), "A reads the process");
    assert.equal(stored.status, "Cancelled");
    assert.equal(stored.cancelledByDevice, s.a.deviceId, `cancelledByDevice in ${JSON.stringify(stored)}`);
    assert.ok(stored.cancelledAt && Date.parse(stored.cancelledAt) >= Date.parse(s.process.createdAt), `cancelledAt in ${JSON.stringify(stored)}`);
});

step("after the cancellation A syncs again, gets B's notification, and B receives A's message", { needs: ["cancelled"] }, async (s) => {
    if (s.notificationMessage) {
        const notification = await s.a.syncUntilMessage(s.notificationMessage.id);
        assert.deepEqual(notification.content, s.notification);
    } else await s.a.sync();
    const content = messageContent("still here");
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content }), "A sends");
    const arrived = await s.b.syncUntilMessage(sent.id);
    assert.deepEqual(arrived.content, content);
});

suite.wireConventionsStep();
suite.shutdownStep();
