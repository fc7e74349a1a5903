// tests/interop/lib/suite.mjs: the frame every interop test file shares. interopSuite(name) skips
// the file when prerequisites are missing, records the runtime's HTTP traffic to
// <builddir>/tests/interop/logs/<name>.wire.log, and offers step(): one flat top-level node:test
// test per step, with a guard timeout, that is skipped (with the reason) when a step it needs has
// not produced its result. Teardown stops the peers and then the Backbone this file started.
import { after, test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { requireInteropEnv } from "./env.mjs";
import { logDir, startBackbone } from "./backbone.mjs";
import { allEntries, installWireRecorder, note } from "./wire.mjs";
import { wireViolations } from "./fidelity.mjs";
import { createPeer } from "./peer.mjs";

/** A file that has not ended after this long is stopped with a TAP "Bail out!" (never hang make check). */
const WATCHDOG_SECONDS = 300;

export function interopSuite(name) {
    const env = requireInteropEnv();
    const state = {};
    const peers = [];
    const cleanups = [];
    let backbone;
    setTimeout(() => {
        process.stdout.write(`Bail out! ${name}: the process did not end within ${WATCHDOG_SECONDS} s\n`);
        process.exit(1);
    }, WATCHDOG_SECONDS * 1000).unref();
    // never leave the Backbone this file started behind, however the process ends
    process.on("exit", () => {
        if (backbone?.process.exitCode === null && backbone.process.signalCode === null) backbone.process.kill("SIGKILL");
    });
    installWireRecorder(join(logDir(), `${name}.wire.log`));

    after(async () => {
        for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch((e) => note(`cleanup: ${e}`));
        for (const peer of peers) await peer.stop().catch((e) => note(`stopping ${peer.label}: ${e}`));
        await backbone?.stop();
    });

    return {
        state,
        get backbone() {
            return backbone;
        },
        async startBackbone(extraArgs = []) {
            backbone = await startBackbone({ name, ...env, extraArgs });
            note(`Backbone for ${name} at ${backbone.baseUrl} (log ${backbone.logPath})`);
            return backbone;
        },
        /** Stops the Backbone (keeping its database) and starts it again on the same port. */
        async restartBackbone() {
            const { database: dbname, port } = backbone;
            const stopped = await backbone.stop({ dropDatabase: false });
            note(`Backbone stopped (${JSON.stringify(stopped)}); restarting on port ${port}`);
            backbone = await startBackbone({ name, ...env, reuse: { database: dbname, port } });
            return { stopped, backbone };
        },
        /** Registers fn to run at teardown, before the peers and the Backbone stop. */
        onTeardown(fn) {
            cleanups.push(fn);
        },
        async peer(label, options) {
            const peer = await createPeer(backbone.baseUrl, label, options);
            peers.push(peer);
            note(`peer ${label} = ${peer.address} (${peer.username})`);
            return peer;
        },
        /** A last step: every answer this file's runtimes got followed the wire conventions. */
        wireConventionsStep() {
            test("every answer the Backbone gave in this file followed the wire conventions", async (t) => {
                const entries = allEntries();
                if (entries.length === 0) {
                    t.skip("no traffic recorded");
                    return;
                }
                const problems = [...new Set(wireViolations(entries))];
                if (problems.length > 0) throw new Error(`${problems.length} violations in ${entries.length} exchanges:\n${problems.slice(0, 40).join("\n")}`);
            });
        },
        /**
         * The very last step: peers stop, then the Backbone gets SIGTERM and must exit 0 with no
         * AddressSanitizer, LeakSanitizer or UBSan report in its log (matters for sanitizer builds).
         */
        shutdownStep() {
            test("the Backbone exits cleanly on SIGTERM, with no sanitizer report", { timeout: 30000 }, async (t) => {
                if (!backbone) {
                    t.skip("the Backbone did not start");
                    return;
                }
                for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve().then(cleanup).catch(() => {});
                for (const peer of peers.splice(0)) await peer.stop().catch((e) => note(`stopping ${peer.label}: ${e}`));
                const { code, signal, killed } = await backbone.stop();
                const log = readFileSync(backbone.logPath, "utf8");
                const report = /ERROR: (Address|Leak)Sanitizer|runtime error:/.exec(log);
                if (report) throw new Error(`sanitizer report in ${backbone.logPath}:\n${log.slice(report.index, report.index + 3000)}`);
                if (killed || code !== 0) throw new Error(`exit code ${code}, signal ${signal}${killed ? " (needed SIGKILL)" : ""}; see ${backbone.logPath}`);
            });
        },
        /**
         * One step: needs lists state keys earlier steps must have set; the step is skipped
         * otherwise. fn(state, t) runs with a guard timeout (default 60 s).
         */
        step(title, { needs = [], timeout = 60000 } = {}, fn) {
            test(title, { timeout }, async (t) => {
                const missing = needs.filter((key) => state[key] === undefined);
                if (missing.length > 0) {
                    t.skip(`needs ${missing.join(", ")} from an earlier step`);
                    return;
                }
                note(`--- step: ${title}`);
                await fn(state, t);
            });
        }
    };
}
