// `sigwall verify --from oci:PATH`: an OCI image layout as skopeo and `cosign save` write it,
// holding the image (made by skopeo copy) and, under the `sha256-<hex>.sig` name, a cosign
// signature manifest with its payload blob (made with OpenSSL: fixtures/cosign-signed).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer, repo } from './helpers.mjs';
import { makeImage, skopeo } from './lib/registry.mjs';

const hex = (b) => createHash('sha256').update(b).digest('hex');
let dir;
let layout;

before(() => {
  dir = consumer('verify-oci');
  // A layout skopeo wrote, with the image under the name v1.
  layout = join(mkdtempSync(join(tmpdir(), 'sigwall-oci-')), 'layout');
  const r = skopeo(['copy', `oci:${makeImage('oci layout\n', 'v1')}:v1`, `oci:${layout}:v1`]);
  assert.equal(r.status, 0, r.stderr);
  // Add the cosign-signed fixture image and its .sig manifest the way `cosign save` stores them.
  const fx = (f) => readFileSync(join(repo, 'fixtures', 'cosign-signed', f));
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  for (const [bytes, name, mediaType] of [
    [fx('manifest.json'), 'signed', 'application/vnd.oci.image.manifest.v1+json'],
    [fx('sig-cosign.json'), `sha256-${hex(fx('manifest.json'))}.sig`, 'application/vnd.oci.image.manifest.v1+json'],
    [fx('payload-cosign.json'), undefined, undefined],
  ]) {
    writeFileSync(join(layout, 'blobs', 'sha256', hex(bytes)), bytes);
    if (name) index.manifests.push({ mediaType, digest: `sha256:${hex(bytes)}`, size: bytes.length, annotations: { 'org.opencontainers.image.ref.name': name } });
  }
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  copyFileSync(join(repo, 'fixtures', 'cosign-signed', 'cosign.pub'), join(dir, 'cosign.pub'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({
    default: [{ type: 'reject' }],
    transports: { docker: {
      'registry.example/app': [{ type: 'sigstoreSigned', keyPath: join(dir, 'cosign.pub'), signedIdentity: { type: 'matchRepository' } }],
      'registry.example/open': [{ type: 'insecureAcceptAnything' }],
    } },
  }));
});

function verify(...args) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), ['verify', '--policy', join(dir, 'policy.json'), ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('the cosign signature saved in the layout verifies', () => {
  const r = verify('--from', `oci:${layout}:signed`, '--json', 'docker://registry.example/app:v1');
  assert.equal(r.status, 0, r.out + r.err);
  const v = JSON.parse(r.out);
  assert.equal(v.requirements[0].signatures[0].outcome, 'accepted');
  assert.equal(v.requirements[0].signatures[0].format, 'cosign');
});

test('an unsigned image in the layout is denied; policy scopes apply to the docker reference', () => {
  const unsigned = verify('--from', `oci:${layout}`, '--json', 'docker://registry.example/app:v1');
  assert.equal(unsigned.status, 1);
  assert.deepEqual(JSON.parse(unsigned.out).reasons.map((r) => r.code), ['NO_SIGNATURES']);
  const open = verify('--from', `oci:${layout}:v1`, 'docker://registry.example/open:v1');
  assert.equal(open.status, 0, open.out + open.err);
});

test('a signature saved for another image does not carry over', () => {
  // The .sig name is derived from the evaluated manifest's digest: the v1 image has none.
  const r = verify('--from', `oci:${layout}:v1`, '--json', 'docker://registry.example/app:v1');
  assert.equal(r.status, 1);
  assert.deepEqual(JSON.parse(r.out).reasons.map((x) => x.code), ['NO_SIGNATURES']);
});

test('missing names, missing layouts and bad digests exit 2', () => {
  assert.equal(verify('--from', `oci:${layout}:nope`, 'docker://registry.example/app:v1').status, 2);
  assert.equal(verify('--from', 'oci:/no/such/layout', 'docker://registry.example/app:v1').status, 2);
  const broken = mkdtempSync(join(tmpdir(), 'sigwall-oci-bad-'));
  mkdirSync(join(broken, 'blobs'));
  writeFileSync(join(broken, 'index.json'), JSON.stringify({ manifests: [{ digest: 'sha256:../../etc/passwd', annotations: { 'org.opencontainers.image.ref.name': 'x' } }] }));
  assert.equal(verify('--from', `oci:${broken}:x`, 'docker://registry.example/app:v1').status, 2);
});

/**
 * An OCI layout holding fixtures/bundles' image and cosign v3 bundles as referrers: through a
 * `sha256-<hex>` tag-schema index (`tagSchema`), or as manifests whose `subject` is the image.
 */
function bundleLayout(bundles, { tagSchema }) {
  const layout = mkdtempSync(join(tmpdir(), 'sigwall-oci-bundles-'));
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const put = (bytes) => {
    writeFileSync(join(layout, 'blobs', 'sha256', hex(bytes)), bytes);
    return { digest: `sha256:${hex(bytes)}`, size: bytes.length };
  };
  const fx = (f) => readFileSync(join(repo, 'fixtures', 'bundles', f));
  const manifest = fx('manifest.json');
  const image = put(manifest);
  const empty = put(Buffer.from('{}'));
  const type = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  const referrers = bundles.map((name) => {
    const bundle = fx(`${name}.bundle.json`);
    const referrer = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: type,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
      layers: [{ mediaType: type, ...put(bundle) }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image },
    }));
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: type, ...put(referrer) };
  });
  const entries = [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...image, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }];
  if (tagSchema) {
    const index = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: referrers })));
    entries.push({ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': image.digest.replace(':', '-') } });
  } else {
    entries.push(...referrers);
  }
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: entries }));
  return layout;
}

test('--from oci: finds cosign v3 bundles among a layout\'s referrers (tag schema, or subject)', () => {
  const cases = JSON.parse(readFileSync(join(repo, 'fixtures', 'bundles', 'cases.json'), 'utf8'));
  const policyFile = join(mkdtempSync(join(tmpdir(), 'sigwall-oci-policy-')), 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { 'registry.example/bundles': [{
    type: 'sigstoreSigned', trustedRootPath: join(repo, 'fixtures', 'bundles', 'trusted_root.json'), acceptBundles: true,
    fulcio: { oidcIssuer: cases.issuer, subjectEmail: cases.identity }, signedIdentity: { type: 'matchRepository' },
  }] } } }));
  const verify = (layout) => {
    const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
      ['verify', '--json', '--policy', policyFile, '--from', `oci:${layout}:v1`, 'registry.example/bundles/app:v1'], { encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    return JSON.parse(r.stdout);
  };
  for (const tagSchema of [true, false]) {
    const ok = verify(bundleLayout(['attestation', 'good-dsse'], { tagSchema }));
    assert.equal(ok.allowed, true, JSON.stringify(ok));
    assert.deepEqual(ok.requirements[0].signatures.map((s) => [s.format, s.outcome]), [['sigstore-bundle', 'rejected'], ['sigstore-bundle', 'accepted']]);
    const denied = verify(bundleLayout(['attestation'], { tagSchema }));
    assert.equal(denied.reasons[0].code, 'PAYLOAD_INVALID');
  }
});
