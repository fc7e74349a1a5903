// tests/interop/lib/env.mjs: decides whether the interop suite can run here and where its inputs are.
// Every test file calls requireInteropEnv() before anything else: without the npm packages
// (npm ci --prefix tests/interop), without CONNECTOR_TEST_DATABASE or without the Backbone binary
// it prints a TAP skip and ends the process, so no test file ever fails for a missing prerequisite.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const interopDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const srcDir = process.env.CONNECTOR_SRCDIR ?? resolve(interopDir, "..", "..");
export const buildDir = process.env.CONNECTOR_BUILDDIR ?? join(srcDir, "build");

export function backboneBinary() {
    return process.env.CONNECTOR_BACKBONE_BIN ?? join(buildDir, "connector-backbone-dev");
}

function skip(reason) {
    process.stdout.write(`1..0 # SKIP ${reason}\n`);
    process.exit(0);
}

/** Returns {database, backboneBin} or ends the process with a TAP skip line. */
export function requireInteropEnv() {
    if (!existsSync(join(interopDir, "node_modules", "@nmshd", "runtime", "package.json"))) {
        skip("npm packages not installed (run: npm ci --prefix tests/interop)");
    }
    const database = process.env.CONNECTOR_TEST_DATABASE;
    if (!database) skip("CONNECTOR_TEST_DATABASE not set");
    const backboneBin = backboneBinary();
    if (!existsSync(backboneBin)) skip(`${backboneBin} not built (make connector-backbone-dev)`);
    return { database, backboneBin };
}
