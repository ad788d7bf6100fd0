// `sigwall verify --from dir:PATH`: images copied and signed by real skopeo (`skopeo copy
// --sign-by` with a key gpg makes now), and a cosign signature stored as skopeo stores sigstore
// signatures (`\0sigstore-json\n…`), verified offline with exit codes 0 / 1 / 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer, repo } from './helpers.mjs';
import { makeImage, makeMultiArch } from './lib/registry.mjs';

let dir;
let gnupg;
let fingerprint;
let signed;
let unsigned;

const run = (cmd, args, env = {}) => spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });

before(() => {
  dir = consumer('verify-dir');
  gnupg = mkdtempSync(join(tmpdir(), 'sigwall-gnupg-'));
  const gen = run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'sigwall dir test <dir@sigwall.test>', 'rsa3072', 'sign', 'never'], { GNUPGHOME: gnupg });
  assert.equal(gen.status, 0, gen.stderr);
  fingerprint = run('gpg', ['--with-colons', '--list-keys', 'dir@sigwall.test'], { GNUPGHOME: gnupg }).stdout.match(/^fpr:+([0-9A-F]+):/m)[1];
  writeFileSync(join(dir, 'key.gpg'), run('gpg', ['--export', fingerprint], { GNUPGHOME: gnupg, encoding: 'buffer' }).stdout ?? '');
  const exported = spawnSync('gpg', ['--export', fingerprint], { env: { ...process.env, GNUPGHOME: gnupg } });
  writeFileSync(join(dir, 'key.gpg'), exported.stdout);
  const layout = makeImage('signed by skopeo\n', 'v1');
  signed = join(dir, 'signed');
  const policy = join(dir, 'accept.json');
  writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  const copy = run('skopeo', ['--policy', policy, 'copy', '--sign-by', fingerprint, '--sign-identity', 'docker.io/testing/app:v1', `oci:${layout}:v1`, `dir:${signed}`], { GNUPGHOME: gnupg });
  assert.equal(copy.status, 0, copy.stderr);
  unsigned = join(dir, 'unsigned');
  const plain = run('skopeo', ['--policy', policy, 'copy', `oci:${layout}:v1`, `dir:${unsigned}`]);
  assert.equal(plain.status, 0, plain.stderr);
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({
    default: [{ type: 'reject' }],
    transports: { docker: {
      'docker.io/testing': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: join(dir, 'key.gpg'), signedIdentity: { type: 'matchExact' } }],
      'registry.example/app': [{ type: 'sigstoreSigned', keyPath: join(repo, 'fixtures', 'cosign-signed', 'cosign.pub'), signedIdentity: { type: 'matchRepository' } }],
    } },
  }));
});

after(() => {
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
  rmSync(gnupg, { recursive: true, force: true });
});

function verify(...args) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), ['verify', '--policy', join(dir, 'policy.json'), ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('skopeo wrote a real signature into the dir: copy', () => {
  const sig = readFileSync(join(signed, 'signature-1'));
  assert.ok([0xa3, 0xc8, 0x90, 0xc4].includes(sig[0]) || sig[0] === 0x00, `unexpected first byte ${sig[0]}`);
});

test('a skopeo-signed dir: copy is allowed for the signed identity, with the key named', () => {
  const r = verify('--from', `dir:${signed}`, '--json', 'docker://docker.io/testing/app:v1');
  assert.equal(r.status, 0, r.out + r.err);
  const v = JSON.parse(r.out);
  assert.equal(v.allowed, true);
  assert.equal(v.requirements[0].signatures[0].key, fingerprint);
  assert.equal(v.requirements[0].signatures[0].source, 'dir');
  const human = verify('--from', `dir:${signed}`, 'testing/app:v1');
  assert.equal(human.status, 0);
  assert.match(human.out, /allowed/);
  assert.match(human.out, new RegExp(`key ${fingerprint}`));
});

test('the same copy under another tag, or unsigned, is denied (exit 1) with the reason', () => {
  const other = verify('--from', `dir:${signed}`, '--json', 'docker://docker.io/testing/app:v2');
  assert.equal(other.status, 1);
  assert.deepEqual(JSON.parse(other.out).reasons.map((r) => r.code), ['IDENTITY_MISMATCH']);
  const none = verify('--from', `dir:${unsigned}`, 'docker://docker.io/testing/app:v1');
  assert.equal(none.status, 1);
  assert.match(none.out, /A signature was required, but no signature exists/);
  const scope = verify('--from', `dir:${signed}`, 'docker://quay.io/testing/app:v1');
  assert.equal(scope.status, 1);
  assert.match(scope.out, /REJECTED_BY_POLICY/);
});

test('a tampered manifest in the copy is denied', () => {
  const copy = mkdtempSync(join(tmpdir(), 'sigwall-tampered-'));
  copyFileSync(join(signed, 'signature-1'), join(copy, 'signature-1'));
  const manifest = JSON.parse(readFileSync(join(signed, 'manifest.json'), 'utf8'));
  manifest.annotations = { tampered: 'yes' };
  writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest));
  const r = verify('--from', `dir:${copy}`, '--json', 'docker://docker.io/testing/app:v1');
  assert.equal(r.status, 1);
  assert.deepEqual(JSON.parse(r.out).reasons.map((x) => x.code), ['DIGEST_MISMATCH']);
});

