// tests/interop/lib/content.mjs: unique, recognisable contents for templates, relationship
// requests, messages and tokens, so every test can assert that exactly this content arrived.
import { randomUUID } from "node:crypto";

export function inOneHour() {
    return new Date(Date.now() + 3600 * 1000).toISOString();
}

export function templateContent(label) {
    return { "@type": "ArbitraryRelationshipTemplateContent", value: { kind: "template", label, marker: randomUUID(), text: "Grüße – ünïcödé ✓" } };
}

export function creationContent(label) {
    return { "@type": "ArbitraryRelationshipCreationContent", value: { kind: "relationship request", label, marker: randomUUID() } };
}

export function messageContent(label) {
    return { "@type": "ArbitraryMessageContent", value: { kind: "message", label, marker: randomUUID(), lines: ["one", "two", "three"] } };
}

/** A raw authenticated call with a peer's bearer token; returns {status, body}. */
export async function rawCall(peer, method, path, body) {
    const token = await peer.bearerToken();
    const headers = { authorization: `Bearer ${token}`, "x-supported-datawallet-version": "1" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${peer.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch {
        json = undefined;
    }
    return { status: response.status, body: json, text };
}
