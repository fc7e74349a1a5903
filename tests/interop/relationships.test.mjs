// tests/interop/relationships.test.mjs: the relationship life cycle between official runtimes
// through the local Backbone: request and accept, reject, revoke, a relationship challenge,
// terminate, reactivation (accepted, rejected, revoked) and decomposition by both sides. Each step
// checks status, audit log and content on both sides after the peer's sync.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { expectError, expectOk } from "./lib/peer.mjs";
import { reasons, requestRelationship, shareTemplate } from "./lib/flows.mjs";
import { rawCall } from "./lib/content.mjs";

const suite = interopSuite("relationships");
const { step } = suite;
const rel = (peer) => peer.transport.relationships;

/** Syncs peer until relationship id has `reason` as its newest audit log entry. */
function syncUntilReason(peer, id, reason) {
    return peer.syncUntil(`relationship ${id} gets audit entry ${reason}`, (acc) => acc.relationships.filter((r) => r.id === id && r.auditLog.at(-1)?.reason === reason).at(-1));
}

step("the Backbone starts and four runtimes create their identities", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.c = await suite.peer("C");
    s.d = await suite.peer("D");
});

step("B loads A's template and may request a relationship on it", { needs: ["a", "b"] }, async (s) => {
    const { own } = await shareTemplate(s.a, s.b, "accept");
    const can = await expectOk(rel(s.b).canCreateRelationship({ templateId: own.id }), "B canCreateRelationship");
    assert.equal(can.isSuccess, true, JSON.stringify(can));
    s.templateAB = own;
});

step("B requests the relationship; A's sync delivers it Pending with B's creation content", { needs: ["templateAB"] }, async (s) => {
    const { requested, arrived, content } = await requestRelationship(s.a, s.b, s.templateAB.id, "accept");
    assert.match(requested.id, /^REL[A-Za-z0-9]{17}$/);
    assert.deepEqual(requested.creationContent, content);
    assert.equal(requested.peer, s.a.address);
    assert.equal(arrived.templateId, s.templateAB.id);
    assert.equal(arrived.peerIdentity.address, s.b.address);
    assert.deepEqual(reasons(arrived), ["Creation"]);
    assert.equal(arrived.auditLog[0].createdBy, s.b.address);
    assert.equal(arrived.auditLog[0].newStatus, "Pending");
    await s.a.waitForEvent("transport.relationshipChanged", (r) => r.id === requested.id && r.status === "Pending");
    s.relAB = requested.id;
});

step("A accepts; B's sync shows it Active with the audit log Creation, AcceptanceOfCreation", { needs: ["relAB"] }, async (s) => {
    const accepted = await expectOk(rel(s.a).acceptRelationship({ relationshipId: s.relAB }), "A accepts");
    assert.equal(accepted.status, "Active");
    const atB = await s.b.syncUntilRelationship(s.relAB, "Active");
    assert.deepEqual(reasons(atB), ["Creation", "AcceptanceOfCreation"]);
    assert.equal(atB.auditLog[1].createdBy, s.a.address);
    assert.equal(atB.auditLog[1].oldStatus, "Pending");
    assert.equal(atB.peerIdentity.address, s.a.address);
    assert.equal(atB.peerIdentity.publicKey, s.a.publicKey);
    assert.deepEqual(atB.auditLog, accepted.auditLog);
    assert.ok(Date.parse(atB.auditLog[1].createdAt) > Date.parse(atB.auditLog[0].createdAt), "audit log times increase");
    s.active = true;
});

step("B cannot request a second relationship to A while one is active", { needs: ["active"] }, async (s) => {
    const { own } = await shareTemplate(s.a, s.b, "second");
    const can = await expectOk(rel(s.b).canCreateRelationship({ templateId: own.id }), "B canCreateRelationship again");
    assert.equal(can.isSuccess, false, JSON.stringify(can));
    assert.match(can.code, /relationship/i);
});

step("a relationship challenge signed by A validates at B and names the relationship", { needs: ["active"] }, async (s) => {
    const challenge = await expectOk(s.a.transport.challenges.createChallenge({ challengeType: "Relationship", relationship: s.relAB }), "A creates challenge");
    assert.equal(challenge.createdBy, s.a.address);
    assert.equal(challenge.type, "Relationship");
    const valid = await expectOk(s.b.transport.challenges.validateChallenge({ challengeString: challenge.challengeString, signature: challenge.signature }), "B validates");
    assert.equal(valid.isValid, true);
    assert.equal(valid.correspondingRelationship?.id, s.relAB);
});

