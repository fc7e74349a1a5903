// tests/interop/requests.test.mjs: enmeshed Requests between official runtimes with their
// DeciderModule and RequestModule running, through the local Backbone: a Request in a
// relationship template answered by the relationship request itself, a Request by message
// answered by message, and a file ownership transfer (ValidateOwnershipToken, ClaimOwnership and
// the FileOwnershipClaimed event). Each step checks the request, response and file on both sides.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { inOneHour } from "./lib/content.mjs";

const suite = interopSuite("requests");
const { step } = suite;
const consent = (text, mustBeAccepted = true) => ({ "@type": "ConsentRequestItem", mustBeAccepted, consent: text });

/** Waits until peer's incoming request `id` needs a manual decision; returns it. */
async function manualDecisionRequired(peer, id) {
    await peer.waitForEvent("consumption.incomingRequestStatusChanged", (d) => d.request.id === id && d.newStatus === "ManualDecisionRequired", { timeoutMs: 10000 });
    return expectOk(peer.consumption.incomingRequests.getRequest({ id }), `${peer.label} reads incoming request`);
}

step("the Backbone starts; A and B run with request handling enabled", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A", { requests: true });
    s.b = await suite.peer("B", { requests: true });
});

step("B loads A's template with a Request; B's runtime holds it for B's decision", { needs: ["b"] }, async (s) => {
    const items = [consent("I agree to the interop terms"), consent("Send me news", false)];
    const content = { "@type": "RelationshipTemplateContent", title: "Interop onboarding", onNewRelationship: { "@type": "Request", items } };
    s.template = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content, expiresAt: inOneHour() }), "A creates template");
    await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: s.template.reference.truncated }), "B loads template");
    const processed = await s.b.waitForEvent("consumption.relationshipTemplateProcessed", (d) => d.template.id === s.template.id, { timeoutMs: 10000 });
    assert.equal(processed.data.result, "ManualRequestDecisionRequired");
    const request = await manualDecisionRequired(s.b, processed.data.requestId);
    assert.equal(request.isOwn, false);
    assert.equal(request.peer, s.a.address);
    assert.deepEqual(request.source, { type: "RelationshipTemplate", reference: s.template.id });
    assert.deepEqual(request.content.items.map((i) => i.consent), items.map((i) => i.consent));
    s.templateRequest = request;
});

step("B accepts the first item and rejects the second; A's sync delivers the relationship with that response", { needs: ["templateRequest"] }, async (s) => {
    await expectOk(s.b.consumption.incomingRequests.accept({ requestId: s.templateRequest.id, items: [{ accept: true }, { accept: false }] }), "B decides");
    const created = await s.b.waitForEvent("transport.relationshipChanged", (r) => r.status === "Pending" && r.templateId === s.template.id, { timeoutMs: 10000 });
    const relationship = await s.a.syncUntilRelationship(created.data.id, "Pending");
    assert.equal(relationship.creationContent["@type"], "RelationshipCreationContent");
    const response = relationship.creationContent.response;
    assert.equal(response.requestId, s.templateRequest.id);
    assert.equal(response.result, "Accepted");
    assert.deepEqual(response.items.map((i) => [i["@type"], i.result]), [["AcceptResponseItem", "Accepted"], ["RejectResponseItem", "Rejected"]]);
    const completed = await s.a.waitForEvent("consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted", (r) => r.id === s.templateRequest.id, { timeoutMs: 10000 });
    assert.equal(completed.data.status, "Completed");
    assert.equal(completed.data.peer, s.b.address);
    const own = await expectOk(s.b.consumption.incomingRequests.getRequest({ id: s.templateRequest.id }), "B reads its request");
    assert.equal(own.status, "Completed");
    assert.deepEqual(own.response.source, { type: "Relationship", reference: relationship.id });
    s.rel = relationship.id;
});

step("A accepts the relationship; B's sync shows it Active", { needs: ["rel"] }, async (s) => {
    await expectOk(s.a.transport.relationships.acceptRelationship({ relationshipId: s.rel }), "A accepts");
    await s.b.syncUntilRelationship(s.rel, "Active");
    s.active = true;
});

step("A sends a Request by message; B accepts; A's request completes with B's response", { needs: ["active"] }, async (s) => {
    const draft = await expectOk(s.a.consumption.outgoingRequests.create({ content: { items: [consent("May we store your e-mail address?")] }, peer: s.b.address }), "A creates request");
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content: draft.content }), "A sends request");
    await s.b.syncUntilMessage(sent.id);
    const incoming = await manualDecisionRequired(s.b, draft.id);
    assert.deepEqual(incoming.source, { type: "Message", reference: sent.id });
    assert.equal(incoming.content.items[0].consent, "May we store your e-mail address?");
    await expectOk(s.b.consumption.incomingRequests.accept({ requestId: draft.id, items: [{ accept: true }] }), "B accepts");
    const completed = await s.a.syncUntil("request completed", async () => {
        const request = await expectOk(s.a.consumption.outgoingRequests.getRequest({ id: draft.id }), "A reads request");
        return request.status === "Completed" ? request : undefined;
    });
    assert.equal(completed.response.content.result, "Accepted");
    assert.equal(completed.response.content.items[0].result, "Accepted");
    assert.equal(completed.response.source.type, "Message");
});

step("A transfers a file's ownership by Request: B claims it and A's sync shows B as owner", { needs: ["active"] }, async (s) => {
    const file = await expectOk(s.a.transport.files.uploadOwnFile({ content: Buffer.from("ownership moves"), filename: "deed.txt", mimetype: "text/plain" }), "A uploads");
    assert.ok(file.ownershipToken, `own file has an ownership token: ${JSON.stringify(file)}`);
    const item = { "@type": "TransferFileOwnershipRequestItem", mustBeAccepted: true, fileReference: file.reference.truncated, ownershipToken: file.ownershipToken };
    const draft = await expectOk(s.a.consumption.outgoingRequests.create({ content: { items: [item] }, peer: s.b.address }), "A creates transfer request");
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content: draft.content }), "A sends transfer request");
    await s.b.syncUntilMessage(sent.id);
    await manualDecisionRequired(s.b, draft.id);
    await expectOk(s.b.consumption.incomingRequests.accept({ requestId: draft.id, items: [{ accept: true }] }), "B accepts the transfer");
    const atB = await expectOk(s.b.transport.files.getFile({ id: file.id }), "B reads the file");
    assert.equal(atB.owner, s.b.address);
    assert.equal(atB.isOwn, true);
    assert.ok(atB.ownershipToken && atB.ownershipToken !== file.ownershipToken, "B holds a new ownership token");
    const atA = await s.a.syncUntil("FileOwnershipClaimed processed", () => s.a.eventsNamed("transport.fileOwnershipClaimed").find((e) => e.data.id === file.id)?.data);
    assert.equal(atA.owner, s.b.address);
    assert.equal(atA.ownershipToken, undefined);
    const completed = await s.a.syncUntil("transfer request completed", async () => {
        const request = await expectOk(s.a.consumption.outgoingRequests.getRequest({ id: draft.id }), "A reads request");
        return request.status === "Completed" ? request : undefined;
    });
    assert.equal(completed.response.content.items[0]["@type"], "TransferFileOwnershipAcceptResponseItem");
});

suite.wireConventionsStep();
suite.shutdownStep();