test('a cosign signature stored as \\0sigstore-json in signature-1 verifies', () => {
  const fx = (f) => readFileSync(join(repo, 'fixtures', 'cosign-signed', f));
  const sigManifest = JSON.parse(fx('sig-cosign.json'));
  const layer = sigManifest.layers[0];
  const copy = mkdtempSync(join(tmpdir(), 'sigwall-sigstore-'));
  mkdirSync(copy, { recursive: true });
  copyFileSync(join(repo, 'fixtures', 'cosign-signed', 'manifest.json'), join(copy, 'manifest.json'));
  const stored = JSON.stringify({ mimeType: layer.mediaType, payload: fx('payload-cosign.json').toString('base64'), annotations: layer.annotations });
  writeFileSync(join(copy, 'signature-1'), Buffer.concat([Buffer.from('\0sigstore-json\n'), Buffer.from(stored)]));
  const r = verify('--from', `dir:${copy}`, '--json', 'docker://registry.example/app:v1');
  assert.equal(r.status, 0, r.out + r.err);
  assert.equal(JSON.parse(r.out).requirements[0].signatures[0].format, 'cosign');
  writeFileSync(join(copy, 'signature-1'), Buffer.from('\0sigstore-json\n{"mimeType":1}'));
  const bad = verify('--from', `dir:${copy}`, '--json', 'docker://registry.example/app:v1');
  assert.equal(bad.status, 1);
  assert.deepEqual(JSON.parse(bad.out).reasons.map((x) => x.code), ['SIGNATURE_INVALID']);
});

test('every command answers --help and -h with its usage, and exit 0', () => {
  const sigwall = join(dir, 'node_modules', '.bin', 'sigwall');
  for (const [command, first] of [[['verify'], 'sigwall verify'], [['gate'], 'sigwall gate'], [['policy'], 'sigwall policy check'],
    [['policy', 'check'], 'sigwall policy check'], [['policy', 'embed'], 'sigwall policy embed'], [['digest'], 'sigwall digest'], [[], 'sigwall verify']]) {
    for (const flag of ['--help', '-h']) {
      const r = spawnSync(sigwall, [...command, flag], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${command.join(' ')} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, /^usage:\n/, `${command.join(' ')} ${flag}`);
      assert.ok(r.stdout.includes(first), `${command.join(' ')} ${flag}: ${r.stdout}`);
      assert.equal(r.stderr, '');
    }
  }
  // Its own usage only, and a usage error still exits 2.
  assert.ok(!spawnSync(sigwall, ['digest', '-h'], { encoding: 'utf8' }).stdout.includes('sigwall gate'));
  assert.equal(spawnSync(sigwall, ['gate', '--no-such-option'], { encoding: 'utf8' }).status, 2);
});

test('usage errors and missing copies exit 2', () => {
  assert.equal(verify('--from', 'dir:/no/such/dir', 'docker://docker.io/testing/app:v1').status, 2);
  assert.equal(verify('docker://docker.io/testing/app:v1').status, 2);
  assert.equal(verify('--from', `dir:${signed}`, 'UPPER/case').status, 2);
});

test('a multi-platform copy (skopeo copy --all --sign-by) is evaluated for the platform asked for', () => {
  const layout = makeMultiArch(['amd64', 'arm64'], 'v1');
  const multi = join(dir, 'multi');
  const policy = join(dir, 'accept.json');
  const copy = run('skopeo', ['--policy', policy, 'copy', '--all', '--sign-by', fingerprint, '--sign-identity', 'docker.io/testing/app:v1', `oci:${layout}:v1`, `dir:${multi}`], { GNUPGHOME: gnupg });
  assert.equal(copy.status, 0, copy.stderr);
  const index = JSON.parse(readFileSync(join(multi, 'manifest.json'), 'utf8'));
  const instance = (arch) => index.manifests.find((m) => m.platform.architecture === arch).digest;
  for (const arch of ['amd64', 'arm64']) {
    const r = verify('--from', `dir:${multi}`, '--platform', `linux/${arch}`, '--json', 'docker://docker.io/testing/app:v1');
    assert.equal(r.status, 0, r.out + r.err);
    const v = JSON.parse(r.out);
    assert.equal(v.allowed, true);
    assert.equal(v.digest, instance(arch), 'the verdict names the platform instance');
  }
  // Without the instance's own signature, the index's signature does not make it allowed.
  rmSync(join(multi, `${instance('arm64').slice(7)}.signature-1`));
  const unsigned = verify('--from', `dir:${multi}`, '--platform', 'linux/arm64', '--json', 'docker://docker.io/testing/app:v1');
  assert.equal(unsigned.status, 1, unsigned.out + unsigned.err);
  assert.deepEqual(JSON.parse(unsigned.out).reasons.map((r) => r.code), ['NO_SIGNATURES']);
  // A platform the index does not list: the image does not exist for it (exit 2).
  const none = verify('--from', `dir:${multi}`, '--platform', 'linux/s390x', 'docker://docker.io/testing/app:v1');
  assert.equal(none.status, 2, none.out + none.err);
  assert.match(none.err, /linux\/s390x/);
  const bad = verify('--from', `dir:${multi}`, '--platform', 'linux', 'docker://docker.io/testing/app:v1');
  assert.equal(bad.status, 2);
});
