// tests/interop/concurrency.test.mjs: official runtimes using the local Backbone at the same time:
// two senders posting messages to one recipient in parallel, parallel uploads, parallel token and
// template creation, and syncs racing with new events. Everything must arrive exactly once with
// its content; the wire-conventions step also checks that external event indexes stay ordered
// and no event is delivered twice.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { interopSuite } from "./lib/suite.mjs";
import { expectOk } from "./lib/peer.mjs";
import { establishRelationship } from "./lib/flows.mjs";
import { inOneHour, messageContent, templateContent } from "./lib/content.mjs";

const suite = interopSuite("concurrency");
const { step } = suite;
const PER_SENDER = 15;
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

step("the Backbone starts; A has relationships with B and C", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.c = await suite.peer("C");
    await establishRelationship(s.a, s.b, "concurrency B");
    await establishRelationship(s.a, s.c, "concurrency C");
    s.ready = true;
});

step(`B and C send A ${PER_SENDER} messages each, all at once, while A keeps syncing`, { needs: ["ready"], timeout: 90000 }, async (s) => {
    const sends = [];
    for (const sender of [s.b, s.c]) {
        for (let i = 0; i < PER_SENDER; i++) {
            const content = messageContent(`${sender.label} parallel ${i}`);
            sends.push(expectOk(sender.transport.messages.sendMessage({ recipients: [s.a.address], content }), `${sender.label} sends ${i}`).then((sent) => ({ id: sent.id, content, sender })));
        }
    }
    const syncsWhileSending = [s.a.sync(), s.a.sync(), s.a.sync()];
    const sent = await Promise.all(sends);
    await Promise.all(syncsWhileSending);
    assert.equal(new Set(sent.map((m) => m.id)).size, 2 * PER_SENDER, "distinct message ids");
    const ids = new Set(sent.map((m) => m.id));
    const received = new Map();
    await s.a.syncUntil("all parallel messages arrive", async () => {
        const all = await expectOk(s.a.transport.messages.getMessages({}), "A lists messages");
        for (const m of all) if (ids.has(m.id)) received.set(m.id, m);
        return received.size === ids.size;
    });
    for (const { id, content, sender } of sent) {
        assert.deepEqual(received.get(id).content, content);
        assert.equal(received.get(id).createdBy, sender.address);
    }
    const messageEvents = s.a.eventsNamed("transport.messageReceived").filter((e) => ids.has(e.data.id));
    assert.equal(messageEvents.length, ids.size, "exactly one messageReceived per message");
});

step("B uploads five files in parallel; A downloads each with the right bytes", { needs: ["ready"] }, async (s) => {
    const blobs = Array.from({ length: 5 }, (_, i) => randomBytes(10000 + i * 7777));
    const files = await Promise.all(blobs.map((bytes, i) => expectOk(s.b.transport.files.uploadOwnFile({ content: bytes, filename: `parallel-${i}.bin`, mimetype: "application/octet-stream" }), `B uploads ${i}`)));
    assert.equal(new Set(files.map((f) => f.id)).size, files.length);
    const sent = await expectOk(s.b.transport.messages.sendMessage({ recipients: [s.a.address], content: messageContent("five files"), attachments: files.map((f) => f.id) }), "B sends files");
    await s.a.syncUntilMessage(sent.id);
    const downloads = await Promise.all(files.map((f) => expectOk(s.a.transport.messages.downloadAttachment({ id: sent.id, attachmentId: f.id }), `A downloads ${f.filename}`)));
    downloads.forEach((d, i) => assert.equal(sha256(d.content), sha256(blobs[i]), `bytes of ${files[i].filename}`));
});

step("A creates ten templates and ten tokens in parallel; C loads each with its content", { needs: ["ready"] }, async (s) => {
    const templates = await Promise.all(Array.from({ length: 10 }, (_, i) => expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: templateContent(`parallel ${i}`), expiresAt: inOneHour() }), `A creates template ${i}`)));
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => expectOk(s.a.transport.tokens.createOwnToken({ content: { parallel: i }, expiresAt: inOneHour(), ephemeral: true }), `A creates token ${i}`)));
    assert.equal(new Set([...templates, ...tokens].map((x) => x.id)).size, 20);
    const loadedTemplates = await Promise.all(templates.map((t) => expectOk(s.c.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: t.reference.truncated }), `C loads ${t.id}`)));
    loadedTemplates.forEach((t, i) => assert.deepEqual(t.content, templates[i].content));
    const loadedTokens = await Promise.all(tokens.map((t) => expectOk(s.c.transport.tokens.loadPeerToken({ reference: t.reference.truncated, ephemeral: true }), `C loads ${t.id}`)));
    loadedTokens.forEach((t, i) => assert.deepEqual(t.content, { parallel: i }));
});

suite.wireConventionsStep();
suite.shutdownStep();
