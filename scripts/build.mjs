#!/usr/bin/env node
// npm run build: the two wasm modules (core, full), their wasm-bindgen glue, wasm-opt, and the
// package entries, into pkg/. Prints each module's raw, gzip and brotli size.
//
//   npm run build [-- --force]
//
// The wasm steps are skipped when nothing that goes into them changed since the last build.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { root, run, say } from './lib/util.mjs';
import { bootstrap } from './lib/bootstrap.mjs';

/** The modules: name → cargo features. `full` adds OpenPGP (rPGP). */
export const MODULES = { core: ['wasm'], full: ['wasm', 'pgp'] };

// Features the Rust wasm32 target emits by default (rustc 1.82+); wasm-opt must accept them.
const WASM_FEATURES = [
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
];

const pkg = join(root, 'pkg');
const lib = join(root, 'www', 'lib');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]);
}

/** A hash of everything the wasm depends on. */
function inputsHash(extra) {
  const h = createHash('sha256');
  const inputs = [...files(join(root, 'src')), join(root, 'Cargo.toml'), join(root, 'Cargo.lock')].sort();
  for (const f of inputs) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  h.update(JSON.stringify(extra));
  return h.digest('hex');
}

function sizes(file) {
  const raw = readFileSync(file);
  return {
    raw: raw.length,
    gzip: gzipSync(raw, { level: 9 }).length,
    brotli: brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

export function build({ force = false, quiet = false } = {}) {
  bootstrap();
  mkdirSync(pkg, { recursive: true });
  const stampFile = join(pkg, '.build-stamp');
  const stamp = inputsHash({ MODULES, WASM_FEATURES });
  const built = Object.keys(MODULES).every((m) => existsSync(join(pkg, `${m}_bg.wasm`)) && existsSync(join(pkg, `${m}.js`)));
  if (!force && built && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    if (!quiet) say('wasm modules are up to date (npm run build -- --force rebuilds them)');
  } else {
    for (const [name, features] of Object.entries(MODULES)) {
      say(`building the ${name} module (cargo, features ${features.join(',')})`);
      run('cargo', ['rustc', '--lib', '--release', '--target', 'wasm32-unknown-unknown',
        '--no-default-features', '--features', features.join(','), '--crate-type', 'cdylib']);
      const out = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'sigwall.wasm');
      say(`wasm-bindgen → pkg/${name}.js`);
      run('wasm-bindgen', ['--target', 'web', '--out-name', name, '--out-dir', pkg, '--no-typescript', out]);
      say(`wasm-opt -Oz pkg/${name}_bg.wasm (npm binaryen; Debian's binaryen 108 breaks the module)`);
      const wasm = join(pkg, `${name}_bg.wasm`);
      run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', ...WASM_FEATURES, wasm, '-o', wasm]);
    }
    writeFileSync(stampFile, stamp);
  }
  for (const f of readdirSync(lib)) {
    if (/\.(js|d\.ts)$/.test(f)) copyFileSync(join(lib, f), join(pkg, f));
  }
  const report = {};
  for (const name of Object.keys(MODULES)) report[name] = sizes(join(pkg, `${name}_bg.wasm`));
  if (!quiet) {
    console.log('module   raw          gzip         brotli');
    for (const [name, s] of Object.entries(report)) {
      console.log(`${name.padEnd(8)} ${kb(s.raw).padEnd(12)} ${kb(s.gzip).padEnd(12)} ${kb(s.brotli)}`);
    }
  }
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--force');
  if (unknown.length) {
    console.error(`usage: npm run build [-- --force]   (unknown: ${unknown.join(' ')})`);
    process.exit(2);
  }
  try {
    build({ force: args.includes('--force') });
  } catch (e) {
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  }
}
