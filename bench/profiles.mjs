// Evidence for the release profile in Cargo.toml: builds the core module under several
// optimisation settings and reports size (raw, gzip, brotli, after wasm-opt) and SHA-256
// throughput of each. Slow (a cargo build per variant): run by hand,
//   node bench/profiles.mjs
// not by npm run bench. The results are recorded in README.md ("Build profile").
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { root, run } from '../scripts/lib/util.mjs';

const CRYPTO = ['sha2', 'digest', 'block-buffer'];
const variants = {
  'all z': { root: 'z', crypto: 'z', opt: '-Oz' },
  'z, crypto crates 3 (chosen)': { root: 'z', crypto: '3', opt: '-Oz' },
  'all s': { root: 's', crypto: 's', opt: '-Os' },
  'all 3': { root: '3', crypto: '3', opt: '-O3' },
};

const MiB = 1 << 20;
const data = new Uint8Array(randomBytes(64 * MiB));
const rows = [];
for (const [name, v] of Object.entries(variants)) {
  const dir = join(root, 'target', 'profiles', name.replace(/[^a-z0-9]+/gi, '-'));
  mkdirSync(dir, { recursive: true });
  const config = [`profile.release.opt-level=${JSON.stringify(v.root === '3' ? 3 : v.root)}`,
    ...CRYPTO.map((c) => `profile.release.package.${c}.opt-level=${v.crypto === '3' ? 3 : JSON.stringify(v.crypto)}`)];
  run('cargo', ['rustc', '--lib', '--release', '--target', 'wasm32-unknown-unknown', '--no-default-features',
    '--features', 'wasm', '--crate-type', 'cdylib', '--target-dir', join(dir, 'target'),
    ...config.flatMap((c) => ['--config', c])], { stdio: 'ignore' });
  run('wasm-bindgen', ['--target', 'web', '--out-name', 'core', '--out-dir', dir, '--no-typescript',
    join(dir, 'target', 'wasm32-unknown-unknown', 'release', 'sigwall.wasm')]);
  const wasm = join(dir, 'core_bg.wasm');
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), [v.opt, '--strip-debug', '--strip-producers', '--enable-bulk-memory',
    '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types',
    '--enable-multivalue', wasm, '-o', wasm]);
  const bytes = readFileSync(wasm);
  const glue = await import(join(dir, 'core.js'));
  glue.initSync({ module: bytes });
  const hash = () => { const h = new glue.Hasher('sha256'); for (let i = 0; i < data.length; i += 65536) h.update(data.subarray(i, i + 65536)); h.finish(); h.free(); };
  hash();
  let best = Infinity;
  for (let i = 0; i < 5; i++) { const t = performance.now(); hash(); best = Math.min(best, performance.now() - t); }
  rows.push({ name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length, mibps: 64 / (best / 1000) });
}
console.log(`${'profile'.padEnd(30)}${'raw'.padStart(9)}${'gzip'.padStart(9)}${'brotli'.padStart(9)}  SHA-256 MiB/s`);
for (const r of rows) {
  console.log(`${r.name.padEnd(30)}${r.raw.toString().padStart(9)}${r.gzip.toString().padStart(9)}${r.brotli.toString().padStart(9)}  ${r.mibps.toFixed(0).padStart(6)}`);
}
