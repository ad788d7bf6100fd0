// Signature verification latency: sigwall (a whole verifyLocal: manifest digest, signature,
// payload, identity) against the bare signature check of the best peers, in one process.
//   cosign P-256   vs WebCrypto ECDSA P-256 (key imported per verification, and cached)
//   PGP RSA-3072, RSA-4096, Ed25519   vs openpgp.js 6 (key read once, message per verification)
//   Sigstore bundle (a public-good keyless v0.3 bundle from sigstore-conformance: certificate
//   chain at the SET's time, SCT, inclusion proof, checkpoint, SET, signature)   vs
//   @sigstore/verify 4 (node:crypto underneath), each with the public-good trusted root
//   prepared once
// Warm: median of many verifications after warm-up, interleaved rounds. Cold: the first
// verification in a fresh process, including sigwall's lazy load of its OpenPGP module and
// openpgp.js reading its key. The bundle case also runs in headless Chromium (Debian's, through
// playwright-core), where @sigstore/verify cannot: sigwall's time is printed, with no peer.
//
//   node bench/verify.mjs            (npm run bench runs it)
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { webcrypto } from 'node:crypto';
import * as openpgp from 'openpgp';
import * as sigwall from 'sigwall';
import { Verifier as SigstoreVerifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { launchChromium } from '../pkg-tests/helpers.mjs';
import { serveStatic } from '../scripts/lib/serve.mjs';

const fx = (p) => readFileSync(new URL(`../fixtures/${p}`, import.meta.url));
const b64 = (b) => Buffer.from(b).toString('base64');

/** The cosign case: one signed image, one trusted key. */
function cosignCase() {
  const payload = fx('cosign-signed/payload-cosign.json');
  const sigManifest = fx('cosign-signed/sig-cosign.json');
  const layer = JSON.parse(sigManifest).layers[0];
  const signature = Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64');
  const pem = fx('cosign-signed/cosign.pub').toString();
  const spki = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return {
    image: 'registry.example/app:v1',
    policy: { default: [{ type: 'reject' }], transports: { docker: { 'registry.example/app': [{ type: 'sigstoreSigned', keyData: b64(pem), signedIdentity: { type: 'matchRepository' } }] } } },
    material: { manifest: fx('cosign-signed/manifest.json'), cosignSignatures: sigManifest, blobs: { [layer.digest]: payload } },
    payload, spki, raw: derToRaw(signature),
  };
}

/** ECDSA-Sig-Value (DER) → r‖s, as WebCrypto wants it. */
function derToRaw(der) {
  let at = 2;
  const int = () => { const len = der[at + 1]; const v = der.subarray(at + 2, at + 2 + len); at += 2 + len; return v; };
  const pad = (v) => { const s = v[0] === 0 ? v.subarray(1) : v; const out = new Uint8Array(32); out.set(s, 32 - s.length); return out; };
  const r = pad(int()); const s = pad(int());
  return new Uint8Array([...r, ...s]);
}

function pgpCase(key) {
  return {
    image: 'docker.io/testing/manifest:latest',
    policy: { default: [{ type: 'reject' }], transports: { docker: { 'docker.io/testing/manifest': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: b64(fx(`pgp/${key}.gpg`)), signedIdentity: { type: 'matchExact' } }] } } },
    material: { manifest: fx('pgp/manifest.json'), signatures: [fx(`pgp/${key}.sig`)] },
    armoredKey: fx(`pgp/${key}.asc`).toString(),
    signature: fx(`pgp/${key}.sig`),
  };
}

const PGP_KEYS = { 'RSA-3072': 'rsa3072', 'RSA-4096': 'rsa4096', Ed25519: 'ed25519' };

const BUNDLE = 'Sigstore bundle';

/** The bundle case: sigstore-conformance's happy-path-v0.3, the shipped public-good root. */
function bundleCase() {
  const dir = 'sigstore-conformance/bundle-verify';
  return {
    bundle: JSON.parse(fx(`${dir}/happy-path-v0.3/bundle.sigstore.json`)),
    artifact: fx(`${dir}/a.txt`),
    root: JSON.parse(readFileSync(new URL('../src/mechanism/bundle/public-good-trusted-root.json', import.meta.url))),
    identity: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
    issuer: 'https://token.actions.githubusercontent.com',
  };
}

