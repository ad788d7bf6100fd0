// Shared by the pkg-tests: packs the package once, installs the tarball by name into small
// consumer projects outside the repository, and starts/stops child servers by PID.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (name) => join(repo, 'node_modules', '.bin', name);
export const cases = JSON.parse(readFileSync(join(repo, 'fixtures', 'digest', 'cases.json'), 'utf8'));

/** `input` followed by `tail` repeated `repeat` times (see fixtures/digest/make-cases.py). */
export const inputOf = (c) => c.input + (c.repeat ? c.tail.repeat(c.repeat) : '');

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Packs the repository (pkg/ must be built) once per test process; returns the tarball path. */
let tarball = null;
export function packed() {
  if (tarball) return tarball;
  const out = mkdtempSync(join(tmpdir(), 'sigwall-pack-'));
  const [info] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', out], { cwd: repo }));
  tarball = join(out, info.filename);
  return tarball;
}

/** A fresh consumer project with `files` written into it and the tarball installed by name. */
export function consumer(name, files = {}) {
  const dir = mkdtempSync(join(tmpdir(), `sigwall-${name}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  sh('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', packed()], { cwd: dir });
  if (!existsSync(join(dir, 'node_modules', 'sigwall', 'pkg', 'core_bg.wasm'))) {
    throw new Error(`the installed package lacks pkg/core_bg.wasm: ${readdirSync(join(dir, 'node_modules', 'sigwall'))}`);
  }
  return dir;
}

export { cpSync, sh };

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls until something accepts connections on the port, or the timeout passes. */
export async function waitForPort(port, timeoutMs = 15000) {
  const { connect } = await import('node:net');
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Starts a long-running child in its own process group; `stop()` ends that group. */
export function daemon(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Headless Debian Chromium through playwright-core (nothing downloads a browser). */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A page that records console errors and uncaught exceptions into `errors`. */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  return { page, errors };
}
