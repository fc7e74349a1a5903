// tests/interop/templates.test.mjs: identities, relationship templates and tokens between official
// runtimes through the local Backbone: a template directly by reference, through a token (also by
// URL), password- and PIN-protected, for one identity only, with one allocation only, and plain
// tokens read authenticated and anonymously. Every step compares the content that arrived.
import assert from "node:assert/strict";
import { interopSuite } from "./lib/suite.mjs";
import { expectError, expectOk } from "./lib/peer.mjs";
import { inOneHour, rawCall, templateContent } from "./lib/content.mjs";

const suite = interopSuite("templates");
const { step } = suite;

function assertSameTemplate(loaded, own, owner) {
    assert.equal(loaded.id, own.id);
    assert.equal(loaded.isOwn, false);
    assert.equal(loaded.createdBy, owner.address);
    assert.equal(loaded.createdByDevice, own.createdByDevice);
    assert.deepEqual(loaded.content, own.content);
    assert.equal(loaded.expiresAt, own.expiresAt);
    assert.equal(loaded.maxNumberOfAllocations, own.maxNumberOfAllocations);
}

step("the Backbone starts and three runtimes create their identities", {}, async (s) => {
    await suite.startBackbone();
    s.a = await suite.peer("A");
    s.b = await suite.peer("B");
    s.c = await suite.peer("C");
    assert.equal(new Set([s.a.address, s.b.address, s.c.address]).size, 3);
});

step("A creates a template; B loads it by its truncated reference and reads the same content", { needs: ["a"] }, async (s) => {
    const content = templateContent("direct");
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content, expiresAt: inOneHour(), maxNumberOfAllocations: 5 }), "A creates template");
    assert.match(own.id, /^RLT[A-Za-z0-9]{17}$/);
    assert.equal(own.isOwn, true);
    assert.deepEqual(own.content, content);
    const loaded = await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B loads template");
    assertSameTemplate(loaded, own, s.a);
    await s.b.waitForEvent("transport.peerRelationshipTemplateLoaded", (t) => t.id === own.id);
    s.directTemplate = own;
});

step("A shares its template through a token; B loads the token and then the template", { needs: ["directTemplate"] }, async (s) => {
    const token = await expectOk(s.a.transport.relationshipTemplates.createTokenForOwnRelationshipTemplate({ templateId: s.directTemplate.id }), "A creates token for template");
    assert.match(token.id, /^TOK[A-Za-z0-9]{17}$/);
    const peerToken = await expectOk(s.b.transport.tokens.loadPeerToken({ reference: token.reference.truncated, ephemeral: true }), "B loads token");
    assert.equal(peerToken.id, token.id);
    assert.equal(peerToken.createdBy, s.a.address);
    assert.equal(peerToken.content["@type"], "TokenContentRelationshipTemplate");
    assert.equal(peerToken.content.templateId, s.directTemplate.id);
    const loaded = await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: token.reference.truncated }), "B loads template via token");
    assertSameTemplate(loaded, s.directTemplate, s.a);
    s.templateToken = token;
});

step("C loads the same template through the token's URL reference", { needs: ["templateToken"] }, async (s) => {
    assert.ok(s.templateToken.reference.url.startsWith(`${suite.backbone.baseUrl}/r/${s.templateToken.id}`), s.templateToken.reference.url);
    const item = await expectOk(s.c.transport.account.loadItemFromReference({ reference: s.templateToken.reference.url }), "C loads item from URL reference");
    assert.equal(item.type, "RelationshipTemplate");
    assertSameTemplate(item.value, s.directTemplate, s.a);
});

step("a password-protected template: no password is refused, a wrong one is not found, the right one loads", { needs: ["a", "b"] }, async (s) => {
    const content = templateContent("password");
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content, expiresAt: inOneHour(), passwordProtection: { password: "correct horse battery" } }), "A creates password template");
    assert.equal(own.passwordProtection.password, "correct horse battery");
    const none = await expectError(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B loads without password");
    assert.equal(none.code, "error.transport.noPasswordProvided");
    const wrong = await expectError(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated, password: "wrong horse" }), "B loads with wrong password");
    assert.equal(wrong.code, "error.runtime.recordNotFound");
    const loaded = await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated, password: "correct horse battery" }), "B loads with password");
    assertSameTemplate(loaded, own, s.a);
    assert.equal(loaded.passwordProtection.password, "correct horse battery");
});

step("a PIN-protected token for a template: a wrong PIN is not found, the right PIN loads the template", { needs: ["directTemplate"] }, async (s) => {
    const token = await expectOk(s.a.transport.relationshipTemplates.createTokenForOwnRelationshipTemplate({ templateId: s.directTemplate.id, passwordProtection: { password: "4711", passwordIsPin: true } }), "A creates PIN token");
    assert.equal(token.passwordProtection.passwordIsPin, true);
    const wrong = await expectError(s.c.transport.tokens.loadPeerToken({ reference: token.reference.truncated, ephemeral: true, password: "0000" }), "C loads token with wrong PIN");
    assert.equal(wrong.code, "error.runtime.recordNotFound");
    const loaded = await expectOk(s.c.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: token.reference.truncated, password: "4711" }), "C loads template via PIN token");
    assertSameTemplate(loaded, s.directTemplate, s.a);
});

step("a template for B only: B loads it, C's runtime refuses it, the Backbone hides it from C", { needs: ["a", "b", "c"] }, async (s) => {
    const content = templateContent("forIdentity");
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content, expiresAt: inOneHour(), forIdentity: s.b.address }), "A creates template for B");
    assert.equal(own.forIdentity, s.b.address);
    const refused = await expectError(s.c.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "C loads template for B");
    assert.equal(refused.code, "error.transport.general.notIntendedForYou");
    const raw = await rawCall(s.c, "GET", `/api/v2/RelationshipTemplates/${own.id}`);
    assert.equal(raw.status, 404, raw.text);
    assert.equal(raw.body?.error?.code, "error.platform.recordNotFound", raw.text);
    const loaded = await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B loads template for B");
    assertSameTemplate(loaded, own, s.a);
    assert.equal(loaded.forIdentity, s.b.address);
});

