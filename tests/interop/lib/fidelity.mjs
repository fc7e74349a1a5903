// tests/interop/lib/fidelity.mjs: checks every answer the Backbone gave the official runtimes in
// one test file against the wire conventions the transport relies on (backbone-api.md §1, §7.3):
// the {result}/{error} envelope, status codes per method, dates with millisecond precision in UTC,
// 20-character ids with their prefixes, did:e addresses, and byte fields as base64url without
// padding. Returns a list of violations, each naming the request and the field.
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[A-Z]{3}[A-Za-z0-9]{17}$/;
const ADDRESS = /^did:e:[a-z0-9.-]+:dids:[0-9a-f]{22}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BYTE_FIELDS = new Set(["content", "body", "encryptedKey", "creationContent", "creationResponseContent", "encryptedProperties", "ownerSignature", "cipherHash", "encryptedPayload", "newContent"]);
const ADDRESS_FIELDS = new Set(["createdBy", "from", "to", "owner", "address", "recipient", "peer", "forIdentity", "newOwnerAddress", "deletedBy", "modifiedBy"]);
const ID_PREFIX = { relationshipTemplateId: "RLT", relationshipId: "REL", templateId: "RLT", messageId: "MSG", fileId: "FIL", tokenId: "TOK", createdByDevice: "DVC", receivedByDevice: "DVC", deviceId: "DVC" };

function walk(value, path, visit) {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`, visit));
    else if (value !== null && typeof value === "object") for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key, visit), visit(key, inner, path ? `${path}.${key}` : key);
}

function checkField(key, value, where, problems) {
    if (value === null || value === undefined) return;
    if (typeof value !== "string") return;
    if ((key.endsWith("At") || key === "time" || key === "expiresAt") && !DATE.test(value)) problems.push(`${where}: date "${value}" is not YYYY-MM-DDTHH:MM:SS.fffZ`);
    if (BYTE_FIELDS.has(key) && !BASE64URL.test(value)) problems.push(`${where}: byte field is not base64url without padding ("${value.slice(0, 40)}…")`);
    if (ADDRESS_FIELDS.has(key) && !ADDRESS.test(value)) problems.push(`${where}: "${value}" is not a did:e address`);
    if (key === "id" && !ID.test(value)) problems.push(`${where}: id "${value}" is not three capitals and 17 characters`);
    const prefix = ID_PREFIX[key];
    if (prefix && !(ID.test(value) && value.startsWith(prefix))) problems.push(`${where}: "${value}" is not a ${prefix} id`);
}

function expectedStatus(entry) {
    if (entry.path === "/connect/token") return [200];
    if (entry.method === "POST" && /\/SyncRuns$/.test(entry.path)) return [200, 201];
    if (entry.method === "POST" && /\/(UpdateContent|ValidateOwnershipToken)$/.test(entry.path)) return [200];
    if (entry.method === "POST") return [201];
    if (entry.method === "DELETE") return [204];
    if (entry.method === "PUT" || entry.method === "PATCH") return [200, 204];
    return [200];
}

/** Audit logs in strictly increasing time order (the transport sorts by createdAt). */
function checkAuditLogs(result, where, problems) {
    walk(result, "result", (key, value, path) => {
        if (key !== "auditLog" || !Array.isArray(value)) return;
        for (let i = 1; i < value.length; i++) {
            if (!(Date.parse(value[i].createdAt) > Date.parse(value[i - 1].createdAt))) problems.push(`${where} ${path}[${i}]: createdAt ${value[i].createdAt} not after ${value[i - 1].createdAt}`);
        }
    });
}

/** External events of one identity: ascending index within a page, each id delivered once. */
function checkExternalEvents(entry, where, seen, problems) {
    if (!/\/SyncRuns\/[^/]+\/ExternalEvents$/.test(entry.path) || !Array.isArray(entry.json?.result)) return;
    const events = entry.json.result;
    for (let i = 1; i < events.length; i++) if (!(events[i].index > events[i - 1].index)) problems.push(`${where}: external event index ${events[i].index} after ${events[i - 1].index}`);
    const ids = seen.get(entry.who) ?? new Set();
    for (const event of events) {
        if (ids.has(event.id)) problems.push(`${where}: external event ${event.id} delivered again`);
        ids.add(event.id);
    }
    seen.set(entry.who, ids);
}

export function wireViolations(entries) {
    const problems = [];
    const seenEvents = new Map();
    for (const entry of entries) {
        const where = `${entry.request} (${entry.who})`;
        if (typeof entry.status !== "number") continue;
        if (entry.status === 401) {
            if (entry.rawText) problems.push(`${where}: 401 must have an empty body, got "${entry.rawText.slice(0, 80)}"`);
            continue;
        }
        if (entry.status >= 400) {
            const error = entry.json?.error;
            if (!error) problems.push(`${where}: ${entry.status} without an {error} envelope`);
            else for (const field of ["id", "code", "message", "docs", "time"]) if (!(field in error)) problems.push(`${where}: error envelope lacks "${field}"`);
            if (error?.time && !DATE.test(error.time)) problems.push(`${where}: error.time "${error.time}" is not YYYY-MM-DDTHH:MM:SS.fffZ`);
            continue;
        }
        if (!expectedStatus(entry).includes(entry.status)) problems.push(`${where}: status ${entry.status}, expected ${expectedStatus(entry).join(" or ")}`);
        if (entry.path === "/connect/token" || !entry.path.startsWith("/api/")) continue;
        if (entry.status === 204) continue;
        if (!entry.json) {
            if (!/\/Files\/[^/]+$/.test(entry.path)) problems.push(`${where}: ${entry.status} without a JSON body`);
            continue;
        }
        const extra = Object.keys(entry.json).filter((k) => k !== "result" && k !== "pagination");
        if (!("result" in entry.json) || extra.length > 0) problems.push(`${where}: envelope keys ${Object.keys(entry.json).join(", ")}, expected result (and pagination)`);
        walk(entry.json.result, "result", (key, value, path) => checkField(key, value, `${where} ${path}`, problems));
        checkAuditLogs(entry.json.result, where, problems);
        checkExternalEvents(entry, where, seenEvents, problems);
    }
    return problems;
}
