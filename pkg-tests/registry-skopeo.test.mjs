// `sigwall verify docker://…` against skopeo, straight from a registry: Debian's Distribution
// registry on 127.0.0.1, images pushed and signed by real `skopeo copy --sign-by` (simple
// signatures in a lookaside store served over http), and a matrix of policies (every signedBy
// identity matcher, scopes at every level, keyPath / keyPaths / keyData, two requirements) ×
// images (unsigned, each key, both keys, wrong identity, a signature replayed from another
// image, a manifest replaced after signing, multi-arch, Docker schema 2, a nested namespace, a
// missing image). On every case sigwall and `skopeo --policy P --registries.d D copy
// docker://… dir:…` must agree on accept/reject. Debian's skopeo cannot evaluate
// sigstoreSigned (patched out), so cosign cases are checked against the verdicts the spec
// requires instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer } from './helpers.mjs';
import { makeImage, makeMultiArch } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';

let world;
let dir;
let H;
const digests = {};

before(async () => {
  world = await startWorld();
  dir = consumer('registry-skopeo');
  H = world.host;
  const { a, b } = world.keys;
  const img = (text) => makeImage(`${text}\n`, 'v1');
  digests.unsigned = world.push(img('unsigned'), 'lib/unsigned', { tag: 'v1' });
  digests.signedA = world.push(img('signed by a'), 'lib/signed-a', { tag: 'v1', signBy: [a.fpr] });
  digests.signedB = world.push(img('signed by b'), 'lib/signed-b', { tag: 'v1', signBy: [b.fpr] });
  digests.signedAB = world.push(img('signed by a and b'), 'lib/signed-ab', { tag: 'v1', signBy: [a.fpr, b.fpr] });
  digests.wrongId = world.push(img('wrong identity'), 'lib/wrong-id', { tag: 'v1', signBy: [a.fpr], identity: `${H}/lib/other:v1` });
  // A signature of signed-a's manifest, copied next to another image's manifest.
  digests.replayed = world.push(img('replayed'), 'lib/replayed', { tag: 'v1' });
  world.copySignatures('lib/signed-a', digests.signedA, 'lib/replayed', digests.replayed);
  // Signed, then the tag replaced by other content whose lookaside entry holds the old signature.
  const original = world.push(img('original'), 'lib/tampered', { tag: 'v1', signBy: [a.fpr] });
  digests.tampered = world.push(img('tampered'), 'lib/tampered', { tag: 'v1' });
  world.copySignatures('lib/tampered', original, 'lib/tampered', digests.tampered);
  digests.multi = world.push(makeMultiArch(['amd64', 'arm64'], 'v1'), 'lib/multi', { tag: 'v1', signBy: [a.fpr], all: true });
  digests.docker = world.push(img('docker schema 2'), 'lib/docker', { tag: 'v1', signBy: [a.fpr], format: 'v2s2' });
  digests.nested = world.push(img('nested'), 'deep/er/ns/app', { tag: 'v1', signBy: [a.fpr] });
  digests.cosign = world.push(img('cosign'), 'cosign/app', { tag: 'v1' });
  world.signCosign('cosign/app', digests.cosign, `${H}/cosign/app`);
  digests.cosignMulti = world.push(makeMultiArch(['amd64', 'arm64'], 'v1'), 'cosign/multi', { tag: 'v1', all: true });
  world.signCosign('cosign/multi', digests.cosignMulti, `${H}/cosign/multi`);
  digests.bundled = world.push(img('cosign v3 bundle'), 'cosign/bundled', { tag: 'v1' });
  const size = Buffer.from(world.skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${H}/cosign/bundled:v1`]).stdout).length;
  digests.bundle = await world.attachBundleReferrer('cosign/bundled', digests.bundled, size);
  digests.cosignOther = world.push(img('cosign other key'), 'cosign/other', { tag: 'v1' });
  world.signCosign('cosign/other', digests.cosignOther, `${H}/cosign/other`, { key: 'other' });
});

after(async () => {
  await world?.stop();
});

const IMAGES = {
  unsigned: 'lib/unsigned:v1',
  signedA: 'lib/signed-a:v1',
  signedB: 'lib/signed-b:v1',
  signedAB: 'lib/signed-ab:v1',
  wrongId: 'lib/wrong-id:v1',
  replayed: 'lib/replayed:v1',
  tampered: 'lib/tampered:v1',
  multi: 'lib/multi:v1',
  docker: 'lib/docker:v1',
  nested: 'deep/er/ns/app:v1',
  missing: 'lib/missing:v1',
};

const byKey = (key, identity) => ({ type: 'signedBy', keyType: 'GPGKeys', ...key, ...(identity ? { signedIdentity: identity } : {}) });

function policies() {
  const A = { keyPath: world.keys.a.path };
  const B = { keyPath: world.keys.b.path };
  const reject = [{ type: 'reject' }];
  const accept = [{ type: 'insecureAcceptAnything' }];
  return {
    'repository scope, keyPath A': { default: reject, transports: { docker: { [`${H}/lib`]: [byKey(A)] } } },
    'registry scope, keyPaths A+B': { default: reject, transports: { docker: { [H]: [byKey({ keyPaths: [world.keys.a.path, world.keys.b.path] })] } } },
    'default, keyData B': { default: [byKey({ keyData: readFileSync(world.keys.b.path).toString('base64') })] },
    'identity scope wins over its namespace': { default: accept, transports: { docker: { [`${H}/lib`]: reject, [`${H}/lib/signed-a:v1`]: [byKey(A)], [`${H}/deep/er`]: [byKey(A)] } } },
    'transport default scope': { default: accept, transports: { docker: { '': [byKey(B)] } } },
    'matchRepository': { default: [byKey(A, { type: 'matchRepository' })] },
    'matchExact': { default: [byKey(A, { type: 'matchExact' })] },
    'exactReference': { default: [byKey(A, { type: 'exactReference', dockerReference: `${H}/lib/other:v1` })] },
    'exactRepository': { default: [byKey(A, { type: 'exactRepository', dockerRepository: `${H}/lib/signed-a` })] },
    'remapIdentity': { default: [byKey(A, { type: 'remapIdentity', prefix: `${H}/lib/wrong-id`, signedPrefix: `${H}/lib/other` })] },
    'two requirements: A and B': { default: [byKey(A), byKey(B)] },
  };
}

function sigwall(policyFile, image, extra = []) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), ['verify', '--policy', policyFile, '--registries.d', world.registriesD, '--platform', 'linux/amd64', ...extra, `docker://${H}/${image}`], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function skopeoAllows(policy, image) {
  const dest = mkdtempSync(join(tmpdir(), 'sigwall-skopeo-dest-'));
  rmSync(dest, { recursive: true });
  const r = world.skopeo(['--override-os', 'linux', '--override-arch', 'amd64', 'copy', '--src-tls-verify=false', `docker://${H}/${image}`, `dir:${dest}`], JSON.stringify(policy));
  rmSync(dest, { recursive: true, force: true });
  return { allowed: r.status === 0, err: r.stderr };
}

/** skopeo's decision per `policy name × image`, for the Chromium run of the same matrix. */
const skopeoAllowed = new Map();

test('sigwall and skopeo agree on every policy × image', () => {
  const disagreements = [];
  let allowed = 0;
  let denied = 0;
  for (const [name, policy] of Object.entries(policies())) {
    const file = join(world.dir, `policy-${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(policy));
    for (const [what, image] of Object.entries(IMAGES)) {
      const ours = sigwall(file, image);
      const theirs = skopeoAllows(policy, image);
      skopeoAllowed.set(`${name} × ${what}`, theirs.allowed);
      assert.ok([0, 1, 2].includes(ours.status), `${name} × ${what}: exit ${ours.status}: ${ours.err}`);
      if ((ours.status === 0) !== theirs.allowed) {
        disagreements.push(`${name} × ${what}: sigwall exit ${ours.status} (${ours.out.trim().split('\n').pop()} ${ours.err.trim()}), skopeo ${theirs.allowed ? 'allowed' : `rejected: ${theirs.err.trim().split('\n').pop()}`}`);
      }
      if (ours.status === 0) allowed++;
      else denied++;
    }
  }
  assert.deepEqual(disagreements, []);
  // The matrix exercises both outcomes broadly, not one.
  assert.ok(allowed >= 15 && denied >= 40, `allowed ${allowed}, denied ${denied}`);
});

test('the verdicts carry the reasons skopeo would give', () => {
  const file = join(world.dir, 'policy-reasons.json');
  writeFileSync(file, JSON.stringify(policies()['repository scope, keyPath A']));
  const ok = sigwall(file, IMAGES.signedA, ['--json']);
  assert.equal(ok.status, 0, ok.err);
  const verdict = JSON.parse(ok.out);
  assert.equal(verdict.digest, digests.signedA);
  assert.equal(verdict.scope, `${H}/lib`);
  assert.equal(verdict.requirements[0].signatures[0].source, 'lookaside');
  assert.equal(verdict.requirements[0].signatures[0].key, world.keys.a.fpr);
  const wrong = JSON.parse(sigwall(file, IMAGES.wrongId, ['--json']).out);
  assert.equal(wrong.allowed, false);
  assert.equal(wrong.requirements[0].signatures[0].code, 'IDENTITY_MISMATCH');
  const replayed = JSON.parse(sigwall(file, IMAGES.replayed, ['--json']).out);
  assert.equal(replayed.requirements[0].signatures[0].outcome, 'rejected');
  assert.match(replayed.requirements[0].signatures[0].message, /digest/i);
  const human = sigwall(file, IMAGES.unsigned);
  assert.equal(human.status, 1);
  assert.match(human.out, /DENIED/);
  assert.match(human.out, new RegExp(`manifest ${digests.unsigned}`));
  const missing = sigwall(file, IMAGES.missing);
  assert.equal(missing.status, 2);
  assert.match(missing.err, /MANIFEST_UNKNOWN/);
});

test('multi-arch: the platform instance is evaluated and named', () => {
  const file = join(world.dir, 'policy-multi.json');
  writeFileSync(file, JSON.stringify(policies()['repository scope, keyPath A']));
  for (const platform of ['linux/amd64', 'linux/arm64']) {
    const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), ['verify', '--json', '--policy', file, '--registries.d', world.registriesD, '--platform', platform, `docker://${H}/${IMAGES.multi}`], { encoding: 'utf8' });
    const verdict = JSON.parse(r.stdout);
    assert.notEqual(verdict.digest, digests.multi, 'the instance, not the index, is evaluated');
    const index = JSON.parse(world.skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${H}/${IMAGES.multi}`]).stdout);
    const entry = index.manifests.find((m) => `${m.platform.os}/${m.platform.architecture}` === platform);
    assert.equal(verdict.digest, entry.digest, platform);
  }
});

test('cosign attachments (sigstoreSigned): verdicts as the spec requires', () => {
  const file = join(world.dir, 'policy-cosign.json');
  writeFileSync(file, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${H}/cosign`]: [{ type: 'sigstoreSigned', keyPath: world.cosign.path, signedIdentity: { type: 'matchRepository' } }],
    [`${H}/lib`]: [{ type: 'sigstoreSigned', keyPath: world.cosign.path }],
  } } }));
  const ok = sigwall(file, 'cosign/app:v1', ['--json']);
  assert.equal(ok.status, 0, ok.out + ok.err);
  assert.equal(JSON.parse(ok.out).requirements[0].signatures[0].source, 'cosign-tag');
  // Signed by a key the policy does not name.
  const other = JSON.parse(sigwall(file, 'cosign/other:v1', ['--json']).out);
  assert.equal(other.allowed, false);
  assert.equal(other.requirements[0].signatures[0].outcome, 'rejected');
  // registries.d does not enable attachments for lib/: no cosign signature is read there.
  const lib = JSON.parse(sigwall(file, IMAGES.signedA, ['--json']).out);
  assert.equal(lib.allowed, false);
  assert.ok(lib.requirements[0].signatures.every((s) => s.format !== 'cosign'));
});