step("a template with one allocation: B allocates it, C is refused with maxNumberOfAllocationsExhausted", { needs: ["a", "b", "c"] }, async (s) => {
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: templateContent("single"), expiresAt: inOneHour(), maxNumberOfAllocations: 1 }), "A creates single-use template");
    assert.equal(own.maxNumberOfAllocations, 1);
    const loaded = await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B allocates");
    assertSameTemplate(loaded, own, s.a);
    const exhausted = await expectError(s.c.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "C allocates");
    assert.equal(exhausted.code, "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted");
    const again = await rawCall(s.b, "GET", `/api/v2/RelationshipTemplates/${own.id}`);
    assert.equal(again.status, 200, `B already holds an allocation: ${again.text}`);
    assert.equal(again.body.result.id, own.id);
    s.exhaustedTemplate = own;
});

step("A's sync reports that its single-use template's allocations are exhausted", { needs: ["exhaustedTemplate"] }, async (s) => {
    await s.a.syncUntil("RelationshipTemplateAllocationsExhausted processed", () => s.a.eventsNamed("transport.relationshipTemplateAllocationsExhausted").find((e) => e.data.id === s.exhaustedTemplate.id));
});

step("a template past its expiry is no longer found", { needs: ["a", "b", "c"] }, async (s) => {
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: templateContent("expiring"), expiresAt }), "A creates short-lived template");
    const loaded = await expectOk(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B loads before expiry");
    assert.equal(loaded.expiresAt, own.expiresAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now()) + 500));
    const gone = await expectError(s.c.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "C loads after expiry");
    assert.equal(gone.code, "error.runtime.recordNotFound");
});

step("A deletes a template; B can no longer load it", { needs: ["a", "b"] }, async (s) => {
    const own = await expectOk(s.a.transport.relationshipTemplates.createOwnRelationshipTemplate({ content: templateContent("deleted"), expiresAt: inOneHour() }), "A creates template");
    await expectOk(s.a.transport.relationshipTemplates.deleteRelationshipTemplate({ templateId: own.id }), "A deletes template");
    const gone = await expectError(s.b.transport.relationshipTemplates.loadPeerRelationshipTemplate({ reference: own.reference.truncated }), "B loads deleted template");
    assert.equal(gone.code, "error.runtime.recordNotFound");
});

step("a plain token: B reads it authenticated, C reads it anonymously, both get A's content", { needs: ["a", "b", "c"] }, async (s) => {
    const content = { kind: "plain token", marker: `${Date.now()}-${Math.random()}`, nested: { list: [1, 2, 3], flag: true } };
    const own = await expectOk(s.a.transport.tokens.createOwnToken({ content, expiresAt: inOneHour(), ephemeral: false }), "A creates token");
    assert.deepEqual(own.content, content);
    const byB = await expectOk(s.b.transport.tokens.loadPeerToken({ reference: own.reference.truncated, ephemeral: false }), "B loads token");
    assert.equal(byB.id, own.id);
    assert.equal(byB.createdBy, s.a.address);
    assert.equal(byB.expiresAt, own.expiresAt);
    assert.deepEqual(byB.content, content);
    const anonymous = await expectOk(s.c.anonymous.tokens.loadPeerToken({ reference: own.reference.truncated }), "anonymous load");
    assert.equal(anonymous.id, own.id);
    assert.deepEqual(anonymous.content, content);
});

step("a token for B only: B reads it, C is refused", { needs: ["a", "b", "c"] }, async (s) => {
    const content = { kind: "personal token", marker: `${Date.now()}` };
    const own = await expectOk(s.a.transport.tokens.createOwnToken({ content, expiresAt: inOneHour(), ephemeral: true, forIdentity: s.b.address }), "A creates token for B");
    assert.equal(own.forIdentity, s.b.address);
    const byB = await expectOk(s.b.transport.tokens.loadPeerToken({ reference: own.reference.truncated, ephemeral: true }), "B loads personal token");
    assert.deepEqual(byB.content, content);
    assert.equal(byB.forIdentity, s.b.address);
    await expectError(s.c.transport.tokens.loadPeerToken({ reference: own.reference.truncated, ephemeral: true }), "C loads token for B");
    const raw = await rawCall(s.c, "GET", `/api/v2/Tokens/${own.id}`);
    assert.equal(raw.status, 404, raw.text);
});

step("a password-protected token: a wrong password is not found, the right one gives the content", { needs: ["a", "b"] }, async (s) => {
    const content = { kind: "password token", marker: `${Date.now()}` };
    const own = await expectOk(s.a.transport.tokens.createOwnToken({ content, expiresAt: inOneHour(), ephemeral: true, passwordProtection: { password: "s3cr3t" } }), "A creates password token");
    const wrong = await expectError(s.b.transport.tokens.loadPeerToken({ reference: own.reference.truncated, ephemeral: true, password: "nope" }), "B loads with wrong password");
    assert.equal(wrong.code, "error.runtime.recordNotFound");
    const byB = await expectOk(s.b.transport.tokens.loadPeerToken({ reference: own.reference.truncated, ephemeral: true, password: "s3cr3t" }), "B loads with password");
    assert.deepEqual(byB.content, content);
    assert.equal(byB.passwordProtection.password, "s3cr3t");
});
suite.wireConventionsStep();
suite.shutdownStep();
