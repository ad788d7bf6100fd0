// `sigwall audit` and `verifier.audit()` on a key rotation made of real parts: Debian's
// Distribution registry on 127.0.0.1, two gpg keys made now (A, then B), images pushed and signed
// by `skopeo copy --sign-by` (some by A, some by both, one by B only, one unsigned, a tag that was
// re-pointed from a signed image to an unsigned one). The baseline trusts A, the candidate B. Every
// verdict is checked against skopeo's own decision under the same policy, and each image's data
// is fetched once for both policies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumer, launchChromium, repo } from './helpers.mjs';
import { serveStatic } from '../scripts/lib/serve.mjs';
import { makeImage } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';

let world;
let dir;
const policies = {};
const files = {};

// Repository → what the rotation left there, and the change the candidate makes.
const EXPECTED = {
  'rot/signed-a': 'newly-refused',
  'rot/signed-both': 'unchanged',
  'rot/signed-b': 'newly-allowed',
  'rot/unsigned': 'unchanged',
  'rot/moved': 'unchanged',
};

before(async () => {
  world = await startWorld();
  const { a, b } = world.keys;
  world.push(makeImage('signed by A\n', 'v1'), 'rot/signed-a', { tag: 'v1', signBy: [a.fpr] });
  world.push(makeImage('re-signed by B too\n', 'v1'), 'rot/signed-both', { tag: 'v1', signBy: [a.fpr, b.fpr] });
  world.push(makeImage('signed by B only\n', 'v1'), 'rot/signed-b', { tag: 'v1', signBy: [b.fpr] });
  world.push(makeImage('never signed\n', 'v1'), 'rot/unsigned', { tag: 'v1' });
  // A tag re-pointed: first a signed image, then an unsigned one.
  world.push(makeImage('the old build, signed by A\n', 'v1'), 'rot/moved', { tag: 'v1', signBy: [a.fpr] });
  world.push(makeImage('the new build, unsigned\n', 'v1'), 'rot/moved', { tag: 'v1' });
  const policy = (key) => JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/rot`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.path }],
  } } });
  const d = mkdtempSync(join(tmpdir(), 'sigwall-audit-'));
  for (const [name, key] of [['baseline', a], ['candidate', b]]) {
    policies[name] = policy(key);
    files[name] = join(d, `${name}.json`);
    writeFileSync(files[name], policies[name]);
  }
  dir = consumer('audit');
});

after(async () => {
  await world?.stop();
});

const images = () => Object.keys(EXPECTED).map((r) => `${world.host}/${r}:v1`);

/** skopeo's decision on `image` under `policy` (text): true when it copies it. */
function skopeoAllows(image, policy) {
  const out = mkdtempSync(join(tmpdir(), 'sigwall-audit-copy-'));
  const r = world.skopeo(['copy', '--src-tls-verify=false', `docker://${image}`, `dir:${out}`], policy);
  return r.status === 0;
}

function audit(...args) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
    ['audit', '--policy', files.candidate, '--registries.d', world.registriesD, ...args], { encoding: 'utf8', timeout: 120000 });
  assert.ok([0, 1, 2].includes(r.status), `${r.status}: ${r.stderr}`);
  return r;
}

test('sigwall audit --json: each image\'s change, as skopeo decides it under each policy', () => {
  const r = audit('--baseline', files.baseline, '--json', ...images());
  assert.equal(r.status, 1, 'an image the baseline allows is refused: exit 1');
  const out = JSON.parse(r.stdout);
  assert.equal(out.images.length, 5);
  for (const row of out.images) {
    const repo = row.image.replace(`${world.host}/`, '').replace(/:v1$/, '');
    assert.equal(row.change, EXPECTED[repo], `${row.image}: ${JSON.stringify(row.candidate.reasons)}`);
    assert.equal(row.error, null);
    assert.match(row.digest, /^sha256:[0-9a-f]{64}$/);
    // The differential: skopeo, under the same policies, decides each image the same way.
    assert.equal(row.candidate.allowed, skopeoAllows(row.image, policies.candidate), `candidate, ${row.image}`);
    assert.equal(row.baseline.allowed, skopeoAllows(row.image, policies.baseline), `baseline, ${row.image}`);
  }
  assert.deepEqual(
    { ...out.summary },
    { total: 5, allowed: 2, refused: 3, errors: 0, newlyRefused: 1, newlyAllowed: 1, unchanged: 3, ok: false },
  );
});

