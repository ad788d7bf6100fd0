// The packed tarball in workerd (Cloudflare's Workers runtime): a consumer worker, bundled with
// esbuild under the `workerd` condition, digests request bodies and streams upstream responses
// through blobGuard. A tampered, short or long upstream body must never reach the client whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { bin, consumer, daemon, freePort, repo, sh, waitForPort } from './helpers.mjs';

const WORKER = `
import { createBundleVerifier, createVerifier, digest, SigwallError } from 'sigwall';

let verifier;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/digest') {
      return new Response(digest(new Uint8Array(await request.arrayBuffer())));
    }
    if (url.pathname === '/guard') {
      verifier ??= await createVerifier();
      let guard;
      try {
        const size = url.searchParams.get('size');
        guard = verifier.blobGuard(url.searchParams.get('digest'), size === null ? undefined : { size: Number(size) });
      } catch (e) {
        return Response.json({ code: e.code, error: e.message, typed: e instanceof SigwallError }, { status: 400 });
      }
      const upstream = await fetch(url.searchParams.get('src'));
      return new Response(upstream.body.pipeThrough(guard), { headers: { 'content-type': 'application/octet-stream' } });
    }
    if (url.pathname === '/bundle') {
      // { bundle, artifact, identity, issuer, trustedRoot? } → the bundle's result.
      const { bundle, artifact, identity, issuer, trustedRoot } = await request.json();
      const bundles = await createBundleVerifier(trustedRoot === undefined ? {} : { trustedRoot });
      return Response.json(bundles.verify(bundle, artifact, { identity, issuer }));
    }
    if (url.pathname === '/image') {
      // { policy, image, manifest, bundles } → the verdict on a saved cosign v3 signed image.
      const { policy, image, manifest, bundles } = await request.json();
      const v = await createVerifier({ policy });
      return Response.json(v.verifyLocal(image, { manifest: new TextEncoder().encode(manifest), bundles }));
    }
    return new Response('not found', { status: 404 });
  },
};
`;

const BODY = randomBytes(256 * 1024);
const DIGEST = `sha256:${createHash('sha256').update(BODY).digest('hex')}`;
const variants = {
  good: BODY,
  tampered: (() => { const b = Buffer.from(BODY); b[200 * 1024] ^= 0x20; return b; })(),
  short: BODY.subarray(0, BODY.length - 1),
  long: Buffer.concat([BODY, Buffer.from('!')]),
};

let upstream;
let upstreamUrl;
let worker;
let base;

