// The edge gate with real clients: `sigwall gate` runs the worker in workerd (npm) in front of
// Debian's Distribution registry holding skopeo-signed images, with a fault-injecting proxy
// (this file) between gate and registry. skopeo, with its own policy set to
// insecureAcceptAnything so that the gate is what decides, pulls through the gate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { consumer, daemon, freePort, repo, waitForPort } from './helpers.mjs';
import { makeImage, makeMultiArch, MANIFEST_ACCEPT, pullThrough } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';

let world;
let proxy;
let gate;
let G; // the gate's host:port
let consumerDir; // the consumer project that installed sigwall
const digests = {};
const layers = {};
let otherKeyLayer; // a cosign signature layer of cosign/app by a key the policy does not trust
let fault = null; // (req, res, url) => true when it answered itself

const pull = (image) => pullThrough(G, image);

async function manifestOf(name, tag) {
  const res = await fetch(`${world.registry.url}/v2/${name}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  return JSON.parse(await res.text());
}

before(async () => {
  world = await startWorld();
  const { a, b } = world.keys;
  digests.signed = world.push(makeImage('through the gate\n', 'v1'), 'lib/signed', { tag: 'v1', signBy: [a.fpr] });
  digests.unsigned = world.push(makeImage('unsigned\n', 'v1'), 'lib/unsigned', { tag: 'v1' });
  digests.keyB = world.push(makeImage('signed by b\n', 'v1'), 'lib/key-b', { tag: 'v1', signBy: [b.fpr] });
  digests.wrongId = world.push(makeImage('wrong identity\n', 'v1'), 'lib/wrong-id', { tag: 'v1', signBy: [a.fpr], identity: `${world.host}/lib/other:v1` });
  // A layer of incompressible bytes, so that its body arrives in many chunks.
  digests.cosigned = world.push(makeImage('cosign-signed\n', 'v1'), 'cosign/app', { tag: 'v1' });
  // Signed by another key first, then by the policy's key (the tag keeps the last): the other
  // key's signature layer is kept for a test.
  otherKeyLayer = JSON.parse(world.signCosign('cosign/app', digests.cosigned, `${world.host}/cosign/app:v1`, { key: 'other' }).manifest).layers[0];
  world.signCosign('cosign/app', digests.cosigned, `${world.host}/cosign/app:v1`);
  // A multi-platform image whose linux/amd64 instance is signed (what podman evaluates).
  digests.cosignMulti = world.push(makeMultiArch(['amd64', 'arm64'], 'v1'), 'cosign/multi', { tag: 'v1', all: true });
  digests.cosignMultiAmd64 = (await manifestOf('cosign/multi', 'v1')).manifests.find((m) => m.platform.architecture === 'amd64').digest;
  world.signCosign('cosign/multi', digests.cosignMultiAmd64, `${world.host}/cosign/multi:v1`);
  digests.cosignOther = world.push(makeImage('cosign, other key\n', 'v1'), 'cosign/other', { tag: 'v1' });
  world.signCosign('cosign/other', digests.cosignOther, `${world.host}/cosign/other:v1`, { key: 'other' });
  // Multi-platform images whose every instance is signed for its tag (skopeo copy --all
  // --sign-by signs each instance): lib/app:prod, and lib/app:dev made of other images.
  digests.prod = world.push(makeMultiArch(['amd64', 'arm64'], 'prod'), 'lib/app', { tag: 'prod', all: true, signBy: [a.fpr] });
  digests.dev = world.push(makeMultiArch(['amd64', 'arm64'], 'dev', 'a dev build\n'), 'lib/app', { tag: 'dev', all: true, signBy: [a.fpr] });
  digests.exact = world.push(makeMultiArch(['amd64', 'arm64'], 'v1', 'exact\n'), 'lib/exact', { tag: 'v1', all: true, signBy: [a.fpr] });
  // One repository, two tags with scopes of their own: anything goes for :dev, nothing for :blocked.
  digests.scopedDev = world.push(makeImage('scoped, unsigned\n', 'dev'), 'lib/scoped', { tag: 'dev' });
  digests.scopedBlocked = world.push(makeImage('scoped, signed\n', 'blocked'), 'lib/scoped', { tag: 'blocked', signBy: [a.fpr] });
  digests.big = world.push(makeImage(randomBytes(512 * 1024).toString('base64'), 'v1'), 'lib/big', { tag: 'v1', signBy: [a.fpr] });
  for (const name of ['signed', 'unsigned', 'big']) layers[name] = (await manifestOf(`lib/${name}`, 'v1')).layers[0];

  proxy = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (fault && (await fault(req, res, url))) return;
    const upstream = await fetch(`${world.registry.url}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' }, redirect: 'manual' });
    const headers = {};
    for (const h of ['content-type', 'docker-content-digest', 'location', 'content-length']) {
      const v = upstream.headers.get(h);
      if (v) headers[h] = v;
    }
    res.writeHead(upstream.status, headers).end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));

  // A second registries.d file: the gate must merge files as containers/image does (both
  // have a `docker` section), not read them as one document.
  writeFileSync(join(world.registriesD, 'zz-other.yaml'), 'docker:\n  other.example/team:\n    use-sigstore-attachments: true\n');
  consumerDir = consumer('gate');
  const policy = join(world.dir, 'gate-policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.a.path }],
    [`${world.host}/lib/exact`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.a.path, signedIdentity: { type: 'matchExact' } }],
    [`${world.host}/lib/scoped:dev`]: [{ type: 'insecureAcceptAnything' }],
    [`${world.host}/lib/scoped:blocked`]: [{ type: 'reject' }],
    [`${world.host}/cosign`]: [{ type: 'sigstoreSigned', keyPath: world.cosign.path }],
  } } }));
  const port = await freePort();
  G = `127.0.0.1:${port}`;
  // workerd comes from the repository's dev dependencies (a user installs it next to sigwall).
  gate = daemon(join(consumerDir, 'node_modules', '.bin', 'sigwall'), ['gate', '--upstream', `http://127.0.0.1:${proxy.address().port}`,
    '--registry-name', world.host, '--policy', policy, '--registries.d', world.registriesD, '--listen', G, '--idle-timeout', '2'], { cwd: repo });
  await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${gate.log()}`); });
});

after(async () => {
  await gate?.stop();
  proxy?.close();
  await world?.stop();
});

test('skopeo pulls an allowed image through the gate, and is refused the others with DENIED', async () => {
  fault = null;
  const ok = await pull('lib/signed:v1');
  assert.equal(ok.status, 0, ok.err);
  for (const [image, why] of [['lib/unsigned:v1', /no signature exists/], ['lib/key-b:v1', /signature/i], ['lib/wrong-id:v1', /identity/]]) {
    const r = await pull(image);
    assert.notEqual(r.status, 0, image);
    assert.match(r.err, /denied/i, image);
    assert.match(r.err, why, image);
  }
});

test('the deny body is an OCI error with the verdict; manifests keep their exact bytes', async () => {
  fault = null;
  const res = await fetch(`http://${G}/v2/lib/unsigned/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(res.status, 403);
  const body = await res.json();
  assert.equal(body.errors[0].code, 'DENIED');
  assert.equal(body.errors[0].detail.allowed, false);
  assert.equal(body.errors[0].detail.digest, digests.unsigned);
  const ok = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(ok.status, 200);
  const bytes = Buffer.from(await ok.arrayBuffer());
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, digests.signed);
  assert.equal(ok.headers.get('docker-content-digest'), digests.signed);
  assert.equal(ok.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(ok.headers.get('access-control-allow-origin'), '*');
  const preflight = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { method: 'OPTIONS', headers: { origin: 'http://example.test', 'access-control-request-method': 'GET' } });
  assert.equal(preflight.status, 204);
  assert.match(preflight.headers.get('access-control-expose-headers'), /Docker-Content-Digest/);
  const verdict = await (await fetch(`http://${G}/_sigwall/verify?image=${world.host}/lib/wrong-id:v1`)).json();
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.requirements[0].signatures[0].code, 'IDENTITY_MISMATCH');
  // Another registry's name: the gate would only be describing its upstream under that name.
  const foreign = await fetch(`http://${G}/_sigwall/verify?image=other.example/lib/signed:v1`);
  assert.equal(foreign.status, 400);
  assert.equal((await foreign.json()).errors[0].code, 'NAME_INVALID');
});

