// tests/interop/lib/suite.mjs: the frame every interop test file shares. interopSuite(name) skips
// the file when prerequisites are missing, records the runtime's HTTP traffic to
// <builddir>/tests/interop/logs/<name>.wire.log, and offers step(): one flat top-level node:test
// test per step, with a guard timeout, that is skipped (with the reason) when a step it needs has
// not produced its result. Teardown stops the peers and then the Backbone this file started.
import { after, test } from "node:test";
import { join } from "node:path";
import { requireInteropEnv } from "./env.mjs";
import { logDir, startBackbone } from "./backbone.mjs";
import { allEntries, installWireRecorder, note } from "./wire.mjs";
import { wireViolations } from "./fidelity.mjs";
import { createPeer } from "./peer.mjs";

export function interopSuite(name) {
    const env = requireInteropEnv();
    installWireRecorder(join(logDir(), `${name}.wire.log`));
    const state = {};
    const peers = [];
    const cleanups = [];
    let backbone;

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
        async startBackbone() {
            backbone = await startBackbone({ name, ...env });
            note(`Backbone for ${name} at ${backbone.baseUrl} (log ${backbone.logPath})`);
            return backbone;
        },
        /** Registers fn to run at teardown, before the peers and the Backbone stop. */
        onTeardown(fn) {
            cleanups.push(fn);
        },
        async peer(label) {
            const peer = await createPeer(backbone.baseUrl, label);
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
