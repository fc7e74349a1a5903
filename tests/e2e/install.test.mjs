// install.test.mjs: `make install DESTDIR=<tmp>` of this build tree puts every piece where the
// binaries look for it (--prefix, --sysconfdir and DESTDIR respected), the installed binaries answer
// --help and --version, the installed tree starts and serves, the manual pages render and document
// every key of the defaults file, a second install keeps an edited config.json, and
// `make uninstall` removes every file it installed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { builddir, freePort, sleep, srcdir } from './lib/connector.mjs';
import { tempDir } from './ops-helpers.mjs';

// The build's directory variables, resolved (from its Makefile, as configure wrote them).
function makeVariables() {
  const vars = {};
  for (const line of fs.readFileSync(path.join(builddir, 'Makefile'), 'utf8').split('\n')) {
    const m = /^([A-Za-z_]+) = (.*)$/.exec(line);
    if (m && !(m[1] in vars)) vars[m[1]] = m[2];
  }
  const resolve = (v) => v.replace(/\$\{(\w+)\}|\$\((\w+)\)/g, (_, a, b) => resolve(vars[a ?? b] ?? ''));
  const out = {};
  for (const k of ['prefix', 'bindir', 'libexecdir', 'datadir', 'sysconfdir', 'mandir', 'PACKAGE', 'PACKAGE_VERSION'])
    out[k] = resolve(vars[k]);
  out.pkglibexecdir = `${out.libexecdir}/connector`;
  out.pkgdatadir = `${out.datadir}/${out.PACKAGE}`;
  return out;
}