/** Each contender: `setup` (untimed) returns an async `verify` that must resolve true. */
function contenders(name) {
  if (name === BUNDLE) {
    const c = bundleCase();
    return {
      sigwall: async () => {
        const v = await sigwall.createBundleVerifier({ trustedRoot: c.root });
        return () => v.verify(c.bundle, c.artifact, { identity: c.identity, issuer: c.issuer }).verified;
      },
      '@sigstore/verify': async () => {
        const v = new SigstoreVerifier(toTrustMaterial(TrustedRoot.fromJSON(c.root)));
        const policy = { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
        return () => { v.verify(toSignedEntity(bundleFromJSON(c.bundle), c.artifact), policy); return true; };
      },
    };
  }
  if (name === 'P-256') {
    const c = cosignCase();
    const alg = { name: 'ECDSA', namedCurve: 'P-256' };
    const params = { name: 'ECDSA', hash: 'SHA-256' };
    return {
      sigwall: async () => { const v = await sigwall.createVerifier({ policy: c.policy }); return () => v.verifyLocal(c.image, c.material).allowed; },
      'WebCrypto (importKey per op)': async () => async () => {
        const key = await webcrypto.subtle.importKey('spki', c.spki, alg, false, ['verify']);
        return webcrypto.subtle.verify(params, key, c.raw, c.payload);
      },
      'WebCrypto (key cached)': async () => {
        const key = await webcrypto.subtle.importKey('spki', c.spki, alg, false, ['verify']);
        return () => webcrypto.subtle.verify(params, key, c.raw, c.payload);
      },
    };
  }
  const c = pgpCase(PGP_KEYS[name]);
  return {
    sigwall: async () => { const v = await sigwall.createVerifier({ policy: c.policy }); return () => v.verifyLocal(c.image, c.material).allowed; },
    'openpgp.js': async () => {
      const key = await openpgp.readKey({ armoredKey: c.armoredKey });
      return async () => {
        const message = await openpgp.readMessage({ binaryMessage: c.signature });
        const { signatures } = await openpgp.verify({ message, verificationKeys: key, expectSigned: true });
        return signatures[0].verified;
      };
    },
  };
}

async function median(fn, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    if ((await fn()) !== true) throw new Error('a verification did not succeed');
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

/** The first verification in this (fresh) process: setup + one verify. */
async function cold(caseName, contender) {
  const t0 = performance.now();
  const verify = await contenders(caseName)[contender]();
  if ((await verify()) !== true) throw new Error('cold verification failed');
  return performance.now() - t0;
}

export async function main({ rounds = 5, perRound = 40 } = {}) {
  const cases = ['P-256', ...Object.keys(PGP_KEYS), BUNDLE];
  console.log('\nSignature verification latency, ms (lower is better); ratio = sigwall / peer');
  for (const name of cases) {
    const setups = contenders(name);
    const fns = {};
    for (const [who, setup] of Object.entries(setups)) {
      fns[who] = await setup();
      await median(fns[who], 20); // warm-up
    }
    const warm = Object.fromEntries(Object.keys(fns).map((w) => [w, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [who, fn] of Object.entries(fns)) warm[who].push(await median(fn, perRound));
    }
    const result = {};
    for (const [who, list] of Object.entries(warm)) {
      list.sort((a, b) => a - b);
      const coldRun = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--cold', name, who], { encoding: 'utf8' });
      if (coldRun.status !== 0) throw new Error(coldRun.stderr);
      result[who] = { warm: list[Math.floor(list.length / 2)], cold: Number(coldRun.stdout.trim()) };
    }
    console.log(`\n${name}`);
    for (const [who, r] of Object.entries(result)) {
      const ratio = who === 'sigwall' ? '' : `   sigwall ${(result.sigwall.warm / r.warm).toFixed(2)}x warm, ${(result.sigwall.cold / r.cold).toFixed(2)}x cold`;
      console.log(`  ${who.padEnd(30)} warm ${r.warm.toFixed(3).padStart(8)}   cold ${r.cold.toFixed(1).padStart(7)}${ratio}`);
    }
    if (name === BUNDLE) {
      const r = await bundleInChromium({ rounds, perRound });
      console.log(`  ${'sigwall in Chromium'.padEnd(30)} warm ${r.warm.toFixed(3).padStart(8)}   cold ${r.cold.toFixed(1).padStart(7)}   (no peer runs in a browser)`);
    }
  }
}

/**
 * The bundle case in headless Chromium, from the built pkg/: cold (a fresh page: module load,
 * trusted root, first verification) and warm (median of rounds of medians), in ms.
 */
export async function bundleInChromium({ rounds = 5, perRound = 40 } = {}) {
  const repoDir = fileURLToPath(new URL('..', import.meta.url));
  const { server, url } = await serveStatic({
    mounts: { '/pkg/': `${repoDir}pkg`, '/fixtures/': `${repoDir}fixtures`, '/src/': `${repoDir}src` },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}fixtures/sigstore-conformance/bundle-verify/a.txt`);
    const c = bundleCase();
    return await page.evaluate(async ({ c, rounds, perRound }) => {
      const t0 = performance.now();
      const sigwall = await import('/pkg/browser.js');
      const artifact = new Uint8Array(await (await fetch('/fixtures/sigstore-conformance/bundle-verify/a.txt')).arrayBuffer());
      const v = await sigwall.createBundleVerifier({ trustedRoot: c.root });
      const check = () => {
        if (!v.verify(c.bundle, artifact, { identity: c.identity, issuer: c.issuer }).verified) throw new Error('not verified');
      };
      check();
      const cold = performance.now() - t0;
      const medians = [];
      for (let r = 0; r < rounds; r++) {
        const times = [];
        for (let i = 0; i < perRound; i++) {
          const t = performance.now();
          check();
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        medians.push(times[Math.floor(perRound / 2)]);
      }
      medians.sort((a, b) => a - b);
      return { cold, warm: medians[Math.floor(rounds / 2)] };
    }, { c: { ...c, artifact: undefined }, rounds, perRound });
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[2] === '--cold') {
  console.log(await cold(process.argv[3], process.argv[4]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
