// Policies through the packed package: the parser tables of spec 8.1 via checkPolicy, scope
// selection and the non-signature requirements via verifyLocal, garbage input, and the
// `sigwall policy` commands.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { consumer, repo } from './helpers.mjs';
import { spawnSync } from 'node:child_process';

const parseCases = JSON.parse(readFileSync(join(repo, 'fixtures', 'policy', 'parse-cases.json'), 'utf8'));
const MANIFEST = new TextEncoder().encode(
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}',
);

let dir;
let sigwall;

before(async () => {
  dir = consumer('policy');
  sigwall = await import(pathToFileURL(createRequire(join(dir, 'x.js')).resolve('sigwall')));
});

test('checkPolicy accepts every policy containers/image accepts', async () => {
  for (const c of parseCases.accept) {
    await assert.doesNotReject(sigwall.checkPolicy(c.policy), c.name);
  }
  assert.ok(parseCases.accept.length >= 40);
});

test('checkPolicy rejects every policy containers/image rejects, with its message', async () => {
  for (const c of parseCases.reject) {
    await assert.rejects(sigwall.checkPolicy(c.policy), (e) => {
      assert.ok(e instanceof sigwall.VerifyError, `${c.name}: ${e}`);
      assert.equal(e.code, 'POLICY_INVALID', c.name);
      assert.ok(e.message.includes(c.message), `${c.name}: ${e.message} lacks ${c.message}`);
      return true;
    });
  }
});

test('the embedded default policy rejects everything', async () => {
  const v = await sigwall.createVerifier();
  const verdict = v.verifyLocal('quay.io/any/image:1', { manifest: MANIFEST });
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.scope, 'default');
  assert.deepEqual(verdict.reasons.map((r) => r.code), ['REJECTED_BY_POLICY']);
  assert.equal(verdict.reasons[0].message, 'Source image rejected: Running image docker://quay.io/any/image:1 is rejected by policy.');
});

const SCOPED = {
  default: [{ type: 'reject' }],
  transports: {
    docker: {
      'registry.example': [{ type: 'insecureAcceptAnything' }],
      'registry.example/locked': [{ type: 'reject' }],
      'registry.example/open:stable': [{ type: 'insecureAcceptAnything' }, { type: 'signedBaseLayer', baseLayerIdentity: { type: 'matchRepository' } }],
      '*.mirror.example': [{ type: 'insecureAcceptAnything' }],
      'docker.io/library': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: '' }],
      'quay.io': [{ type: 'sigstoreSigned', keyData: 'bm9uc2Vuc2U=' }],
    },
  },
};

test('verifyLocal applies the most specific scope and ANDs its requirements', async () => {
  const v = await sigwall.createVerifier({ policy: SCOPED });
  const cases = [
    ['registry.example/app:1', true, 'registry.example', []],
    ['registry.example/locked/app:1', false, 'registry.example/locked', ['REJECTED_BY_POLICY']],
    ['registry.example/open:stable', false, 'registry.example/open:stable', ['UNSUPPORTED']],
    ['registry.example/open:latest', true, 'registry.example', []],
    ['a.b.mirror.example:5000/x/y:z', true, '*.mirror.example', []],
    ['mirror.example/x:1', false, 'default', ['REJECTED_BY_POLICY']],
    ['busybox', false, 'docker.io/library', ['NO_SIGNATURES']],
    ['quay.io/org/app:v2', false, 'quay.io', ['NO_SIGNATURES']],
    ['ghcr.io/org/app:v2', false, 'default', ['REJECTED_BY_POLICY']],
  ];
  for (const [image, allowed, scope, codes] of cases) {
    const verdict = v.verifyLocal(image, { manifest: MANIFEST });
    assert.equal(verdict.allowed, allowed, image);
    assert.equal(verdict.scope, scope, image);
    assert.deepEqual(verdict.reasons.map((r) => r.code), codes, image);
    assert.equal(verdict.digest, sigwall.digest(MANIFEST), image);
  }
});