test('without a baseline, every image must be allowed; with only images that stay allowed, exit 0', () => {
  const r = audit(`${world.host}/rot/signed-both:v1`, `${world.host}/rot/signed-b:v1`);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /^IMAGE\s+DIGEST\s+CANDIDATE\s+CHANGE\s+REASON/m);
  assert.match(r.stdout, /2 images, 2 allowed, 0 refused/);
  const refused = audit(`${world.host}/rot/unsigned:v1`);
  assert.equal(refused.status, 1);
  assert.match(refused.stdout, /refused\s+NO_SIGNATURES: A signature was required, but no signature exists/);
});

test('--format markdown for a CI comment, images from a file (and stdin), comments and blank lines skipped', () => {
  const list = join(mkdtempSync(join(tmpdir(), 'sigwall-audit-list-')), 'images.txt');
  writeFileSync(list, `# the rot/ repositories\n${images().join('\n')}\n\n`);
  const r = audit('--baseline', files.baseline, '--format', 'markdown', '--images', list);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^### sigwall audit: images would be refused$/m);
  assert.match(r.stdout, /^\| image \| digest \| baseline \| candidate \| change \| reason \|$/m);
  assert.match(r.stdout, new RegExp(`^\\| ${world.host}/rot/signed-a:v1 \\| sha256:[0-9a-f]{12} \\| allowed \\| refused \\| newly-refused \\|`, 'm'));
  assert.match(r.stdout, /5 images, 2 allowed, 3 refused, 1 newly refused, 1 newly allowed, 3 unchanged/);
  const stdin = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
    ['audit', '--policy', files.candidate, '--registries.d', world.registriesD, '--json', '--images', '-'],
    { encoding: 'utf8', input: `${world.host}/rot/signed-b:v1\n` });
  assert.equal(stdin.status, 0, stdin.stderr);
  assert.equal(JSON.parse(stdin.stdout).images[0].change, 'allowed');
});

test('an image that cannot be evaluated exits 2 and says why; usage errors exit 2', () => {
  const r = audit('--json', `${world.host}/rot/no-such-image:v1`, `${world.host}/rot/signed-b:v1`);
  assert.equal(r.status, 2);
  const out = JSON.parse(r.stdout);
  assert.equal(out.images[0].change, 'error');
  assert.equal(out.images[0].error.code, 'MANIFEST_UNKNOWN');
  assert.equal(out.images[1].change, 'allowed');
  assert.equal(audit().status, 2);
  assert.equal(audit('--format', 'yaml', `${world.host}/rot/signed-b:v1`).status, 2);
});

