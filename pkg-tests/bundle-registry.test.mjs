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
import { consumer, daemon, freePort, launchChromium, repo, waitForPort } from './helpers.mjs';
import { serveStatic } from '../scripts/lib/serve.mjs';
import { attachCosignSignature, pullThrough, put as putInto } from './lib/registry.mjs';
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
  // A registry that labels an attestation's referrer as a signature: the statement decides.
  mislabelled: { bundles: ['attestation'], predicate: 'https://sigstore.dev/cosign/sign/v1' },
  mismatch: { bundles: ['dsse-subject-mismatch'] },
  // A referrer whose (unsigned) manifest names an unverified blob as its config.
  smuggle: { bundles: ['good-dsse'], config: Buffer.from('an unverified blob the gate must not serve\n') },
  mixed: { bundles: ['attestation', 'dsse-subject-mismatch', 'good-dsse'] },
  legacy: { legacy: ['legacy-good'] },
  unsigned: {},
};

let world;
let dir;
let gate;
let G; // the gate's host:port
const policies = {};
const referrerDigests = {}; // fixture case → its referrer manifest's digest

const put = (name, bytes, ref, type) => putInto(world.registry.url, name, bytes, ref, type);

/** Attaches `bundle` to the image in `name` as cosign v3 does; returns the referrer descriptor. */
async function attachBundle(name, bundle, claimed, referrerConfig = config) {
  const predicate = claimed ?? JSON.parse(Buffer.from(JSON.parse(bundle).dsseEnvelope.payload, 'base64')).predicateType;
  await put(name, bundle);
  if (referrerConfig !== config) await put(name, referrerConfig);
  const referrer = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: BUNDLE,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(referrerConfig), size: referrerConfig.length },
    layers: [{ mediaType: BUNDLE, digest: sha256(bundle), size: bundle.length }],
    subject: { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length },
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': predicate },
  }));
  await put(name, referrer, sha256(referrer), OCI_MANIFEST);
  referrerDigests[`${name} ${predicate}`] = sha256(referrer);
  // What cosign's fallback writes into the tag-schema index (kyverno#16664): the empty type.
  return { mediaType: OCI_MANIFEST, artifactType: 'application/vnd.oci.empty.v1+json', digest: sha256(referrer), size: referrer.length };
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
    for (const c of holds.bundles ?? []) descriptors.push(await attachBundle(name, fx(`${c}.bundle.json`), holds.predicate, holds.config));
    if (descriptors.length > 0) {
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }));
      await put(name, index, sha256(manifest).replace(':', '-'), OCI_INDEX);
    }
    for (const c of holds.legacy ?? []) await attachCosignSignature(world.registry.url, name, sha256(manifest), JSON.parse(fx(`${c}.sig.json`)));
  }
  const root = join(repo, 'fixtures', 'bundles', 'trusted_root.json');
  const extension = (subject, signedIdentity = { type: 'matchRepository' }) => ({
    type: 'sigstoreSigned', trustedRootPath: root, acceptBundles: true,
    fulcio: { oidcIssuer: cases.issuer, ...subject }, signedIdentity,
  });
  // The legacy signatures claim registry.example/bundles/app.
  policies.legacy = policyFile('legacy', extension({ subjectEmail: cases.identity },
    { type: 'exactRepository', dockerRepository: 'registry.example/bundles/app' }));
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
  await gate?.stop();
  await world?.stop();
});

