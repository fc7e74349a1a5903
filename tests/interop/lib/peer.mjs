// tests/interop/lib/peer.mjs: an official @nmshd/runtime 7.0.0 instance as a test peer. The
// runtime is abstract; InteropRuntime completes it with in-memory LokiJS storage, creates the
// identity on the given Backbone during init() and keeps the services its login() returned (the
// dependency container is process-global, so resolving services again would mix peers up).
// Peer adds what the tests need: unwrapping results with a clear error, syncing until a condition
// holds (bounded tries), the events the runtime published, and the runtime's bearer token.
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { CLIENT_ID, CLIENT_SECRET } from "./backbone.mjs";
import { excerpt, labelUser, mark, note } from "./wire.mjs";

const require = createRequire(import.meta.url);

class TestLogger {
    constructor(name) {
        this.name = name;
    }
    trace() {}
    debug() {}
    info() {}
    warn(...messages) {
        note(`WARN ${this.name}: ${messages.map(String).join(" ")}`);
    }
    error(...messages) {
        note(`ERROR ${this.name}: ${messages.map((m) => (m instanceof Error ? m.stack : typeof m === "object" ? JSON.stringify(m) : String(m))).join(" ")}`);
    }
    fatal(...messages) {
        this.error(...messages);
    }
}

const loggerFactory = { getLogger: (name) => new TestLogger(typeof name === "function" ? name.name : String(name)) };

let runtimeClass;
function interopRuntimeClass() {
    if (runtimeClass) return runtimeClass;
    const { Runtime } = require("@nmshd/runtime");
    const { LokiJsConnection } = require("@js-soft/docdb-access-loki");
    const { AccountController } = require("@nmshd/transport");
    const { ConsumptionController } = require("@nmshd/consumption");
    runtimeClass = class InteropRuntime extends Runtime {
        async createDatabaseConnection() {
            this.lokiConnection = LokiJsConnection.inMemory();
            return this.lokiConnection;
        }
        async initAccount() {
            const db = await this.lokiConnection.getDatabase(`acc-${Math.random().toString(36).slice(2, 10)}`);
            // a DeviceSharedSecret onboards this runtime as a further device of an existing identity
            const accountController = await new AccountController(this.transport, db, this.transport.config).init(this.deviceSharedSecret);
            const consumptionController = await new ConsumptionController(this.transport, accountController, { setDefaultOwnIdentityAttributes: false }).init();
            this.services = await this.login(accountController, consumptionController);
        }
        getServices() {
            return this.services;
        }
        getHealth() {
            return Promise.resolve({ isHealthy: true, services: {} });
        }
        loadModule(moduleConfiguration) {
            return Promise.reject(new Error(`no external modules in the interop suite (${moduleConfiguration.location})`));
        }
        accountController() {
            return this.getAccountController();
        }
        /** Releases what a failed init() left open (otherwise the process does not end). */
        async abandon() {
            await this.transport?.eventBus?.close().catch(() => {});
            await this.eventBus.close().catch(() => {});
            await this.lokiConnection?.close().catch(() => {});
        }
        async shutdown() {
            if (this.isStarted) await this.stop();
            await this.lokiConnection?.close();
        }
    };
    return runtimeClass;
}

function recordingEventBus(events) {
    const { EventEmitter2EventBus } = require("@js-soft/ts-utils");
    class RecordingEventBus extends EventEmitter2EventBus {
        publish(event) {
            events.push(event);
            super.publish(event);
        }
    }
    return new RecordingEventBus((error, namespace) => note(`ERROR in event handler for ${namespace}: ${error}`));
}

/** options.requests enables the runtime's DeciderModule and RequestModule (request handling). */
export function runtimeConfig(baseUrl, { datawallet = false, requests = false, clientSecret = CLIENT_SECRET } = {}) {
    return {
        transportLibrary: { baseUrl, platformClientId: CLIENT_ID, platformClientSecret: clientSecret, debug: true, datawalletEnabled: datawallet },
        modules: {
            decider: { enabled: requests, location: "@nmshd/runtime:DeciderModule" },
            request: { enabled: requests, location: "@nmshd/runtime:RequestModule" },
            notification: { enabled: false, location: "@nmshd/runtime:NotificationModule" }
        }
    };
}

/** The error a failed step throws: what failed, the runtime's error, the last HTTP exchanges. */
export class StepError extends Error {
    constructor(what, detail, since) {
        super(`${what}: ${detail}\n--- last Backbone exchanges ---\n${excerpt({ since })}`);
    }
}

/** Unwraps a runtime Result: its value, or a StepError naming the runtime's error code. */
export async function expectOk(resultPromise, what) {
    const since = mark();
    const result = await resultPromise;
    if (result.isError) throw new StepError(what, `${result.error.code}: ${result.error.message}`, since);
    return result.value;
}

