// Sigstore bundles through the package: `createBundleVerifier`/`verifyBundle` and
// `sigwall sigstore verify-bundle` (sigstore-conformance's client protocol), on the private
// instance of fixtures/bundles (both oracles agree with its decisions: bundle-oracles.test.mjs)
// and on sigstore-conformance's production bundles with the shipped public-good root.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { consumer, repo } from './helpers.mjs';

let dir;
let sigwall;
const fx = (...p) => readFileSync(join(repo, 'fixtures', ...p));
const cases = JSON.parse(fx('bundles', 'cases.json'));
const conformance = join(repo, 'fixtures', 'sigstore-conformance', 'bundle-verify');
const BEACON = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ACTIONS = 'https://token.actions.githubusercontent.com';

before(async () => {
  dir = consumer('bundles');
  sigwall = await import(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js'));
});

const cli = (...args) => spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), ['sigstore', 'verify-bundle', ...args], { encoding: 'utf8' });

test('every private-instance case is decided as both oracles decide it, with the signer reported', async () => {
  const verifier = await sigwall.createBundleVerifier({ trustedRoot: fx('bundles', 'trusted_root.json') });
  assert.equal(verifier.trustedRoot, `sha256:${createHash('sha256').update(fx('bundles', 'trusted_root.json')).digest('hex')}`);
  for (const [name, c] of Object.entries(cases.cases)) {
    const identity = c.identity ?? cases.identity;
    const r = verifier.verify(fx('bundles', `${name}.bundle.json`), fx('bundles', c.artifact), { identity, issuer: cases.issuer });
    assert.equal(r.verified, c.allowed, `${name}: ${r.message}`);
    if (r.verified) {
      assert.deepEqual(r.signer.identities, [identity]);
      assert.equal(r.signer.issuer, cases.issuer);
      // The time the certificate was checked at: the SET's, or an RFC 3161 timestamp's.
      if (name.includes('timestamp')) {
        assert.equal(r.signer.log.integratedTime, null);
        assert.deepEqual(r.signer.timestamps.map((t) => t.authority), ['https://tsa.sigwall.test']);
      } else {
        assert.equal(r.signer.log.integratedTime, 1748779200);
        assert.deepEqual(r.signer.timestamps, []);
      }
      const predicate = { true: 'https://sigstore.dev/cosign/sign/v1', false: 'https://slsa.dev/provenance/v1' }[c.imageSignature] ?? null;
      assert.equal(r.predicateType, predicate, name);
    } else {
      assert.match(r.code, /^[A-Z_]+$/);
    }
  }
});

test('the bundle, root and artifact may be given as text, objects and digests', async () => {
  const bundle = JSON.parse(fx('bundles', 'good.bundle.json'));
  const digest = `sha256:${createHash('sha256').update(fx('bundles', 'artifact.txt')).digest('hex')}`;
  const options = { trustedRoot: fx('bundles', 'trusted_root.json').toString(), identity: cases.identity, issuer: cases.issuer };
  assert.equal((await sigwall.verifyBundle(bundle, { digest }, options)).verified, true);
  assert.equal((await sigwall.verifyBundle(JSON.stringify(bundle), fx('bundles', 'artifact.txt').toString(), options)).verified, true);
  const other = await sigwall.verifyBundle(bundle, { digest: `sha256:${'0'.repeat(64)}` }, options);
  assert.deepEqual([other.verified, other.code], [false, 'DIGEST_MISMATCH']);
  // The public-good root does not know the private instance's logs.
  const publicGood = await sigwall.verifyBundle(bundle, fx('bundles', 'artifact.txt'), { identity: cases.identity, issuer: cases.issuer });
  assert.deepEqual([publicGood.verified, publicGood.code], [false, 'LOG_ENTRY_INVALID']);
  await assert.rejects(sigwall.verifyBundle(bundle, { digest: 'sha256:zz' }, options), { code: 'API_MISUSE' });
  await assert.rejects(sigwall.verifyBundle(bundle, fx('bundles', 'artifact.txt'), { trustedRoot: options.trustedRoot }), { code: 'API_MISUSE' });
  await assert.rejects(sigwall.createBundleVerifier({ trustedRoot: '{"mediaType":"x"}' }), { code: 'KEY_INVALID' });
});