test('verifier.audit() fetches each image once for both policies, with bounded concurrency', async () => {
  const sigwall = await import(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js'));
  const requests = new Map();
  let inFlight = 0;
  let most = 0;
  const counting = async (url, init) => {
    const key = `${init?.method ?? 'GET'} ${url}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      return await fetch(url, init);
    } finally {
      inFlight--;
    }
  };
  const registriesD = readFileSync(join(world.registriesD, 'test.yaml'), 'utf8');
  const keys = { [world.keys.a.path]: readFileSync(world.keys.a.path), [world.keys.b.path]: readFileSync(world.keys.b.path) };
  const candidate = await sigwall.createVerifier({ policy: policies.candidate, registriesD, fetch: counting });
  const baseline = await sigwall.createVerifier({ policy: policies.baseline, registriesD });
  const progress = [];
  const result = await candidate.audit(images(), { baseline, keys, concurrency: 2, onProgress: (p) => progress.push(p.done) });
  assert.deepEqual(result.images.map((r) => r.change), Object.values(EXPECTED));
  assert.equal(result.summary.newlyRefused, 1);
  assert.deepEqual(progress, [1, 2, 3, 4, 5]);
  const repeated = [...requests].filter(([, n]) => n > 1);
  assert.deepEqual(repeated, [], 'fetched more than once');
  assert.ok(requests.size > 10, `${requests.size} requests`);
  // Manifests of every image, through the one shared client.
  for (const image of images()) {
    const path = image.replace(`${world.host}/`, '').replace(':v1', '/manifests/v1');
    assert.ok([...requests.keys()].some((k) => k.includes(`/v2/${path}`)), path);
  }
  assert.ok(most <= 2 * 2, `at most ${most} requests at once`);
  await assert.rejects(candidate.audit('not a list'), { name: 'UsageError' });
  await assert.rejects(candidate.audit([], { baseline: {} }), { name: 'UsageError' });
});

test('findings only data shows: a scope no image fell under, keys that verified nothing, images allowed unsigned', () => {
  const policy = join(mkdtempSync(join(tmpdir(), 'sigwall-audit-findings-')), 'policy.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/rot`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.b.path }],
    [`${world.host}/rot/unsigned`]: [{ type: 'insecureAcceptAnything' }],
    [`${world.host}/rot/signed-a`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.b.path }],
    [`${world.host}/retired`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.a.path }],
  } } }));
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
    ['audit', '--policy', policy, '--registries.d', world.registriesD, '--json', ...images()], { encoding: 'utf8' });
  const { findings } = JSON.parse(r.stdout);
  assert.deepEqual(findings.unmatchedScopes, [`${world.host}/retired`]);
  // signed-a has its own scope trusting B, which signed none of it.
  assert.deepEqual(findings.unusedKeys.map((k) => [k.scope, k.type, k.keys, k.images]), [[`${world.host}/rot/signed-a`, 'signedBy', world.keys.b.path, 1]]);
  assert.deepEqual(findings.withoutSignature, [`${world.host}/rot/unsigned:v1`]);
  const table = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'),
    ['audit', '--policy', policy, '--registries.d', world.registriesD, ...images()], { encoding: 'utf8' });
  assert.match(table.stdout, /^note: scope ".*\/retired" matched none of the audited images$/m);
  assert.match(table.stdout, /^note: .*rot\/unsigned:v1 is allowed without any signature \(insecureAcceptAnything\)$/m);
});

test('images from a registry listing: the catalog, a repository pattern, tags bounded by --max-tags', () => {
  const r = audit('--baseline', files.baseline, '--json', '--registry', world.host, '--repository', 'rot/*', '--max-tags', '1');
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.images.map((i) => i.image), ['moved', 'signed-a', 'signed-b', 'signed-both', 'unsigned'].map((n) => `${world.host}/rot/${n}:v1`));
  assert.equal(out.summary.newlyRefused, 1);
  const some = JSON.parse(audit('--json', '--registry', world.host, '--repository', 'rot/signed-?').stdout);
  assert.deepEqual(some.images.map((i) => i.image), [`${world.host}/rot/signed-a:v1`, `${world.host}/rot/signed-b:v1`]);
  assert.equal(audit('--json', '--registry', world.host, '--repository', 'nothing/*').status, 2);
  assert.equal(audit('--repository', 'rot/*').status, 2);
});

