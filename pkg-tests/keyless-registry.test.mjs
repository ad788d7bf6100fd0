// Keyless signatures straight from a registry: Debian's Distribution registry on 127.0.0.1 holds
// the image of fixtures/keyless and, per case, its legacy keyless signature as cosign attaches
// it (a `sha256-<hex>.sig` tag whose one simplesigning layer carries the signature, certificate,
// chain and Rekor SET annotations). `sigwall verify docker://…` under a `fulcio` policy must
// decide every case as containers/image does (cases.json). Debian's skopeo predates `fulcio`
// (containers/image 5.23), so containers/image's own decisions come from cases.json, checked
// against containers/image's code by tests/keyless.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer, repo } from './helpers.mjs';
import { attachCosignSignature, put as putInto } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';

const fx = (...p) => readFileSync(join(repo, 'fixtures', 'keyless', ...p));
const cases = JSON.parse(fx('cases.json'));
const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const b64 = (b) => Buffer.from(b).toString('base64');
// The fixtures' image: an OCI manifest whose config is `{}` and with no layers.
const manifest = fx('manifest.json');
const config = Buffer.from('{}');

let world;
let dir;
let policyFile;

const put = (name, bytes, ref, type) => putInto(world.registry.url, name, bytes, ref, type);

before(async () => {
  world = await startWorld({ attachments: ['keyless'] });
  dir = consumer('keyless-registry');
  assert.equal(sha256(manifest), cases.digest);
  assert.equal(sha256(config), JSON.parse(manifest).config.digest);
  for (const name of Object.keys(cases.cases).filter((n) => !n.startsWith('pki-'))) {
    const repoName = `keyless/${name}`;
    await put(repoName, config);
    await put(repoName, manifest, 'v1', 'application/vnd.oci.image.manifest.v1+json');
    // The signature as cosign attaches it.
    await attachCosignSignature(world.registry.url, repoName, cases.digest, JSON.parse(fx(`${name}.json`)));
  }
  // The signatures claim registry.example/keyless/app: the policy asks for exactly that.
  const policy = {
    default: [{ type: 'reject' }],
    transports: { docker: { [`${world.host}/keyless`]: [{
      type: 'sigstoreSigned',
      fulcio: { caData: b64(fx('ca', 'root.pem')), oidcIssuer: cases.issuer, subjectEmail: cases.email },
      rekorPublicKeyData: b64(fx('ca', 'rekor.pub')),
      signedIdentity: { type: 'exactRepository', dockerRepository: cases.reference },
    }] } },
  };
  policyFile = join(mkdtempSync(join(tmpdir(), 'sigwall-keyless-registry-')), 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policy));
});

after(async () => {
  await world?.stop();
});

for (const [name, c] of Object.entries(cases.cases).filter(([n]) => !n.startsWith('pki-'))) {
  test(`${name}: ${c.allowed ? 'allowed' : 'denied'} from the registry (${c.what})`, () => {
    const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
      ['verify', '--json', '--policy', policyFile, '--registries.d', world.registriesD, `docker://${world.host}/keyless/${name}:v1`],
      { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, c.allowed ? 0 : 1, `${r.stdout}\n${r.stderr}`);
    const verdict = JSON.parse(r.stdout);
    assert.equal(verdict.digest, cases.digest);
    const signatures = verdict.requirements[0].signatures;
    assert.equal(signatures.length, 1);
    if (c.allowed) {
      assert.equal(signatures[0].outcome, 'accepted');
      assert.ok(signatures[0].signer.identities.includes(cases.email));
      assert.equal(signatures[0].signer.issuer, cases.issuer);
      assert.equal(signatures[0].signer.log.integratedTime, cases.signedAt);
    } else {
      assert.equal(signatures[0].outcome, 'rejected');
    }
  });
}
