// ops-helpers.mjs: helpers shared by the operations tests (notify, logs, metrics, docs, install):
// a NOTIFY_SOCKET listener, random secrets, and waiting for text in a growing string.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { sleep } from './lib/connector.mjs';

export const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => fs.existsSync(p));

// A unique string that cannot occur by chance in any log line.
export function secret(label) {
  // Strong enough for every key rule (30+ characters, 2 digits, 2 upper, 2 lower, 1 special).
  return `${label}-QZ07#${crypto.randomBytes(12).toString("hex")}`;
}

export async function waitUntil(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

// Listens on an AF_UNIX datagram socket the way systemd does for Type=notify services (Node's
// dgram has no AF_UNIX, so a python3 child receives and prints one line per datagram).
// address: a path, or "@name" for an abstract socket. messages: every datagram in arrival order.
export class NotifyListener {
  constructor(address) {
    this.address = address;
    this.messages = [];
    this.buffer = '';
  }

  async start() {
    const script = [
      'import socket, sys',
      's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
      'a = sys.argv[1]',
      "s.bind('\\0' + a[1:] if a.startswith('@') else a)",
      'print("LISTENING", flush=True)',
      'while True:',
      '    d = s.recv(65536).decode()',
      '    print(d.replace("\\n", "|"), flush=True)',
    ].join('\n');
    this.proc = spawn(python, ['-u', '-c', script, this.address], { stdio: ['ignore', 'pipe', 'inherit'] });
    let listening = false;
    this.proc.stdout.on('data', (d) => {
      this.buffer += d;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (!listening && line === 'LISTENING') listening = true;
        else this.messages.push(line);
      }
    });
    await waitUntil(() => listening, 10000, 'the notify listener');
    return this;
  }

  has(message) { return this.messages.includes(message); }
  count(message) { return this.messages.filter((m) => m === message).length; }
  waitFor(message, timeoutMs = 15000) { return waitUntil(() => this.has(message), timeoutMs, message); }
  stop() { this.proc?.kill(); }
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join('/tmp', prefix));
}
