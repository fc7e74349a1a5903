// connector.mjs: the shared Node harness that runs a real connectord for end-to-end tests.
//
//   import { startConnector, standIn } from './lib/connector.mjs';
//   const c = await startConnector({
//     config: { modules: { coreHttpApi: { workers: 2 } } },  // merged over the harness defaults
//     env: { API_KEY: 'x' },                                   // extra environment for connectord
//     workers: { 'http-api': standIn.ready },                  // role -> stand-in script (optional)
//   });
//   await c.status();  c.workerPids('coreHttpApi');  c.baseUrl;  await c.stop();
//
// Every instance gets its own temporary directory (config file, runtime directory, libexec
// directory), a free TCP port for infrastructure.httpServer.port, and waits until connectord's
// control socket answers and (unless waitReady is false) `connectorctl health` reports healthy.
// The libexec directory holds symlinks to every real connector-* binary of the build plus the
// stand-in scripts asked for (workers: { role: script text, or null to remove the real one }), so
// tests never need hooks in production code. Harness defaults (overridable in config): grace 3 s,
// heartbeat every 200 ms, heartbeat timeout 5 s. Options: config, rawConfig (file text as is), env,
// workers, args, port, waitReady (false: return once the control socket answers), startTimeoutMs.
// Methods: status(), health(), ctl(...args), waitFor(pred), waitHealthy(), module(status, name),
// workerPids(name), writeConfig(obj), reload() (SIGHUP), stop({signal}), cleanup() (which throws
// when ASan/UBSan reported anything in connectord's or a worker's output).
// CONNECTOR_E2E_VERBOSE=1 echoes connectord's output.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const srcdir = process.env.CONNECTOR_SRCDIR ?? path.resolve(here, '../../..');
export const builddir = process.env.CONNECTOR_BUILDDIR ?? path.join(srcdir, 'build');
export const realLibexecDir = process.env.CONNECTOR_LIBEXEC_DIR ?? builddir;
export const defaultConfigPath = process.env.CONNECTOR_DEFAULT_CONFIG ?? path.join(srcdir, 'etc/default.json');
export const connectordPath = path.join(builddir, 'connectord');
export const connectorctlPath = path.join(builddir, 'connectorctl');

// Stand-in worker scripts speaking the notify protocol of ipc/worker.h on fd 3.
export const standIn = {
  ready: '#!/bin/sh\necho "STATUS stand-in $CONNECTOR_WORKER_MODULE" >&3\necho READY >&3\n' +
    'while :; do echo HEARTBEAT >&3; sleep 0.1; done\n',
  slowReady: '#!/bin/sh\nsleep 0.3\necho READY >&3\nwhile :; do echo HEARTBEAT >&3; sleep 0.1; done\n',
  crash: '#!/bin/sh\nexit 1\n',
  configError: '#!/bin/sh\nexit 78\n',
  ignoreTerm: "#!/bin/sh\ntrap '' TERM INT\necho READY >&3\nwhile :; do echo HEARTBEAT >&3; sleep 0.1; done\n",
  noHeartbeat: '#!/bin/sh\necho READY >&3\nexec sleep 600\n',
  neverReady: '#!/bin/sh\nwhile :; do echo HEARTBEAT >&3; sleep 0.1; done\n',
  // Like ready, and first writes what it inherited to <dir>/inherited-<role>-<index>: its
  // arguments, CONNECTOR_* and systemd variables, and `ls -l` of its open descriptors.
  // (exec > file: a plain redirection would make sh keep a saved copy of stdout open meanwhile.)
  report: '#!/bin/sh\nout="$CONNECTOR_RUNTIME_DIR/../inherited-$CONNECTOR_WORKER_ROLE-$CONNECTOR_WORKER_INDEX"\n' +
    'exec > "$out.tmp"\necho "ARGS $*"\nenv | grep -E "^(CONNECTOR_|NOTIFY_SOCKET|WATCHDOG_)" | sort\n' +
    'ls -l /proc/$$/fd\nmv "$out.tmp" "$out"\necho READY >&3\n' +
    'while :; do echo HEARTBEAT >&3; sleep 0.1; done\n',
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function deepMerge(base, over) {
  const out = { ...base };
  for (const [key, value] of Object.entries(over ?? {}))
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key], value) : value;
  return out;
}

function makeLibexec(dir, workers) {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(realLibexecDir)) {
    for (const name of fs.readdirSync(realLibexecDir)) {
      if (!name.startsWith('connector-') || name.includes('.')) continue;
      const full = path.join(realLibexecDir, name);
      try {
        if (fs.statSync(full).isFile() && (fs.statSync(full).mode & 0o111)) fs.symlinkSync(full, path.join(dir, name));
      } catch { /* vanished or unreadable: not a worker */ }
    }
  }
  for (const [role, script] of Object.entries(workers ?? {})) {
    const target = path.join(dir, `connector-${role}`);
    fs.rmSync(target, { force: true });
    if (script === null) continue; // null: make sure this role's binary is absent
    fs.writeFileSync(target, script, { mode: 0o755 });
  }
}

