// tests/interop/sse.test.mjs: the Backbone's server-sent events as the official runtimes' peers
// see them. Each identity keeps one stream open (GET /api/v1/sse and /api/v2/sse with the runtime's
// bearer token); every action that creates an external event for an identity must produce exactly
// one ExternalEventCreated on that identity's stream and none on the actor's, and the sync that
// follows must deliver the content the event announced.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { requestRelationship, shareTemplate } from "./lib/flows.mjs";
import { messageContent, rawCall } from "./lib/content.mjs";
import { SseStream } from "./lib/sse.mjs";

const suite = interopSuite("sse");
const { step } = suite;
const EVENT = "ExternalEventCreated";

async function openStream(peer, path) {
    const stream = new SseStream(`${peer.label}'s stream`);
    suite.onTeardown(() => stream.close());
    await stream.open(`${peer.baseUrl}${path}`, await peer.bearerToken());
    return stream;
}

/**
 * Runs action (by the actor) and expects exactly one new ExternalEventCreated on the target's
 * stream and none on the actor's; then syncs the target until check(accumulated) holds.
 */
async function expectPushThenSync(s, { actor, target, action, what, check }) {
    const targetBefore = s.streams[target.label].count(EVENT);
    const actorBefore = s.streams[actor.label].count(EVENT);
    const result = await action();
    await s.streams[target.label].waitForCount(EVENT, targetBefore + 1);
    const value = await target.syncUntil(what, (acc) => check(acc, result));
    assert.equal(s.streams[target.label].count(EVENT), targetBefore + 1, `exactly one ${EVENT} for ${target.label}`);
    assert.equal(s.streams[actor.label].count(EVENT), actorBefore, `no ${EVENT} for the actor ${actor.label}`);
    assert.ok(s.streams[target.label].events.filter((e) => e.event === EVENT).every((e) => e.data === "_"), "payload is the literal _");
    return { result, value };
}

step("the Backbone starts and two runtimes create their identities", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
});

step("the SSE endpoint refuses a request without a bearer token with 401", { needs: ["a"] }, async (s) => {
    const stream = new SseStream("anonymous");
    await stream.open(`${s.a.baseUrl}/api/v1/sse`, undefined);
    assert.equal(stream.status, 401);
});

step("A opens GET /api/v1/sse and B opens GET /api/v2/sse: 200 text/event-stream and ConnectionOpened", { needs: ["a", "b"] }, async (s) => {
    const streamA = await openStream(s.a, "/api/v1/sse");
    const streamB = await openStream(s.b, "/api/v2/sse");
    for (const stream of [streamA, streamB]) {
        assert.equal(stream.status, 200, `${stream.label}: ${stream.body ?? ""}`);
        assert.match(stream.contentType, /^text\/event-stream/);
        const opened = await stream.waitForCount("ConnectionOpened", 1);
        assert.equal(opened[0].data, "_");
        assert.equal(stream.events[0].event, "ConnectionOpened", "ConnectionOpened comes first");
    }
    s.streams = { A: streamA, B: streamB };
});

step("B requests a relationship on A's template: one push to A, and A's sync delivers the request", { needs: ["streams"] }, async (s) => {
    const { own } = await shareTemplate(s.a, s.b, "sse");
    const { result } = await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "relationship request arrives",
        action: () => expectOk(s.b.transport.relationships.createRelationship({ templateId: own.id, creationContent: { "@type": "ArbitraryRelationshipCreationContent", value: { via: "sse" } } }), "B requests"),
        check: (acc, requested) => acc.relationships.find((r) => r.id === requested.id && r.status === "Pending" && r.creationContent.value.via === "sse")
    });
    s.rel = result.id;
});

step("A accepts: one push to B, and B's sync shows the relationship Active", { needs: ["rel"] }, async (s) => {
    await expectPushThenSync(s, {
        actor: s.a,
        target: s.b,
        what: "relationship becomes Active",
        action: () => expectOk(s.a.transport.relationships.acceptRelationship({ relationshipId: s.rel }), "A accepts"),
        check: (acc) => acc.relationships.find((r) => r.id === s.rel && r.status === "Active")
    });
    s.active = true;
});

step("A sends a message: one push to B, and B's sync delivers its content", { needs: ["active"] }, async (s) => {
    const content = messageContent("sse A to B");
    const { value } = await expectPushThenSync(s, {
        actor: s.a,
        target: s.b,
        what: "message arrives",
        action: () => expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content }), "A sends"),
        check: (acc, sent) => acc.messages.find((m) => m.id === sent.id)
    });
    assert.deepEqual(value.content, content);
});

step("B sends a message: one push to A, and A's sync delivers its content", { needs: ["active"] }, async (s) => {
    const content = messageContent("sse B to A");
    const { value } = await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "message arrives",
        action: () => expectOk(s.b.transport.messages.sendMessage({ recipients: [s.a.address], content }), "B sends"),
        check: (acc, sent) => acc.messages.find((m) => m.id === sent.id)
    });
    assert.deepEqual(value.content, content);
});

step("B terminates: one push to A, and A's sync shows Terminated", { needs: ["active"] }, async (s) => {
    await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "relationship becomes Terminated",
        action: () => expectOk(s.b.transport.relationships.terminateRelationship({ relationshipId: s.rel }), "B terminates"),
        check: (acc) => acc.relationships.find((r) => r.id === s.rel && r.status === "Terminated")
    });
    s.terminated = true;
});

