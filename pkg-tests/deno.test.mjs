// The packed tarball in Deno: a consumer project runs the digest corpus with `deno test`,
// importing sigwall by name and with no permission flags at all (the `deno` entry loads the
// wasm through `import source`, so it needs no --allow-read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, consumer, repo } from './helpers.mjs';
import { spawnSync } from 'node:child_process';

/** Runs `deno test FILE` in a consumer project, without permissions; returns the summary match. */
function denoTest(dir, file) {
  const r = spawnSync(bin('deno'), ['test', '--no-prompt', file], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(dir, '.deno') },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const m = out.match(/(ok|FAILED) \| (\d+) passed \| (\d+) failed/);
  assert.ok(m, `no deno summary:\n${out}`);
  assert.equal(r.status, 0, out);
  assert.equal(Number(m[3]), 0, out);
  return { m, out };
}

test('the digest corpus passes in Deno, without permissions', () => {
  const dir = consumer('deno', {
    'corpus.js': readFileSync(join(repo, 'pkg-tests', 'corpus.js'), 'utf8'),
    'cases.json': readFileSync(join(repo, 'fixtures', 'digest', 'cases.json'), 'utf8'),
    'sigwall.test.js': `
import * as sigwall from 'sigwall';
import cases from './cases.json' with { type: 'json' };
import { runCorpus, runGarbage } from './corpus.js';

const results = [...await runCorpus(sigwall, cases), ...await runGarbage(sigwall)];
for (const r of results) {
  Deno.test(r.name, () => { if (!r.ok) throw new Error(r.detail); });
}
Deno.test('resolves the deno entry', () => {
  if (!import.meta.resolve('sigwall').endsWith('/pkg/deno.js')) throw new Error(import.meta.resolve('sigwall'));
});
`,
  });
  const { m, out } = denoTest(dir, 'sigwall.test.js');
  process.stdout.write(`# deno: ${m[0]}\n`);
  assert.ok(Number(m[2]) > 80, `only ${m[2]} Deno tests ran`);
});

test('Deno verifies Sigstore bundles (keyless module, shipped public-good root), without permissions', () => {
  const fx = (...p) => readFileSync(join(repo, 'fixtures', ...p), 'utf8');
  const cases = JSON.parse(fx('bundles', 'cases.json'));
  const bundles = Object.fromEntries(Object.keys(cases.cases).map((n) => [n, fx('bundles', `${n}.bundle.json`)]));
  const happy = join('sigstore-conformance', 'bundle-verify');
  const dir = consumer('deno-bundles', {
    'data.json': JSON.stringify({
      cases, bundles, root: fx('bundles', 'trusted_root.json'),
      artifacts: { 'artifact.txt': fx('bundles', 'artifact.txt'), 'manifest.json': fx('bundles', 'manifest.json') },
      production: { bundle: fx(happy, 'happy-path-v0.3', 'bundle.sigstore.json'), artifact: fx(happy, 'a.txt') },
      rootBase64: Buffer.from(fx('bundles', 'trusted_root.json')).toString('base64'),
      manifestText: fx('bundles', 'manifest.json').toString(),
      imageBundles: Object.fromEntries(['good-dsse', 'attestation'].map((n) => [n, fx('bundles', `${n}.bundle.json`).toString()])),
    }),
    'bundles.test.js': `
import { createBundleVerifier, createVerifier } from 'sigwall';
import data from './data.json' with { type: 'json' };
const verifier = await createBundleVerifier({ trustedRoot: data.root });
for (const [name, c] of Object.entries(data.cases.cases)) {
  Deno.test(name, () => {
    const expected = { identity: c.identity ?? data.cases.identity, issuer: data.cases.issuer };
    const r = verifier.verify(data.bundles[name], data.artifacts[c.artifact], expected);
    if (r.verified !== c.allowed) throw new Error(name + ': ' + JSON.stringify(r));
  });
}
Deno.test('a public-good production bundle, with the shipped root', async () => {
  const publicGood = await createBundleVerifier();
  const r = publicGood.verify(data.production.bundle, data.production.artifact, {
    identity: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
  });
  if (!r.verified) throw new Error(JSON.stringify(r));
});
Deno.test('a cosign v3 image signature under the policy extension', async () => {
  const policy = { default: [{ type: 'reject' }], transports: { docker: { 'registry.example/bundles': [{
    type: 'sigstoreSigned', trustedRootData: data.rootBase64, acceptBundles: true,
    fulcio: { oidcIssuer: data.cases.issuer, subjectEmail: data.cases.identity }, signedIdentity: { type: 'matchRepository' },
  }] } } };
  const v = await createVerifier({ policy });
  const manifest = new TextEncoder().encode(data.manifestText);
  const good = v.verifyLocal('registry.example/bundles/app:1', { manifest, bundles: [data.imageBundles['good-dsse']] });
  if (!good.allowed) throw new Error(JSON.stringify(good));
  const attested = v.verifyLocal('registry.example/bundles/app:1', { manifest, bundles: [data.imageBundles.attestation] });
  if (attested.allowed || attested.reasons[0].code !== 'PAYLOAD_INVALID') throw new Error(JSON.stringify(attested));
});
`,
  });
  const { m, out } = denoTest(dir, 'bundles.test.js');
  process.stdout.write(`# deno bundles: ${m[0]}\n`);
  assert.equal(Number(m[2]), Object.keys(cases.cases).length + 2, out);
});

test('Deno verifies straight from a registry (only --allow-net for 127.0.0.1)', async () => {
  const { startWorld } = await import('./lib/world.mjs');
  const { makeImage } = await import('./lib/registry.mjs');
  const world = await startWorld();
  try {
    const digest = world.push(makeImage('deno\n', 'v1'), 'lib/deno', { tag: 'v1', signBy: [world.keys.a.fpr] });
    const unsigned = world.push(makeImage('deno unsigned\n', 'v1'), 'lib/plain', { tag: 'v1' });
    const policy = { default: [{ type: 'reject' }], transports: { docker: { [`${world.host}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: readFileSync(world.keys.a.path).toString('base64') }] } } };
    const dir = consumer('deno-verify', {
      'verify.js': `
import { createVerifier } from 'sigwall';
const v = await createVerifier({ policy: ${JSON.stringify(JSON.stringify(policy))}, registriesD: ${JSON.stringify(`default-docker:\n  lookaside: ${world.lookaside.url}\n`)} });
const out = [];
for (const image of ['${world.host}/lib/deno:v1', '${world.host}/lib/plain:v1']) {
  const verdict = await v.verify('docker://' + image);
  out.push({ image, allowed: verdict.allowed, digest: verdict.digest });
}
console.log(JSON.stringify(out));
`,
    });
    const { spawn } = await import('node:child_process');
    const r = await new Promise((resolve) => {
      const child = spawn(bin('deno'), ['run', '--no-prompt', '--allow-net=127.0.0.1', 'verify.js'], {
        cwd: dir, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', DENO_DIR: join(dir, '.deno') },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.deepEqual(out.map((o) => [o.allowed, o.digest]), [[true, digest], [false, unsigned]]);
  } finally {
    await world.stop();
  }
});