function make(target, destdir) {
  const env = { ...process.env };
  for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES']) delete env[k];
  const r = spawnSync('make', ['-C', builddir, target, `DESTDIR=${destdir}`], { env, encoding: 'utf8', timeout: 300000 });
  assert.equal(r.status, 0, `make ${target}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String)
    .filter((f) => fs.lstatSync(path.join(dir, f)).isFile()).sort();
}

const v = makeVariables();
const dest = tempDir('connector-install-');
const at = (p) => path.join(dest, p);
// The programs the build installs: bin_PROGRAMS and pkglibexec_PROGRAMS of its Makefile.
function programs(variable) {
  const text = fs.readFileSync(path.join(builddir, 'Makefile'), 'utf8').replace(/\\\n/g, ' ');
  const m = new RegExp(`^${variable} = (.*)$`, 'm').exec(text);
  return m[1].split(/\s+/).filter(Boolean).map((w) => w.replace('$(EXEEXT)', '')).sort();
}
const workerBinaries = programs('pkglibexec_PROGRAMS');
const userBinaries = programs('bin_PROGRAMS');

test('make install DESTDIR=...: every file lands under the configured directories', () => {
  make('install', dest);
  const installed = filesUnder(dest).map((f) => `/${f}`);
  const expected = [
    ...userBinaries.map((b) => `${v.bindir}/${b}`),
    ...workerBinaries.map((b) => `${v.pkglibexecdir}/${b}`),
    `${v.pkgdatadir}/default.json`,
    ...fs.readdirSync(path.join(srcdir, 'sql')).filter((f) => f.endsWith('.sql')).map((f) => `${v.pkgdatadir}/sql/${f}`),
    `${v.sysconfdir}/connector/config.json`, `${v.sysconfdir}/connector/example.json`,
    `${v.prefix}/lib/systemd/system/connectord.service`, `${v.prefix}/lib/sysusers.d/connector.conf`,
    `${v.mandir}/man8/connectord.8`, `${v.mandir}/man8/connectorctl.8`, `${v.mandir}/man5/connector.json.5`,
  ];
  for (const f of expected) assert.ok(installed.includes(f), `${f} is installed; installed: ${installed.join(' ')}`);
  const unexpected = installed.filter((f) => !expected.includes(f) && !f.startsWith(`${v.pkgdatadir}/docs-ui/`));
  assert.deepEqual(unexpected, [], 'nothing else is installed');
  console.log(`installed files:\n${installed.map((f) => `  ${f}`).join('\n')}`);
  for (const b of ['connectord', 'connectorctl']) assert.ok(userBinaries.includes(b) && fs.statSync(at(`${v.bindir}/${b}`)).mode & 0o111);
  // a development tool among the user commands says so in its name
  for (const b of userBinaries) assert.ok(['connectord', 'connectorctl'].includes(b) || /-dev$/.test(b), `${b}: a development tool is named *-dev`);
  assert.equal(fs.statSync(at(`${v.sysconfdir}/connector/config.json`)).mode & 0o777, 0o640, 'config.json may hold secrets');
  for (const f of fs.readdirSync(path.join(srcdir, 'sql')).filter((x) => x.endsWith('.sql')))
    assert.equal(fs.readFileSync(at(`${v.pkgdatadir}/sql/${f}`), 'utf8'), fs.readFileSync(path.join(srcdir, 'sql', f), 'utf8'));
  const unit = fs.readFileSync(at(`${v.prefix}/lib/systemd/system/connectord.service`), 'utf8');
  assert.doesNotMatch(unit, /@\w+@/, 'every placeholder substituted');
  assert.match(unit, new RegExp(`^ExecStart=${v.bindir}/connectord --config ${v.sysconfdir}/connector/config\\.json$`, 'm'));
});

test('every installed binary answers --help and --version', () => {
  const binaries = [...userBinaries.map((b) => `${v.bindir}/${b}`), ...workerBinaries.map((b) => `${v.pkglibexecdir}/${b}`)];
  for (const b of binaries) {
    const name = path.basename(b);
    const version = spawnSync(at(b), ['--version'], { encoding: 'utf8', env: {} });
    assert.equal(version.status, 0, `${name} --version: ${version.stderr}`);
    assert.equal(version.stdout.trim(), `${name} ${v.PACKAGE_VERSION}`);
    const help = spawnSync(at(b), ['--help'], { encoding: 'utf8', env: {} });
    assert.equal(help.status, 0, `${name} --help: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^usage: ${name}\\b`, 'm'));
  }
});

test('the binaries look in the configured directories (compiled in), overridable for a DESTDIR tree', () => {
  const r = spawnSync(at(`${v.bindir}/connectord`), ['--check-config'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  if (!fs.existsSync(`${v.pkgdatadir}/default.json`)) {
    assert.equal(r.status, 78);
    assert.ok(r.stderr.includes(`${v.pkgdatadir}/default.json`), `the compiled-in defaults path is named: ${r.stderr}`);
  }
  const env = { PATH: process.env.PATH, CONNECTOR_DEFAULT_CONFIG: at(`${v.pkgdatadir}/default.json`) };
  const ok = spawnSync(at(`${v.bindir}/connectord`), ['--check-config', '--config', at(`${v.sysconfdir}/connector/config.json`)], { encoding: 'utf8', env });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /configuration OK/);
});

test('the installed tree starts: connectord runs the installed workers and serves', async () => {
  const dir = tempDir('connector-installed-run-');
  const port = await freePort();
  const config = path.join(dir, 'config.json');
  const base = JSON.parse(fs.readFileSync(at(`${v.sysconfdir}/connector/config.json`), 'utf8'));
  base.infrastructure.httpServer.port = port;
  base.supervisor = { runtimeDirectory: path.join(dir, 'run') };
  fs.writeFileSync(config, JSON.stringify(base));
  const env = {
    PATH: process.env.PATH,
    CONNECTOR_DEFAULT_CONFIG: at(`${v.pkgdatadir}/default.json`),
    CONNECTOR_LIBEXEC_DIR: at(v.pkglibexecdir),
    CONNECTOR_SQL_DIR: at(`${v.pkgdatadir}/sql`),
  };
  const proc = spawn(at(`${v.bindir}/connectord`), ['--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  try {
    let status = 0;
    const deadline = Date.now() + 20000;
    while (status !== 200 && Date.now() < deadline) {
      try { status = (await fetch(`http://127.0.0.1:${port}/Monitoring/Version`)).status; } catch { await sleep(100); }
    }
    assert.equal(status, 200, log);
    const ctl = spawnSync(at(`${v.bindir}/connectorctl`), ['--runtime-dir', path.join(dir, 'run'), 'status', '--json'], { encoding: 'utf8' });
    assert.equal(ctl.status, 0, ctl.stderr);
    const worker = JSON.parse(ctl.stdout).modules.find((m) => m.name === 'coreHttpApi').workers[0];
    assert.equal(fs.readlinkSync(`/proc/${worker.pid}/exe`), at(`${v.pkglibexecdir}/connector-http-api`));
    for (const line of log.split('\n').filter(Boolean)) JSON.parse(line); // the shipped config logs JSON lines
  } finally {
    proc.kill('SIGTERM');
    await new Promise((resolve) => proc.on('exit', resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('manual pages render cleanly; connector.json(5) documents every key of the defaults file with its environment form', () => {
  for (const page of [`${v.mandir}/man8/connectord.8`, `${v.mandir}/man8/connectorctl.8`, `${v.mandir}/man5/connector.json.5`]) {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-P-cbou', '-ww', '-Wbreak', at(page)], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    const warnings = r.stderr.split('\n').filter(Boolean); // every warning but line filling (-Wbreak)
    assert.deepEqual(warnings, [], `${page}: ${r.stderr}`);
    assert.match(r.stdout, /NAME/);
  }
  const text = spawnSync('groff', ['-man', '-Tascii', '-P-cbou', at(`${v.mandir}/man5/connector.json.5`)], { encoding: 'utf8' }).stdout
    .replace(/-\n\s*/g, '-').replace(/\s+/g, ' ');
  const defaults = JSON.parse(fs.readFileSync(path.join(srcdir, 'etc/default.json'), 'utf8'));
  const leaves = [];
  const walk = (prefix, obj) => {
    for (const [k, val] of Object.entries(obj)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (val && typeof val === 'object' && !Array.isArray(val) && Object.keys(val).length && p !== 'infrastructure.httpServer.cors') walk(p, val);
      else leaves.push([p, val]);
    }
  };
  walk('', defaults);
  for (const [key, value] of leaves) {
    const entry = new RegExp(`${key.replace(/\./g, '\\.')} default (.+?); environment ${key.replace(/\./g, '__')}\\b`).exec(text);
    assert.ok(entry, `connector.json(5) documents ${key} with its default and environment form`);
    assert.equal(entry[1], JSON.stringify(value), `${key}: the documented default is the defaults file's`);
  }
});

test('a second install keeps an edited config.json; make uninstall removes everything else it installed', () => {
  const cfg = at(`${v.sysconfdir}/connector/config.json`);
  fs.writeFileSync(cfg, '{"debug": false}\n');
  make('install', dest);
  assert.equal(fs.readFileSync(cfg, 'utf8'), '{"debug": false}\n', 'the site\'s configuration survives');
  make('uninstall', dest);
  assert.deepEqual(filesUnder(dest).map((f) => `/${f}`), [`${v.sysconfdir}/connector/config.json`], 'only the edited configuration is left');
  fs.rmSync(cfg);
  make('install', dest);
  make('uninstall', dest);
  assert.deepEqual(filesUnder(dest), [], 'an unchanged installation is removed completely');
  fs.rmSync(dest, { recursive: true, force: true });
});
