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

/**
 * The audit page's story, a key rotation: the shop's images were signed with key A; key B
 * replaces it. Half the images in use were re-signed with B (they carry both signatures), the
 * rest not yet; one image built after the rotation is signed with B only; one was never signed;
 * and `cart:latest` was re-pointed from a build signed with A to an unsigned one. The baseline
 * (in force) trusts A for `shop/`, the candidate B, and it still names a `legacy/` scope no image
 * is under. `signed` lists the keys, in signing order; `moved` the earlier build's keys.
 */
export const ROTATION = [
  { repo: 'shop/frontend', tag: '2.4', signed: ['a', 'b'] },
  { repo: 'shop/cart', tag: '1.9', signed: ['a', 'b'] },
  { repo: 'shop/checkout', tag: '3.0', signed: ['a', 'b'] },
  { repo: 'shop/payments', tag: '5.2', signed: ['a'] },
  { repo: 'shop/search', tag: '0.8', signed: ['a'] },
  { repo: 'shop/recommendations', tag: '1.1', signed: ['a'] },
  { repo: 'shop/inventory', tag: '1.0', signed: ['b'] },
  { repo: 'shop/docs', tag: '1.0', signed: [] },
  { repo: 'shop/cart', tag: 'latest', signed: [], moved: ['a'] },
];

/** What the candidate changes for each ROTATION image (`repo:tag` → change), as skopeo decides. */
export const ROTATION_CHANGES = {
  'shop/frontend:2.4': 'unchanged', 'shop/cart:1.9': 'unchanged', 'shop/checkout:3.0': 'unchanged',
  'shop/payments:5.2': 'newly-refused', 'shop/search:0.8': 'newly-refused', 'shop/recommendations:1.1': 'newly-refused',
  'shop/inventory:1.0': 'newly-allowed', 'shop/docs:1.0': 'unchanged', 'shop/cart:latest': 'unchanged',
};

/** The ROTATION images' references. */
export const rotationImages = () => ROTATION.map(({ repo, tag }) => `${N}/${repo}:${tag}`);

/** Pushes and signs the ROTATION images into a registry world. */
export function makeRotationImages(world, { makeImage }) {
  const fpr = (names) => names.map((k) => world.keys[k].fpr);
  for (const { repo, tag, signed, moved } of ROTATION) {
    const identity = `${N}/${repo}:${tag}`;
    if (moved) world.push(makeImage(`${repo}:${tag}, the earlier build\n`, tag), repo, { tag, signBy: fpr(moved), identity });
    world.push(makeImage(`${repo}:${tag}\n`, tag), repo, { tag, signBy: fpr(signed), identity });
  }
}

/** The rotation's two policies, keys inline: `{ baseline, candidate }` (objects). */
export function rotationPolicies(keyA, keyB) {
  const signedBy = (key) => [{ type: 'signedBy', keyType: 'GPGKeys', keyData: Buffer.from(key).toString('base64') }];
  return {
    baseline: { default: [{ type: 'reject' }], transports: { docker: { [`${N}/shop`]: signedBy(keyA), [`${N}/legacy`]: signedBy(keyA) } } },
    candidate: { default: [{ type: 'reject' }], transports: { docker: { [`${N}/shop`]: signedBy(keyB), [`${N}/legacy`]: signedBy(keyB) } } },
  };
}

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
  for (const image of [...CASES.map((c) => c.image), ...rotationImages()]) {
    const [repo, tag] = image.slice(N.length + 1).split(':');
    const top = await copyManifest(repo, tag);
    if (top === null) throw new Error(`${image} is not in the registry: push it first`);
    entries.push({ ...top, annotations: { 'org.opencontainers.image.ref.name': `${repo}:${tag}` } });
    const sig = await copyManifest(repo, `${top.digest.replace(':', '-')}.sig`);
    if (sig) entries.push({ ...sig, annotations: { 'org.opencontainers.image.ref.name': `${repo}:${top.digest.replace(':', '-')}.sig` } });
  }
  writeFileSync(join(dir, 'layout', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n');
  writeFileSync(join(dir, 'layout', 'index.json'), `${JSON.stringify({ schemaVersion: 2, manifests: entries }, null, 1)}\n`);
  for (const ns of ['demo', 'shop']) {
    if (existsSync(join(world.staging, ns))) cpSync(join(world.staging, ns), join(dir, 'lookaside', ns), { recursive: true });
  }
  writeFileSync(join(dir, 'policy.json'), `${JSON.stringify(demoPolicy(readFileSync(world.keys.a.path), readFileSync(world.cosign.path)), null, 2)}\n`);
  const rotation = rotationPolicies(readFileSync(world.keys.a.path), readFileSync(world.keys.b.path));
  for (const [name, policy] of Object.entries(rotation)) writeFileSync(join(dir, `rotation-${name}.json`), `${JSON.stringify(policy, null, 2)}\n`);
}
