// tests/interop/messages.test.mjs: messages and files between official runtimes through the local
// Backbone: attachments both ways (bytes compared by SHA-256), several attachments in one message,
// a file shared by token with a third identity, the Backbone's refusal of a message without a
// relationship, and a message sent while the relationship is terminated that is held back until
// the relationship is reactivated.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { interopSuite } from "./lib/suite.mjs";
import { expectError, expectOk } from "./lib/peer.mjs";
import { establishRelationship } from "./lib/flows.mjs";
import { messageContent, rawCall } from "./lib/content.mjs";

const suite = interopSuite("messages");
const { step } = suite;

const randomId = (n) => Array.from(randomBytes(n), (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[b % 62]).join("");
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function upload(peer, { bytes, filename, mimetype, title }) {
    const file = await expectOk(peer.transport.files.uploadOwnFile({ content: bytes, filename, mimetype, title, description: `uploaded by ${peer.label}`, tags: ["x:interop"] }), `${peer.label} uploads ${filename}`);
    assert.match(file.id, /^FIL[A-Za-z0-9]{17}$/);
    assert.equal(file.isOwn, true);
    assert.equal(file.filesize, bytes.length);
    assert.equal(file.filename, filename);
    assert.equal(file.owner, peer.address);
    return file;
}

/** Sends content + attachments from sender to recipient and returns the message as it arrived. */
async function sendAndReceive(sender, recipient, fileIds, label) {
    const content = messageContent(label);
    const sent = await expectOk(sender.transport.messages.sendMessage({ recipients: [recipient.address], content, attachments: fileIds }), `${sender.label} sends message`);
    assert.match(sent.id, /^MSG[A-Za-z0-9]{17}$/);
    assert.deepEqual(sent.attachments, fileIds);
    const arrived = await recipient.syncUntilMessage(sent.id);
    assert.equal(arrived.isOwn, false);
    assert.equal(arrived.createdBy, sender.address);
    assert.equal(arrived.createdAt, sent.createdAt);
    assert.deepEqual(arrived.content, content);
    assert.deepEqual(arrived.attachments, fileIds);
    assert.deepEqual(arrived.recipients.map((r) => r.address), [recipient.address]);
    await recipient.waitForEvent("transport.messageReceived", (m) => m.id === sent.id);
    return { sent, arrived };
}

/** recipient downloads every attachment of messageId and compares bytes and metadata. */
async function checkAttachments(recipient, messageId, files, uploads) {
    const message = await expectOk(recipient.transport.messages.getMessage({ id: messageId }), `${recipient.label} gets message`);
    assert.deepEqual(message.attachments.map((f) => f.id), files.map((f) => f.id));
    for (const [i, file] of files.entries()) {
        const meta = message.attachments[i];
        assert.equal(meta.isOwn, false);
        assert.equal(meta.filename, file.filename);
        assert.equal(meta.mimetype, file.mimetype);
        assert.equal(meta.title, file.title);
        assert.equal(meta.filesize, file.filesize);
        assert.equal(meta.owner, file.owner);
        for (const field of ["createdAt", "createdBy", "createdByDevice", "expiresAt", "description"]) assert.equal(meta[field], file[field], `${field} of ${file.filename}`);
        assert.deepEqual(meta.tags, file.tags);
        const download = await expectOk(recipient.transport.messages.downloadAttachment({ id: messageId, attachmentId: file.id }), `${recipient.label} downloads ${file.filename}`);
        assert.equal(download.filename, file.filename);
        assert.equal(download.mimetype, file.mimetype);
        assert.equal(download.content.length, uploads[i].length);
        assert.equal(sha256(download.content), sha256(uploads[i]), `bytes of ${file.filename}`);
    }
}

step("the Backbone starts, three runtimes create identities, A and B establish a relationship", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.c = await suite.peer("C");
    s.relAB = await establishRelationship(s.a, s.b, "messages");
});

