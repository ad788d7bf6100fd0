#!/usr/bin/env node
// npm run build: the two wasm modules (core, full), their wasm-bindgen glue, wasm-opt, and the
// package entries, into pkg/. Prints each module's raw, gzip and brotli size.
//
//   npm run build [-- --force] [--policy FILE]      (or SIGWALL_POLICY=FILE)
//
// The wasm steps are skipped when nothing that goes into them changed since the last build.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { env, root, run, say } from './lib/util.mjs';
import { bootstrap } from './lib/bootstrap.mjs';

/**
 * The modules: name → cargo features. `core` verifies (policy, digests, cosign P-256); `keyless`
 * adds certificates (`fulcio`, `pki`: X.509 path validation) and the other cosign key types;
 * `full` adds OpenPGP (rPGP), the other cosign key types (feature `keys`) and the policy tooling;
 * `full-keyless` is both, for the policies that need OpenPGP and certificates (signedBy beside
 * fulcio, pki or sigwall's extension);
 * `registries` reads registries.d YAML (loaded only when registries.d documents are given).
 */
export const MODULES = {
  core: ['wasm'],
  keyless: ['wasm', 'keyless'],
  full: ['wasm', 'pgp', 'keys', 'tooling'],
  'full-keyless': ['wasm', 'pgp', 'keys', 'tooling', 'keyless'],
  registries: ['wasm', 'registries'],
};

/**
 * Cargo profiles other than `release`: the keyless module is size-optimised throughout
 * (`release-small` in Cargo.toml: its SHA-2 and signature arithmetic at opt-level z), for its
 * 128 KiB budget; it is still faster than `@sigstore/verify` (see README, Benchmarks).
 */
export const PROFILES = { keyless: 'release-small' };

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

/**
 * Validates a policy file and inlines its key files, with the package as it is now in pkg/.
 * Returns the self-contained policy text; throws with the policy's error.
 */
async function embeddable(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read policy ${file}: ${e.code ?? e.message}`);
  }
  const api = await import(`${pathToFileURL(join(pkg, 'node.js'))}?t=${Date.now()}`);
  return api.embedPolicy(text, (path) => {
    try {
      return readFileSync(path);
    } catch {
      return undefined;
    }
  });
}

/**
 * Builds pkg/. With `policy` (a file; or SIGWALL_POLICY), the policy is validated, its key files
 * are inlined, and it is compiled into both modules as their default policy.
 */
export async function build({ force = false, quiet = false, policy = process.env.SIGWALL_POLICY || undefined } = {}) {
  let embedded;
  if (policy !== undefined) {
    // The policy is checked with the package itself, so a plain build must exist first.
    if (!existsSync(join(pkg, 'node.js'))) buildModules({ force, quiet: true });
    say(`checking and embedding the policy ${policy}`);
    embedded = await embeddable(policy);
    mkdirSync(join(root, 'target'), { recursive: true });
    writeFileSync(join(root, 'target', 'embedded-policy.json'), embedded);
  }
  const report = buildModules({ force, quiet, embedded });
  if (embedded !== undefined) {
    const api = await import(`${pathToFileURL(join(pkg, 'node.js'))}?t=${Date.now()}-after`);
    await api.checkPolicy(embedded);
    if (!quiet) say('the policy is compiled into both modules (createVerifier() enforces it by default)');
  }
  return report;
}

function buildModules({ force = false, quiet = false, embedded } = {}) {
  bootstrap();
  mkdirSync(pkg, { recursive: true });
  const stampFile = join(pkg, '.build-stamp');
  const stamp = inputsHash({ MODULES, PROFILES, WASM_FEATURES, embedded: embedded ?? null });
  const cargoEnv = { ...env, SIGWALL_EMBEDDED_POLICY: embedded === undefined ? '' : join(root, 'target', 'embedded-policy.json') };
  const built = Object.keys(MODULES).every((m) => existsSync(join(pkg, `${m}_bg.wasm`)) && existsSync(join(pkg, `${m}.js`)));
  if (!force && built && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    if (!quiet) say('wasm modules are up to date (npm run build -- --force rebuilds them)');
  } else {
    for (const [name, features] of Object.entries(MODULES)) {
      const profile = PROFILES[name] ?? 'release';
      say(`building the ${name} module (cargo, features ${features.join(',')}, profile ${profile})`);
      run('cargo', ['rustc', '--lib', '--profile', profile, '--target', 'wasm32-unknown-unknown',
        '--no-default-features', '--features', features.join(','), '--crate-type', 'cdylib'], { env: cargoEnv });
      const out = join(root, 'target', 'wasm32-unknown-unknown', profile, 'sigwall.wasm');
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
    console.log('module      raw          gzip         brotli');
    for (const [name, s] of Object.entries(report)) {
      console.log(`${name.padEnd(11)} ${kb(s.raw).padEnd(12)} ${kb(s.gzip).padEnd(12)} ${kb(s.brotli)}`);
    }
  }
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  let policy;
  const at = args.findIndex((a) => a === '--policy' || a.startsWith('--policy='));
  if (at !== -1) {
    policy = args[at].includes('=') ? args[at].slice('--policy='.length) : args[at + 1];
    args.splice(at, args[at].includes('=') ? 1 : 2);
  }
  const unknown = args.filter((a) => a !== '--force');
  if (unknown.length || (at !== -1 && !policy)) {
    console.error(`usage: npm run build [-- --force] [--policy FILE]   (unknown: ${unknown.join(' ')})`);
    process.exit(2);
  }
  try {
    await build({ force: args.includes('--force'), ...(policy ? { policy } : {}) });
  } catch (e) {
    console.error(`build failed: ${e.code ? `${e.code}: ` : ''}${e.message}`);
    process.exit(1);
  }
}