step("C requests and A rejects; C's sync shows Rejected (RejectionOfCreation)", { needs: ["a", "c"] }, async (s) => {
    const { own } = await shareTemplate(s.a, s.c, "reject");
    const { requested } = await requestRelationship(s.a, s.c, own.id, "reject");
    const rejected = await expectOk(rel(s.a).rejectRelationship({ relationshipId: requested.id }), "A rejects");
    assert.equal(rejected.status, "Rejected");
    const atC = await s.c.syncUntilRelationship(requested.id, "Rejected");
    assert.deepEqual(reasons(atC), ["Creation", "RejectionOfCreation"]);
    assert.equal(atC.auditLog[1].createdBy, s.a.address);
    s.relAC = requested.id;
});

step("D requests and revokes its request; A's sync shows Revoked (RevocationOfCreation)", { needs: ["a", "d"] }, async (s) => {
    const { own } = await shareTemplate(s.a, s.d, "revoke");
    const { requested } = await requestRelationship(s.a, s.d, own.id, "revoke");
    const revoked = await expectOk(rel(s.d).revokeRelationship({ relationshipId: requested.id }), "D revokes");
    assert.equal(revoked.status, "Revoked");
    const atA = await s.a.syncUntilRelationship(requested.id, "Revoked");
    assert.deepEqual(reasons(atA), ["Creation", "RevocationOfCreation"]);
    assert.equal(atA.auditLog[1].createdBy, s.d.address);
});

step("A terminates the active relationship; B's sync shows Terminated (Termination)", { needs: ["active"] }, async (s) => {
    const terminated = await expectOk(rel(s.a).terminateRelationship({ relationshipId: s.relAB }), "A terminates");
    assert.equal(terminated.status, "Terminated");
    const atB = await s.b.syncUntilRelationship(s.relAB, "Terminated");
    assert.deepEqual(reasons(atB), ["Creation", "AcceptanceOfCreation", "Termination"]);
    assert.equal(atB.auditLog[2].createdBy, s.a.address);
    s.terminated = true;
});

step("B requests reactivation; A's sync shows ReactivationRequested and publishes the event", { needs: ["terminated"] }, async (s) => {
    const requested = await expectOk(rel(s.b).requestRelationshipReactivation({ relationshipId: s.relAB }), "B requests reactivation");
    assert.equal(requested.status, "Terminated");
    const atA = await syncUntilReason(s.a, s.relAB, "ReactivationRequested");
    assert.equal(atA.status, "Terminated");
    assert.equal(atA.auditLog.at(-1).createdBy, s.b.address);
    await s.a.waitForEvent("transport.relationshipReactivationRequested", (r) => r.id === s.relAB);
    s.reactivationRequested = true;
});

step("A accepts the reactivation; B's sync shows Active (AcceptanceOfReactivation)", { needs: ["reactivationRequested"] }, async (s) => {
    const accepted = await expectOk(rel(s.a).acceptRelationshipReactivation({ relationshipId: s.relAB }), "A accepts reactivation");
    assert.equal(accepted.status, "Active");
    const atB = await s.b.syncUntilRelationship(s.relAB, "Active");
    assert.equal(atB.auditLog.at(-1).reason, "AcceptanceOfReactivation");
    assert.equal(atB.auditLog.at(-1).createdBy, s.a.address);
    await s.b.waitForEvent("transport.relationshipReactivationCompleted", (r) => r.id === s.relAB && r.status === "Active");
    s.reactivated = true;
});

step("B terminates, A requests reactivation, B rejects it; A's sync shows RejectionOfReactivation", { needs: ["reactivated"] }, async (s) => {
    await expectOk(rel(s.b).terminateRelationship({ relationshipId: s.relAB }), "B terminates");
    await s.a.syncUntilRelationship(s.relAB, "Terminated");
    await expectOk(rel(s.a).requestRelationshipReactivation({ relationshipId: s.relAB }), "A requests reactivation");
    await syncUntilReason(s.b, s.relAB, "ReactivationRequested");
    const rejected = await expectOk(rel(s.b).rejectRelationshipReactivation({ relationshipId: s.relAB }), "B rejects reactivation");
    assert.equal(rejected.status, "Terminated");
    const atA = await syncUntilReason(s.a, s.relAB, "RejectionOfReactivation");
    assert.equal(atA.status, "Terminated");
    assert.equal(atA.auditLog.at(-1).createdBy, s.b.address);
    s.reactivationRejected = true;
});