step("A uploads a file and reads its own metadata back", { needs: ["relAB"] }, async (s) => {
    s.bytesA = randomBytes(200 * 1024);
    s.fileA = await upload(s.a, { bytes: s.bytesA, filename: "report-α.bin", mimetype: "application/octet-stream", title: "A's report" });
    const again = await expectOk(s.a.transport.files.getFile({ id: s.fileA.id }), "A gets own file");
    assert.equal(again.filesize, s.bytesA.length);
    assert.equal(again.title, "A's report");
    const download = await expectOk(s.a.transport.files.downloadFile({ id: s.fileA.id }), "A downloads own file");
    assert.equal(sha256(download.content), sha256(s.bytesA));
});

step("A sends B a message with the file attached; B's sync delivers content and attachment id", { needs: ["fileA"] }, async (s) => {
    const { sent } = await sendAndReceive(s.a, s.b, [s.fileA.id], "A to B");
    await s.a.waitForEvent("transport.messageSent", (m) => m.id === sent.id);
    s.messageAB = sent.id;
});

step("B downloads the attachment: same bytes (SHA-256), filename, mimetype, title and size", { needs: ["messageAB"] }, async (s) => {
    await checkAttachments(s.b, s.messageAB, [s.fileA], [s.bytesA]);
});

step("B answers with its own 1 MiB file attached; A receives it and downloads the same bytes", { needs: ["relAB"] }, async (s) => {
    const bytes = randomBytes(1024 * 1024);
    const file = await upload(s.b, { bytes, filename: "answer.pdf", mimetype: "application/pdf", title: "B's answer" });
    const { sent } = await sendAndReceive(s.b, s.a, [file.id], "B to A");
    await checkAttachments(s.a, sent.id, [file], [bytes]);
});

step("a message with two attachments (1 byte and a text file) arrives with both intact", { needs: ["relAB"] }, async (s) => {
    const tiny = Buffer.from([0x2a]);
    const text = Buffer.from("line one\nline two – ünïcödé\n".repeat(100), "utf8");
    const f1 = await upload(s.a, { bytes: tiny, filename: "one-byte.bin", mimetype: "application/octet-stream", title: "tiny" });
    const f2 = await upload(s.a, { bytes: text, filename: "notes.txt", mimetype: "text/plain", title: "notes" });
    const { sent } = await sendAndReceive(s.a, s.b, [f1.id, f2.id], "two attachments");
    await checkAttachments(s.b, sent.id, [f1, f2], [tiny, text]);
});

step("A shares a file by token; C (no relationship) loads and downloads it", { needs: ["fileA", "c"] }, async (s) => {
    const token = await expectOk(s.a.transport.files.createTokenForFile({ fileId: s.fileA.id }), "A creates token for file");
    const file = await expectOk(s.c.transport.files.getOrLoadFile({ reference: token.reference.truncated }), "C loads file by token");
    assert.equal(file.id, s.fileA.id);
    assert.equal(file.isOwn, false);
    assert.equal(file.title, "A's report");
    const download = await expectOk(s.c.transport.files.downloadFile({ id: file.id }), "C downloads file");
    assert.equal(sha256(download.content), sha256(s.bytesA));
    const byReference = await expectOk(s.c.transport.files.getOrLoadFile({ reference: s.fileA.reference.truncated }), "C loads file by its own reference");
    assert.equal(byReference.id, s.fileA.id);
});

