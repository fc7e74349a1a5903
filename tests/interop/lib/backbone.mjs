// tests/interop/lib/backbone.mjs: one private connector-backbone-dev per test file. It creates a
// uniquely named database on the test cluster (CONNECTOR_TEST_DATABASE), starts the Backbone on a
// free loopback port, reads the "listening on URL" line and hands out the base URL with the host
// name "localhost" (the runtime rejects addresses derived from an IP address). stop() ends the
// process it started (by its pid) and drops the database again.
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { buildDir } from "./env.mjs";

export const CLIENT_ID = "test";
export const CLIENT_SECRET = "test";

export function logDir() {
    const dir = join(buildDir, "tests", "interop", "logs");
    mkdirSync(dir, { recursive: true });
    return dir;
}

/** The same libpq connection string pointing at another database. */
export function withDatabase(conninfo, dbname) {
    if (/^postgres(ql)?:\/\//.test(conninfo)) {
        const url = new URL(conninfo);
        url.pathname = `/${dbname}`;
        return url.toString();
    }
    return `${conninfo} dbname=${dbname}`;
}

function psql(conninfo, sql) {
    execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql], { stdio: ["ignore", "ignore", "pipe"] });
}

function readListenLine(child, timeoutMs) {
    return new Promise((resolvePromise, reject) => {
        let buffered = "";
        const timer = setTimeout(() => reject(new Error(`Backbone printed no "listening on" line within ${timeoutMs} ms`)), timeoutMs);
        child.stdout.on("data", (chunk) => {
            buffered += chunk.toString("utf8");
            const match = /listening on (https?:\/\/\S+)/.exec(buffered);
            if (match) {
                clearTimeout(timer);
                resolvePromise(match[1]);
            }
        });
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`Backbone exited before listening (code ${code}, signal ${signal}); see its log`));
        });
    });
}

/**
 * Starts a Backbone for one test file. name: short label used for the database and log file;
 * extraArgs: further command-line flags; reuse: {database, port} of a stopped Backbone to start
 * again on the same state and port.
 * Returns {baseUrl, listenUrl, port, logPath, database, stop()}.
 */
export async function startBackbone({ name, database, backboneBin, extraArgs = [], reuse }) {
    const dbname = reuse?.database ?? `interop_${name.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
    if (!reuse) psql(database, `CREATE DATABASE "${dbname}"`);
    const conninfo = withDatabase(database, dbname);
    const logPath = join(logDir(), `${name}.backbone.log`);
    const log = createWriteStream(logPath, { flags: reuse ? "a" : "w" });
    const args = ["--listen", `127.0.0.1:${reuse?.port ?? 0}`, "--database", conninfo, "--client", `${CLIENT_ID}:${CLIENT_SECRET}`, "--address-domain", "localhost", ...extraArgs];
    const child = spawn(backboneBin, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let listenUrl;
    try {
        listenUrl = await readListenLine(child, 20000);
    } catch (e) {
        child.kill("SIGKILL");
        throw new Error(`${e.message} (${logPath})`);
    }
    const port = Number(new URL(listenUrl).port);
    const baseUrl = `http://localhost:${port}`;
    let stopped;
    /** Ends the process (SIGTERM, SIGKILL after 10 s); resolves to {code, signal, killed}. */
    function stop({ dropDatabase = true } = {}) {
        stopped ??= (async () => {
            let killed = false;
            if (child.exitCode === null && child.signalCode === null) {
                const exited = once(child, "exit");
                child.kill("SIGTERM");
                const timer = setTimeout(() => {
                    killed = true;
                    child.kill("SIGKILL");
                }, 10000);
                await exited;
                clearTimeout(timer);
            }
            await new Promise((resolveEnd) => log.end(resolveEnd));
            if (dropDatabase) psql(database, `DROP DATABASE IF EXISTS "${dbname}" WITH (FORCE)`);
            return { code: child.exitCode, signal: child.signalCode, killed };
        })();
        return stopped;
    }
    return { baseUrl, listenUrl, port, logPath, database: dbname, process: child, stop };
}