test('verifier.listImages(): a pattern, attachment tags left out, NO_CATALOG, usage errors', async () => {
  const sigwall = await import(join(dir, 'node_modules', 'sigwall', 'pkg', 'node.js'));
  const v = await sigwall.createVerifier({ policy: policies.candidate });
  // A cosign signature's tag beside an image: not an image of its own.
  const digest = world.push(makeImage('with a cosign signature\n', 'v1'), 'rot-list/app', { tag: 'v1' });
  world.signCosign('rot-list/app', digest, `${world.host}/rot-list/app`);
  assert.deepEqual(await v.listImages(world.host, { repository: 'rot-list/*' }), [`${world.host}/rot-list/app:v1`]);
  assert.deepEqual(await v.listImages(world.host, { repository: 'rot/signed-?', maxTags: 1 }), [`${world.host}/rot/signed-a:v1`, `${world.host}/rot/signed-b:v1`]);
  // A registry without the catalog API (this one answers 404 there).
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => res.writeHead(req.url === '/v2/' ? 200 : 404, { 'content-type': 'application/json' }).end('{}'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    await assert.rejects(v.listImages(`127.0.0.1:${server.address().port}`), { name: 'FetchError', code: 'NO_CATALOG' });
  } finally {
    server.close();
  }
  // A hostile catalog: names and tags outside the distribution grammar never reach a URL or a
  // reference (a path out of /v2/, a query, a digest smuggled into a tag).
  const hostile = createServer((req, res) => {
    const json = (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/v2/') return json({});
    if (req.url.startsWith('/v2/_catalog')) return json({ repositories: ['ok/app', '../escape', 'a?b=c', 'Upper/case'] });
    if (req.url.startsWith('/v2/ok/app/tags/list')) return json({ name: 'ok/app', tags: ['v1', `v2@sha256:${'0'.repeat(64)}`, '../v3', '.hidden'] });
    return res.writeHead(404).end();
  });
  await new Promise((r) => hostile.listen(0, '127.0.0.1', r));
  try {
    const host = `127.0.0.1:${hostile.address().port}`;
    assert.deepEqual(await v.listImages(host), [`${host}/ok/app:v1`]);
  } finally {
    hostile.close();
  }
  await assert.rejects(v.listImages('not a host/x'), { name: 'UsageError' });
  await assert.rejects(v.listImages(world.host, { maxTags: 0 }), { name: 'UsageError' });
  await assert.rejects(v.listImages(world.host, { repository: '' }), { name: 'UsageError' });
});

test('<sigwall-audit> in Chromium: summary bar, sorting, filtering, a row opened, by keyboard, no console errors', async () => {
  const inline = (key) => JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/rot`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: readFileSync(key.path).toString('base64') }],
  } } });
  const pageDir = mkdtempSync(join(tmpdir(), 'sigwall-audit-page-'));
  writeFileSync(join(pageDir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>audit</title>
<script type="importmap">{ "imports": { "sigwall": "/pkg/browser.js" } }</script>
<script type="module" src="/www/panel/sigwall-audit.js"></script>
<sigwall-audit lookaside="${world.lookaside.url}" concurrency="2"></sigwall-audit>`);
  const { server, url } = await serveStatic({ mounts: { '/pkg/': join(repo, 'pkg'), '/www/': join(repo, 'www') }, index: join(pageDir, 'index.html') });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1400 } })).newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error' && !/404/.test(m.text())) errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction(() => customElements.get('sigwall-audit'));
    await page.evaluate(({ candidate, baseline, images }) => {
      const a = document.querySelector('sigwall-audit');
      Object.assign(a, { candidate, baseline, images });
    }, { candidate: inline(world.keys.b), baseline: inline(world.keys.a), images: images() });
    // By keyboard: focus the Audit button and press Enter.
    await page.evaluate(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('button[type=submit]').focus());
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('sigwall-audit').result !== null, null, { timeout: 60000 });
    const shadow = (f) => page.evaluate(f);
    // A screenshot of the full result, kept as a test artifact (README's docs/audit.png is one).
    const png = await page.screenshot({ fullPage: true });
    mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
    writeFileSync(join(repo, 'test-artifacts', 'audit.png'), png);
    const bar = await shadow(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('.bar').textContent);
    assert.equal(bar, '2 allowed1 newly refused1 newly allowed3 unchanged');
    const column = (i) => page.evaluate((n) => [...document.querySelector('sigwall-audit').shadowRoot.querySelectorAll('tbody tr')].map((r) => r.children[n].textContent), i);
    // Sorted by change first, the ones to act on first; a heading sorts by its column, again the
    // other way.
    assert.deepEqual(await column(4), ['newly-refused', 'newly-allowed', 'unchanged', 'unchanged', 'unchanged']);
    await shadow(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('th[data-key="image"] button').click());
    const byImage = await column(0);
    assert.deepEqual(byImage, [...byImage].sort());
    await shadow(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('th[data-key="image"] button').click());
    assert.deepEqual(await column(0), [...byImage].reverse());
    assert.equal(await shadow(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('th[data-key="image"]').getAttribute('aria-sort')), 'descending');
    // Filtering by text and by change.
    await page.evaluate(() => {
      const input = document.querySelector('sigwall-audit').shadowRoot.querySelector('input[type=search]');
      input.value = 'signed-';
      input.dispatchEvent(new Event('input'));
    });
    assert.equal((await column(0)).length, 3);
    await page.evaluate(() => {
      const select = document.querySelector('sigwall-audit').shadowRoot.querySelector('select');
      select.value = 'newly-refused';
      select.dispatchEvent(new Event('change'));
    });
    assert.deepEqual((await column(0)).map((t) => t.split('Candidate')[0]), [`${world.host}/rot/signed-a:v1`]);
    // The row opens into the per-requirement explanation.
    const opened = await shadow(() => {
      const d = document.querySelector('sigwall-audit').shadowRoot.querySelector('tbody details');
      d.querySelector('summary').click();
      return { open: d.open, text: d.textContent };
    });
    assert.ok(opened.open);
    assert.match(opened.text, /Candidate: refused/);
    assert.match(opened.text, /Baseline: allowed/);
    assert.match(opened.text, /signedBy: not satisfied/);
    assert.match(await shadow(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('[role=status]').textContent), /1 of 5 images shown/);
    assert.deepEqual(errors, []);
    await page.evaluate(() => { document.body.innerHTML = ''; });
    const empty = await page.screenshot({ fullPage: true });
    assert.ok(png.length > 5 * empty.length, `screenshot ${png.length} bytes, blank ${empty.length}`);
  } finally {
    await browser.close();
    server.close();
  }
});

