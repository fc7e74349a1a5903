// tests/interop/limits.test.mjs: many events at once between official runtimes: twenty unreceived
// messages from one sender (the twenty-first is refused by the Backbone), all of them delivered
// with their contents by one syncEverything, and sending possible again once they were received.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { expectError, expectOk } from "./lib/peer.mjs";
import { establishRelationship } from "./lib/flows.mjs";
import { messageContent } from "./lib/content.mjs";

const suite = interopSuite("limits");
const { step } = suite;
const LIMIT = 20; // MaxNumberOfUnreceivedMessagesFromOneSender of the Backbone (backbone-api.md §4.2)

step("the Backbone starts and A and B establish a relationship", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.rel = await establishRelationship(s.a, s.b, "limits");
});

step(`A sends ${LIMIT} messages B has not received; the next one is refused`, { needs: ["rel"] }, async (s) => {
    s.sent = [];
    for (let i = 0; i < LIMIT; i++) {
        const content = messageContent(`bulk ${i}`);
        const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content }), `A sends message ${i}`);
        s.sent.push({ id: sent.id, content });
    }
    const refused = await expectError(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content: messageContent("one too many") }), "A sends one more");
    assert.equal(refused.code, "error.platform.validation.message.maxNumberOfUnreceivedMessagesReached");
});

step(`one syncEverything of B delivers all ${LIMIT} messages with their contents`, { needs: ["sent"] }, async (s) => {
    const result = await s.b.sync();
    const byId = new Map(result.messages.map((m) => [m.id, m]));
    assert.equal(result.messages.length, LIMIT, `messages in one sync: ${result.messages.length}`);
    for (const { id, content } of s.sent) {
        assert.ok(byId.has(id), `message ${id} delivered`);
        assert.deepEqual(byId.get(id).content, content);
        assert.equal(byId.get(id).createdBy, s.a.address);
    }
    const again = await s.b.sync();
    assert.deepEqual(again.messages, [], "a second sync delivers nothing new");
    s.received = true;
});

step("after B received them, A can send again and B gets that message", { needs: ["received"] }, async (s) => {
    const content = messageContent("after the limit");
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content }), "A sends again");
    const arrived = await s.b.syncUntilMessage(sent.id);
    assert.deepEqual(arrived.content, content);
});

step("B's copy of A's messages shows B's own receipt", { needs: ["received"] }, async (s) => {
    const message = await expectOk(s.b.transport.messages.getMessage({ id: s.sent[0].id }), "B gets message");
    const receipt = message.recipients.find((r) => r.address === s.b.address);
    assert.ok(receipt?.receivedAt, `receivedAt set: ${JSON.stringify(message.recipients)}`);
    assert.equal(receipt.receivedByDevice, s.b.deviceId);
    assert.equal(receipt.relationshipId, s.rel);
});

suite.wireConventionsStep();
suite.shutdownStep();