test('clients that check signatures themselves get them through the gate', async () => {
  fault = null;
  // skopeo (or podman) behind the gate with its own policy on the gate's names, the identities
  // the signers claimed (the upstream's names) remapped as for a mirror; simple signatures come
  // from the lookaside.
  const remap = { type: 'remapIdentity', prefix: G, signedPrefix: world.host };
  const policy = JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${G}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.a.path, signedIdentity: remap }],
  } } });
  const registriesD = mkdtempSync(join(tmpdir(), 'sigwall-client-d-'));
  writeFileSync(join(registriesD, 'gate.yaml'), `docker:\n  ${G}:\n    lookaside: ${world.lookaside.url}\n  ${G}/cosign:\n    use-sigstore-attachments: true\n`);
  const simple = await pullThrough(G, 'lib/signed:v1', { policy, registriesD });
  assert.equal(simple.status, 0, simple.err);
  // Debian's skopeo cannot check cosign signatures ("sigstore disabled"), but it copies them:
  // the copy holds the signature the gate passed on, the upstream's payload and signature.
  const out = join(mkdtempSync(join(tmpdir(), 'sigwall-client-')), 'app');
  const copied = await pullThrough(G, 'cosign/app:v1', { registriesD, out });
  assert.equal(copied.status, 0, copied.err);
  const tag = `${digests.cosigned.replace(':', '-')}.sig`;
  const upstreamSig = JSON.parse(await (await fetch(`${world.registry.url}/v2/cosign/app/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } })).text());
  // containers/image's dir: format: `signature-1` holds "\0sigstore-json\n" and a JSON record.
  const stored = readFileSync(join(out, 'signature-1'));
  const prefix = Buffer.from('\0sigstore-json\n');
  assert.ok(stored.subarray(0, prefix.length).equals(prefix), 'the copy holds a sigstore signature');
  const record = JSON.parse(stored.subarray(prefix.length));
  assert.equal(record.annotations['dev.cosignproject.cosign/signature'], upstreamSig.layers[0].annotations['dev.cosignproject.cosign/signature']);
  // A multi-platform image: the signature of the instance evaluated (linux/amd64, which skopeo
  // pulls here) is passed on; the index has none that the gate checks.
  const multiOut = join(mkdtempSync(join(tmpdir(), 'sigwall-client-')), 'multi');
  const multi = await pullThrough(G, 'cosign/multi:v1', { registriesD, out: multiOut });
  assert.equal(multi.status, 0, multi.err);
  const instanceTag = `${digests.cosignMultiAmd64.replace(':', '-')}.sig`;
  const instanceSig = JSON.parse(await (await fetch(`${world.registry.url}/v2/cosign/multi/manifests/${instanceTag}`, { headers: { accept: MANIFEST_ACCEPT } })).text());
  const copiedMulti = readFileSync(join(multiOut, 'signature-1'));
  assert.equal(JSON.parse(copiedMulti.subarray(prefix.length)).annotations['dev.cosignproject.cosign/signature'], instanceSig.layers[0].annotations['dev.cosignproject.cosign/signature']);
  const indexSig = await fetch(`http://${G}/v2/cosign/multi/manifests/${digests.cosignMulti.replace(':', '-')}.sig`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(indexSig.status, 404);
  await indexSig.arrayBuffer();

  // Referrers (here a Sigstore bundle upstream) pass only when the gate's policy accepts them as
  // signatures (acceptBundles, which this policy has not): the referrers API and the tag schema
  // are absent, as are tag lists.
  const subject = await fetch(`${world.registry.url}/v2/cosign/app/manifests/${digests.cosigned}`, { headers: { accept: MANIFEST_ACCEPT } });
  await world.attachBundleReferrer('cosign/app', digests.cosigned, (await subject.arrayBuffer()).byteLength);
  for (const [path, code] of [[`cosign/app/referrers/${digests.cosigned}`, 'MANIFEST_UNKNOWN'], [`cosign/app/manifests/${digests.cosigned.replace(':', '-')}`, 'MANIFEST_UNKNOWN'], ['cosign/app/tags/list', 'UNSUPPORTED']]) {
    const res = await fetch(`http://${G}/v2/${path}`, { headers: { accept: 'application/vnd.oci.image.index.v1+json' } });
    assert.equal(res.status, 404, path);
    assert.equal((await res.json()).errors[0].code, code, path);
  }
  // sigwall as that client (what the dashboard panel does with the gate as its route): it
  // checks the cosign signature it reads through the gate.
  const api = await import(pathToFileURL(createRequire(join(consumerDir, 'x.js')).resolve('sigwall')));
  const client = await api.createVerifier({
    policy: { default: [{ type: 'reject' }], transports: { docker: { [`${G}/cosign`]: [{ type: 'sigstoreSigned', keyData: readFileSync(world.cosign.path).toString('base64'), signedIdentity: remap }] } } },
    registriesD: { 'gate.yaml': `docker:\n  ${G}/cosign:\n    use-sigstore-attachments: true\n` },
    insecureHttp: [G],
  });
  const verdict = await client.verify(`docker://${G}/cosign/app:v1`);
  assert.equal(verdict.allowed, true, JSON.stringify(verdict.reasons));
  assert.equal(verdict.digest, digests.cosigned);

  // The allowed image's signature manifest: the upstream's bytes (its one signature is
  // accepted); its payload becomes servable, its config does not.
  const sig = await fetch(`http://${G}/v2/cosign/app/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(sig.status, 200);
  const bytes = Buffer.from(await sig.arrayBuffer());
  const upstream = Buffer.from(await (await fetch(`${world.registry.url}/v2/cosign/app/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } })).arrayBuffer());
  assert.ok(bytes.equals(upstream));
  assert.equal(sig.headers.get('docker-content-digest'), `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
  assert.equal(sig.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
  const { config, layers: [valid] } = JSON.parse(bytes);
  const served = await fetch(`http://${G}/v2/cosign/app/blobs/${valid.digest}`);
  assert.equal(served.status, 200);
  assert.equal(`sha256:${createHash('sha256').update(Buffer.from(await served.arrayBuffer())).digest('hex')}`, valid.digest);
  const blobStatus = async (digest) => {
    const res = await fetch(`http://${G}/v2/cosign/app/blobs/${digest}`);
    await res.arrayBuffer();
    return res.status;
  };
  assert.equal(await blobStatus(config.digest), 403);

  // A denied image's signatures are refused as the image is.
  const other = await fetch(`http://${G}/v2/cosign/other/manifests/${digests.cosignOther.replace(':', '-')}.sig`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(other.status, 403);
  assert.equal((await other.json()).errors[0].code, 'DENIED');

  // An upstream that lists more in the signature manifest (a signature by another key, its
  // config smuggled in as a "signature", an oversized layer) gets only the accepted signature
  // passed on, so no unverified blob becomes servable; with no accepted signature the tag is
  // absent; a body that is not a manifest is refused.
  const smuggled = { ...valid, digest: config.digest, size: config.size };
  const oversized = { ...valid, digest: layers.big.digest, size: 4 * 1024 * 1024 + 1 };
  const crafted = (list) => Buffer.from(JSON.stringify({ ...JSON.parse(bytes), layers: list }));
  const serveSig = (body) => {
    fault = async (req, res, url) => {
      if (!url.pathname.endsWith(`/manifests/${tag}`)) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(body);
      return true;
    };
    return fetch(`http://${G}/v2/cosign/app/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  };
  const mixed = await serveSig(crafted([otherKeyLayer, valid, smuggled, oversized]));
  assert.equal(mixed.status, 200);
  const passed = Buffer.from(await mixed.arrayBuffer());
  assert.deepEqual(JSON.parse(passed).layers, [valid]);
  assert.equal(mixed.headers.get('docker-content-digest'), `sha256:${createHash('sha256').update(passed).digest('hex')}`);
  const none = await serveSig(crafted([otherKeyLayer, smuggled]));
  assert.equal(none.status, 404);
  assert.equal((await none.json()).errors[0].code, 'MANIFEST_UNKNOWN');
  const garbage = await serveSig(Buffer.from('not a manifest'));
  assert.equal(garbage.status, 403);
  assert.equal((await garbage.json()).errors[0].code, 'DENIED');
  fault = null;
  assert.equal(await blobStatus(config.digest), 403);
  assert.equal(await blobStatus(layers.big.digest), 403);
});

/** The gate's answer for a manifest: { status, bytes, digest (Docker-Content-Digest) }. */
async function gateManifest(name, reference) {
  const res = await fetch(`http://${G}/v2/${name}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), digest: res.headers.get('docker-content-digest') };
}

const sha256Of = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

test('every instance a tag\'s index offers was evaluated against the tag: skopeo --override-arch through the gate', async () => {
  fault = null;
  // Every instance signed for lib/app:prod: both platforms pull; the index keeps its bytes.
  for (const arch of ['amd64', 'arm64']) {
    const r = await pullThrough(G, 'lib/app:prod', { arch });
    assert.equal(r.status, 0, `${arch}: ${r.err}`);
  }
  assert.equal((await gateManifest('lib/app', 'prod')).digest, digests.prod);
  // The upstream's prod index now offers arm64 clients dev's arm64 image: another image of
  // the repository, signed by the trusted key, but for lib/app:dev. `podman pull --platform
  // linux/arm64 lib/app:prod` evaluates it against lib/app:prod and denies it.
  const prodIndex = await manifestOf('lib/app', 'prod');
  const devIndex = await manifestOf('lib/app', 'dev');
  const prodAmd64 = prodIndex.manifests.find((m) => m.platform.architecture === 'amd64');
  const devArm64 = devIndex.manifests.find((m) => m.platform.architecture === 'arm64');
  const crafted = Buffer.from(JSON.stringify({ ...prodIndex, manifests: [prodAmd64, devArm64] }));
  fault = async (req, res, url) => {
    if (url.pathname !== '/v2/lib/app/manifests/prod') return false;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(crafted);
    return true;
  };
  try {
    const arm64 = await pullThrough(G, 'lib/app:prod', { arch: 'arm64' });
    assert.notEqual(arm64.status, 0, 'an arm64 client must not get an image signed for another tag');
    assert.match(arm64.err, /no image found/i);
    const amd64 = await pullThrough(G, 'lib/app:prod', { arch: 'amd64' });
    assert.equal(amd64.status, 0, amd64.err);
    // The index served lists only the instance that passed, and is served by its own digest
    // too (clients that resolve a tag with HEAD, then GET by digest).
    const served = await gateManifest('lib/app', 'prod');
    assert.equal(served.status, 200);
    assert.deepEqual(JSON.parse(served.bytes).manifests, [prodAmd64]);
    assert.equal(served.digest, sha256Of(served.bytes));
    const again = await gateManifest('lib/app', served.digest);
    assert.equal(again.status, 200);
    assert.ok(again.bytes.equals(served.bytes));
    // The gate's verdict for an arm64 client of the tag says why.
    const verdict = await (await fetch(`http://${G}/_sigwall/verify?image=${world.host}/lib/app:prod&platform=linux/arm64`)).json();
    assert.equal(verdict.allowed, false);
    assert.equal(verdict.digest, devArm64.digest);
    assert.equal(verdict.requirements[0].signatures[0].code, 'IDENTITY_MISMATCH');
  } finally {
    fault = null;
  }
  // An index that lists nothing has no instance to verify: it is not served.
  const empty = Buffer.from(JSON.stringify({ ...prodIndex, manifests: [] }));
  fault = async (req, res, url) => {
    if (url.pathname !== '/v2/lib/app/manifests/prod') return false;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(empty);
    return true;
  };
  try {
    const nothing = await gateManifest('lib/app', 'prod');
    assert.equal(nothing.status, 404, nothing.bytes.toString());
  } finally {
    fault = null;
  }
  // Asked for by its digest, dev's image is what `podman pull lib/app@<digest>` gets: the
  // decision on that digest reference, which its signature satisfies (same repository).
  assert.equal((await gateManifest('lib/app', devArm64.digest)).status, 200);
});

test('a decision answers only for the scope and identity the policy evaluated', async () => {
  fault = null;
  // lib/scoped:dev accepts anything; its manifest asked for by digest falls under lib, which
  // requires a signature. A decision on the tag must not answer for the digest.
  assert.equal((await gateManifest('lib/scoped', 'dev')).status, 200);
  const byDigest = await gateManifest('lib/scoped', digests.scopedDev);
  assert.equal(byDigest.status, 403);
  assert.match(JSON.parse(byDigest.bytes).errors[0].message, /no signature exists/);
  // lib/scoped:blocked rejects; the same manifest by digest is signed and allowed under lib.
  const blocked = await gateManifest('lib/scoped', 'blocked');
  assert.equal(blocked.status, 403);
  assert.equal(JSON.parse(blocked.bytes).errors[0].detail.reasons[0].code, 'REJECTED_BY_POLICY');
  assert.equal((await gateManifest('lib/scoped', digests.scopedBlocked)).status, 200);
  // Under matchExact no digest reference matches a signature, so a digest asked for on its
  // own is denied; but the instances of a tag's index that the gate allowed against the tag
  // are served by digest while a pull of that tag goes on (the same scope governs both).
  const arm64 = (await manifestOf('lib/exact', 'v1')).manifests.find((m) => m.platform.architecture === 'arm64').digest;
  assert.equal((await gateManifest('lib/exact', arm64)).status, 403);
  const pulled = await pullThrough(G, 'lib/exact:v1', { arch: 'arm64' });
  assert.equal(pulled.status, 0, pulled.err);
  assert.equal((await gateManifest('lib/exact', arm64)).status, 200);
});

test('/_sigwall/verify names only the fronted registry, checked before anything is fetched, and decides as serving does', async () => {
  const seen = [];
  fault = async (req) => {
    seen.push(req.url);
    return false;
  };
  try {
    const foreign = await fetch(`http://${G}/_sigwall/verify?image=other.example/lib/app:prod`);
    assert.equal(foreign.status, 400);
    assert.equal((await foreign.json()).errors[0].code, 'NAME_INVALID');
    const malformed = await fetch(`http://${G}/_sigwall/verify?image=${world.host}/Lib/App:prod`);
    assert.equal(malformed.status, 400);
    await malformed.arrayBuffer();
    assert.deepEqual(seen, [], 'nothing was fetched for another registry\'s name');
    // The same decision (and cache) as serving the manifest: allowed, then answered from the
    // cache while a fresh verification would deny (its signature moved away).
    const first = await (await fetch(`http://${G}/_sigwall/verify?image=${world.host}/lib/signed:v1`)).json();
    assert.equal(first.allowed, true);
    const sigs = world.sigDir('lib/signed', digests.signed);
    renameSync(sigs, `${sigs}.away`);
    try {
      const cached = await (await fetch(`http://${G}/_sigwall/verify?image=${world.host}/lib/signed:v1`)).json();
      assert.equal(cached.allowed, true, 'the cached decision answers');
    } finally {
      renameSync(`${sigs}.away`, sigs);
    }
    // A platform's verdict is its instance's.
    const arm = await (await fetch(`http://${G}/_sigwall/verify?image=${world.host}/lib/app:prod&platform=linux/arm64`)).json();
    assert.equal(arm.allowed, true);
    assert.equal(arm.digest, (await manifestOf('lib/app', 'prod')).manifests.find((m) => m.platform.architecture === 'arm64').digest);
  } finally {
    fault = null;
  }
});

test('a blob is served only when an allowed manifest references it', async () => {
  fault = null;
  await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  const ok = await fetch(`http://${G}/v2/lib/signed/blobs/${layers.signed.digest}`);
  assert.equal(ok.status, 200);
  // A registry answers a blob with its length (not chunked), on GET and on HEAD.
  assert.equal(ok.headers.get('content-length'), String(layers.signed.size));
  assert.equal(ok.headers.get('transfer-encoding'), null);
  const bytes = Buffer.from(await ok.arrayBuffer());
  assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layers.signed.digest);
  const head = await fetch(`http://${G}/v2/lib/signed/blobs/${layers.signed.digest}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(layers.signed.size));
  assert.equal(head.headers.get('docker-content-digest'), layers.signed.digest);
  // The unsigned image's layer, and the signed layer under another repository name: refused.
  for (const path of [`lib/unsigned/blobs/${layers.unsigned.digest}`, `lib/unsigned/blobs/${layers.signed.digest}`]) {
    const res = await fetch(`http://${G}/v2/${path}`);
    assert.equal(res.status, 403, path);
    assert.equal((await res.json()).errors[0].code, 'DENIED');
  }
});

/** Reads a blob through the gate: how many bytes arrived, and whether the body failed. */
async function readThrough(digest) {
  await fetch(`http://${G}/v2/lib/big/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } }).then((r) => r.arrayBuffer());
  let received = 0;
  let failed = false;
  let status = 0;
  try {
    const res = await fetch(`http://${G}/v2/lib/big/blobs/${digest}`);
    status = res.status;
    for await (const chunk of res.body) received += chunk.length;
  } catch {
    failed = true;
  }
  return { received, failed, status };
}

test('faults between gate and registry: the client fails and never gets complete bad content', async () => {
  const { digest, size } = layers.big;
  const original = Buffer.from(await (await fetch(`${world.registry.url}/v2/lib/big/blobs/${digest}`)).arrayBuffer());
  const isBlob = (url) => url.pathname.endsWith(`/blobs/${digest}`);
  const cases = {
    'a tampered blob (same length, one byte changed)': (req, res) => {
      const bad = Buffer.from(original);
      bad[bad.length - 100] ^= 1;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bad.length) });
      // In parts, so that most of it has gone through before the end.
      res.write(bad.subarray(0, bad.length / 2));
      setTimeout(() => res.end(bad.subarray(bad.length / 2)), 50);
    },
    'a truncated body': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(original.subarray(0, original.length - 1000));
    },
    'a 500': (req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' }).end('<html>oops</html>');
    },
    'a body that stalls': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(original.length) });
      res.write(original.subarray(0, 4096)); // and nothing more
    },
  };
  for (const [name, answer] of Object.entries(cases)) {
    fault = async (req, res, url) => {
      if (!isBlob(url)) return false;
      answer(req, res);
      return true;
    };
    const started = Date.now();
    const r = await readThrough(digest);
    assert.ok(r.status !== 200 || r.failed, `${name}: the client must see a failure (${JSON.stringify(r)})`);
    assert.ok(r.received < size, `${name}: received ${r.received} of ${size} bytes`);
    assert.ok(Date.now() - started < 20000, `${name}: took ${Date.now() - started} ms`);
    const pulled = await pull('lib/big:v1');
    assert.notEqual(pulled.status, 0, `${name}: skopeo must fail`);
  }
  fault = null;
  const clean = await readThrough(digest);
  assert.deepEqual(clean, { received: size, failed: false, status: 200 });
});