step("A requests reactivation again and revokes it; B's sync shows RevocationOfReactivation", { needs: ["reactivationRejected"] }, async (s) => {
    await expectOk(rel(s.a).requestRelationshipReactivation({ relationshipId: s.relAB }), "A requests reactivation");
    await syncUntilReason(s.b, s.relAB, "ReactivationRequested");
    const revoked = await expectOk(rel(s.a).revokeRelationshipReactivation({ relationshipId: s.relAB }), "A revokes reactivation");
    assert.equal(revoked.status, "Terminated");
    const atB = await syncUntilReason(s.b, s.relAB, "RevocationOfReactivation");
    assert.equal(atB.auditLog.at(-1).createdBy, s.a.address);
    assert.deepEqual(reasons(atB), ["Creation", "AcceptanceOfCreation", "Termination", "ReactivationRequested", "AcceptanceOfReactivation", "Termination", "ReactivationRequested", "RejectionOfReactivation", "ReactivationRequested", "RevocationOfReactivation"]);
    s.readyToDecompose = true;
});

step("A decomposes; the relationship is gone at A and B's sync shows DeletionProposed", { needs: ["readyToDecompose"] }, async (s) => {
    await expectOk(rel(s.a).decomposeRelationship({ relationshipId: s.relAB }), "A decomposes");
    const gone = await expectError(rel(s.a).getRelationship({ id: s.relAB }), "A reads decomposed relationship");
    assert.equal(gone.code, "error.runtime.recordNotFound");
    await s.a.waitForEvent("transport.relationshipDecomposedBySelf", (d) => d.relationshipId === s.relAB);
    const atB = await s.b.syncUntilRelationship(s.relAB, "DeletionProposed");
    assert.equal(atB.auditLog.at(-1).reason, "Decomposition");
    assert.equal(atB.auditLog.at(-1).createdBy, s.a.address);
    s.decomposedByA = true;
});

step("while only A has decomposed, A may not request a new relationship on B's template", { needs: ["decomposedByA"] }, async (s) => {
    const { own } = await shareTemplate(s.b, s.a, "not yet decomposed");
    const can = await expectOk(rel(s.a).canCreateRelationship({ templateId: own.id }), "A canCreateRelationship");
    assert.equal(can.isSuccess, false, JSON.stringify(can));
    assert.equal(can.code, "error.transport.relationships.relationshipNotYetDecomposedByPeer");
});

step("B decomposes too; the relationship is gone at B", { needs: ["decomposedByA"] }, async (s) => {
    await expectOk(rel(s.b).decomposeRelationship({ relationshipId: s.relAB }), "B decomposes");
    const gone = await expectError(rel(s.b).getRelationship({ id: s.relAB }), "B reads decomposed relationship");
    assert.equal(gone.code, "error.runtime.recordNotFound");
    s.decomposedByBoth = true;
});

step("after both decomposed, B can establish a new relationship with A", { needs: ["decomposedByBoth"] }, async (s) => {
    const { own } = await shareTemplate(s.a, s.b, "again");
    const can = await expectOk(rel(s.b).canCreateRelationship({ templateId: own.id }), "B canCreateRelationship after decomposition");
    assert.equal(can.isSuccess, true, JSON.stringify(can));
    const { requested } = await requestRelationship(s.a, s.b, own.id, "again");
    assert.notEqual(requested.id, s.relAB);
});

step("C decomposes its rejected request (raw PUT: the runtime decomposes only Terminated ones); A's sync shows DeletionProposed and A decomposes too", { needs: ["relAC"] }, async (s) => {
    const raw = await rawCall(s.c, "PUT", `/api/v2/Relationships/${s.relAC}/Decompose`, {});
    assert.equal(raw.status, 200, raw.text);
    assert.equal(raw.body.result.status, "DeletionProposed", raw.text);
    assert.equal(raw.body.result.auditLog.at(-1).reason, "Decomposition");
    const atA = await s.a.syncUntilRelationship(s.relAC, "DeletionProposed");
    assert.equal(atA.auditLog.at(-1).reason, "Decomposition");
    assert.equal(atA.auditLog.at(-1).createdBy, s.c.address);
    await expectOk(rel(s.a).decomposeRelationship({ relationshipId: s.relAC }), "A decomposes");
    const again = await rawCall(s.c, "PUT", `/api/v2/Relationships/${s.relAC}/Decompose`, {});
    assert.notEqual(again.status, 200, `a second decomposition by C must fail: ${again.text}`);
});
suite.wireConventionsStep();
suite.shutdownStep();