test('--from dir: and oci: audit saved copies with no network', () => {
  // A skopeo dir: copy keeps the simple signatures: the decision is the registry's.
  const copy = mkdtempSync(join(tmpdir(), 'sigwall-audit-dir-'));
  assert.equal(world.skopeo(['copy', '--src-tls-verify=false', `docker://${world.host}/rot/signed-a:v1`, `dir:${copy}`]).status, 0);
  const fromDir = audit('--baseline', files.baseline, '--json', '--from', `dir:${copy}`, `${world.host}/rot/signed-a:v1`);
  assert.equal(fromDir.status, 1);
  assert.equal(JSON.parse(fromDir.stdout).images[0].change, 'newly-refused');
  // An OCI layout carries no simple signatures: each IMAGE's tag names its entry, and an image
  // the layout does not hold is that row's error.
  const layout = mkdtempSync(join(tmpdir(), 'sigwall-audit-oci-'));
  for (const repo of ['signed-a', 'unsigned']) {
    const r = world.skopeo(['copy', '--remove-signatures', '--src-tls-verify=false', `docker://${world.host}/rot/${repo}:v1`, `oci:${layout}:${repo}`]);
    assert.equal(r.status, 0, r.stderr);
  }
  const r = audit('--baseline', files.baseline, '--json', '--from', `oci:${layout}`,
    `${world.host}/rot/signed-a:signed-a`, `${world.host}/rot/unsigned:unsigned`, `${world.host}/rot/x:not-there`);
  const out = JSON.parse(r.stdout);
  assert.equal(r.status, 2, 'one image is not in the copy');
  assert.deepEqual(out.images.map((i) => i.change), ['unchanged', 'unchanged', 'error']);
  assert.equal(out.images[0].baseline.reasons[0].code, 'NO_SIGNATURES');
  assert.equal(out.images[2].error.code, 'MANIFEST_UNKNOWN');
});