before(async () => {
  // The upstream sends each body in four chunks with pauses, so the guard sees a real stream.
  upstream = createServer(async (req, res) => {
    const body = variants[req.url.slice(1)];
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    const step = Math.ceil(body.length / 4);
    for (let at = 0; at < body.length; at += step) {
      res.write(body.subarray(at, at + step));
      await new Promise((r) => setTimeout(r, 20));
    }
    res.end();
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;

  const dir = consumer('workerd', { 'worker.js': WORKER });
  mkdirSync(join(dir, 'build'));
  sh(bin('esbuild'), ['worker.js', '--bundle', '--format=esm', '--platform=neutral',
    '--conditions=workerd,worker,browser', '--external:*.wasm', '--outfile=build/worker.js', '--log-level=warning'], { cwd: dir });
  for (const f of ['core_bg.wasm', 'full_bg.wasm', 'keyless_bg.wasm', 'full-keyless_bg.wasm', 'registries_bg.wasm']) copyFileSync(join(dir, 'node_modules', 'sigwall', 'pkg', f), join(dir, 'build', f));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .gate),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const gate :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "build/worker.js"),
    (name = "core_bg.wasm", wasm = embed "build/core_bg.wasm"),
    (name = "full_bg.wasm", wasm = embed "build/full_bg.wasm"),
    (name = "keyless_bg.wasm", wasm = embed "build/keyless_bg.wasm"),
    (name = "full-keyless_bg.wasm", wasm = embed "build/full-keyless_bg.wasm"),
    (name = "registries_bg.wasm", wasm = embed "build/registries_bg.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "internet",
);
`);
  worker = daemon(bin('workerd'), ['serve', 'config.capnp'], { cwd: dir });
  await waitForPort(port).catch((e) => { throw new Error(`${e.message}\n${worker.log()}`); });
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await worker?.stop();
  upstream?.close();
});

/** Fetches through the worker's guard; resolves with what the client received. */
async function guarded(variant, size = BODY.length) {
  const q = new URLSearchParams({ src: `${upstreamUrl}/${variant}`, digest: DIGEST, size: String(size) });
  const res = await fetch(`${base}/guard?${q}`);
  let received = 0;
  let error = null;
  const parts = [];
  try {
    for await (const chunk of res.body) { received += chunk.length; parts.push(chunk); }
  } catch (e) {
    error = e;
  }
  return { status: res.status, received, error, body: Buffer.concat(parts) };
}

test('workerd digests a request body with the package', async () => {
  const res = await fetch(`${base}/digest`, { method: 'POST', body: 'abc' });
  assert.equal(await res.text(), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('a good upstream body streams through blobGuard unchanged', async () => {
  const r = await guarded('good');
  assert.equal(r.error, null);
  assert.equal(r.status, 200);
  assert.ok(r.body.equals(BODY), 'body changed in transit');
});

for (const variant of ['tampered', 'short', 'long']) {
  test(`a ${variant} upstream body never reaches the client whole`, async () => {
    const r = await guarded(variant);
    assert.ok(r.error !== null || r.status !== 200, 'the client saw a clean, complete response');
    assert.ok(r.received < variants[variant].length, `the client received all ${r.received} bytes`);
    assert.ok(!r.body.equals(variants[variant]));
  });
}

test('a tampered body is caught without a size hint too', async () => {
  const q = new URLSearchParams({ src: `${upstreamUrl}/tampered`, digest: DIGEST });
  const res = await fetch(`${base}/guard?${q}`);
  const got = await res.arrayBuffer().then((b) => b.byteLength, () => -1);
  assert.ok(got < BODY.length, `received ${got} bytes`);
});

test('a malformed digest is a typed error inside workerd', async () => {
  const q = new URLSearchParams({ src: `${upstreamUrl}/good`, digest: 'sha256:NOPE' });
  const res = await fetch(`${base}/guard?${q}`);
  assert.equal(res.status, 400);
  assert.deepEqual(
    { ...(await res.json()), error: undefined },
    { code: 'DIGEST_INVALID', typed: true, error: undefined },
  );
});

test('workerd verifies Sigstore bundles: the private instance and a public-good production bundle', async () => {
  const fx = (...p) => readFileSync(join(repo, 'fixtures', ...p), 'utf8');
  const cases = JSON.parse(fx('bundles', 'cases.json'));
  for (const [name, c] of Object.entries(cases.cases)) {
    const res = await fetch(`${base}/bundle`, { method: 'POST', body: JSON.stringify({
      bundle: fx('bundles', `${name}.bundle.json`), artifact: fx('bundles', c.artifact),
      identity: c.identity ?? cases.identity, issuer: cases.issuer, trustedRoot: fx('bundles', 'trusted_root.json'),
    }) });
    const r = await res.json();
    assert.equal(r.verified, c.allowed, `${name}: ${JSON.stringify(r)}`);
  }
  const happy = join('sigstore-conformance', 'bundle-verify');
  const res = await fetch(`${base}/bundle`, { method: 'POST', body: JSON.stringify({
    bundle: fx(happy, 'happy-path-v0.3', 'bundle.sigstore.json'), artifact: fx(happy, 'a.txt'),
    identity: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
  }) });
  const r = await res.json();
  assert.equal(r.verified, true, JSON.stringify(r));
  assert.equal(r.signer.issuer, 'https://token.actions.githubusercontent.com');
});

test('workerd decides cosign v3 image signatures under the policy extension', async () => {
  const fx = (...p) => readFileSync(join(repo, 'fixtures', ...p), 'utf8');
  const cases = JSON.parse(fx('bundles', 'cases.json'));
  const policy = { default: [{ type: 'reject' }], transports: { docker: { 'registry.example/bundles': [{
    type: 'sigstoreSigned', trustedRootData: Buffer.from(fx('bundles', 'trusted_root.json')).toString('base64'), acceptBundles: true,
    fulcio: { oidcIssuer: cases.issuer, subjectEmail: cases.identity }, signedIdentity: { type: 'matchRepository' },
  }] } } };
  const image = async (bundle) => (await fetch(`${base}/image`, { method: 'POST', body: JSON.stringify({
    policy, image: 'registry.example/bundles/app:1', manifest: fx('bundles', 'manifest.json'), bundles: [fx('bundles', `${bundle}.bundle.json`)],
  }) })).json();
  const good = await image('good-dsse');
  assert.equal(good.allowed, true, JSON.stringify(good));
  assert.deepEqual(good.requirements[0].signatures[0].signer.identities, [cases.identity]);
  assert.equal((await image('attestation')).reasons[0].code, 'PAYLOAD_INVALID');
  assert.equal((await image('good-uri')).reasons[0].code, 'CERTIFICATE_MISMATCH');
});
