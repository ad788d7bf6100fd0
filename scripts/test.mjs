#!/usr/bin/env node
// npm test: everything, in order, each suite ending with its own pass/fail count, then one
// closing line "N passed, N failed" over all of them.
//
//   npm test                      all suites
//   npm test -- --only rust,pkg   a subset: lint, rust, wasm, pkg
//
// It installs what is missing first (see scripts/lib/bootstrap.mjs), builds the package, then
// runs: lint (rustfmt, clippy, the no_std build), rust (cargo test, Wycheproof vectors, the fuzz
// corpus replay), wasm (wasm-bindgen-test in
// Node and headless Chromium), pkg (node:test suites against the packed tarball).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, say, tee } from './lib/util.mjs';
import { bootstrap, FUZZ_PACKAGES, TEST_PACKAGES } from './lib/bootstrap.mjs';
import { build } from './build.mjs';

const GROUPS = ['lint', 'rust', 'wasm', 'pkg'];
const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.split('=')[1] ?? args[args.indexOf(onlyArg) + 1]).split(',') : GROUPS;
const unknown = only.filter((g) => !GROUPS.includes(g));
if (unknown.length) {
  console.error(`unknown group(s) ${unknown.join(', ')}; groups: ${GROUPS.join(', ')}`);
  process.exit(2);
}

/** Counts from the closing lines of cargo test / wasm-bindgen-test-runner and node:test. */
function counts(output) {
  let passed = 0;
  let failed = 0;
  let seen = false;
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    seen = true;
  }
  const pass = [...output.matchAll(/^# pass (\d+)$/gm)].pop();
  const fail = [...output.matchAll(/^# fail (\d+)$/gm)].pop();
  if (pass && fail) {
    passed += Number(pass[1]);
    failed += Number(fail[1]);
    seen = true;
  }
  return { passed, failed, seen };
}

const results = [];

/** A check counts once; a test suite counts its tests. A failing command always counts a failure. */
async function step(group, name, cmd, cmdArgs, { env, suite = false } = {}) {
  if (!only.includes(group)) return;
  say(`${group}: ${name}`);
  const { status, output } = await tee(cmd, cmdArgs, env ? { env: { ...process.env, ...env } } : {});
  let { passed, failed, seen } = suite ? counts(output) : { passed: 0, failed: 0, seen: false };
  if (!seen) {
    passed = status === 0 ? 1 : 0;
    failed = status === 0 ? 0 : 1;
  } else if (status !== 0 && failed === 0) {
    failed = 1; // the runner failed outside any test (build error, crash): never a pass
  }
  results.push({ name: `${group}: ${name}`, passed, failed });
  process.stdout.write(`${group}: ${name}: ${passed} passed, ${failed} failed\n`);
}

try {
  say('checking the toolchain and test dependencies');
  bootstrap({ oracles: only.includes('pkg'), debian: [...(only.some((g) => g === 'wasm' || g === 'pkg') ? TEST_PACKAGES : []), ...(only.includes('rust') ? FUZZ_PACKAGES : [])] });
} catch (e) {
  console.error(`npm test: could not install what the tests need: ${e.message}`);
  process.exit(2);
}

await step('lint', 'cargo fmt --check', 'cargo', ['fmt', '--all', '--check']);
await step('lint', 'clippy (all features, all targets)', 'cargo', ['clippy', '--all-targets', '--features', 'wasm,pgp,keys,tooling,registries,keyless', '--', '-D', 'warnings']);
await step('lint', 'clippy (the core module: no_std + wasm)', 'cargo', ['clippy', '--lib', '--no-default-features', '--features', 'wasm', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
await step('lint', 'clippy (the keyless module: no_std + wasm + certificates)', 'cargo', ['clippy', '--lib', '--no-default-features', '--features', 'wasm,keyless', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings']);
await step('lint', 'clippy (no_std core)', 'cargo', ['clippy', '--lib', '--no-default-features', '--', '-D', 'warnings']);
await step('lint', 'clippy (sigwall-ecdsa, sigwall-rsa)', 'cargo', ['clippy', '-p', 'sigwall-ecdsa', '-p', 'sigwall-rsa', '--all-targets', '--', '-D', 'warnings']);
await step('lint', 'no_std build for wasm32v1-none', 'cargo', ['build', '--lib', '--no-default-features', '--target', 'wasm32v1-none']);
await step('lint', 'no_std build for wasm32v1-none, with certificates', 'cargo', ['build', '--lib', '--no-default-features', '--features', 'keyless', '--target', 'wasm32v1-none']);
await step('rust', 'cargo test (all mechanisms)', 'cargo', ['test', '--features', 'pgp,keys,registries,keyless', '--', '--skip', 'wycheproof'], { suite: true });
// Wycheproof's signature vectors through every verifier sigwall uses, with their counts printed.
await step('rust', 'Wycheproof vectors (cosign, OpenPGP and certificate paths)', 'cargo', ['test', '--features', 'pgp,keys,registries,keyless', '--lib', 'wycheproof', '--', '--nocapture'], { suite: true });
await step('rust', 'cargo test (core features only)', 'cargo', ['test'], { suite: true });
// Optimised: their property tests cross-check thousands of products and signatures.
await step('rust', 'cargo test (sigwall-ecdsa against p256 and p384, sigwall-rsa against rsa)', 'cargo', ['test', '--release', '-p', 'sigwall-ecdsa', '-p', 'sigwall-rsa', '--', '--skip', 'wycheproof'], { suite: true });
// The fuzz targets on their seed corpora and every saved crash, on stable (scripts/fuzz-replay.mjs).
await step('rust', 'fuzz corpus replay (every target)', process.execPath, [join('scripts', 'fuzz-replay.mjs')], { suite: true });
await step('rust', 'Wycheproof vectors (sigwall-ecdsa, sigwall-rsa)', 'cargo', ['test', '--release', '-p', 'sigwall-ecdsa', '-p', 'sigwall-rsa', '--test', 'wycheproof', '--', '--nocapture'], { suite: true });

if (only.includes('wasm') || only.includes('pkg')) {
  // The suites expect the default embedded policy (reject everything).
  delete process.env.SIGWALL_POLICY;
  try {
    await build();
  } catch (e) {
    console.error(`npm test: build failed: ${e.message}`);
    results.push({ name: 'build', passed: 0, failed: 1 });
  }
}

const wasmTests = ['test', '-p', 'sigwall-wasm-tests', '--target', 'wasm32-unknown-unknown'];
await step('wasm', 'wasm-bindgen-test in Node', 'cargo', wasmTests, { suite: true });
await step('wasm', 'wasm-bindgen-test in headless Chromium', 'cargo', wasmTests, {
  suite: true,
  env: { WASM_BINDGEN_USE_BROWSER: '1', WASM_BINDGEN_TEST_TIMEOUT: '120' },
});

const pkgTests = readdirSync(join(root, 'pkg-tests')).filter((f) => f.endsWith('.test.mjs')).sort();
for (const file of pkgTests) {
  await step('pkg', file, process.execPath, ['--test', '--test-concurrency=1', join('pkg-tests', file)], { suite: true });
}

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log('\nsummary');
for (const r of results) console.log(`  ${r.failed ? 'FAIL' : 'ok  '} ${r.name}: ${r.passed} passed, ${r.failed} failed`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && results.length > 0 ? 0 : 1;
