// Test infrastructure: Debian's Distribution registry (`docker-registry`) on 127.0.0.1, small
// OCI images made from scratch, and skopeo run with a given policy. Real parts, no mocks.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { daemon, freePort, waitForPort } from '../helpers.mjs';

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Starts a registry with CORS headers for browser tests; resolves with { host, url, stop }.
 * With `auth: { user, password }` the registry requires bearer tokens, issued for those basic
 * credentials by a token server of ours (pkg-tests/lib/token-server.mjs), as a private registry
 * behind token authentication does; `tokens()` then resolves to how many it issued.
 */
export async function startRegistry({ auth } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-registry-'));
  const port = await freePort();
  let tokenServer;
  let tokenPort;
  let authConfig = '';
  if (auth) {
    const key = join(dir, 'token-key.pem');
    const cert = join(dir, 'token-cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=sigwall test token issuer'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    tokenPort = await freePort();
    tokenServer = daemon(process.execPath, [new URL('./token-server.mjs', import.meta.url).pathname, String(tokenPort), key, cert,
      `${auth.user}:${auth.password}`, 'sigwall-test', 'sigwall-test-issuer']);
    await waitForPort(tokenPort);
    authConfig = `auth:
  token:
    realm: http://127.0.0.1:${tokenPort}/token
    service: sigwall-test
    issuer: sigwall-test-issuer
    rootcertbundle: ${cert}
`;
  }
  writeFileSync(join(dir, 'config.yml'), `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  headers:
    Access-Control-Allow-Origin: ['*']
    Access-Control-Allow-Methods: ['HEAD', 'GET', 'OPTIONS']
    Access-Control-Allow-Headers: ['Authorization', 'Accept']
    Access-Control-Expose-Headers: ['Docker-Content-Digest', 'WWW-Authenticate', 'Link', 'Content-Type']
${authConfig}`);
  const server = daemon('docker-registry', ['serve', join(dir, 'config.yml')]);
  await waitForPort(port).catch((e) => { throw new Error(`${e.message}\n${server.log()}`); });
  return {
    host: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, log: server.log,
    tokens: async () => Number(await (await fetch(`http://127.0.0.1:${tokenPort}/count`)).text()),
    stop: async () => { await tokenServer?.stop(); await server.stop(); },
  };
}

/**
 * Writes a one-layer OCI image layout whose only file holds `content`, tagged `tag`; returns
 * its directory. The layer is a real gzip'd tar made by `tar`.
 */
export function makeImage(content, tag = 'latest') {
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-image-'));
  const files = join(dir, 'rootfs');
  mkdirSync(files);
  writeFileSync(join(files, 'hello.txt'), content);
  const tar = spawnSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', files, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  const layer = gzipSync(tar.stdout, { level: 9 });
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: [sha256(tar.stdout)] },
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  const blobs = join(dir, 'layout', 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  for (const b of [layer, config, manifest]) writeFileSync(join(blobs, sha256(b).slice(7)), b);
  writeFileSync(join(dir, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'layout', 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return join(dir, 'layout');
}

export const ACCEPT_ANYTHING = '{"default":[{"type":"insecureAcceptAnything"}]}';

/** Runs skopeo with `policy` (JSON text); resolves with { status, stdout, stderr }. */
export function skopeo(args, policy = ACCEPT_ANYTHING, extraGlobal = []) {
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-skopeo-'));
  writeFileSync(join(dir, 'policy.json'), policy);
  const r = spawnSync('skopeo', ['--policy', join(dir, 'policy.json'), ...extraGlobal, ...args], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `skopeo copy docker://HOST/IMAGE dir:…` over plain HTTP, without blocking this process (tests
 * that run servers in it would deadlock on a synchronous child). skopeo's own policy accepts
 * anything (so the server decides) unless `policy` (JSON text) is given, with `registriesD`
 * for where it finds signatures, and copies into `out` (kept) if given; `arch` pulls that
 * architecture's instance of an index (`--override-arch`). Resolves with
 * { status, err }.
 */
export function pullThrough(host, image, { policy = ACCEPT_ANYTHING, registriesD, out, arch } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-pull-'));
  writeFileSync(join(dir, 'policy.json'), policy);
  const args = ['--policy', join(dir, 'policy.json'), ...(registriesD ? ['--registries.d', registriesD] : []), ...(arch ? ['--override-arch', arch] : []), 'copy', '--src-tls-verify=false', `docker://${host}/${image}`, `dir:${out ?? join(dir, 'out')}`];
  return new Promise((resolve) => {
    const child = spawn('skopeo', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (status) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, err });
    });
  });
}

/** Pushes an OCI layout to the registry with skopeo. */
export function push(layout, tag, dest) {
  const r = skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${dest}`]);
  if (r.status !== 0) throw new Error(`skopeo push to ${dest} failed: ${r.stderr}`);
}

/**
 * A multi-platform OCI layout: one small image per `linux/<arch>` in `arches`, listed by an OCI
 * image index tagged `tag` (`salt` is added to each image's one file, to make other images).
 * Returns the layout path.
 */
export function makeMultiArch(arches, tag = 'latest', salt = '') {
  const layout = mkdtempSync(join(tmpdir(), 'sigwall-multi-'));
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (b) => { writeFileSync(join(blobs, sha256(b).slice(7)), b); return { digest: sha256(b), size: b.length }; };
  const entries = arches.map((architecture) => {
    const files = mkdtempSync(join(tmpdir(), 'sigwall-rootfs-'));
    writeFileSync(join(files, 'arch.txt'), `${architecture}\n${salt}`);
    const tar = spawnSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', files, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    const layer = put(gzipSync(tar.stdout, { level: 9 }));
    const config = put(Buffer.from(JSON.stringify({ architecture, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(tar.stdout)] } })));
    const manifest = put(Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    })));
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture } };
  });
  const index = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries })));
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return layout;
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

/**
 * Puts into the registry at `url` (plain HTTP, no auth): a blob when `ref` is undefined (monolithic
 * upload), else a manifest under `ref` (a tag or its digest) with media type `type`.
 */
export async function put(url, name, bytes, ref, type) {
  const base = `${url}/v2/${name}`;
  if (ref === undefined) {
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    if (start.status !== 202) throw new Error(`${name}: upload start answered ${start.status}`);
    const location = new URL(start.headers.get('location'), url);
    location.searchParams.set('digest', sha256(bytes));
    const r = await fetch(location, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
    if (r.status !== 201) throw new Error(`${name}: blob upload answered ${r.status}: ${await r.text()}`);
    return;
  }
  const r = await fetch(`${base}/manifests/${ref}`, { method: 'PUT', body: bytes, headers: { 'content-type': type } });
  if (r.status !== 201) throw new Error(`${name} ${ref}: manifest upload answered ${r.status}: ${await r.text()}`);
}

/**
 * Attaches a cosign signature (containers/image's sigstore-json form: `{ mimeType, payload,
 * annotations }`) to the manifest `digest` in `name` as cosign does: a `sha256-<hex>.sig` tag on
 * a manifest whose one layer is the payload, with the annotations on the layer.
 */
export async function attachCosignSignature(url, name, digest, sig) {
  const payload = Buffer.from(sig.payload, 'base64');
  const sigConfig = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const sigManifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(sigConfig), size: sigConfig.length },
    layers: [{ mediaType: sig.mimeType, digest: sha256(payload), size: payload.length, annotations: sig.annotations }],
  }));
  await put(url, name, payload);
  await put(url, name, sigConfig);
  await put(url, name, sigManifest, `${digest.replace(':', '-')}.sig`, 'application/vnd.oci.image.manifest.v1+json');
}

export { readFileSync, sha256 };
