#!/usr/bin/env node
// Replays every fuzz target's corpus on stable Rust, as part of `npm test`: the seeds that
// fuzz/make-seeds.py makes from the fixtures, whatever a local `cargo fuzz run` left in
// fuzz/corpus/<target>, and every input that ever crashed a target (fuzz/regressions/<target>,
// committed). The targets are built as cargo fuzz builds them, less the sanitizer
// instrumentation (which needs nightly): `--cfg fuzzing`, libFuzzer linked, and run on the
// files (libFuzzer then executes each input once instead of fuzzing). A crash, a failed
// assertion or a timeout fails the target. Prints a line per target and "# pass N / # fail N".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, say } from './lib/util.mjs';

const fuzz = join(root, 'fuzz');
const targets = [...readFileSync(join(fuzz, 'Cargo.toml'), 'utf8').matchAll(/^\[\[bin\]\]\s*\nname = "([^"]+)"/gm)].map((m) => m[1]);
if (targets.length === 0) throw new Error('no fuzz targets found in fuzz/Cargo.toml');

say('fuzz replay: making the seed corpora (fuzz/make-seeds.py)');
const seeds = spawnSync('python3', [join(fuzz, 'make-seeds.py')], { stdio: 'inherit' });
if (seeds.status !== 0) throw new Error('fuzz/make-seeds.py failed');

say('fuzz replay: building the targets on stable (--cfg fuzzing, no sanitizer)');
const targetDir = join(fuzz, 'target', 'replay');
const built = spawnSync('cargo', ['build', '--manifest-path', join(fuzz, 'Cargo.toml'), '--bins'], {
  stdio: 'inherit',
  env: { ...process.env, RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} --cfg fuzzing`.trim(), CARGO_TARGET_DIR: targetDir },
});
if (built.status !== 0) throw new Error('building the fuzz targets failed');

const filesIn = (dir) => (existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()) : []);
let passed = 0;
let failed = 0;
let inputs = 0;
for (const target of targets) {
  const corpus = filesIn(join(fuzz, 'corpus', target));
  const regressions = filesIn(join(fuzz, 'regressions', target));
  const files = [...corpus, ...regressions];
  if (corpus.length === 0) {
    console.log(`fuzz replay ${target}: FAILED: no seeds (fuzz/make-seeds.py makes none for it)`);
    failed++;
    continue;
  }
  const run = spawnSync(join(targetDir, 'debug', target), ['-rss_limit_mb=2048', '-timeout=120', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const executed = (run.stderr.match(/^Executed /gm) ?? []).length;
  inputs += executed;
  if (run.status === 0 && executed === files.length) {
    console.log(`fuzz replay ${target}: ${executed} inputs (${corpus.length} corpus, ${regressions.length} regressions), no crash`);
    passed++;
  } else {
    console.log(`fuzz replay ${target}: FAILED (exit ${run.status}, ${executed} of ${files.length} inputs executed)\n${run.stderr.split('\n').slice(-40).join('\n')}`);
    failed++;
  }
}
console.log(`fuzz replay: ${inputs} inputs through ${targets.length} targets`);
console.log(`# pass ${passed}`);
console.log(`# fail ${failed}`);
process.exitCode = failed === 0 ? 0 : 1;