step("B may not delete A's file; after A deletes it, nobody can read it any more", { needs: ["fileA", "c"] }, async (s) => {
    const forbidden = await rawCall(s.b, "DELETE", `/api/v2/Files/${s.fileA.id}`);
    assert.equal(forbidden.status, 403, forbidden.text);
    const stillThere = await rawCall(s.c, "GET", `/api/v2/Files/${s.fileA.id}/metadata`);
    assert.equal(stillThere.status, 200, stillThere.text);
    assert.equal(stillThere.body.result.id, s.fileA.id);
    await expectOk(s.a.transport.files.deleteFile({ fileId: s.fileA.id }), "A deletes its file");
    const gone = await rawCall(s.c, "GET", `/api/v2/Files/${s.fileA.id}/metadata`);
    assert.equal(gone.status, 404, gone.text);
    assert.equal(gone.body?.error?.code, "error.platform.recordNotFound", gone.text);
    const content = await rawCall(s.c, "GET", `/api/v2/Files/${s.fileA.id}`);
    assert.equal(content.status, 404, content.text);
    assert.equal(content.body?.error?.code, "error.platform.recordNotFound", content.text);
    // the transport's download takes any 404 body as the cipher, so the runtime reports a mismatch
    await expectError(s.b.transport.files.downloadFile({ id: s.fileA.id }), "B downloads the deleted file");
});

step("the Backbone refuses a message from C to A, who have no relationship", { needs: ["c"] }, async (s) => {
    const body = { recipients: [{ address: s.a.address, encryptedKey: randomBytes(64).toString("base64") }], body: randomBytes(100).toString("base64"), attachments: [] };
    const raw = await rawCall(s.c, "POST", "/api/v2/Messages", body);
    assert.equal(raw.status, 400, raw.text);
    assert.equal(raw.body?.error?.code, "error.platform.validation.message.noRelationshipToRecipientExists", raw.text);
});

step("one message to B and C: each receives the same content and attachment", { needs: ["relAB", "c"] }, async (s) => {
    await establishRelationship(s.a, s.c, "second recipient");
    const bytes = randomBytes(4096);
    const file = await upload(s.a, { bytes, filename: "shared.bin", mimetype: "application/octet-stream", title: "for both" });
    const content = messageContent("to B and C");
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address, s.c.address], content, attachments: [file.id] }), "A sends to two");
    assert.deepEqual(sent.recipients.map((r) => r.address).sort(), [s.b.address, s.c.address].sort());
    for (const peer of [s.b, s.c]) {
        const arrived = await peer.syncUntilMessage(sent.id);
        assert.deepEqual(arrived.content, content);
        assert.ok(arrived.recipients.some((r) => r.address === peer.address), `${peer.label} listed among the recipients`);
        await checkAttachments(peer, sent.id, [file], [bytes]);
    }
});

step("a notification sent while terminated is held back and arrives after the reactivation", { needs: ["relAB"] }, async (s) => {
    const rel = (peer) => peer.transport.relationships;
    await expectOk(rel(s.a).terminateRelationship({ relationshipId: s.relAB }), "A terminates");
    await s.b.syncUntilRelationship(s.relAB, "Terminated");
    // the runtime sends only Notifications on a terminated relationship
    const content = { "@type": "Notification", id: `NOT${randomId(17)}`, items: [{ "@type": "OwnAttributeDeletedByOwnerNotificationItem", attributeId: `ATT${randomId(17)}` }] };
    const sent = await expectOk(s.a.transport.messages.sendMessage({ recipients: [s.b.address], content }), "A sends a notification while terminated");
    for (let i = 0; i < 3; i++) {
        const result = await s.b.sync();
        assert.ok(!result.messages.some((m) => m.id === sent.id), "message delivered while the relationship is terminated");
    }
    await expectOk(rel(s.b).requestRelationshipReactivation({ relationshipId: s.relAB }), "B requests reactivation");
    await s.a.syncUntil("reactivation request arrives", (acc) => acc.relationships.find((r) => r.id === s.relAB && r.auditLog.at(-1)?.reason === "ReactivationRequested"));
    await expectOk(rel(s.a).acceptRelationshipReactivation({ relationshipId: s.relAB }), "A accepts reactivation");
    const arrived = await s.b.syncUntilMessage(sent.id);
    assert.deepEqual(arrived.content, content);
});
suite.wireConventionsStep();
suite.shutdownStep();