/** A gate in front of the registry, enforcing the e-mail policy (started on first use). */
async function startGate() {
  if (gate) return;
  const port = await freePort();
  G = `127.0.0.1:${port}`;
  gate = daemon(join(dir, 'node_modules', '.bin', 'sigwall'), ['gate', '--upstream', world.registry.url,
    '--registry-name', world.host, '--policy', policies.email, '--registries.d', world.registriesD, '--listen', G], { cwd: repo });
  await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${gate.log()}`); });
}

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
  // Announced as an attestation, it is not even fetched; labelled a signature, it is, and refused.
  assert.equal(verify(policies.email, 'attested').reasons[0].code, 'NO_SIGNATURES');
  const mislabelled = verify(policies.email, 'mislabelled');
  assert.equal(mislabelled.reasons[0].code, 'PAYLOAD_INVALID');
  assert.ok(mislabelled.reasons[0].message.includes('attestation'));
  assert.equal(verify(policies.email, 'mismatch').reasons[0].code, 'DIGEST_MISMATCH');
  const v = verify(policies.email, 'mixed');
  assert.equal(v.allowed, true);
  // The announced attestation is not fetched; the other two are signatures, one accepted.
  assert.deepEqual(v.requirements[0].signatures.map((s) => s.outcome).sort(), ['accepted', 'rejected']);
});

test('under podman\'s grammar a bundle is reported and never accepted', () => {
  const v = verify(policies.podman, 'signed');
  assert.equal(v.allowed, false);
  assert.equal(v.reasons[0].code, 'UNSUPPORTED_FORMAT');
  assert.equal(v.requirements[0].signatures[0].format, 'sigstore-bundle');
});

test('a legacy .sig signature is checked with the trusted root too; no signature at all is denied', () => {
  const v = verify(policies.legacy, 'legacy');
  assert.equal(v.allowed, true, JSON.stringify(v));
  // The signed reference is checked for `.sig` signatures, as podman checks it.
  assert.equal(verify(policies.email, 'legacy').reasons[0].code, 'IDENTITY_MISMATCH');
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

test('the gate passes on only the bundles its policy accepts, through the tag schema and the referrers API', async () => {
  await startGate();
  const subject = sha256(manifest);
  const good = referrerDigests['bundles/mixed https://sigstore.dev/cosign/sign/v1'];
  const attestation = referrerDigests['bundles/mixed https://slsa.dev/provenance/v1'];
  for (const path of [`manifests/${subject.replace(':', '-')}`, `referrers/${subject}`]) {
    const r = await fetch(`http://${G}/v2/bundles/mixed/${path}`, { headers: { accept: OCI_INDEX } });
    assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
    const index = await r.json();
    // Of an attestation, a statement about another digest and a signature: the signature.
    assert.deepEqual(index.manifests.map((m) => m.digest), [good], path);
    assert.equal(index.manifests[0].artifactType, BUNDLE);
  }
  // The accepted referrer and its bundle are served, byte for byte; the attestation is not.
  const referrer = await fetch(`http://${G}/v2/bundles/mixed/manifests/${good}`, { headers: { accept: OCI_MANIFEST } });
  assert.equal(referrer.status, 200);
  const referrerBytes = Buffer.from(await referrer.arrayBuffer());
  assert.equal(sha256(referrerBytes), good);
  const layer = JSON.parse(referrerBytes).layers[0];
  const blob = await fetch(`http://${G}/v2/bundles/mixed/blobs/${layer.digest}`);
  assert.equal(blob.status, 200);
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), fx('good-dsse.bundle.json'));
  const refused = await fetch(`http://${G}/v2/bundles/mixed/manifests/${attestation}`, { headers: { accept: OCI_MANIFEST } });
  assert.equal(refused.status, 403);
  // A referrer manifest is not signed: an unverified blob it names as config is not served.
  const smuggled = await fetch(`http://${G}/v2/bundles/smuggle/manifests/${subject.replace(':', '-')}`, { headers: { accept: OCI_INDEX } });
  assert.equal(smuggled.status, 200);
  const smuggledReferrer = await fetch(`http://${G}/v2/bundles/smuggle/manifests/${(await smuggled.json()).manifests[0].digest}`, { headers: { accept: OCI_MANIFEST } });
  const named = JSON.parse(Buffer.from(await smuggledReferrer.arrayBuffer()));
  assert.equal(named.config.digest, sha256(REPOS.smuggle.config));
  const secret = await fetch(`http://${G}/v2/bundles/smuggle/blobs/${named.config.digest}`);
  assert.equal(secret.status, 403, 'an unverified blob named by a referrer manifest was served');
  assert.equal((await fetch(`http://${G}/v2/bundles/smuggle/blobs/${named.layers[0].digest}`)).status, 200);
  // An image the policy denies has no referrers through the gate.
  const denied = await fetch(`http://${G}/v2/bundles/attested/manifests/${subject.replace(':', '-')}`, { headers: { accept: OCI_INDEX } });
  assert.equal(denied.status, 403);
});

test('skopeo pulls a cosign v3 signed image through the gate, and is refused an attested-only one', async () => {
  await startGate();
  const ok = await pullThrough(G, 'bundles/signed:v1');
  assert.equal(ok.status, 0, `${ok.err}\n${gate.log()}`);
  const denied = await pullThrough(G, 'bundles/attested:v1');
  assert.notEqual(denied.status, 0);
  assert.match(denied.err, /denied/i);
});

test('a client that checks bundles itself verifies through the gate', async () => {
  await startGate();
  const { createVerifier } = await import(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js'));
  const policy = JSON.parse(readFileSync(policies.email, 'utf8'));
  const root = policy.transports.docker[`${world.host}/bundles`][0].trustedRootPath;
  const verifier = await createVerifier({ policy, keys: { [root]: readFileSync(root) }, proxy: `http://${G}`, insecureHttp: true });
  const v = await verifier.verify(`${world.host}/bundles/mixed:v1`);
  assert.equal(v.allowed, true, JSON.stringify(v));
  // Only the accepted bundle reached the client.
  assert.deepEqual(v.requirements[0].signatures.map((x) => [x.format, x.outcome]), [['sigstore-bundle', 'accepted']]);
});

test('the panel shows who signed each cosign v3 signature, in Chromium, through the gate', async () => {
  await startGate();
  const pageDir = mkdtempSync(join(tmpdir(), 'sigwall-panel-'));
  writeFileSync(join(pageDir, 'index.html'), `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "sigwall": "/pkg/browser.js" } }</script>
<script type="module" src="/www/panel/sigwall-verify.js"></script>
<sigwall-verify id="signed" image="${world.host}/bundles/signed:v1" gate="http://${G}"></sigwall-verify>
<sigwall-verify id="attested" image="${world.host}/bundles/attested:v1" gate="http://${G}"></sigwall-verify>`);
  const { server, url } = await serveStatic({
    mounts: { '/pkg/': join(repo, 'pkg'), '/www/': join(repo, 'www') }, index: join(pageDir, 'index.html'),
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => ['signed', 'attested'].every((id) => document.getElementById(id).verdict), null, { timeout: 60000 });
    const shown = await page.evaluate(() => Object.fromEntries(['signed', 'attested'].map((id) => {
      const root = document.getElementById(id).shadowRoot;
      return [id, {
        state: root.querySelector('.status').dataset.state,
        signer: [...root.querySelectorAll('.signer')].map((d) => d.textContent),
      }];
    })));
    assert.equal(shown.signed.state, 'allowed');
    assert.equal(shown.signed.signer.length, 1);
    for (const part of ['Signed by', cases.identity, 'OIDC issuer', cases.issuer, 'Transparency log', 'integrated 2025-06-01T12:00:00Z']) {
      assert.ok(shown.signed.signer[0].includes(part), `${part} in ${shown.signed.signer[0]}`);
    }
    assert.equal(shown.attested.state, 'denied');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