test('--accept-index-signatures: a signature of the index counts for its instance, only when asked', () => {
  const file = join(world.dir, 'policy-index.json');
  writeFileSync(file, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath: world.cosign.path, signedIdentity: { type: 'matchRepository' } }] }));
  const plain = sigwall(file, 'cosign/multi:v1', ['--json']);
  assert.equal(plain.status, 1, 'containers/image reads only the instance\'s signatures');
  const opted = sigwall(file, 'cosign/multi:v1', ['--json', '--accept-index-signatures']);
  assert.equal(opted.status, 0, opted.out + opted.err);
  const verdict = JSON.parse(opted.out);
  const index = JSON.parse(world.skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${H}/cosign/multi:v1`]).stdout);
  assert.equal(verdict.digest, index.manifests.find((m) => m.platform.architecture === 'amd64').digest);
  assert.notEqual(verdict.digest, digests.cosignMulti);
});

test('a Sigstore bundle among the OCI referrers is reported as UNSUPPORTED_FORMAT, not ignored', () => {
  const file = join(world.dir, 'policy-bundle.json');
  writeFileSync(file, JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath: world.cosign.path, signedIdentity: { type: 'matchRepository' } }] }));
  const r = sigwall(file, 'cosign/bundled:v1', ['--json']);
  assert.equal(r.status, 1, r.err);
  const verdict = JSON.parse(r.out);
  const [sig] = verdict.requirements[0].signatures;
  assert.equal(sig.code, 'UNSUPPORTED_FORMAT');
  assert.equal(sig.source, 'referrers');
  assert.match(sig.message, new RegExp(digests.bundle));
  assert.equal(verdict.reasons[0].code, 'UNSUPPORTED_FORMAT');
  // An image with a .sig signature and no referrers is unaffected.
  assert.equal(sigwall(file, 'cosign/app:v1').status, 0);
});

test('a progress line on stderr only when stderr is a terminal', () => {
  const file = join(world.dir, 'policy-progress.json');
  writeFileSync(file, JSON.stringify(policies()['repository scope, keyPath A']));
  const piped = sigwall(file, IMAGES.signedA);
  assert.equal(piped.status, 0);
  assert.equal(piped.err, '', 'nothing on a stderr that is not a terminal');
  // `script` runs the command on a pseudo-terminal.
  const command = [join(dir, 'node_modules', '.bin', 'sigwall'), 'verify', '--policy', file, '--registries.d', world.registriesD, `docker://${H}/${IMAGES.signedA}`]
    .map((a) => `'${a}'`).join(' ');
  const tty = spawnSync('script', ['-qefc', command, '/dev/null'], { encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /sigwall: fetching manifest v1/);
  assert.match(tty.stdout, /sigwall: fetching signatures/);
  assert.match(tty.stdout, /allowed/);
});

