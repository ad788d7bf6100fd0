// A small registry world for end-to-end tests, made of real parts: Debian's Distribution
// registry on 127.0.0.1, a static lookaside server (the project's, CORS enabled), two gpg
// keys made now, images pushed and signed by real `skopeo copy --sign-by`, and cosign-format
// signatures made by a test-only signer (node:crypto ECDSA P-256, the layout of cosign's
// SIGNATURE_SPEC) and pushed as `sha256-<hex>.sig` attachments by skopeo.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemon, freePort, waitForPort } from '../helpers.mjs';
import { makeImage, sha256, startRegistry, ACCEPT_ANYTHING } from './registry.mjs';

/** Serves `root` read-only over http on 127.0.0.1 with CORS headers, in its own process. */
export async function startStatic(root) {
  const port = await freePort();
  const server = daemon(process.execPath, [fileURLToPath(new URL('./static-server.mjs', import.meta.url)), String(port), root]);
  await waitForPort(port).catch((e) => { throw new Error(`${e.message}\n${server.log()}`); });
  return { url: `http://127.0.0.1:${port}`, stop: () => server.stop() };
}

const run = (cmd, args, env = {}) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120000 });

function gpgKey(home, email, algo) {
  const gen = run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', `sigwall ${email}`, algo, 'sign', 'never'], { GNUPGHOME: home });
  if (gen.status !== 0) throw new Error(`gpg: ${gen.stderr}`);
  const fpr = run('gpg', ['--with-colons', '--list-keys', email], { GNUPGHOME: home }).stdout.match(/^fpr:+([0-9A-F]+):/m)[1];
  const exported = spawnSync('gpg', ['--export', fpr], { env: { ...process.env, GNUPGHOME: home } }).stdout;
  return { fpr, public: exported };
}

/**
 * Starts the world: `{ host, registry, lookaside, dir, registriesD, keys: { a, b }, cosign: {
 * pem, other }, push(…), signCosign(…), skopeo(…), stop() }`.
 */
