// tests/e2e/backbone-lib.mjs: helpers for the connector-backbone-dev end-to-end tests: a private
// database per test file, starting and restarting the binary, and a small client that creates
// identities exactly like the official runtime (Ed25519 via node:crypto) and logs in.
import { spawn, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import readline from "node:readline";

export const pgUrl = process.env.CONNECTOR_TEST_DATABASE;
const builddir = process.env.CONNECTOR_BUILDDIR ?? path.resolve("build");
export const binary = path.join(builddir, "connector-backbone-dev");

export function withDatabase(conninfo, dbname) {
    if (/^postgres(ql)?:\/\//.test(conninfo)) {
        const u = new URL(conninfo);
        u.pathname = "/" + dbname;
        return u.toString();
    }
    return `${conninfo} dbname=${dbname}`;
}

export function createDatabase(prefix) {
    const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString("hex")}`;
    execFileSync("psql", [pgUrl, "-q", "-v", "ON_ERROR_STOP=1", "-c", `CREATE DATABASE ${name}`], { stdio: "pipe" });
    return { name, conninfo: withDatabase(pgUrl, name) };
}

export function dropDatabase(name) {
    try {
        execFileSync("psql", [pgUrl, "-q", "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: "pipe" });
    } catch {}
}

export function psql(conninfo, sql) {
    return execFileSync("psql", [conninfo, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" }).trim();
}

/** Starts the binary; resolves with {proc, baseUrl, port, stop()} once it prints its address. */
export function startBackbone(args) {
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    proc.stderr.on("data", (d) => (stderr += d));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("backbone did not start: " + stderr)), 20000);
        proc.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`backbone exited with ${code}: ${stderr}`));
        });
        readline.createInterface({ input: proc.stdout }).once("line", (line) => {
            clearTimeout(timer);
            const m = /^listening on http:\/\/[^:]+:(\d+)$/.exec(line);
            if (!m) return reject(new Error("unexpected first line: " + line));
            const port = Number(m[1]);
            resolve({
                proc,
                port,
                baseUrl: `http://localhost:${port}`,
                stderr: () => stderr,
                stop: () =>
                    new Promise((res) => {
                        if (proc.exitCode !== null) return res(proc.exitCode);
                        proc.removeAllListeners("exit");
                        proc.on("exit", (code) => res(code));
                        proc.kill("SIGTERM");
                    })
            });
        });
    });
}