step("A requests reactivation: one push to B, and B's sync shows the request", { needs: ["terminated"] }, async (s) => {
    await expectPushThenSync(s, {
        actor: s.a,
        target: s.b,
        what: "reactivation request arrives",
        action: () => expectOk(s.a.transport.relationships.requestRelationshipReactivation({ relationshipId: s.rel }), "A requests reactivation"),
        check: (acc) => acc.relationships.find((r) => r.id === s.rel && r.auditLog.at(-1)?.reason === "ReactivationRequested")
    });
    s.reactivationRequested = true;
});

step("B accepts the reactivation: one push to A, and A's sync shows Active again", { needs: ["reactivationRequested"] }, async (s) => {
    await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "relationship Active again",
        action: () => expectOk(s.b.transport.relationships.acceptRelationshipReactivation({ relationshipId: s.rel }), "B accepts reactivation"),
        check: (acc) => acc.relationships.find((r) => r.id === s.rel && r.status === "Active" && r.auditLog.at(-1)?.reason === "AcceptanceOfReactivation")
    });
});

step("A terminates: one push to B; A decomposes: one more push to B, whose sync shows DeletionProposed", { needs: ["active"] }, async (s) => {
    await expectPushThenSync(s, {
        actor: s.a,
        target: s.b,
        what: "relationship becomes Terminated",
        action: () => expectOk(s.a.transport.relationships.terminateRelationship({ relationshipId: s.rel }), "A terminates"),
        check: (acc) => acc.relationships.find((r) => r.id === s.rel && r.status === "Terminated")
    });
    await expectPushThenSync(s, {
        actor: s.a,
        target: s.b,
        what: "relationship becomes DeletionProposed",
        action: () => expectOk(s.a.transport.relationships.decomposeRelationship({ relationshipId: s.rel }), "A decomposes"),
        check: (acc) => acc.relationships.find((r) => r.id === s.rel && r.status === "DeletionProposed")
    });
    s.decomposedByA = true;
});

step("B decomposes too: no push to A (the relationship is ready for deletion, no event)", { needs: ["decomposedByA"] }, async (s) => {
    const before = { A: s.streams.A.count(EVENT), B: s.streams.B.count(EVENT) };
    await expectOk(s.b.transport.relationships.decomposeRelationship({ relationshipId: s.rel }), "B decomposes");
    const result = await s.a.sync();
    assert.deepEqual(result.relationships, [], "A's sync brings nothing");
    assert.deepEqual({ A: s.streams.A.count(EVENT), B: s.streams.B.count(EVENT) }, before);
    s.decomposed = true;
});

step("B takes the only allocation of A's template: one push to A, whose sync reports the exhaustion", { needs: ["decomposed"] }, async (s) => {
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: { "@type": "ArbitraryRelationshipTemplateContent", value: { via: "sse single" } }, expiresAt: new Date(Date.now() + 3600000).toISOString(), maxNumberOfAllocations: 1 }), "A creates single-use template");
    await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "allocations exhausted",
        action: () => expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B loads"),
        check: () => s.a.eventsNamed("transport.relationshipTemplateAllocationsExhausted").find((e) => e.data.id === own.id)
    });
    s.singleTemplate = own;
});

step("B requests on it: one push to A; A rejects: one push to B, whose sync shows Rejected", { needs: ["singleTemplate"] }, async (s) => {
    const { result } = await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "new relationship request arrives",
        action: () => expectOk(s.b.transport.relationships.createRelationship({ templateId: s.singleTemplate.id, creationContent: { "@type": "ArbitraryRelationshipCreationContent", value: { via: "sse reject" } } }), "B requests"),
        check: (acc, requested) => acc.relationships.find((r) => r.id === requested.id && r.status === "Pending")
    });
    await expectPushThenSync(s, {
        actor: s.a,
        target: s.b,
        what: "relationship becomes Rejected",
        action: () => expectOk(s.a.transport.relationships.rejectRelationship({ relationshipId: result.id }), "A rejects"),
        check: (acc) => acc.relationships.find((r) => r.id === result.id && r.status === "Rejected")
    });
});

step("B claims A's file with its ownership token: one push to A, whose sync reports the new owner", { needs: ["streams"] }, async (s) => {
    const file = await expectOk(s.a.transport.files.uploadOwnFile({ content: Buffer.from("claim me"), filename: "claim.txt", mimetype: "text/plain" }), "A uploads");
    const { value } = await expectPushThenSync(s, {
        actor: s.b,
        target: s.a,
        what: "FileOwnershipClaimed processed",
        action: async () => {
            const raw = await rawCall(s.b, "PATCH", `/api/v2/Files/${file.id}/ClaimOwnership`, { ownershipToken: file.ownershipToken });
            assert.equal(raw.status, 200, raw.text);
            return raw.body.result;
        },
        check: () => s.a.eventsNamed("transport.fileOwnershipClaimed").find((e) => e.data.id === file.id)?.data
    });
    assert.equal(value.owner, s.b.address);
});

step("both streams are still open after all the syncs", { needs: ["streams"] }, async (s) => {
    assert.equal(s.streams.A.closed, false);
    assert.equal(s.streams.B.closed, false);
});
suite.wireConventionsStep();
suite.shutdownStep();