// Runs connectorctl against this instance; resolves {code, stdout, stderr, json}.
function runCtl(runtimeDir, args, timeoutMs = 5000) {
  return new Promise((resolve) => {
    const child = spawn(connectorctlPath, ['--runtime-dir', runtimeDir, '--timeout', String(timeoutMs), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => {
      let json = null;
      try { json = JSON.parse(stdout); } catch { /* not JSON output */ }
      resolve({ code, stdout, stderr, json });
    });
  });
}

export class Connector {
  constructor(opts) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-e2e-'));
    this.runtimeDir = path.join(this.dir, 'run');
    this.libexecDir = path.join(this.dir, 'libexec');
    this.configPath = path.join(this.dir, 'config.json');
    this.opts = opts;
    this.output = '';
    this.exitCode = undefined;
    this.exitSignal = undefined;
  }

  get pidFile() { return path.join(this.runtimeDir, 'connectord.pid'); }
  get baseUrl() { return `http://127.0.0.1:${this.port}`; }
  get logs() { return this.output; }

  writeConfig(config) {
    fs.writeFileSync(this.configPath, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  }

  async start() {
    this.port = this.opts.port ?? await freePort();
    const defaults = {
      infrastructure: { httpServer: { port: this.port } },
      supervisor: {
        runtimeDirectory: this.runtimeDir,
        shutdownGraceMs: 3000,
        heartbeatIntervalMs: 200,
        heartbeatTimeoutMs: 5000,
      },
    };
    this.config = deepMerge(defaults, this.opts.config ?? {});
    this.writeConfig(this.opts.rawConfig ?? this.config);
    makeLibexec(this.libexecDir, this.opts.workers);
    const env = {
      ...process.env,
      CONNECTOR_LIBEXEC_DIR: this.libexecDir,
      CONNECTOR_DEFAULT_CONFIG: defaultConfigPath,
      ...(this.opts.env ?? {}),
    };
    delete env.NOTIFY_SOCKET;
    if (this.opts.env?.NOTIFY_SOCKET) env.NOTIFY_SOCKET = this.opts.env.NOTIFY_SOCKET;
    this.proc = spawn(connectordPath, ['--config', this.configPath, ...(this.opts.args ?? [])],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.proc.pid;
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve({ code, signal });
      });
    });
    const collect = (d) => {
      this.output += d;
      if (process.env.CONNECTOR_E2E_VERBOSE) process.stderr.write(d);
    };
    this.proc.stdout.on('data', collect);
    this.proc.stderr.on('data', collect);
    await this.waitControl(this.opts.startTimeoutMs ?? 15000);
    if (this.opts.waitReady !== false) await this.waitHealthy(this.opts.startTimeoutMs ?? 15000);
    return this;
  }

  ctl(...args) { return runCtl(this.runtimeDir, args); }

  async status() {
    const r = await this.ctl('status', '--json');
    if (r.code !== 0 || !r.json) throw new Error(`connectorctl status failed (${r.code}): ${r.stderr}`);
    return r.json;
  }

  async health() {
    const r = await this.ctl('health', '--json');
    if (!r.json) throw new Error(`connectorctl health failed (${r.code}): ${r.stderr}`);
    return r.json;
  }

  async waitControl(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined)
        throw new Error(`connectord exited (${this.exitCode ?? this.exitSignal}) during start:\n${this.output}`);
      const r = await this.ctl('status', '--json');
      if (r.code === 0 && r.json) return r.json;
      if (Date.now() > deadline) throw new Error(`connectord control socket not answering:\n${this.output}`);
      await sleep(50);
    }
  }

  // Polls status until predicate(status) is truthy; returns that status.
  async waitFor(predicate, timeoutMs = 10000, what = 'condition') {
    const deadline = Date.now() + timeoutMs;
    let last = null;
    for (;;) {
      if (this.exitCode !== undefined) throw new Error(`connectord exited while waiting for ${what}:\n${this.output}`);
      last = await this.status();
      if (predicate(last)) return last;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(last)}\n${this.output}`);
      await sleep(25);
    }
  }

  async waitHealthy(timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.ctl('health', '--json');
      if (r.code === 0) return r.json;
      if (this.exitCode !== undefined) throw new Error(`connectord exited:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`connectord not healthy: ${r.stdout}\n${this.output}`);
      await sleep(50);
    }
  }

  module(status, name) {
    return status.modules.find((m) => m.name === name);
  }

  // Worker pids of a module (index order) from a status document or a fresh one.
  async workerPids(name, status = null) {
    const s = status ?? await this.status();
    return this.module(s, name).workers.map((w) => w.pid);
  }

  async reload() {
    process.kill(this.pid, 'SIGHUP');
  }

  // Sends signal and waits for connectord to exit; resolves {code, signal}.
  async stop({ signal = 'SIGTERM', timeoutMs = 20000 } = {}) {
    if (this.exitCode === undefined) {
      try { process.kill(this.pid, signal); } catch { /* already gone */ }
    }
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ }
      throw new Error(`connectord did not stop within ${timeoutMs} ms`);
    }
    return result;
  }

  // Stops (if still running) and removes the temporary directory. Throws when a sanitizer
  // reported anything in connectord's or a worker's output.
  async cleanup() {
    if (this.proc && this.exitCode === undefined) {
      try { await this.stop(); } catch { /* killed */ }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
    const report = /(ERROR: (Address|Leak)Sanitizer|runtime error:)/.exec(this.output);
    if (report) throw new Error(`sanitizer report in connectord output:\n${this.output}`);
  }
}

export async function startConnector(opts = {}) {
  const c = new Connector(opts);
  try {
    return await c.start();
  } catch (err) {
    await c.cleanup();
    throw err;
  }
}

// Runs connectord to completion (for --check-config and start-up failures).
export function runConnectord(args, { env = {}, timeoutMs = 15000 } = {}) {
  const r = spawnSync(connectordPath, args, {
    env: { ...process.env, CONNECTOR_DEFAULT_CONFIG: defaultConfigPath, ...env },
    encoding: 'utf8', timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Pids of every live process in the given process groups (from /proc), for leak checks.
export function processesInGroups(pgids) {
  const wanted = new Set(pgids.filter(Boolean).map(Number));
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0], pgid = Number(fields[2]);
    if (wanted.has(pgid) && state !== 'Z') found.push(Number(entry));
  }
  return found;
}
