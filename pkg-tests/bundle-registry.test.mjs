// cosign v3 image signatures straight from a registry: Debian's Distribution registry on 127.0.0.1
// holds the image of fixtures/bundles and, per repository, its Sigstore bundles attached as cosign
// v3 attaches them (BUNDLE_SPEC): the bundle as a blob, a referrer manifest (artifactType the bundle
// type, the empty config, one layer, `subject` the image) pushed by digest, and — Distribution 2.8
// has no referrers API — the `sha256-<hex>` tag-schema index listing it, with the empty
// `artifactType` go-containerregistry writes there. Some repositories also hold a legacy `.sig`
// signature of the same instance. The bundles are the private instance's (fixtures/bundles, both
// oracles agree with each); `sigwall verify docker://…` and `verifier.verify()` must find them
// through the fallback and decide each repository as the policy says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer, repo } from './helpers.mjs';
import { startWorld } from './lib/world.mjs';

const fx = (...p) => readFileSync(join(repo, 'fixtures', 'bundles', ...p));
const cases = JSON.parse(fx('cases.json'));
const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const b64 = (b) => Buffer.from(b).toString('base64');
const manifest = fx('manifest.json');
const config = Buffer.from('{}');
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const WORKFLOW = cases.cases['good-uri'].identity;

// Repository → what it holds: bundles (fixture case names) and legacy signatures.
const REPOS = {
  signed: { bundles: ['good-dsse'] },
  workflow: { bundles: ['good-uri'] },
  attested: { bundles: ['attestation'] },
  mismatch: { bundles: ['dsse-subject-mismatch'] },
  mixed: { bundles: ['attestation', 'dsse-subject-mismatch', 'good-dsse'] },
  legacy: { legacy: ['legacy-good'] },
  unsigned: {},
};

let world;
let dir;
const policies = {};

async function put(name, bytes, ref, type) {
  const base = `${world.registry.url}/v2/${name}`;
  if (ref === undefined) {
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    assert.equal(start.status, 202);
    const location = new URL(start.headers.get('location'), world.registry.url);
    location.searchParams.set('digest', sha256(bytes));
    const r = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(r.status, 201, await r.text());
    return;
  }
  const r = await fetch(`${base}/manifests/${ref}`, { method: 'PUT', body: bytes, headers: { 'content-type': type } });
  assert.equal(r.status, 201, `${name} ${ref}: ${await r.text()}`);
}

/** Attaches `bundle` to the image in `name` as cosign v3 does; returns the referrer descriptor. */
async function attachBundle(name, bundle) {
  const predicate = JSON.parse(Buffer.from(JSON.parse(bundle).dsseEnvelope.payload, 'base64')).predicateType;
  await put(name, bundle);
  const referrer = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: BUNDLE, digest: sha256(bundle), size: bundle.length }],
    subject: { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length },
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicate },
  }));
  await put(name, referrer, sha256(referrer), OCI_MANIFEST);
  // What cosign's fallback writes into the tag-schema index (kyverno#16664): the empty type.
  return { mediaType: OCI_MANIFEST, artifactType: 'application/vnd.oci.empty.v1+json', digest: sha256(referrer), size: referrer.length };
}

/** Attaches a legacy signature (sigstore-json) as a `sha256-<hex>.sig` tag, as cosign v2 does. */
async function attachLegacy(name, sig) {
  const payload = Buffer.from(sig.payload, 'base64');
  const sigConfig = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const sigManifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(sigConfig), size: sigConfig.length },
    layers: [{ mediaType: sig.mimeType, digest: sha256(payload), size: payload.length, annotations: sig.annotations }],
  }));
  await put(name, payload);
  await put(name, sigConfig);
  await put(name, sigManifest, `${sha256(manifest).replace(':', '-')}.sig`, OCI_MANIFEST);
}

function policyFile(name, requirement) {
  const policy = { default: [{ type: 'reject' }], transports: { docker: { [`${world.host}/bundles`]: [requirement] } } };
  const file = join(mkdtempSync(join(tmpdir(), 'sigwall-bundle-registry-')), `${name}.json`);
  writeFileSync(file, JSON.stringify(policy));
  return file;
}

