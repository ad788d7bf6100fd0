// Keyless `fulcio` and BYO-PKI `pki` requirements through the package: the keyless module is
// loaded for such policies, the API and `sigwall verify --from dir:` decide as containers/image
// does, on containers/image's own fixtures (a real Fulcio certificate and Rekor SET) and on the
// private Sigstore instance of fixtures/keyless (made by its make.py).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer, repo } from './helpers.mjs';

let dir;
let sigwall;
const fx = (...p) => readFileSync(join(repo, 'fixtures', ...p));
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const cases = JSON.parse(fx('keyless', 'cases.json'));

const fulcio = (email = cases.email, ca = fx('keyless', 'ca', 'root.pem')) => ({
  default: [{ type: 'reject' }],
  transports: { docker: { 'registry.example/keyless': [{
    type: 'sigstoreSigned',
    fulcio: { caData: b64(ca), oidcIssuer: cases.issuer, subjectEmail: email },
    rekorPublicKeyData: b64(fx('keyless', 'ca', 'rekor.pub')),
    signedIdentity: { type: 'matchRepository' },
  }] } },
});

before(async () => {
  dir = consumer('keyless');
  sigwall = await import(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js'));
});

function local(verifier, name) {
  const stored = Buffer.concat([Buffer.from('\0sigstore-json\n'), fx('keyless', `${name}.json`)]);
  return verifier.verifyLocal('docker://registry.example/keyless/app:latest', {
    manifest: fx('keyless', 'manifest.json'),
    signatures: [stored],
  });
}

test('every case of the fixture instance gets containers/image\'s decision through the API', async () => {
  const verifier = await sigwall.createVerifier({ policy: fulcio() });
  let checked = 0;
  for (const [name, c] of Object.entries(cases.cases)) {
    if (name.startsWith('pki-')) continue;
    const v = local(verifier, name);
    assert.equal(v.allowed, c.allowed, `${name} (${c.what}): ${JSON.stringify(v.reasons)}`);
    checked++;
  }
  assert.ok(checked >= 24, `only ${checked} cases`);
});

test('an accepted keyless signature names its signer, issuer and log entry', async () => {
  const verifier = await sigwall.createVerifier({ policy: fulcio() });
  const v = local(verifier, 'good');
  assert.equal(v.allowed, true);
  const sig = v.requirements[0].signatures[0];
  assert.deepEqual(sig.signer.identities, [cases.email]);
  assert.equal(sig.signer.issuer, cases.issuer);
  assert.equal(sig.signer.log.integratedTime, cases.signedAt);
  assert.equal(sig.identity, 'registry.example/keyless/app');
  const other = await sigwall.createVerifier({ policy: fulcio('other@example.com') });
  const denied = local(other, 'good');
  assert.equal(denied.allowed, false);
  assert.deepEqual(denied.reasons.map((r) => r.code), ['CERTIFICATE_MISMATCH']);
  assert.match(denied.reasons[0].message, /Required email "other@example.com" not found/);
});

test('a policy with signedBy and fulcio loads the module that has both, and decides the certificate part', async () => {
  // Formerly the full module (no certificates) denied with UNSUPPORTED; full-keyless decides as
  // the keyless module does.
  const policy = fulcio();
  policy.transports.docker['registry.example/keyless'].unshift({ type: 'insecureAcceptAnything' });
  policy.transports.docker['registry.example/other'] = [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'AAAA' }];
  const verifier = await sigwall.createVerifier({ policy });
  const good = local(verifier, 'good');
  assert.equal(good.allowed, true, JSON.stringify(good));
  assert.equal(good.requirements[1].signatures[0].signer.issuer, cases.issuer);
  const wrong = local(verifier, 'wrong-email');
  assert.equal(wrong.allowed, false);
  assert.deepEqual(wrong.reasons.map((r) => r.code), ['CERTIFICATE_MISMATCH']);
});

test('sigwall verify --from dir: decides containers/image\'s fixtures as its tests do', () => {
  const work = mkdtempSync(join(tmpdir(), 'sigwall-keyless-'));
  const ci = (...p) => join(repo, 'fixtures', 'containers-image', ...p);
  const policy = (email) => {
    const file = join(work, `policy-${email}.json`);
    writeFileSync(file, JSON.stringify({
      default: [{ type: 'reject' }],
      transports: { docker: {
        '192.168.64.2:5000/cosign-signed': [{
          type: 'sigstoreSigned',
          fulcio: { caPath: ci('fulcio_v1.crt.pem'), oidcIssuer: 'https://github.com/login/oauth', subjectEmail: email },
          rekorPublicKeyPath: ci('rekor.pub'),
          signedIdentity: { type: 'matchRepository' },
        }],
        'localhost:5000/test': [{
          type: 'sigstoreSigned',
          pki: { caRootsPath: ci('pki_root_crts.pem'), caIntermediatesPath: ci('pki_intermediate_crts.pem'), subjectEmail: 'qiwan@redhat.com', subjectHostname: 'myhost.example.com' },
          signedIdentity: { type: 'matchRepository' },
        }],
      } },
    }));
    return file;
  };
  const verify = (file, from, image) => spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
    ['verify', '--policy', file, '--from', `dir:${from}`, '--json', image], { encoding: 'utf8' });
  const good = verify(policy('mitr@redhat.com'), ci('dir-img-cosign-fulcio-rekor-valid'), '192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest');
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.equal(JSON.parse(good.stdout).requirements[0].signatures[0].signer.issuer, 'https://github.com/login/oauth');
  const wrong = verify(policy('someone@example.com'), ci('dir-img-cosign-fulcio-rekor-valid'), '192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest');
  assert.equal(wrong.status, 1, wrong.stdout + wrong.stderr);
  const pki = verify(policy('mitr@redhat.com'), ci('dir-img-cosign-pki-valid'), 'localhost:5000/test:latest');
  assert.equal(pki.status, 0, pki.stdout + pki.stderr);
  // The same copy with its manifest changed: the signature no longer covers it.
  const tampered = mkdtempSync(join(tmpdir(), 'sigwall-keyless-tampered-'));
  copyFileSync(ci('dir-img-cosign-pki-valid', 'signature-1'), join(tampered, 'signature-1'));
  writeFileSync(join(tampered, 'manifest.json'), readFileSync(ci('dir-img-cosign-pki-valid', 'manifest.json'), 'utf8').replace('"layers":[]', '"layers":[ ]'));
  const t = verify(policy('mitr@redhat.com'), tampered, 'localhost:5000/test:latest');
  assert.equal(t.status, 1, t.stdout + t.stderr);
});
