// The demo images, policy and cases, shared by `npm start` and fixtures/demo/make.mjs. The demo
// registry is called `localhost:5000` wherever a name matters (signatures, policy, the page),
// whatever port actually serves it: the gate is told that name (--registry-name).
import { existsSync, mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const DEMO_NAME = 'localhost:5000';
const N = DEMO_NAME;

export const CASES = [
  { title: 'OpenPGP signed', image: `${N}/demo/pgp-signed:v1`, expect: 'allowed', why: 'Signed by the demo OpenPGP key with skopeo copy --sign-by; the signature claims this exact name.' },
  { title: 'cosign signed', image: `${N}/demo/cosign-signed:v1`, expect: 'allowed', why: 'A cosign signature (sha256-<digest>.sig) by the demo cosign key, for this repository.' },
  { title: 'Multi-arch', image: `${N}/demo/multi-arch:v1`, expect: 'allowed', why: 'An image index; the linux/amd64 instance is evaluated, and it is signed.' },
  { title: 'Unsigned', image: `${N}/demo/unsigned:v1`, expect: 'denied', why: 'The policy requires a signature and there is none.' },
  { title: 'Tampered', image: `${N}/demo/tampered:v1`, expect: 'denied', why: 'The tag now points to other content; the signature it kept signs the old manifest digest.' },
  { title: 'Wrong identity', image: `${N}/demo/wrong-identity:v1`, expect: 'denied', why: 'Signed by the trusted key, but for another image name.' },
  { title: 'Untrusted key', image: `${N}/demo/other-key:v1`, expect: 'denied', why: 'Signed, but by a key the policy does not list.' },
];

/** Pushes and signs the demo images into a registry world (pkg-tests/lib/world.mjs). */
export function makeDemoImages(world, { makeImage, makeMultiArch }) {
  const { a, b } = world.keys;
  const img = (text) => makeImage(`${text}\n`, 'v1');
  const id = (repo) => `${N}/${repo}:v1`;
  world.push(img('a demo image signed with OpenPGP'), 'demo/pgp-signed', { tag: 'v1', signBy: [a.fpr], identity: id('demo/pgp-signed') });
  const cosign = world.push(img('a demo image signed with cosign'), 'demo/cosign-signed', { tag: 'v1' });
  world.signCosign('demo/cosign-signed', cosign, `${N}/demo/cosign-signed`);
  world.push(img('a demo image nobody signed'), 'demo/unsigned', { tag: 'v1' });
  const original = world.push(img('the image that was signed'), 'demo/tampered', { tag: 'v1', signBy: [a.fpr], identity: id('demo/tampered') });
  const tampered = world.push(img('the image that replaced it'), 'demo/tampered', { tag: 'v1' });
  world.copySignatures('demo/tampered', original, 'demo/tampered', tampered);
  world.push(img('signed for another name'), 'demo/wrong-identity', { tag: 'v1', signBy: [a.fpr], identity: id('demo/somewhere-else') });
  world.push(img('signed by a key the policy does not trust'), 'demo/other-key', { tag: 'v1', signBy: [b.fpr], identity: id('demo/other-key') });
  world.push(makeMultiArch(['amd64', 'arm64'], 'v1'), 'demo/multi-arch', { tag: 'v1', signBy: [a.fpr], all: true, identity: id('demo/multi-arch') });
}

/** The demo policy, with its keys inline. */
export function demoPolicy(openpgpKey, cosignPem) {
  return {
    default: [{ type: 'reject' }],
    transports: { docker: {
      [`${N}/demo`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: Buffer.from(openpgpKey).toString('base64') }],
      [`${N}/demo/cosign-signed`]: [{ type: 'sigstoreSigned', keyData: Buffer.from(cosignPem).toString('base64'), signedIdentity: { type: 'matchRepository' } }],
    } },
  };
}

/** registries.d for the demo: the lookaside at `lookaside`, cosign attachments for cosign-signed. */
export function demoRegistriesD(lookaside) {
  return `default-docker:\n  lookaside: ${lookaside}\ndocker:\n  ${N}/demo/cosign-signed:\n    use-sigstore-attachments: true\n`;
}

const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/**
 * Copies the demo images out of a registry into `dir` as an OCI image layout (index.json names
 * each manifest `repository:tag`, including the cosign `.sig` tags), with the lookaside store
 * beside it. What `npm start` serves when Debian's registry is not installed.
 */
export async function exportDemo(world, dir) {
  const blobs = join(dir, 'layout', 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (bytes) => writeFileSync(join(blobs, sha256(bytes).slice(7)), bytes);
  const entries = [];
  const get = async (path, accept) => {
    const res = await fetch(`${world.registry.url}${path}`, { headers: accept ? { accept } : {} });
    if (res.status !== 200) return null;
    return { bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
  };
  const copyManifest = async (repo, ref) => {
    const m = await get(`/v2/${repo}/manifests/${ref}`, ACCEPT);
    if (m === null) return null;
    put(m.bytes);
    const parsed = JSON.parse(m.bytes);
    for (const child of parsed.manifests ?? []) await copyManifest(repo, child.digest);
    for (const d of [parsed.config, ...(parsed.layers ?? [])].filter(Boolean)) {
      const blob = await get(`/v2/${repo}/blobs/${d.digest}`);
      if (blob) put(blob.bytes);
    }
    return { digest: sha256(m.bytes), size: m.bytes.length, mediaType: parsed.mediaType ?? m.type };
  };
  for (const c of CASES) {
    const [repo, tag] = c.image.slice(N.length + 1).split(':');
    const top = await copyManifest(repo, tag);
    entries.push({ ...top, annotations: { 'org.opencontainers.image.ref.name': `${repo}:${tag}` } });
    const sig = await copyManifest(repo, `${top.digest.replace(':', '-')}.sig`);
    if (sig) entries.push({ ...sig, annotations: { 'org.opencontainers.image.ref.name': `${repo}:${top.digest.replace(':', '-')}.sig` } });
  }
  writeFileSync(join(dir, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  writeFileSync(join(dir, 'layout', 'index.json'), `${JSON.stringify({ schemaVersion: 2, manifests: entries }, null, 1)}\n`);
  if (existsSync(join(world.staging, 'demo'))) cpSync(join(world.staging, 'demo'), join(dir, 'lookaside', 'demo'), { recursive: true });
  writeFileSync(join(dir, 'policy.json'), `${JSON.stringify(demoPolicy(readFileSync(world.keys.a.path), readFileSync(world.cosign.path)), null, 2)}\n`);
}
