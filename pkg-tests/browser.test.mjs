// The packed tarball in headless Chromium: a plain page that maps `sigwall` to the installed
// package with an import map, and an app bundled by esbuild (browser condition). Both run the
// digest corpus and the garbage cases in the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, consumer, launchChromium, openPage, repo, sh } from './helpers.mjs';
import { serveStatic } from '../scripts/lib/serve.mjs';

const RUN = `
import { runCorpus, runGarbage } from './corpus.js';
const cases = await (await fetch('/cases.json')).json();
window.results = [...await runCorpus(sigwall, cases), ...await runGarbage(sigwall)];
`;

let dir;
let server;
let url;
let browser;

before(async () => {
  dir = consumer('browser', {
    'corpus.js': readFileSync(join(repo, 'pkg-tests', 'corpus.js'), 'utf8'),
    'cases.json': readFileSync(join(repo, 'fixtures', 'digest', 'cases.json'), 'utf8'),
    'plain.html': `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "sigwall": "/node_modules/sigwall/pkg/browser.js" } }</script>
<script type="module">import * as sigwall from 'sigwall';${RUN}</script>`,
    'app.js': `import * as sigwall from 'sigwall';${RUN}`,
    'bundled.html': `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module" src="/dist/app.js"></script>`,
    'pgp.html': `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "sigwall": "/node_modules/sigwall/pkg/browser.js" } }</script>
<script type="module">
import * as sigwall from 'sigwall';
const get = async (f) => new Uint8Array(await (await fetch('/pgp/' + f)).arrayBuffer());
const policy = { default: [{ type: 'reject' }], transports: { docker: { 'docker.io/testing/manifest': [
  { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg', signedIdentity: { type: 'matchExact' } }] } } };
const v = await sigwall.createVerifier({ policy });
const material = { manifest: await get('manifest.json'), signatures: [await get('rsa3072.sig')], keys: { '/k.gpg': await get('rsa3072.gpg') } };
window.pgpResult = [v.verifyLocal('testing/manifest:latest', material), v.verifyLocal('testing/manifest:other', material)];
</script>`,
    ...Object.fromEntries(['manifest.json', 'rsa3072.sig', 'rsa3072.gpg'].map((f) => [`pgp/${f}`, readFileSync(join(repo, 'fixtures', 'pgp', f))])),
  });
  sh(bin('esbuild'), ['app.js', '--bundle', '--format=esm', '--platform=browser', '--outdir=dist', '--log-level=warning'], { cwd: dir });
  // esbuild keeps `new URL('./core_bg.wasm', import.meta.url)` but does not emit the file.
  for (const f of ['core_bg.wasm', 'full_bg.wasm', 'registries_bg.wasm']) copyFileSync(join(dir, 'node_modules', 'sigwall', 'pkg', f), join(dir, 'dist', f));
  ({ server, url } = await serveStatic({ mounts: { '/': dir } }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

for (const page of ['plain', 'bundled']) {
  test(`the digest corpus passes in Chromium (${page} page)`, async () => {
    const { page: p, errors } = await openPage(browser, `${url}${page}.html`);
    await p.waitForFunction(() => Array.isArray(window.results), null, { timeout: 30000 })
      .catch((e) => { throw new Error(`${e.message}\npage errors: ${errors.join('\n')}`); });
    const results = await p.evaluate(() => window.results);
    assert.ok(results.length > 80, `only ${results.length} cases ran`);
    assert.deepEqual(results.filter((r) => !r.ok), []);
    assert.deepEqual(errors, []);
    await p.close();
  });
}

test('the bundle resolved the browser entry and fetched only the core module', async () => {
  const bundle = readFileSync(join(dir, 'dist', 'app.js'), 'utf8');
  assert.match(bundle, /core_bg\.wasm/);
  const { page: p } = await openPage(browser, 'about:blank');
  const wasm = [];
  p.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
  await p.goto(`${url}bundled.html`);
  await p.waitForFunction(() => Array.isArray(window.results), null, { timeout: 30000 });
  assert.deepEqual(wasm, ['core_bg.wasm']);
  await p.close();
});

test('a signedBy policy loads the OpenPGP module on demand and verifies in Chromium', async () => {
  const { page: p, errors } = await openPage(browser, 'about:blank');
  const wasm = [];
  p.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().split('/').pop()); });
  await p.goto(`${url}pgp.html`);
  await p.waitForFunction(() => Array.isArray(window.pgpResult), null, { timeout: 30000 })
    .catch((e) => { throw new Error(`${e.message}\npage errors: ${errors.join('\n')}`); });
  const [ok, other] = await p.evaluate(() => window.pgpResult);
  assert.equal(ok.allowed, true, JSON.stringify(ok));
  assert.equal(other.allowed, false);
  assert.deepEqual(other.reasons.map((r) => r.code), ['IDENTITY_MISMATCH']);
  assert.deepEqual(wasm, ['core_bg.wasm', 'full_bg.wasm']);
  assert.deepEqual(errors, []);
  await p.close();
});