test('a slow but live upstream body is not taken for a stalled one', async () => {
  // 8 KiB every 100 ms (80 KB/s): slower than a fixed 256 KiB read could take within the
  // gate's 2 s idle timeout, so each read must be sized to what the upstream delivers.
  const { digest, size } = layers.big;
  const original = Buffer.from(await (await fetch(`${world.registry.url}/v2/lib/big/blobs/${digest}`)).arrayBuffer());
  fault = async (req, res, url) => {
    if (!url.pathname.endsWith(`/blobs/${digest}`)) return false;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(original.length) });
    let at = 0;
    const drip = () => {
      const next = Math.min(original.length, at + 8192);
      res.write(original.subarray(at, next));
      at = next;
      if (at < original.length) setTimeout(drip, 100);
      else res.end();
    };
    drip();
    return true;
  };
  const started = Date.now();
  const r = await readThrough(digest);
  fault = null;
  assert.deepEqual(r, { received: size, failed: false, status: 200 });
  assert.ok(Date.now() - started > 2000, 'the body was delivered slowly, over more than one idle timeout');
});

test('a tag asked for again within the TTL is served from the verdict cache; a tag that moved is verified anew', async () => {
  // Warm: the tag is verified (its signature fetched from the lookaside store).
  const first = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  // With the signature gone from the lookaside store, a fresh verification would deny; the
  // cached verdict for this tag at this digest still answers.
  const sigs = world.sigDir('lib/signed', digests.signed);
  renameSync(sigs, `${sigs}.away`);
  try {
    const again = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(again.status, 200, 'the cached verdict answers');
    assert.equal(again.headers.get('docker-content-digest'), digests.signed);
    await again.arrayBuffer();
    // The tag was still read from upstream: when it names other bytes, they are verified.
    const unsignedBody = Buffer.from(await (await fetch(`${world.registry.url}/v2/lib/unsigned/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } })).arrayBuffer());
    fault = async (req, res, url) => {
      if (url.pathname !== '/v2/lib/signed/manifests/v1') return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(unsignedBody);
      return true;
    };
    const moved = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(moved.status, 403);
    await moved.arrayBuffer();
  } finally {
    fault = null;
    renameSync(`${sigs}.away`, sigs);
  }
});

test('a manifest swapped after verification: clients get the verified bytes or a denial', async () => {
  const unsignedBody = Buffer.from(await (await fetch(`${world.registry.url}/v2/lib/unsigned/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } })).arrayBuffer());
  let gets = 0;
  fault = async (req, res, url) => {
    if (url.pathname !== '/v2/lib/signed/manifests/v1') return false;
    gets++;
    if (gets === 1) return false; // the first answer is the real, signed manifest
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(unsignedBody);
    return true;
  };
  const first = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('docker-content-digest'), digests.signed);
  await first.arrayBuffer();
  const second = await fetch(`http://${G}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(second.status, 403, 'the swapped manifest is verified anew, and denied');
  await second.arrayBuffer();
  fault = null;
});

test('50 parallel pulls, allowed and denied, each decided correctly', async () => {
  fault = null;
  const images = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'lib/signed:v1' : ['lib/unsigned:v1', 'lib/key-b:v1', 'lib/wrong-id:v1'][i % 3]));
  const results = await Promise.all(images.map((image) => pull(image)));
  const wrong = results.map((r, i) => [images[i], r]).filter(([image, r]) => (image === 'lib/signed:v1') !== (r.status === 0));
  assert.deepEqual(wrong.map(([image, r]) => `${image}: ${r.status} ${r.err.slice(-200)}`), []);
});

test('without --registries.d, sigwall gate finds registries.d as podman does (~/.config/containers/registries.d)', async () => {
  fault = null;
  const home = mkdtempSync(join(tmpdir(), 'sigwall-gate-home-'));
  const found = join(home, '.config', 'containers', 'registries.d');
  mkdirSync(found, { recursive: true });
  for (const f of readdirSync(world.registriesD)) writeFileSync(join(found, f), readFileSync(join(world.registriesD, f)));
  const port = await freePort();
  const policy = join(home, 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.a.path }] } } }));
  const other = daemon(join(consumerDir, 'node_modules', '.bin', 'sigwall'), ['gate', '--upstream', world.registry.url, '--policy', policy,
    '--listen', `127.0.0.1:${port}`], { cwd: repo, env: { ...process.env, HOME: home } });
  try {
    await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${other.log()}`); });
    // The signature is in the lookaside store that only registries.d names.
    const res = await fetch(`http://127.0.0.1:${port}/v2/lib/signed/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('docker-content-digest'), digests.signed);
    await res.arrayBuffer();
    assert.match(other.log(), new RegExp(`registries.d: ${found.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  } finally {
    await other.stop();
  }
});