/** Expects a runtime Result to fail; returns the error so the caller can assert its code. */
export async function expectError(resultPromise, what) {
    const since = mark();
    const result = await resultPromise;
    if (result.isSuccess) throw new StepError(what, `expected an error, got ${JSON.stringify(result.value).slice(0, 500)}`, since);
    return result.error;
}

export class Peer {
    constructor(label, runtime, events, baseUrl) {
        this.label = label;
        this.baseUrl = baseUrl;
        this.runtime = runtime;
        this.events = events;
        const services = runtime.getServices();
        this.transport = services.transportServices;
        this.consumption = services.consumptionServices;
        this.anonymous = runtime.anonymousServices;
    }

    async describe() {
        const info = await expectOk(this.transport.account.getIdentityInfo(), `${this.label}: getIdentityInfo`);
        this.address = info.address;
        this.publicKey = info.publicKey;
        const credentials = await this.runtime.accountController().activeDevice.getCredentials();
        this.username = credentials.username;
        this.deviceId = this.runtime.accountController().activeDevice.device.id.toString();
        labelUser(this.username, `${this.label} (${this.address})`);
    }

    /** One syncEverything; returns its response. */
    sync() {
        return expectOk(this.transport.account.syncEverything(), `${this.label}: syncEverything`);
    }

    /**
     * Syncs until check(accumulated) returns a truthy value, which it then returns. accumulated
     * collects {relationships, messages, files, identityDeletionProcesses} over all syncs of this
     * call. Gives up after `tries` syncs with a StepError that says what was awaited.
     */
    async syncUntil(what, check, { tries = 25, delayMs = 200 } = {}) {
        const since = mark();
        const accumulated = { relationships: [], messages: [], files: [], identityDeletionProcesses: [] };
        for (let i = 0; i < tries; i++) {
            const result = await this.sync();
            for (const key of Object.keys(accumulated)) accumulated[key].push(...(result[key] ?? []));
            const value = await check(accumulated);
            if (value) return value;
            await sleep(delayMs);
        }
        throw new StepError(`${this.label}: ${what}`, `not reached after ${tries} syncs; synced ${JSON.stringify(summary(accumulated))}`, since);
    }

    /** Syncs until the relationship with this id arrives in the given status; returns its DTO. */
    syncUntilRelationship(relationshipId, status, options) {
        return this.syncUntil(`relationship ${relationshipId} becomes ${status}`, (acc) => acc.relationships.filter((r) => r.id === relationshipId && r.status === status).at(-1), options);
    }

    /** Syncs until a message with this id arrives; returns its DTO. */
    syncUntilMessage(messageId, options) {
        return this.syncUntil(`message ${messageId} arrives`, (acc) => acc.messages.find((m) => m.id === messageId), options);
    }

    /** The runtime's own bearer token for the Backbone (as used for its REST calls). */
    bearerToken() {
        return this.runtime.accountController().authenticator.getToken();
    }

    eventsNamed(namespace) {
        return this.events.filter((e) => e.namespace === namespace);
    }

    /** Waits (bounded) until the runtime published an event of this namespace matching predicate. */
    async waitForEvent(namespace, predicate = () => true, { timeoutMs = 5000 } = {}) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const found = this.eventsNamed(namespace).find((e) => predicate(e.data));
            if (found) return found;
            if (Date.now() > deadline) {
                const seen = [...new Set(this.events.map((e) => e.namespace))].join(", ");
                throw new Error(`${this.label}: no ${namespace} event matched within ${timeoutMs} ms (namespaces seen: ${seen})`);
            }
            await sleep(50);
        }
    }

    stop() {
        return this.runtime.shutdown();
    }
}

function summary(accumulated) {
    return {
        relationships: accumulated.relationships.map((r) => `${r.id}:${r.status}`),
        messages: accumulated.messages.map((m) => m.id),
        files: accumulated.files.map((f) => f.id),
        identityDeletionProcesses: accumulated.identityDeletionProcesses.map((p) => `${p.id}:${p.status}`)
    };
}

/**
 * Creates a runtime against baseUrl and starts it: a new identity, or with options.deviceSharedSecret
 * (a transport DeviceSharedSecret) a further device of an existing one. options.datawallet enables
 * the datawallet (needed for several devices of one identity).
 */
export async function createPeer(baseUrl, label, options = {}) {
    const InteropRuntime = interopRuntimeClass();
    const events = [];
    const runtime = new InteropRuntime(runtimeConfig(baseUrl, options), loggerFactory, recordingEventBus(events));
    runtime.deviceSharedSecret = options.deviceSharedSecret;
    const since = mark();
    try {
        await runtime.init();
        await runtime.start();
    } catch (e) {
        await runtime.abandon();
        throw new StepError(`${label}: runtime start-up (identity creation)`, e?.stack ?? String(e), since);
    }
    const peer = new Peer(label, runtime, events, baseUrl);
    await peer.describe();
    return peer;
}