test('signatures that do not verify are rejected, never accepted', async () => {
  const v = await sigwall.createVerifier({ policy: SCOPED });
  const verdict = v.verifyLocal('busybox:1', { manifest: MANIFEST, signatures: [new Uint8Array([0xa3, 1, 2]), new Uint8Array([9])] });
  assert.equal(verdict.allowed, false);
  const sigs = verdict.requirements[0].signatures;
  assert.equal(sigs.length, 2);
  assert.ok(sigs.every((s) => s.outcome === 'rejected' && s.format === 'simple-signing'));
  assert.match(verdict.reasons[0].message, /^Source image rejected: None of the signatures were accepted, reasons: /);
});

test('a manifest that does not match the digest it was requested by is a typed error', async () => {
  const v = await sigwall.createVerifier({ policy: { default: [{ type: 'insecureAcceptAnything' }] } });
  const other = sigwall.digest(new TextEncoder().encode('other'));
  assert.throws(() => v.verifyLocal(`quay.io/a@${other}`, { manifest: MANIFEST }), { code: 'DIGEST_MISMATCH' });
  assert.equal(v.verifyLocal(`quay.io/a@${sigwall.digest(MANIFEST)}`, { manifest: MANIFEST }).allowed, true);
});

test('garbage policies, references and material give typed errors', async () => {
  const policies = ['', '{', 'null', '[]', '{"default":[{"type":"reject"}]}x', '\u0000', '['.repeat(10000), '9'.repeat(5000),
    new Uint8Array([0xff, 0xfe, 0x00]), { default: 'x' }, { default: [{ type: 'reject', extra: true }] }];
  for (const policy of policies) {
    await assert.rejects(sigwall.createVerifier({ policy }), { code: 'POLICY_INVALID' }, String(policy).slice(0, 20));
    await assert.rejects(sigwall.checkPolicy(policy), { code: 'POLICY_INVALID' });
  }
  await assert.rejects(sigwall.createVerifier({ policy: 42 }), { code: 'API_MISUSE' });
  const big = `{"default":[{"type":"reject"}],"x":"${'a'.repeat(5 * 1024 * 1024)}"}`;
  await assert.rejects(sigwall.checkPolicy(big), /larger than/);
  const v = await sigwall.createVerifier({ policy: { default: [{ type: 'insecureAcceptAnything' }] } });
  for (const image of ['', 'UPPER/case:1', 'dir:/tmp/x', 'a:b:c', 42]) {
    assert.throws(() => v.verifyLocal(image, { manifest: MANIFEST }), (e) => e instanceof sigwall.SigwallError, String(image));
  }
  for (const manifest of [new Uint8Array(0), new TextEncoder().encode('[]'), new Uint8Array([0xff]), 'text']) {
    assert.throws(() => v.verifyLocal('quay.io/a:1', { manifest }), (e) => e instanceof sigwall.SigwallError);
  }
  assert.throws(() => v.verifyLocal('quay.io/a:1', null), { code: 'API_MISUSE' });
  // Still alive.
  assert.equal(v.verifyLocal('quay.io/a:1', { manifest: MANIFEST }).allowed, true);
});