test('with a KV binding, a denial of a digest reference is shared: answered from KV when upstream fails', async () => {
  const { writeGateConfig } = await import('../www/worker/config.js');
  const { capnpText } = await import('../www/worker/config.js');
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-gate-kv-'));
  const port = await freePort();
  const kvPort = await freePort();
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: (await import('node:fs')).readFileSync(world.keys.a.path).toString('base64') }],
    [`${world.host}/lib/scoped:blocked`]: [{ type: 'reject' }] } } }));
  writeGateConfig({
    dir,
    listen: `127.0.0.1:${port}`,
    bindings: [`(name = "UPSTREAM", text = ${capnpText(`http://127.0.0.1:${proxy.address().port}`)})`, `(name = "REGISTRY_NAME", text = ${capnpText(world.host)})`,
      '(name = "POLICY", text = embed "policy.json")', '(name = "VERDICT_TTL", text = "0")', '(name = "VERDICTS", kvNamespace = "kv")',
      `(name = "REGISTRIES_D", json = ${capnpText(JSON.stringify(Object.fromEntries(readdirSync(world.registriesD).map((f) => [f, readFileSync(join(world.registriesD, f), 'utf8')]))))})`],
    extraWorkers: [{ name: 'kv', file: join(repo, 'pkg-tests', 'lib', 'kv-worker.js'), listen: `127.0.0.1:${kvPort}` }],
  });
  const kvGate = daemon(join(repo, 'node_modules', '.bin', 'workerd'), ['serve', join(dir, 'config.capnp')]);
  try {
    await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${kvGate.log()}`); });
    fault = null;
    const url = `http://127.0.0.1:${port}/v2/lib/unsigned/manifests/${digests.unsigned}`;
    const first = await fetch(url, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(first.status, 403);
    await first.arrayBuffer();
    // Keyed by the digest reference and its scope: what the policy evaluated.
    const stored = await (await fetch(`http://127.0.0.1:${kvPort}/_dump`)).json();
    assert.equal(JSON.parse(stored[`${world.host}/lib/unsigned@${digests.unsigned} in "${world.host}/lib"`]).verdict.allowed, false);
    // A denial under a tag's scope is not a denial of the digest: nothing of it is stored,
    // and the digest reference (signed, under lib) is allowed (VERDICT_TTL 0: no local cache).
    const blocked = await fetch(`http://127.0.0.1:${port}/v2/lib/scoped/manifests/blocked`, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(blocked.status, 403);
    await blocked.arrayBuffer();
    const sameDigest = await fetch(`http://127.0.0.1:${port}/v2/lib/scoped/manifests/${digests.scopedBlocked}`, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(sameDigest.status, 200);
    await sameDigest.arrayBuffer();
    assert.deepEqual(Object.keys(await (await fetch(`http://127.0.0.1:${kvPort}/_dump`)).json()).filter((k) => k.includes('lib/scoped')),
      [`${world.host}/lib/scoped@${digests.scopedBlocked} in "${world.host}/lib"`]);
    // Upstream now fails: the denial comes from KV, with its verdict, not from an error.
    fault = async (req, res) => {
      res.writeHead(500).end();
      return true;
    };
    const second = await fetch(url, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(second.status, 403);
    const body = await second.json();
    assert.equal(body.errors[0].detail.digest, digests.unsigned);
    assert.match(body.errors[0].message, /sigwall denied/);
    // An allowed image is never served from KV: without upstream it is denied, with the reason.
    const allowed = await fetch(`http://127.0.0.1:${port}/v2/lib/signed/manifests/${digests.signed}`, { headers: { accept: MANIFEST_ACCEPT } });
    assert.equal(allowed.status, 403);
    assert.match((await allowed.json()).errors[0].message, /could not verify/);
  } finally {
    fault = null;
    await kvGate.stop();
  }
});
