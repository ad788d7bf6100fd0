// The registry client and verifier in headless Chromium, talking to the local Distribution
// registry directly (its config sends CORS headers) and to the lookaside server: the page is
// served from another origin, so every request is a real cross-origin fetch with preflights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { consumer, launchChromium, openPage } from './helpers.mjs';
import { makeImage, makeMultiArch } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';
import { serveStatic } from '../scripts/lib/serve.mjs';

let world;
let server;
let url;
let browser;
const digests = {};

before(async () => {
  world = await startWorld();
  const { a } = world.keys;
  digests.signed = world.push(makeImage('browser signed\n', 'v1'), 'lib/signed', { tag: 'v1', signBy: [a.fpr] });
  digests.unsigned = world.push(makeImage('browser unsigned\n', 'v1'), 'lib/unsigned', { tag: 'v1' });
  digests.multi = world.push(makeMultiArch(['amd64', 'arm64'], 'v1'), 'lib/multi', { tag: 'v1', signBy: [a.fpr], all: true });
  digests.cosign = world.push(makeImage('browser cosign\n', 'v1'), 'cosign/app', { tag: 'v1' });
  world.signCosign('cosign/app', digests.cosign, `${world.host}/cosign/app`);
  const dir = consumer('registry-browser', {
    'keys/a.gpg': readFileSync(world.keys.a.path),
    'keys/cosign.pub': readFileSync(world.cosign.path),
    'registries.yaml': readFileSync(`${world.registriesD}/test.yaml`),
    'index.html': `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "sigwall": "/node_modules/sigwall/pkg/browser.js" } }</script>
<script type="module">
import * as sigwall from 'sigwall';
const bytes = async (p) => new Uint8Array(await (await fetch(p)).arrayBuffer());
const H = ${JSON.stringify(world.host)};
const policy = { default: [{ type: 'reject' }], transports: { docker: {
  [H + '/lib']: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/a.gpg' }],
  [H + '/cosign']: [{ type: 'sigstoreSigned', keyPath: '/cosign.pub', signedIdentity: { type: 'matchRepository' } }],
} } };
const v = await sigwall.createVerifier({
  policy,
  registriesD: await (await fetch('/registries.yaml')).text(),
  keys: { '/a.gpg': await bytes('/keys/a.gpg'), '/cosign.pub': await bytes('/keys/cosign.pub') },
  platform: { os: 'linux', architecture: 'arm64' },
});
const steps = [];
const out = {};
for (const name of ['lib/signed:v1', 'lib/unsigned:v1', 'lib/multi:v1', 'cosign/app:v1']) {
  out[name] = await v.verify('docker://' + H + '/' + name, { onProgress: (p) => steps.push(p.step) });
}
try {
  await v.verify('docker://' + H + '/lib/missing:v1');
} catch (e) {
  out.missing = { name: e.name, code: e.code };
}
window.results = { out, steps };
</script>`,
  });
  ({ server, url } = await serveStatic({ mounts: { '/': dir } }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
  await world?.stop();
});

test('Chromium verifies straight from the registry over CORS', async () => {
  const { page, errors } = await openPage(browser, 'about:blank');
  const hosts = new Set();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  await page.goto(`${url}index.html`);
  await page.waitForFunction(() => window.results !== undefined, null, { timeout: 60000 })
    .catch((e) => { throw new Error(`${e.message}\npage errors: ${errors.join('\n')}`); });
  const { out, steps } = await page.evaluate(() => window.results);
  const signed = out['lib/signed:v1'];
  assert.equal(signed.allowed, true, JSON.stringify(signed));
  assert.equal(signed.digest, digests.signed);
  assert.equal(signed.requirements[0].signatures[0].source, 'lookaside');
  assert.equal(signed.requirements[0].signatures[0].key, world.keys.a.fpr);
  const unsigned = out['lib/unsigned:v1'];
  assert.equal(unsigned.allowed, false);
  assert.equal(unsigned.digest, digests.unsigned);
  // The arm64 instance was evaluated, not the index.
  const multi = out['lib/multi:v1'];
  assert.notEqual(multi.digest, digests.multi);
  const index = JSON.parse(world.skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${world.host}/lib/multi:v1`]).stdout);
  assert.equal(multi.digest, index.manifests.find((m) => m.platform.architecture === 'arm64').digest);
  const cosign = out['cosign/app:v1'];
  assert.equal(cosign.allowed, true, JSON.stringify(cosign));
  assert.equal(cosign.requirements[0].signatures[0].source, 'cosign-tag');
  assert.deepEqual(out.missing, { name: 'VerifyError', code: 'MANIFEST_UNKNOWN' });
  assert.ok(steps.includes('manifest') && steps.includes('signatures') && steps.includes('blob') && steps.includes('done'), steps.join());
  // The page talked to the registry and the lookaside server itself, cross-origin.
  assert.ok(hosts.has(world.host), [...hosts].join());
  assert.ok(hosts.has(new URL(world.lookaside.url).host), [...hosts].join());
  // A missing image is a 404 the browser logs as a failed resource. Debian's Distribution
  // registry (2.8) has no referrers API and answers that route without its CORS headers, which
  // the browser logs (once: the client then uses the tag schema for that registry). Nothing else
  // may fail.
  const referrersCors = errors.filter((e) => /blocked by CORS policy/.test(e) && /\/referrers\//.test(e));
  assert.ok(referrersCors.length <= 1, referrersCors.join('\n'));
  const rest = errors.filter((e) => !/404/.test(e) && !referrersCors.includes(e));
  const failed = rest.filter((e) => e === 'Failed to load resource: net::ERR_FAILED');
  assert.ok(failed.length <= referrersCors.length, rest.join('\n'));
  assert.deepEqual(rest.filter((e) => !failed.includes(e)), []);
  await page.close();
});