test('sigwall sigstore verify-bundle verifies production bundles offline with the shipped public-good root', () => {
  for (const name of ['happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3', 'happy-path-v0.3-new-mediaType', 'happy-path-intoto-in-dsse-v3']) {
    const c = join(conformance, name);
    const artifact = existsSync(join(c, 'artifact')) ? join(c, 'artifact') : join(conformance, 'a.txt');
    const ok = cli('--bundle', join(c, 'bundle.sigstore.json'), '--certificate-identity', BEACON, '--certificate-oidc-issuer', ACTIONS, artifact);
    assert.equal(ok.status, 0, `${name}: ${ok.stderr}`);
    assert.match(ok.stdout, /^verified: signed by https:\/\/github\.com\/sigstore-conformance\//);
    // Another identity, another issuer: refused.
    const who = cli('--bundle', join(c, 'bundle.sigstore.json'), '--certificate-identity', 'https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main', '--certificate-oidc-issuer', ACTIONS, artifact);
    assert.equal(who.status, 1, name);
    assert.match(who.stderr, /CERTIFICATE_MISMATCH/);
    const issuer = cli('--bundle', join(c, 'bundle.sigstore.json'), '--certificate-identity', BEACON, '--certificate-oidc-issuer', 'https://accounts.google.com', artifact);
    assert.equal(issuer.status, 1, name);
  }
  // By digest, as the protocol allows.
  const c = join(conformance, 'happy-path-v0.3');
  const digest = `sha256:${createHash('sha256').update(readFileSync(join(conformance, 'a.txt'))).digest('hex')}`;
  const json = cli('--json', '--bundle', join(c, 'bundle.sigstore.json'), '--certificate-identity', BEACON, '--certificate-oidc-issuer', ACTIONS, digest);
  assert.equal(json.status, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  assert.equal(result.verified, true);
  assert.equal(result.signer.issuer, ACTIONS);
  assert.ok(result.signer.log.integratedTime > 1.6e9);
});

test('verify-bundle checks npm attestations by their tarball\'s sha512 (sigstore-js\'s production bundles)', () => {
  const tarball = 'sha512:7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36';
  const other = tarball.replace('7bea', '7beb');
  for (const name of ['npm-bundleV01-intoto-with-proof', 'npm-bundleV02-intoto', 'npm-bundleV03-intoto', 'npm-bundleV03-dsse']) {
    const bundle = join(repo, 'fixtures', 'sigstore-js', `${name}.sigstore.json`);
    const args = ['--bundle', bundle, '--certificate-identity', 'brian@dehamer.com', '--certificate-oidc-issuer', 'https://github.com/login/oauth'];
    const ok = cli('--json', ...args, tarball);
    assert.equal(ok.status, 0, `${name}: ${ok.stdout}${ok.stderr}`);
    assert.equal(JSON.parse(ok.stdout).predicateType, 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1');
    const wrong = cli(...args, other);
    assert.equal(wrong.status, 1, name);
    assert.match(wrong.stderr, /DIGEST_MISMATCH/);
    const someone = cli('--bundle', bundle, '--certificate-identity', 'someone@example.com', '--certificate-oidc-issuer', 'https://github.com/login/oauth', tarball);
    assert.equal(someone.status, 1, name);
  }
});

test('sigwall sigstore verify-bundle decides every case of the suite as it says: each _fail case refused, every other verified (Rekor v2, RFC 3161 timestamps, managed keys, own trusted roots)', () => {
  const m = join(conformance, 'managed-key-and-trusted-root');
  const key = cli('--bundle', join(m, 'bundle.sigstore.json'), '--key', join(m, 'key.pub'), '--trusted-root', join(m, 'trusted_root.json'), join(conformance, 'a.txt'));
  assert.equal(key.status, 0, key.stderr);
  let refused = 0;
  let verified = 0;
  for (const name of readdirSync(conformance).filter((n) => existsSync(join(conformance, n, 'bundle.sigstore.json')))) {
    const c = join(conformance, name);
    const file = (f, fallback) => (existsSync(join(c, f)) ? join(c, f) : fallback);
    const args = ['--bundle', join(c, 'bundle.sigstore.json')];
    if (existsSync(join(c, 'trusted_root.json'))) args.push('--trusted-root', join(c, 'trusted_root.json'));
    if (existsSync(join(c, 'key.pub'))) args.push('--key', join(c, 'key.pub'));
    else {
      const text = (f, d) => (existsSync(join(c, f)) ? readFileSync(join(c, f), 'utf8').trim() : d);
      args.push('--certificate-identity', text('identity', BEACON), '--certificate-oidc-issuer', text('issuer', ACTIONS));
    }
    const r = cli(...args, file('artifact', join(conformance, 'a.txt')));
    if (name.endsWith('_fail')) {
      // 1 refused; 2 for a key file that is no key (managed-key-wrong-key_fail).
      assert.ok(r.status === 1 || r.status === 2, `${name} was not refused: ${r.stdout}${r.stderr}`);
      refused++;
    } else {
      assert.equal(r.status, 0, `${name} was not verified: ${r.stderr}`);
      verified++;
    }
  }
  assert.ok(refused >= 49 && verified >= 21, `${refused} refused, ${verified} verified`);
});

test('verify-bundle usage errors exit 2', () => {
  const bundle = join(repo, 'fixtures', 'bundles', 'good.bundle.json');
  assert.equal(cli('--bundle', bundle, join(repo, 'fixtures', 'bundles', 'artifact.txt')).status, 2);
  assert.equal(cli('--bundle', bundle, '--key', 'k.pub', '--certificate-identity', 'x', '--certificate-oidc-issuer', 'y', 'f').status, 2);
  assert.equal(cli('--bundle', '/nonexistent', '--key', 'k.pub', 'f').status, 2);
  assert.equal(cli('--staging', '--trusted-root', 'x', '--bundle', bundle, '--key', 'k', 'f').status, 2);
});

test('a policy with signedBy beside keyless requirements loads the module that has both, and decides each', async () => {
  const root = fx('bundles', 'trusted_root.json');
  const manifest = fx('bundles', 'manifest.json');
  const policy = { default: [{ type: 'reject' }], transports: { docker: {
    'docker.io/testing': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: fx('pgp', 'rsa3072.gpg').toString('base64'), signedIdentity: { type: 'matchExact' } }],
    'registry.example/bundles': [{ type: 'sigstoreSigned', trustedRootData: root.toString('base64'), acceptBundles: true,
      fulcio: { oidcIssuer: cases.issuer, subjectEmail: cases.identity }, signedIdentity: { type: 'matchRepository' } }],
  } } };
  const verifier = await sigwall.createVerifier({ policy });
  const good = verifier.verifyLocal('registry.example/bundles/app:1', { manifest, bundles: [fx('bundles', 'good-dsse.bundle.json')] });
  assert.equal(good.allowed, true, JSON.stringify(good));
  const attested = verifier.verifyLocal('registry.example/bundles/app:1', { manifest, bundles: [fx('bundles', 'attestation.bundle.json')] });
  assert.equal(attested.reasons[0].code, 'PAYLOAD_INVALID');
  // The OpenPGP side works in the same verifier: skopeo's signature by the policy's key.
  const signed = verifier.verifyLocal('testing/manifest:latest', { manifest: fx('pgp', 'manifest.json'), signatures: [fx('pgp', 'rsa3072.sig')] });
  assert.equal(signed.allowed, true, JSON.stringify(signed));
  assert.equal(signed.requirements[0].type, 'signedBy');
});

test('under podman\'s grammar (the core module) bundles passed to verifyLocal are reported, never accepted', async () => {
  const key = readFileSync(join(repo, 'fixtures', 'cosign-signed', 'cosign.pub'));
  const policy = { default: [{ type: 'reject' }], transports: { docker: { 'registry.example/bundles': [{
    type: 'sigstoreSigned', keyData: key.toString('base64'), signedIdentity: { type: 'matchRepository' } }] } } };
  const verifier = await sigwall.createVerifier({ policy });
  const v = verifier.verifyLocal('registry.example/bundles/app:1', { manifest: fx('bundles', 'manifest.json'), bundles: [fx('bundles', 'good-dsse.bundle.json')] });
  assert.equal(v.allowed, false);
  assert.equal(v.reasons[0].code, 'UNSUPPORTED_FORMAT');
  assert.deepEqual(v.requirements[0].signatures.map((s) => [s.format, s.source]), [['sigstore-bundle', 'referrers']]);
});