/** Runs the binary to completion and returns {code, stdout, stderr}. */
export function runBackbone(args) {
    return new Promise((resolve) => {
        const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "", stderr = "";
        proc.stdout.on("data", (d) => (stdout += d));
        proc.stderr.on("data", (d) => (stderr += d));
        proc.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
}

export const b64url = (buf) => Buffer.from(buf).toString("base64url");
export const b64std = (buf) => Buffer.from(buf).toString("base64");

export function deriveAddress(rawPub, domain) {
    const h = crypto.createHash("sha256").update(crypto.createHash("sha512").update(rawPub).digest()).digest();
    const main = `did:e:${domain}:dids:${h.subarray(0, 10).toString("hex")}`;
    const cs = crypto.createHash("sha256").update(main, "ascii").digest().subarray(0, 1).toString("hex");
    return (main + cs).toLowerCase();
}

export class Client {
    constructor(baseUrl) {
        this.baseUrl = baseUrl;
        this.token = undefined;
    }

    async request(method, path, { body, headers = {}, raw, auth = true, form } = {}) {
        const h = { ...headers };
        if (auth && this.token) h.authorization = `Bearer ${this.token}`;
        let payload = raw;
        if (body !== undefined) {
            payload = JSON.stringify(body);
            h["content-type"] ??= "application/json";
        }
        if (form) {
            payload = new URLSearchParams(form).toString();
            h["content-type"] = "application/x-www-form-urlencoded";
        }
        if (/\/(SyncRuns|Datawallet)/.test(path)) h["x-supported-datawallet-version"] ??= "1";
        const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload });
        const text = await res.text();
        let json;
        try {
            json = text ? JSON.parse(text) : undefined;
        } catch {}
        return { status: res.status, json, text, headers: res.headers };
    }

    get(p, o) { return this.request("GET", p, o); }
    post(p, body, o = {}) { return this.request("POST", p, { ...o, body }); }
    put(p, body, o = {}) { return this.request("PUT", p, { ...o, body }); }
    patch(p, body, o = {}) { return this.request("PATCH", p, { ...o, body }); }
    del(p, o) { return this.request("DELETE", p, o); }

    /** Creates an identity like the runtime does and logs in; returns this. */
    async createIdentity({ clientId = "test", clientSecret = "test", domain = "localhost" } = {}) {
        const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
        const rawPub = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url");
        const challenge = await this.post("/api/v2/Challenges", {}, { auth: false });
        if (challenge.status !== 201) throw new Error("challenge: " + challenge.text);
        const c = challenge.json.result;
        const challengeString = JSON.stringify({ id: c.id, expiresAt: c.expiresAt, type: "Identity" });
        const sig = crypto.sign(null, Buffer.from(challengeString), privateKey);
        this.password = crypto.randomBytes(30).toString("base64url").slice(0, 45);
        this.privateKey = privateKey;
        this.rawPub = rawPub;
        this.identityBody = {
            clientId,
            clientSecret,
            identityPublicKey: b64url(JSON.stringify({ pub: b64url(rawPub), alg: 3, "@type": "CryptoSignaturePublicKey" })),
            devicePassword: this.password,
            identityVersion: 1,
            signedChallenge: { challenge: challengeString, signature: b64url(JSON.stringify({ sig: b64url(sig), alg: 2 })) }
        };
        const res = await this.post("/api/v2/Identities", this.identityBody, { auth: false });
        if (res.status !== 201) throw new Error("identity: " + res.text);
        this.address = res.json.result.address;
        this.deviceId = res.json.result.device.id;
        this.username = res.json.result.device.username;
        this.expectedAddress = deriveAddress(rawPub, domain);
        await this.login();
        return this;
    }

    async login(password = this.password) {
        const res = await this.request("POST", "/connect/token", {
            auth: false,
            form: { client_id: "test", client_secret: "test", grant_type: "password", username: this.username, password }
        });
        if (res.status === 200) this.token = res.json.access_token;
        return res;
    }

    /** Runs the initial datawallet version upgrade like the runtime after identity creation. */
    async initDatawallet() {
        const run = await this.post("/api/v2/SyncRuns", { type: "DatawalletVersionUpgrade" });
        if (run.status !== 201) throw new Error("upgrade: " + run.text);
        const fin = await this.put(`/api/v2/SyncRuns/${run.json.result.syncRun.id}/FinalizeDatawalletVersionUpgrade`, {
            newDatawalletVersion: 1,
            datawalletModifications: []
        });
        if (fin.status !== 200) throw new Error("finalize upgrade: " + fin.text);
    }

    /** One full sync: returns the external events and acknowledges them all. */
    async sync() {
        const start = await this.post("/api/v2/SyncRuns", { type: "ExternalEventSync" });
        if (start.status === 200) return [];
        if (start.status !== 201) throw new Error("sync start: " + start.text);
        const id = start.json.result.syncRun.id;
        const events = await this.get(`/api/v2/SyncRuns/${id}/ExternalEvents`);
        const list = events.json.result;
        const fin = await this.put(`/api/v2/SyncRuns/${id}/FinalizeExternalEventSync`, {
            externalEventResults: list.map((e) => ({ externalEventId: e.id })),
            datawalletModifications: []
        });
        if (fin.status !== 200) throw new Error("sync finalize: " + fin.text);
        return list;
    }
}

export function inFuture(ms) {
    return new Date(Date.now() + ms).toISOString();
}