function cli(args, cwd = dir) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('sigwall policy check: valid with lint warnings and versions, invalid with exit 2', () => {
  writeFileSync(join(dir, 'good.json'), JSON.stringify({
    default: [{ type: 'insecureAcceptAnything' }],
    transports: { docker: { busybox: [{ type: 'reject' }], '*.example.com': [{ type: 'sigstoreSigned', keyPaths: ['missing.pub'] }] } },
  }));
  const ok = cli(['policy', 'check', 'good.json']);
  assert.equal(ok.status, 0, ok.err);
  assert.match(ok.out, /valid policy/);
  assert.match(ok.out, /DEFAULT_NOT_REJECT/);
  assert.match(ok.out, /write "docker\.io\/library\/busybox"/);
  assert.match(ok.out, /key file missing\.pub does not exist/);
  assert.match(ok.out, /containers\/image >= 5\.33\.0 \(podman >= 5\.3\)/);
  writeFileSync(join(dir, 'bad.json'), '{"default":[{"type":"signedBy","keyType":"GPGKeys"}]}');
  const bad = cli(['policy', 'check', 'bad.json']);
  assert.equal(bad.status, 2);
  assert.match(bad.err, /default\[0\]: Exactly one of keyPath, keyPaths and keyData must be specified, none of them present/);
  assert.equal(cli(['policy', 'check', 'absent.json']).status, 2);
});

test('sigwall policy embed inlines key files and the result is self-contained', async () => {
  writeFileSync(join(dir, 'cosign.pub'), '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n');
  writeFileSync(join(dir, 'embed.json'), JSON.stringify({
    default: [{ type: 'reject' }],
    transports: { docker: { 'quay.io/x': [{ type: 'sigstoreSigned', keyPath: 'cosign.pub', signedIdentity: { type: 'matchRepository' } }] } },
  }));
  const r = cli(['policy', 'embed', 'embed.json', '-o', 'out.json']);
  assert.equal(r.status, 0, r.err);
  const out = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  const req = out.transports.docker['quay.io/x'][0];
  assert.equal(req.keyPath, undefined);
  assert.equal(Buffer.from(req.keyData, 'base64').toString(), readFileSync(join(dir, 'cosign.pub'), 'utf8'));
  assert.deepEqual(req.signedIdentity, { type: 'matchRepository' });
  assert.deepEqual((await sigwall.checkPolicy(out)).keyPaths, []);
  writeFileSync(join(dir, 'missing.json'), '{"default":[{"type":"sigstoreSigned","keyPath":"/nope.pub"}]}');
  const m = cli(['policy', 'embed', 'missing.json']);
  assert.equal(m.status, 2);
  assert.match(m.err, /cannot read key file "\/nope\.pub"/);
});

test('a cosign signature (made with OpenSSL) verifies through verifyLocal', async () => {
  const fx = (f) => readFileSync(join(repo, 'fixtures', 'cosign-signed', f));
  const payload = fx('payload-cosign.json');
  const material = {
    manifest: fx('manifest.json'),
    cosignSignatures: fx('sig-cosign.json'),
    blobs: { [sigwall.digest(payload)]: payload },
    keys: { '/etc/pki/cosign.pub': fx('cosign.pub') },
  };
  const policy = (identity) => ({
    default: [{ type: 'reject' }],
    transports: { docker: { 'registry.example/app': [{ type: 'sigstoreSigned', keyPath: '/etc/pki/cosign.pub', signedIdentity: { type: identity } }] } },
  });
  const v = await sigwall.createVerifier({ policy: policy('matchRepository') });
  const ok = v.verifyLocal('registry.example/app:v1', material);
  assert.equal(ok.allowed, true, JSON.stringify(ok));
  assert.equal(ok.requirements[0].signatures[0].outcome, 'accepted');
  assert.equal(ok.requirements[0].signatures[0].identity, 'registry.example/app');
  assert.match(ok.requirements[0].signatures[0].key, /^[0-9a-f]{64}$/);
  const tampered = Uint8Array.from(material.manifest);
  tampered[25] ^= 1;
  const bad = v.verifyLocal('registry.example/app:v1', { ...material, manifest: tampered });
  assert.equal(bad.allowed, false);
  assert.deepEqual(bad.reasons.map((r) => r.code), ['DIGEST_MISMATCH']);
  const strict = await sigwall.createVerifier({ policy: policy('matchExact') });
  assert.deepEqual(strict.verifyLocal('registry.example/app:v1', material).reasons.map((r) => r.code), ['IDENTITY_MISMATCH']);
  assert.deepEqual(v.verifyLocal('registry.example/app:v1', { ...material, keys: {} }).reasons.map((r) => r.code), ['KEY_FILE_MISSING']);
});

