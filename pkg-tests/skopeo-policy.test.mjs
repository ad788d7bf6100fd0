// Differential test against skopeo: for policies built from insecureAcceptAnything and reject at
// every scope level (and signedBy over an unsigned image), Debian's skopeo
// (`skopeo --policy P copy docker://… dir:…`) and sigwall reach the same verdict on images in
// a local Distribution registry. sigwall is given the manifest the registry serves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { consumer } from './helpers.mjs';
import { makeImage, MANIFEST_ACCEPT, push, skopeo, startRegistry } from './lib/registry.mjs';

let registry;
let sigwall;
const digests = {};

before(async () => {
  registry = await startRegistry();
  for (const [repo, content] of [['ns/app', 'app'], ['ns/other', 'other'], ['solo', 'solo']]) {
    push(makeImage(`${content}\n`, 'v1'), 'v1', `${registry.host}/${repo}:v1`);
  }
  const dir = consumer('skopeo');
  sigwall = await import(pathToFileURL(createRequire(join(dir, 'x.js')).resolve('sigwall')));
  for (const repo of ['ns/app', 'ns/other', 'solo']) {
    digests[repo] = sigwall.digest(await manifestOf(`${repo}:v1`));
  }
});

after(async () => {
  await registry?.stop();
});

async function manifestOf(ref) {
  const [repo, reference] = ref.includes('@') ? ref.split('@') : ref.split(':');
  const res = await fetch(`${registry.url}/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT } });
  assert.equal(res.status, 200, `manifest ${ref}`);
  return new Uint8Array(await res.arrayBuffer());
}

function policies(host) {
  const I = [{ type: 'insecureAcceptAnything' }];
  const R = [{ type: 'reject' }];
  const S = [{ type: 'signedBy', keyType: 'GPGKeys', keyData: '' }];
  const docker = (scopes, dflt = R) => JSON.stringify({ default: dflt, transports: { docker: scopes } });
  return {
    'default accept': JSON.stringify({ default: I }),
    'default reject': JSON.stringify({ default: R }),
    'registry accept': docker({ [host]: I }),
    'namespace accept': docker({ [`${host}/ns`]: I }),
    'repository accept': docker({ [`${host}/ns/app`]: I }),
    'tag accept': docker({ [`${host}/ns/app:v1`]: I }),
    'other tag accept': docker({ [`${host}/ns/app:v2`]: I }),
    'repository reject under default accept': docker({ [`${host}/ns/app`]: R }, I),
    'transport default reject': docker({ '': R }, I),
    'transport default accept': docker({ '': I }),
    'wildcard on the IP accept': docker({ '*.0.0.1': I }),
    'wider wildcard accept': docker({ '*.1': I }),
    'specific reject beats registry accept': docker({ [host]: I, [`${host}/ns/app`]: R }),
    'specific accept beats namespace reject': docker({ [`${host}/ns`]: R, [`${host}/ns/app`]: I }),
    'accept AND reject': docker({ [`${host}/ns/app`]: [...I, ...R] }),
    'signedBy on an unsigned image': docker({ [host]: S }),
    'short-name scope never matches': docker({ app: I, 'ns/app': I }),
    'other transports do not apply': JSON.stringify({ default: R, transports: { atomic: { '': I }, unknown: { x: I } } }),
    'docker-daemon scopes do not apply': JSON.stringify({ default: R, transports: { 'docker-daemon': { '': I } } }),
    'digest scope accept': docker({ [`${host}/ns/app@${digests['ns/app']}`]: I }),
  };
}

test('sigwall and skopeo agree on every policy × image', async () => {
  const images = ['ns/app:v1', 'ns/other:v1', 'solo:v1', `ns/app@${digests['ns/app']}`];
  let compared = 0;
  let allowedCount = 0;
  const disagreements = [];
  for (const [name, policy] of Object.entries(policies(registry.host))) {
    const verifier = await sigwall.createVerifier({ policy });
    for (const image of images) {
      const ref = `${registry.host}/${image}`;
      const out = mkdtempSync(join(tmpdir(), 'sigwall-skopeo-out-'));
      const s = skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `dir:${out}`], policy);
      const skopeoAllowed = s.status === 0;
      if (skopeoAllowed) allowedCount++;
      if (!skopeoAllowed) {
        // A refusal must be a policy refusal, not an infrastructure failure.
        assert.match(s.stderr, /rejected|signature/i, `${name} / ${image}: ${s.stderr}`);
      }
      const verdict = verifier.verifyLocal(`docker://${ref}`, { manifest: await manifestOf(image) });
      if (verdict.allowed !== skopeoAllowed) {
        disagreements.push(`${name} / ${image}: skopeo ${skopeoAllowed}, sigwall ${verdict.allowed} (${JSON.stringify(verdict.reasons)})`);
      }
      compared++;
    }
  }
  assert.deepEqual(disagreements, []);
  assert.equal(compared, 80);
  // The matrix exercises both outcomes (the exact split is fixed by the policies above).
  process.stdout.write(`# skopeo allowed ${allowedCount} of ${compared}\n`);
  assert.equal(allowedCount, 33);
});
