// tests/interop/lib/wire.mjs: records every HTTP exchange the official runtime makes with the
// Backbone (method, full URL with query, request body, status, response body), by adding axios
// interceptors to every client the transport library creates. The record is written to a log file
// per test file and the last exchanges are attached to a failing step, so that a mismatch can be
// written to FINDINGS.md with the exact request and answer.
import { appendFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const MAX_BODY = 3000;
const entries = [];
const tokenOwner = new Map(); // bearer token -> username
const userLabel = new Map(); // username -> peer label
let logPath;
let installed = false;

function clip(text) {
    return text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}… (${text.length} chars)` : text;
}

function describeBody(data) {
    if (data === undefined || data === null) return "";
    if (typeof data === "string") return clip(data.replace(/password=[^&]*/g, "password=…"));
    if (Buffer.isBuffer(data)) return `<${data.length} bytes>`;
    if (data instanceof ArrayBuffer) return `<${data.byteLength} bytes>`;
    if (typeof data.getBoundary === "function") return "<multipart/form-data>";
    try {
        return clip(JSON.stringify(data));
    } catch {
        return `<${typeof data}>`;
    }
}

function who(config) {
    const auth = config.headers?.Authorization ?? config.headers?.authorization;
    if (typeof auth !== "string") return "anonymous";
    const user = tokenOwner.get(auth.replace(/^Bearer /, ""));
    return userLabel.get(user) ?? user ?? "unknown token";
}

function fullUrl(config) {
    const url = `${config.baseURL ?? ""}${config.url ?? ""}`;
    const params = config.params ? new URLSearchParams(Object.entries(config.params).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : v === undefined ? [] : [[k, String(v)]]))).toString() : "";
    return params ? `${url}?${params}` : url;
}

function parseErrorBytes(status, data) {
    if (typeof status !== "number" || status < 400) return undefined;
    const bytes = Buffer.isBuffer(data) ? data : data instanceof ArrayBuffer ? Buffer.from(data) : undefined;
    if (!bytes || bytes.length > 100000) return undefined;
    try {
        return JSON.parse(bytes.toString("utf8"));
    } catch {
        return undefined;
    }
}

function record(config, status, responseData) {
    const entry = {
        at: new Date().toISOString(),
        who: who(config),
        request: `${config.method?.toUpperCase()} ${fullUrl(config)}`,
        body: describeBody(config.data),
        status,
        response: describeBody(responseData),
        method: config.method?.toUpperCase(),
        path: new URL(fullUrl(config)).pathname,
        json: responseData !== null && typeof responseData === "object" && !Buffer.isBuffer(responseData) && !(responseData instanceof ArrayBuffer) ? responseData : parseErrorBytes(status, responseData),
        rawText: typeof responseData === "string" ? responseData : undefined
    };
    if (config.url?.endsWith("/connect/token") && typeof config.data === "string") {
        const user = new URLSearchParams(config.data).get("username");
        if (user && responseData?.access_token) tokenOwner.set(responseData.access_token, user);
    }
    entries.push(entry);
    if (logPath) appendFileSync(logPath, `${format(entry)}\n`);
}

export function format(entry) {
    const body = entry.body ? `\n    body: ${entry.body}` : "";
    return `[${entry.at}] ${entry.who}: ${entry.request}${body}\n    -> ${entry.status} ${entry.response}`;
}

/** Installs the recorder once per process; path: where the full record goes. */
export function installWireRecorder(path) {
    logPath = path;
    writeFileSync(logPath, "");
    if (installed) return;
    installed = true;
    const axios = require("axios");
    const originalCreate = axios.create.bind(axios);
    axios.create = (...args) => {
        const instance = originalCreate(...args);
        instance.interceptors.response.use(
            (response) => {
                record(response.config, response.status, response.data);
                return response;
            },
            (error) => {
                if (error.config) record(error.config, error.response?.status ?? error.code ?? "no answer", error.response?.data ?? error.message);
                return Promise.reject(error);
            }
        );
        return instance;
    };
}

export function labelUser(username, label) {
    userLabel.set(username, label);
}

/** All recorded exchanges (with the parsed JSON answer in .json). */
export function allEntries() {
    return entries;
}

export function mark() {
    return entries.length;
}

/** The exchanges since a mark() (or the last n), formatted for a failure message. */
export function excerpt({ since, last = 8 } = {}) {
    const list = since === undefined ? entries.slice(-last) : entries.slice(since).slice(-last);
    return list.map(format).join("\n");
}

/** Adds a free-text line (runtime log messages, test notes) to the record. */
export function note(text) {
    if (logPath) appendFileSync(logPath, `[${new Date().toISOString()}] ${text}\n`);
}
