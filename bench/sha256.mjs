// SHA-256 throughput: sigwall's wasm against hash-wasm, WebCrypto and node:crypto, in one
// process, interleaved rounds; 1 MiB and 64 MiB; one-shot and streaming in 64 KiB chunks;
// warm (after warm-up) and first call (each in a fresh process).
//
//   node bench/sha256.mjs            (npm run bench runs it)
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as hashwasm from 'hash-wasm';
import * as sigwall from 'sigwall';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

const contenders = {
  sigwall: {
    oneShot: (d) => sigwall.digest(d),
    stream: (d) => { const h = sigwall.createHasher(); for (let i = 0; i < d.length; i += CHUNK) h.update(d.subarray(i, i + CHUNK)); return h.digest(); },
  },
  'hash-wasm': {
    oneShot: (d) => hashwasm.sha256(d),
    stream: async (d) => { const h = await hashwasm.createSHA256(); h.init(); for (let i = 0; i < d.length; i += CHUNK) h.update(d.subarray(i, i + CHUNK)); return h.digest('hex'); },
  },
  WebCrypto: {
    oneShot: (d) => webcrypto.subtle.digest('SHA-256', d),
    stream: null, // subtle.digest has no incremental form
  },
  'node:crypto': {
    oneShot: (d) => createHash('sha256').update(d).digest('hex'),
    stream: (d) => { const h = createHash('sha256'); for (let i = 0; i < d.length; i += CHUNK) h.update(d.subarray(i, i + CHUNK)); return h.digest('hex'); },
  },
};

async function time(fn, data, iterations) {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(data);
  return performance.now() - t0;
}

/** The first call in a fresh process (loading the library is not timed). */
function firstCall(name, mode, size) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--first', name, mode, String(size)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

const mibps = (bytes, ms) => bytes / MiB / (ms / 1000);
const fmt = (v) => (v === undefined ? '—' : v.toFixed(0).padStart(7));

export async function main({ rounds = 5 } = {}) {
  const sizes = [1 * MiB, 64 * MiB];
  const rows = [];
  for (const size of sizes) {
    const data = new Uint8Array(randomBytes(size));
    const iterations = size === MiB ? 40 : 2;
    const want = createHash('sha256').update(data).digest('hex');
    if (sigwall.digest(data) !== `sha256:${want}`) throw new Error('sigwall disagrees with node:crypto');
    for (const mode of ['oneShot', 'stream']) {
      const totals = {};
      for (const [name, c] of Object.entries(contenders)) if (c[mode]) { await c[mode](data); totals[name] = 0; }
      for (let r = 0; r < rounds; r++) {
        for (const [name, c] of Object.entries(contenders)) {
          if (c[mode]) totals[name] += await time(c[mode], data, iterations);
        }
      }
      const warm = Object.fromEntries(Object.entries(totals).map(([n, ms]) => [n, mibps(size * iterations * rounds, ms)]));
      const first = {};
      for (const name of Object.keys(totals)) first[name] = mibps(size, firstCall(name, mode, size));
      rows.push({ size, mode, warm, first });
    }
  }
  console.log('\nSHA-256 throughput, MiB/s (higher is better); ratio = sigwall / hash-wasm');
  const names = Object.keys(contenders);
  console.log(`${'case'.padEnd(28)}${names.map((n) => n.padStart(13)).join('')}   ratio`);
  for (const { size, mode, warm, first } of rows) {
    for (const [kind, v] of [['warm', warm], ['first call', first]]) {
      const label = `${size / MiB} MiB ${mode === 'oneShot' ? 'one-shot' : 'stream'} ${kind}`;
      const ratio = v.sigwall / v['hash-wasm'];
      console.log(`${label.padEnd(28)}${names.map((n) => fmt(v[n]).padStart(13)).join('')}   ${ratio.toFixed(2)}x`);
    }
  }
  return rows;
}

if (process.argv[2] === '--first') {
  const [, , , name, mode, size] = process.argv;
  const data = new Uint8Array(randomBytes(Number(size)));
  const ms = await time(contenders[name][mode], data, 1);
  console.log(ms);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