test('signedBy loads the OpenPGP module and verifies a skopeo signature through verifyLocal', async () => {
  const fx = (f) => readFileSync(join(repo, 'fixtures', 'pgp', f));
  const policy = {
    default: [{ type: 'reject' }],
    transports: { docker: { 'docker.io/testing': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/etc/pki/containers/rsa3072.gpg', signedIdentity: { type: 'matchExact' } }] } },
  };
  const v = await sigwall.createVerifier({ policy });
  const material = { manifest: fx('manifest.json'), signatures: [fx('rsa3072.sig')], keys: { '/etc/pki/containers/rsa3072.gpg': fx('rsa3072.gpg') } };
  const ok = v.verifyLocal('testing/manifest:latest', material);
  assert.equal(ok.allowed, true, JSON.stringify(ok));
  assert.equal(ok.requirements[0].signatures[0].key, readFileSync(join(repo, 'fixtures', 'pgp', 'rsa3072.fpr'), 'utf8').trim());
  assert.equal(ok.requirements[0].signatures[0].identity, 'docker.io/testing/manifest:latest');
  const other = v.verifyLocal('testing/manifest:other', material);
  assert.deepEqual(other.reasons.map((r) => r.code), ['IDENTITY_MISMATCH']);
  const unknown = v.verifyLocal('testing/manifest:latest', { ...material, signatures: [fx('other.sig')] });
  assert.deepEqual(unknown.reasons.map((r) => r.code), ['BAD_SIGNATURE']);
});

test('an RSA cosign key (full module) and a Rekor bundle (core) verify through verifyLocal', async () => {
  const fx = (f) => readFileSync(join(repo, 'fixtures', 'cosign-signed', f));
  const b64 = (b) => Buffer.from(b).toString('base64');
  const material = (sig, payloadFile) => {
    const payload = fx(payloadFile);
    return { manifest: fx('manifest.json'), cosignSignatures: fx(sig), blobs: { [sigwall.digest(payload)]: payload } };
  };
  const policy = (req) => ({ default: [{ type: 'reject' }], transports: { docker: { 'registry.example/app': [{ signedIdentity: { type: 'matchRepository' }, ...req }] } } });
  // RSA: inline key data that is not P-256, so createVerifier loads the full module.
  const rsa = await sigwall.createVerifier({ policy: policy({ type: 'sigstoreSigned', keyData: b64(fx('rsa.pub')) }) });
  const good = rsa.verifyLocal('registry.example/app:v1', material('sig-rsa.json', 'payload-rsa.json'));
  assert.equal(good.allowed, true, JSON.stringify(good));
  // The P-256 signature is not the RSA key's.
  const other = rsa.verifyLocal('registry.example/app:v1', material('sig-cosign.json', 'payload-cosign.json'));
  assert.deepEqual(other.reasons.map((r) => r.code), ['BAD_SIGNATURE']);
  // Rekor: a SET by the trusted log key is required, and present only in sig-rekor.json.
  const rekor = await sigwall.createVerifier({
    policy: policy({ type: 'sigstoreSigned', keyData: b64(fx('cosign.pub')), rekorPublicKeyData: b64(fx('rekor.pub')) }),
  });
  const logged = rekor.verifyLocal('registry.example/app:v1', material('sig-rekor.json', 'payload-cosign.json'));
  assert.equal(logged.allowed, true, JSON.stringify(logged));
  const unlogged = rekor.verifyLocal('registry.example/app:v1', material('sig-cosign.json', 'payload-cosign.json'));
  assert.equal(unlogged.allowed, false);
  assert.match(unlogged.reasons[0].message, /dev\.sigstore\.cosign\/bundle/);
});
