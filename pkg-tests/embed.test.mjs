// An embedded policy is what createVerifier() enforces: `npm run build -- --policy FILE`
// builds the package with a policy (its key file inlined), the packed tarball is installed,
// and its default verifier follows that policy. The default build is restored afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { consumer, repo } from './helpers.mjs';

const build = (args) => spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, SIGWALL_POLICY: '' } });

after(() => {
  const r = build([]);
  assert.equal(r.status, 0, r.stderr);
});

test('a policy compiled into the package is the default createVerifier() enforces', async () => {
  const work = mkdtempSync(join(tmpdir(), 'sigwall-embed-'));
  writeFileSync(join(work, 'cosign.pub'), '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n');
  writeFileSync(join(work, 'policy.json'), JSON.stringify({
    default: [{ type: 'reject' }],
    transports: { docker: {
      'registry.example/open': [{ type: 'insecureAcceptAnything' }],
      'registry.example/signed': [{ type: 'sigstoreSigned', keyPath: join(work, 'cosign.pub') }],
    } },
  }));
  const r = build(['--policy', join(work, 'policy.json')]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const dir = consumer('embed');
  const sigwall = await import(pathToFileURL(createRequire(join(dir, 'x.js')).resolve('sigwall')));
  const v = await sigwall.createVerifier();
  const manifest = new TextEncoder().encode('{"schemaVersion":2,"layers":[]}');
  assert.equal(v.verifyLocal('registry.example/open:1', { manifest }).allowed, true);
  assert.equal(v.verifyLocal('registry.example/other:1', { manifest }).allowed, false);
  const signed = v.verifyLocal('registry.example/signed:1', { manifest });
  assert.equal(signed.allowed, false);
  assert.equal(signed.reasons[0].code, 'NO_SIGNATURES');
  // The key file was inlined: the embedded policy names no paths.
  const glue = await import(pathToFileURL(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js')));
  assert.deepEqual((await glue.checkPolicy(undefined)).keyPaths, []);
  // A given policy still overrides the embedded one.
  const open = await sigwall.createVerifier({ policy: { default: [{ type: 'insecureAcceptAnything' }] } });
  assert.equal(open.verifyLocal('registry.example/other:1', { manifest }).allowed, true);
});

test('an invalid policy fails the build', () => {
  const work = mkdtempSync(join(tmpdir(), 'sigwall-embed-bad-'));
  writeFileSync(join(work, 'policy.json'), '{"default":[{"type":"reject","x":1}]}');
  const r = build(['--policy', join(work, 'policy.json')]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /POLICY_INVALID: invalid policy at default\[0\]: Unknown key "x"/);
  writeFileSync(join(work, 'nokey.json'), '{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/no/such/key.gpg"}]}');
  const k = build(['--policy', join(work, 'nokey.json')]);
  assert.notEqual(k.status, 0);
  assert.match(k.stderr, /cannot read key file "\/no\/such\/key\.gpg"/);
});
