// tests/interop/restart.test.mjs: the Backbone restarts (SIGTERM, same database, same port) while
// two official runtimes keep running. Everything made before the restart must still be there
// afterwards: the queued external event of an unreceived message, the file, a token, the
// relationship; and the runtimes carry on (re-authenticating if their tokens did not survive).
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { establishRelationship } from "./lib/flows.mjs";
import { inOneHour, messageContent } from "./lib/content.mjs";

const suite = interopSuite("restart");
const { step } = suite;
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

step("the Backbone starts and A and B establish a relationship", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.rel = await establishRelationship(s.a, s.b, "restart");
});

step("before the restart: A uploads a file, sends it to B (unsynced) and creates a token", { needs: ["rel"] }, async (s) => {
    s.bytes = randomBytes(50000);
    s.file = await expectOk(s.a.transport.files.uploadOwnFile({ content: s.bytes, filename: "before.bin", mimetype: "application/octet-stream" }), "A uploads");
    s.content = messageContent("before the restart");
    s.message = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content: s.content, attachments: [s.file.id] }), "A sends");
    s.tokenContent = { kind: "token across a restart", marker: `${Date.now()}` };
    s.token = await expectOk(s.a.transport.tokens.createOwnToken({ content: s.tokenContent, expiresAt: inOneHour(), ephemeral: true }), "A creates token");
});

step("the Backbone stops on SIGTERM with exit 0 and starts again on the same port", { needs: ["token"] }, async (s) => {
    const { stopped, backbone } = await suite.restartBackbone();
    assert.equal(stopped.code, 0, JSON.stringify(stopped));
    assert.equal(backbone.baseUrl, s.a.baseUrl);
    s.restarted = true;
});

step("after the restart B's sync delivers the message and B downloads the attachment", { needs: ["restarted"] }, async (s) => {
    const arrived = await s.b.syncUntilMessage(s.message.id);
    assert.deepEqual(arrived.content, s.content);
    const download = await expectOk(s.b.transport.messages.downloadAttachment({ id: s.message.id, attachmentId: s.file.id }), "B downloads");
    assert.equal(sha256(download.content), sha256(s.bytes));
});

step("after the restart B loads the token made before it", { needs: ["restarted"] }, async (s) => {
    const loaded = await expectOk(s.b.transport.tokens.loadPeerToken({ reference: s.token.reference.truncated, ephemeral: true }), "B loads token");
    assert.deepEqual(loaded.content, s.tokenContent);
});

step("after the restart the relationship still works both ways", { needs: ["restarted"] }, async (s) => {
    for (const [from, to] of [[s.b, s.a], [s.a, s.b]]) {
        const content = messageContent(`${from.label} after restart`);
        const sent = await expectOk(from.transport.messages.sendMessage({ recipients: [to.address], content }), `${from.label} sends`);
        const arrived = await to.syncUntilMessage(sent.id);
        assert.deepEqual(arrived.content, content);
    }
});

suite.wireConventionsStep();
suite.shutdownStep();