before(async () => {
  world = await startWorld({ attachments: ['bundles'] });
  dir = consumer('bundle-registry');
  for (const [repoName, holds] of Object.entries(REPOS)) {
    const name = `bundles/${repoName}`;
    await put(name, config);
    await put(name, manifest, 'v1', OCI_MANIFEST);
    const descriptors = [];
    for (const c of holds.bundles ?? []) descriptors.push(await attachBundle(name, fx(`${c}.bundle.json`)));
    if (descriptors.length > 0) {
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }));
      await put(name, index, sha256(manifest).replace(':', '-'), OCI_INDEX);
    }
    for (const c of holds.legacy ?? []) await attachLegacy(name, JSON.parse(fx(`${c}.sig.json`)));
  }
  const root = join(repo, 'fixtures', 'bundles', 'trusted_root.json');
  const extension = (subject) => ({
    type: 'sigstoreSigned', trustedRootPath: root, acceptBundles: true,
    fulcio: { oidcIssuer: cases.issuer, ...subject }, signedIdentity: { type: 'matchRepository' },
  });
  policies.email = policyFile('email', extension({ subjectEmail: cases.identity }));
  policies.workflow = policyFile('workflow', extension({ subjectRegExp: 'https://github\\.com/sigwall-test/app/\\.github/workflows/[^/]+@refs/tags/v[0-9]+' }));
  // Podman's grammar, with the instance's CA and log key: bundles cannot count.
  const rootJson = JSON.parse(fx('trusted_root.json'));
  const pem = (label, der) => `-----BEGIN ${label}-----\n${Buffer.from(der, 'base64').toString('base64').match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`;
  const certs = rootJson.certificateAuthorities[0].certChain.certificates;
  policies.podman = policyFile('podman', {
    type: 'sigstoreSigned',
    fulcio: { caData: b64(pem('CERTIFICATE', certs[certs.length - 1].rawBytes)), oidcIssuer: cases.issuer, subjectEmail: cases.identity },
    rekorPublicKeyData: b64(pem('PUBLIC KEY', rootJson.tlogs[0].publicKey.rawBytes)),
    signedIdentity: { type: 'matchRepository' },
  });
});

after(async () => {
  await world?.stop();
});

function verify(policy, repoName) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
    ['verify', '--json', '--policy', policy, '--registries.d', world.registriesD, `docker://${world.host}/bundles/${repoName}:v1`],
    { encoding: 'utf8', timeout: 60000 });
  assert.ok(r.status === 0 || r.status === 1, `${r.stdout}\n${r.stderr}`);
  const verdict = JSON.parse(r.stdout);
  assert.equal(verdict.allowed, r.status === 0);
  assert.equal(verdict.digest, sha256(manifest));
  return verdict;
}

test('the registry has no referrers API: the tag schema is what sigwall falls back to', async () => {
  const r = await fetch(`${world.registry.url}/v2/bundles/signed/referrers/${sha256(manifest)}`);
  assert.equal(r.status, 404);
});

test('a cosign v3 signature by the policy\'s signer is found through the tag schema and accepted', () => {
  const v = verify(policies.email, 'signed');
  assert.equal(v.allowed, true, JSON.stringify(v));
  const [sig] = v.requirements[0].signatures;
  assert.equal(sig.format, 'sigstore-bundle');
  assert.equal(sig.source, 'referrers');
  assert.deepEqual(sig.signer.identities, [cases.identity]);
  assert.equal(sig.signer.issuer, cases.issuer);
  assert.equal(typeof sig.signer.log.integratedTime, 'number');
});

test('a workflow identity matches an anchored subjectRegExp; the e-mail policy refuses it', () => {
  assert.equal(verify(policies.workflow, 'workflow').allowed, true);
  const v = verify(policies.email, 'workflow');
  assert.equal(v.reasons[0].code, 'CERTIFICATE_MISMATCH');
  assert.ok(v.reasons[0].message.includes(WORKFLOW), v.reasons[0].message);
  assert.equal(verify(policies.workflow, 'signed').allowed, false);
});

test('an attestation is not a signature, a statement about another digest is refused', () => {
  assert.equal(verify(policies.email, 'attested').reasons[0].code, 'PAYLOAD_INVALID');
  assert.equal(verify(policies.email, 'mismatch').reasons[0].code, 'DIGEST_MISMATCH');
  const v = verify(policies.email, 'mixed');
  assert.equal(v.allowed, true);
  assert.deepEqual(v.requirements[0].signatures.map((s) => s.outcome).sort(), ['accepted', 'rejected', 'rejected']);
});

test('under podman\'s grammar a bundle is reported and never accepted', () => {
  const v = verify(policies.podman, 'signed');
  assert.equal(v.allowed, false);
  assert.equal(v.reasons[0].code, 'UNSUPPORTED_FORMAT');
  assert.equal(v.requirements[0].signatures[0].format, 'sigstore-bundle');
});

test('a legacy .sig signature is checked with the trusted root too; no signature at all is denied', () => {
  const v = verify(policies.email, 'legacy');
  assert.equal(v.allowed, true, JSON.stringify(v));
  assert.equal(v.requirements[0].signatures[0].format, 'cosign');
  assert.equal(verify(policies.email, 'unsigned').reasons[0].code, 'NO_SIGNATURES');
});

test('the JS API finds and checks the same bundles', async () => {
  const { createVerifier } = await import(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js'));
  const policy = JSON.parse(readFileSync(policies.email, 'utf8'));
  const root = policy.transports.docker[`${world.host}/bundles`][0].trustedRootPath;
  const verifier = await createVerifier({ policy, keys: { [root]: readFileSync(root) } });
  const steps = [];
  const v = await verifier.verify(`${world.host}/bundles/signed:v1`, { onProgress: (s) => steps.push(s) });
  assert.equal(v.allowed, true, JSON.stringify(v));
  assert.ok(steps.some((s) => s.referrer !== undefined), 'the referrer manifest was read');
  const denied = await verifier.verify(`${world.host}/bundles/attested:v1`);
  assert.equal(denied.allowed, false);
});
