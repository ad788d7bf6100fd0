// The edge gate: blob throughput through the gate (digest-checked streaming) vs a plain
// pass-through worker in the same workerd, against the same upstream (Debian's Distribution
// registry), in one run; and the time to the first byte of an allowed manifest on a cold
// isolate (a fresh workerd: verification includes fetching the signature and loading the
// OpenPGP module). Reports; asserts nothing.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../pkg-tests/helpers.mjs';
import { makeImage, MANIFEST_ACCEPT } from '../pkg-tests/lib/registry.mjs';
import { startWorld } from '../pkg-tests/lib/world.mjs';
import { capnpText, writeGateConfig } from '../www/worker/config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workerdBin = join(root, 'node_modules', '.bin', 'workerd');
/** Downloads of the blob from each, alternating (GATE_ROUNDS=N for more). */
const ROUNDS = Number(process.env.GATE_ROUNDS ?? 9);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The workerd process under the launcher `pid` (npm's bin may be a wrapper), or undefined. */
function workerdPid(pid) {
  for (const p of [String(pid), ...readdirSync('/proc').filter((d) => /^\d+$/.test(d))]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'workerd' && (p === String(pid) || ppid === pid)) return p;
    } catch { /* gone, or not Linux */ }
  }
  return undefined;
}

/** CPU time (user + system) of a process in ms, from /proc (Linux; 10 ms ticks). */
function cpuMs(pid) {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function startGate(world, policy, { passthrough = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-bench-gate-'));
  const port = await freePort();
  const passPort = await freePort();
  writeFileSync(join(dir, 'policy.json'), policy);
  writeFileSync(join(dir, 'registries.yaml'), `default-docker:\n  lookaside: ${world.lookaside.url}\n`);
  const upstream = capnpText(world.registry.url);
  writeGateConfig({
    dir,
    listen: `127.0.0.1:${port}`,
    bindings: [`(name = "UPSTREAM", text = ${upstream})`, '(name = "POLICY", text = embed "policy.json")', '(name = "REGISTRIES_D", text = embed "registries.yaml")'],
    extraWorkers: passthrough ? [{ name: 'passthrough', file: join(root, 'bench', 'passthrough.js'), listen: `127.0.0.1:${passPort}`, bindings: [`(name = "UPSTREAM", text = ${upstream})`] }] : [],
  });
  const started = performance.now();
  const child = spawn(workerdBin, ['serve', join(dir, 'config.capnp')], { stdio: 'ignore', detached: true });
  await waitForPort(port, 30000);
  if (passthrough) await waitForPort(passPort, 30000);
  return { gate: `http://127.0.0.1:${port}`, pass: `http://127.0.0.1:${passPort}`, started, pid: workerdPid(child.pid), stop: () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } } };
}

/** One download: its time, and the CPU time workerd spent meanwhile (all its isolates). */
async function download(url, pid) {
  const cpu = cpuMs(pid);
  const t = performance.now();
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  let n = 0;
  for await (const chunk of res.body) n += chunk.length;
  return { bytes: n, ms: performance.now() - t, cpu: cpuMs(pid) - cpu };
}

export async function main() {
  const world = await startWorld();
  try {
    // Random bytes do not compress: the layer is about as large as its content.
    world.push(makeImage(randomBytes(32 * 1024 * 1024).toString('base64'), 'v1'), 'bench/big', { tag: 'v1', signBy: [world.keys.a.fpr] });
    world.push(makeImage('small\n', 'v1'), 'bench/small', { tag: 'v1', signBy: [world.keys.a.fpr] });
    const policy = JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${world.host}/bench`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: (await import('node:fs')).readFileSync(world.keys.a.path).toString('base64') }] } } });

    const g = await startGate(world, policy, { passthrough: true });
    try {
      const manifest = await (await fetch(`${g.gate}/v2/bench/big/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } })).json();
      const layer = manifest.layers[0];
      const path = `/v2/bench/big/blobs/${layer.digest}`;
      await download(`${g.gate}${path}`);
      await download(`${g.pass}${path}`);
      await download(`${g.pass}${path}?tee`);
      const gate = [];
      const pass = [];
      const tee = [];
      for (let i = 0; i < ROUNDS; i++) {
        pass.push(await download(`${g.pass}${path}`, g.pid));
        gate.push(await download(`${g.gate}${path}`, g.pid));
        tee.push(await download(`${g.pass}${path}?tee`, g.pid));
      }
      const mbps = (runs) => (layer.size / 1e6) / (median(runs.map((r) => r.ms)) / 1000);
      const [gm, pm, tm] = [mbps(gate), mbps(pass), mbps(tee)];
      // workerd's CPU per MiB (mean over the rounds): on Cloudflare, CPU time is what a Worker
      // is limited and billed by.
      const perMiB = (runs) => (runs.reduce((a, r) => a + r.cpu, 0) / runs.length / (layer.size / 1048576)).toFixed(2);
      // For scale: a native SHA-256 of the same blob (node:crypto, OpenSSL; workerd's
      // DigestStream is BoringSSL on the isolate's thread).
      const blobBytes = new Uint8Array(await (await fetch(`${g.pass}${path}`)).arrayBuffer());
      const hashMs = median(Array.from({ length: 5 }, () => {
        const t = performance.now();
        createHash('sha256').update(blobBytes).digest();
        return performance.now() - t;
      }));
      console.log(`blob ${(layer.size / 1048576).toFixed(0)} MiB, median of ${ROUNDS} (same workerd, same upstream):`);
      console.log(`  pass-through worker     ${pm.toFixed(0).padStart(5)} MB/s              workerd CPU ${perMiB(pass)} ms/MiB`);
      console.log(`  sigwall gate            ${gm.toFixed(0).padStart(5)} MB/s   ${(gm / pm).toFixed(2)}x of pass-through (target >= 0.85x)   workerd CPU ${perMiB(gate)} ms/MiB`);
      console.log(`  native tee + hash       ${tm.toFixed(0).padStart(5)} MB/s   ${(tm / pm).toFixed(2)}x (reference, not a gate: nothing withheld)   workerd CPU ${perMiB(tee)} ms/MiB`);
      console.log(`  SHA-256 alone           ${((layer.size / 1e6) / (hashMs / 1000)).toFixed(0).padStart(5)} MB/s   (node:crypto, for scale)`);
    } finally {
      g.stop();
    }

    const ttfb = [];
    const launch = [];
    for (let i = 0; i < 5; i++) {
      const c = await startGate(world, policy);
      try {
        const t = performance.now();
        const res = await fetch(`${c.gate}/v2/bench/small/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
        const first = performance.now();
        if (res.status !== 200) throw new Error(`cold manifest: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        ttfb.push(first - t);
        launch.push(first - c.started);
      } finally {
        c.stop();
      }
    }
    console.log('allowed manifest on a cold isolate (fresh workerd; verification fetches the lookaside signature and loads the OpenPGP module), median of 5:');
    console.log(`  first request -> first byte  ${median(ttfb).toFixed(0)} ms (target <= 250 ms)`);
    console.log(`  launch -> first byte         ${median(launch).toFixed(0)} ms`);
  } finally {
    await world.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