export async function startWorld({ auth, attachments = ['cosign'] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-world-'));
  const registry = await startRegistry({ auth });
  const creds = (flag) => (auth ? [flag, `${auth.user}:${auth.password}`] : []);
  const host = registry.host;
  const staging = join(dir, 'lookaside');
  mkdirSync(staging);
  const lookaside = await startStatic(staging);
  const gnupg = mkdtempSync(join(tmpdir(), 'sigwall-gnupg-'));
  const a = gpgKey(gnupg, 'a@sigwall.test', 'rsa3072');
  const b = gpgKey(gnupg, 'b@sigwall.test', 'ed25519');
  writeFileSync(join(dir, 'a.gpg'), a.public);
  writeFileSync(join(dir, 'b.gpg'), b.public);
  const cosignKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = (k) => k.publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(join(dir, 'cosign.pub'), pem(cosignKey));
  writeFileSync(join(dir, 'other.pub'), pem(otherKey));
  // skopeo writes simple signatures to lookaside-staging; both tools read them back over http.
  // Cosign attachments are read for the `attachments` namespaces only (default cosign/).
  const registriesD = join(dir, 'registries.d');
  mkdirSync(registriesD);
  writeFileSync(join(registriesD, 'test.yaml'), `default-docker:
  lookaside: ${lookaside.url}
  lookaside-staging: file://${staging}
docker:
${attachments.map((ns) => `  ${host}/${ns}:\n    use-sigstore-attachments: true\n`).join('')}`);

  const skopeo = (args, policy = ACCEPT_ANYTHING) => {
    const p = join(mkdtempSync(join(tmpdir(), 'sigwall-skopeo-')), 'policy.json');
    writeFileSync(p, policy);
    return run('skopeo', ['--policy', p, '--registries.d', registriesD, ...args], { GNUPGHOME: gnupg });
  };

  /**
   * Pushes `layout` (an OCI layout tagged `tag`) to `name:tag`, signed by each fingerprint in
   * `signBy` in turn (each copy keeps the earlier signatures), claiming `identity`. `format`
   * may be `v2s2` for a Docker schema 2 manifest; `all` copies every instance of an index.
   * Returns the pushed manifest's digest.
   */
  function push(layout, name, { tag = 'latest', signBy = [], identity, format, all = false } = {}) {
    const dest = `docker://${host}/${name}:${tag}`;
    const extra = [...(format ? ['--format', format] : []), ...(all ? ['--all'] : [])];
    let source = `oci:${layout}:${tag}`;
    if (signBy.length > 1) {
      // Signatures accumulate through dir: copies, one signer per copy.
      for (const fpr of signBy.slice(0, -1)) {
        const d = mkdtempSync(join(tmpdir(), 'sigwall-dir-'));
        rmSync(d, { recursive: true });
        // dir: has no docker reference: the identity the final push would claim is named.
        const r = skopeo(['copy', ...extra, '--sign-by', fpr, '--sign-identity', identity ?? `${host}/${name}:${tag}`, source, `dir:${d}`]);
        if (r.status !== 0) throw new Error(`skopeo copy to dir failed: ${r.stderr}`);
        source = `dir:${d}`;
      }
    }
    const last = signBy.at(-1);
    const r = skopeo(['copy', '--dest-tls-verify=false', ...creds('--dest-creds'), ...extra, ...(last ? ['--sign-by', last] : []),
      ...(last && identity ? ['--sign-identity', identity] : []), source, dest]);
    if (r.status !== 0) throw new Error(`skopeo copy to ${dest} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`);
    return manifestDigest(name, tag);
  }

  function manifestDigest(name, tag) {
    const r = skopeo(['inspect', '--tls-verify=false', ...creds('--creds'), '--raw', `docker://${host}/${name}:${tag}`]);
    if (r.status !== 0) throw new Error(`skopeo inspect failed: ${r.stderr}`);
    return sha256(Buffer.from(r.stdout));
  }

  /** The lookaside directory of a manifest digest (skopeo's layout). */
  const sigDir = (name, digest) => join(staging, `${name}@${digest.replace(':', '=')}`);

  /**
   * Attaches a cosign-format signature to `name@digest` claiming `identity`, signed by `key`
   * ('cosign' or 'other'): the `.sig` manifest with one simplesigning layer, pushed by skopeo.
   * `payloadDigest` overrides the signed manifest digest (for replayed signatures).
   */
  function signCosign(name, digest, identity, { key = 'cosign', payloadDigest = digest } = {}) {
    const payload = Buffer.from(JSON.stringify({
      critical: { identity: { 'docker-reference': identity }, image: { 'docker-manifest-digest': payloadDigest }, type: 'cosign container image signature' },
      optional: null,
    }));
    const signer = (key === 'cosign' ? cosignKey : otherKey).privateKey;
    const signature = sign('sha256', payload, signer).toString('base64');
    const config = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: sha256(payload), size: payload.length,
        annotations: { 'dev.cosignproject.cosign/signature': signature } }],
    }));
    const layout = mkdtempSync(join(tmpdir(), 'sigwall-sig-'));
    const blobs = join(layout, 'blobs', 'sha256');
    mkdirSync(blobs, { recursive: true });
    for (const bytes of [payload, config, manifest]) writeFileSync(join(blobs, sha256(bytes).slice(7)), bytes);
    const tag = `${digest.replace(':', '-')}.sig`;
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
    // --preserve-digests: the .sig manifest must reach the registry byte for byte.
    const r = skopeo(['copy', '--dest-tls-verify=false', ...creds('--dest-creds'), '--preserve-digests', `oci:${layout}:${tag}`, `docker://${host}/${name}:${tag}`]);
    if (r.status !== 0) throw new Error(`pushing ${tag} failed: ${r.stderr}`);
    return { tag, manifest, payload };
  }

  /**
   * Lists a Sigstore bundle (a cosign v3-style OCI referrer of `name@digest`) under the
   * referrers tag schema (`sha256-<hex>`), as clients do on registries without the referrers
   * API. The bundle's content does not matter: sigwall reports bundles without verifying them.
   */
  async function attachBundleReferrer(name, digest, subjectSize) {
    const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    const empty = Buffer.from('{}');
    const bundle = Buffer.from(JSON.stringify({ mediaType: bundleType, verificationMaterial: {}, messageSignature: {} }));
    const referrer = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: bundleType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: empty.length },
      layers: [{ mediaType: bundleType, digest: sha256(bundle), size: bundle.length }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: subjectSize },
    }));
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: bundleType, digest: sha256(referrer), size: referrer.length }],
    }));
    // Pushed with the registry API itself: Debian's skopeo cannot copy artifact manifests.
    const base = `${registry.url}/v2/${name}`;
    for (const bytes of [empty, bundle]) {
      const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
      if (start.status !== 202) throw new Error(`blob upload: ${start.status}`);
      const location = new URL(start.headers.get('location'), registry.url);
      location.searchParams.set('digest', sha256(bytes));
      const put = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      if (put.status !== 201) throw new Error(`blob put: ${put.status} ${await put.text()}`);
    }
    for (const [bytes, ref, type] of [[referrer, sha256(referrer), 'application/vnd.oci.image.manifest.v1+json'], [index, digest.replace(':', '-'), 'application/vnd.oci.image.index.v1+json']]) {
      const put = await fetch(`${base}/manifests/${ref}`, { method: 'PUT', body: bytes, headers: { 'content-type': type } });
      if (put.status !== 201) throw new Error(`manifest put ${ref}: ${put.status} ${await put.text()}`);
    }
    return sha256(referrer);
  }

  return {
    attachBundleReferrer,
    dir, host, registry, lookaside, staging, registriesD, gnupg,
    keys: { a: { ...a, path: join(dir, 'a.gpg') }, b: { ...b, path: join(dir, 'b.gpg') } },
    cosign: { path: join(dir, 'cosign.pub'), other: join(dir, 'other.pub') },
    skopeo, push, signCosign, sigDir, manifestDigest, makeImage,
    copySignatures(fromName, fromDigest, toName, toDigest) {
      cpSync(sigDir(fromName, fromDigest), sigDir(toName, toDigest), { recursive: true });
    },
    async stop() {
      await lookaside.stop();
      await registry.stop();
      spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
      rmSync(gnupg, { recursive: true, force: true });
    },
  };
}
