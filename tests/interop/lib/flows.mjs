// tests/interop/lib/flows.mjs: multi-step flows several test files need, each asserting what it
// relies on: a relationship requested by `requestor` on a template of `templator` and accepted.
import assert from "node:assert/strict";
import { expectOk } from "./peer.mjs";
import { creationContent, inOneHour, templateContent } from "./content.mjs";

/** templator's template, loaded by requestor; returns {own, loaded}. */
export async function shareTemplate(templator, requestor, label) {
    const own = await expectOk(templator.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: templateContent(label), expiresAt: inOneHour() }), `${templator.label} creates template`);
    const loaded = await expectOk(requestor.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), `${requestor.label} loads template`);
    assert.deepEqual(loaded.content, own.content);
    return { own, loaded };
}

/** requestor asks for a relationship on templateId; templator syncs until it is Pending there. */
export async function requestRelationship(templator, requestor, templateId, label) {
    const content = creationContent(label);
    const requested = await expectOk(requestor.transport.relationships.createRelationship({ templateId, creationContent: content }), `${requestor.label} requests relationship`);
    assert.equal(requested.status, "Pending");
    const arrived = await templator.syncUntilRelationship(requested.id, "Pending");
    assert.deepEqual(arrived.creationContent, content);
    assert.equal(arrived.peer, requestor.address);
    return { requested, arrived, content };
}

/** A full request + accept; returns the relationship id. */
export async function establishRelationship(templator, requestor, label = "flow") {
    const { own } = await shareTemplate(templator, requestor, label);
    const { requested } = await requestRelationship(templator, requestor, own.id, label);
    const accepted = await expectOk(templator.transport.relationships.acceptRelationship({ relationshipId: requested.id }), `${templator.label} accepts`);
    assert.equal(accepted.status, "Active");
    const active = await requestor.syncUntilRelationship(requested.id, "Active");
    assert.equal(active.peer, templator.address);
    return requested.id;
}

/** The audit log reasons of a relationship DTO, oldest first. */
export function reasons(relationship) {
    return relationship.auditLog.map((entry) => entry.reason);
}