test('the same matrix in Chromium, straight from the registry, agrees with skopeo too', async () => {
  assert.ok(skopeoAllowed.size > 100, 'the Node matrix ran first');
  const { launchChromium, openPage } = await import('./helpers.mjs');
  const { serveStatic } = await import('../scripts/lib/serve.mjs');
  writeFileSync(join(dir, 'matrix.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "sigwall": "/node_modules/sigwall/pkg/browser.js" } }</script>
<script type="module">import * as sigwall from 'sigwall'; window.sigwall = sigwall; window.ready = true;</script>`);
  const { server, url } = await serveStatic({ mounts: { '/': dir } });
  const browser = await launchChromium();
  try {
    const { page, errors } = await openPage(browser, `${url}matrix.html`);
    await page.waitForFunction(() => window.ready === true);
    const keys = Object.fromEntries([world.keys.a.path, world.keys.b.path].map((p) => [p, readFileSync(p).toString('base64')]));
    const results = await page.evaluate(async ({ policies, images, keys, host, registriesD }) => {
      const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const keyBytes = Object.fromEntries(Object.entries(keys).map(([p, b]) => [p, bytes(b)]));
      const out = {};
      for (const [name, policy] of Object.entries(policies)) {
        const v = await window.sigwall.createVerifier({ policy, registriesD, keys: keyBytes, platform: 'linux/amd64' });
        for (const [what, image] of Object.entries(images)) {
          try {
            out[`${name} × ${what}`] = (await v.verify(`docker://${host}/${image}`)).allowed;
          } catch (e) {
            out[`${name} × ${what}`] = `${e.name} ${e.code}`;
          }
        }
      }
      return out;
    }, { policies: policies(), images: IMAGES, keys, host: H, registriesD: readFileSync(join(world.registriesD, 'test.yaml'), 'utf8') });
    const disagreements = [];
    for (const [key, allowed] of skopeoAllowed) {
      if ((results[key] === true) !== allowed) disagreements.push(`${key}: Chromium ${results[key]}, skopeo ${allowed}`);
    }
    assert.deepEqual(disagreements, []);
    // Only the missing image may fail, and only as MANIFEST_UNKNOWN (the browser logs its 404s).
    assert.deepEqual(Object.entries(results).filter(([, r]) => typeof r === 'string' && r !== 'VerifyError MANIFEST_UNKNOWN'), []);
    assert.deepEqual(errors.filter((e) => !/404|blocked by CORS policy.*\/referrers\/|net::ERR_FAILED/.test(e)), []);
  } finally {
    await browser.close();
    server.close();
  }
});
