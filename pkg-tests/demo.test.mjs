// The demo `npm start` serves (both ways: Debian's registry with images made now, and the
// committed images behind our read-only registry front), in real Chromium: every demo case shows the right verdict and
// reason through <sigwall-verify> panels asking the gate; typing a reference and pressing Enter
// verifies it; the page works by keyboard alone; no console errors. A screenshot of the page is
// saved as a test artifact (test-artifacts/demo.png) and checked not to be blank (much larger than
// the PNG of a blank page). The audit page (/audit) shows the key rotation's story, both ways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, openPage, repo } from './helpers.mjs';
import { startDemo } from '../scripts/start.mjs';
import { ROTATION_CHANGES } from '../scripts/lib/demo.mjs';

let demo;
let committed;
let browser;
let context;

before(async () => {
  demo = await startDemo({ port: 0, log: () => {}, mode: 'live' });
  committed = await startDemo({ port: 0, log: () => {}, mode: 'committed' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: demo.url.replace(/\/$/, '') });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await committed?.stop();
});

const EXPECTED_REASON = {
  'demo/unsigned': 'NO_SIGNATURES',
  'demo/tampered': 'DIGEST_MISMATCH',
  'demo/wrong-identity': 'IDENTITY_MISMATCH',
  'demo/other-key': 'BAD_SIGNATURE',
};

async function allVerdicts(page) {
  await page.waitForFunction(() => {
    const panels = [...document.querySelectorAll('#gallery sigwall-verify')];
    return panels.length > 0 && panels.every((p) => p.verdict !== null);
  }, null, { timeout: 60000 });
  return page.evaluate(() => [...document.querySelectorAll('#gallery .case')].map((c) => {
    const panel = c.querySelector('sigwall-verify');
    const status = panel.shadowRoot.querySelector('.status');
    return { image: c.dataset.image, expect: c.className.includes('expect-allowed') ? 'allowed' : 'denied', verdict: panel.verdict,
      shown: status.textContent, state: status.dataset.state, color: getComputedStyle(status).color };
  }));
}

test('every demo case shows the right verdict, reason and colour', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(demo.url);
  const cases = await allVerdicts(page);
  assert.equal(cases.length, demo.cases.length);
  const colors = new Set();
  for (const c of cases) {
    assert.equal(c.verdict.allowed, c.expect === 'allowed', `${c.image}: ${JSON.stringify(c.verdict.reasons)}`);
    assert.equal(c.state, c.expect);
    assert.match(c.shown, c.expect === 'allowed' ? /^✓Allowed: / : /^✕Denied: /);
    colors.add(`${c.expect} ${c.color}`);
    const repoName = Object.keys(EXPECTED_REASON).find((r) => c.image.includes(`/${r}:`));
    if (repoName) assert.equal(c.verdict.reasons[0].code, EXPECTED_REASON[repoName], c.image);
  }
  // Allowed and denied are told apart by colour too, not only by words.
  assert.equal(new Set([...colors].map((x) => x.split(' ')[0])).size, 2);
  assert.equal(new Set([...colors].map((x) => x.split(' ').slice(1).join(' '))).size, 2, [...colors].join(', '));
  assert.deepEqual(errors, []);
  mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(repo, 'test-artifacts', 'demo.png'), png);
  // Not blank: a blank page of the same size compresses to almost nothing; the demo does not.
  const blankPage = await context.newPage();
  await blankPage.setContent('<body style="background:#fff"></body>');
  const blank = await blankPage.screenshot({ fullPage: true });
  await blankPage.close();
  assert.ok(png.length > 20 * blank.length, `screenshot ${png.length} bytes, blank ${blank.length}`);
  await page.close();
});

test('without Debian\'s registry, the committed demo images give the same verdicts', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(committed.url);
  const cases = await allVerdicts(page);
  assert.equal(cases.length, committed.cases.length);
  for (const c of cases) {
    assert.equal(c.verdict.allowed, c.expect === 'allowed', `${c.image}: ${JSON.stringify(c.verdict.reasons)}`);
    const repoName = Object.keys(EXPECTED_REASON).find((r) => c.image.includes(`/${r}:`));
    if (repoName) assert.equal(c.verdict.reasons[0].code, EXPECTED_REASON[repoName], c.image);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('every card holds its text at every width: long references and digests wrap, headings are not cut off', async () => {
  for (const width of [1280, 800, 380]) {
    const ctx = await browser.newContext({ viewport: { width, height: 1600 } });
    const page = await ctx.newPage();
    await page.goto(committed.url);
    await allVerdicts(page);
    const overflowing = await page.evaluate(() => [...document.querySelectorAll('sigwall-verify')].flatMap((panel) => {
      const card = panel.shadowRoot.querySelector('.panel');
      const edge = card.getBoundingClientRect().right + 0.5;
      // Every element of the card ends inside it, and the card scrolls nothing sideways.
      const out = [...card.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > edge).map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 60)}`);
      if (card.scrollWidth > card.clientWidth + 1) out.push(`card scrolls: ${card.scrollWidth} > ${card.clientWidth}`);
      return out;
    }));
    assert.deepEqual(overflowing, [], `at ${width} px`);
    await ctx.close();
  }
});

test('light and dark themes: verdict colours follow the colour scheme', async () => {
  const colours = {};
  for (const colorScheme of ['light', 'dark']) {
    const ctx = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(demo.url);
    const cases = await allVerdicts(page);
    colours[colorScheme] = {
      allowed: cases.find((c) => c.expect === 'allowed').color,
      denied: cases.find((c) => c.expect === 'denied').color,
      background: await page.evaluate(() => getComputedStyle(document.querySelector('#gallery sigwall-verify').shadowRoot.querySelector('.panel')).backgroundColor),
    };
    await ctx.close();
  }
  assert.notEqual(colours.light.allowed, colours.dark.allowed, JSON.stringify(colours));
  assert.notEqual(colours.light.denied, colours.dark.denied, JSON.stringify(colours));
  assert.notEqual(colours.light.background, colours.dark.background, JSON.stringify(colours));
});

test('typing a reference and pressing Enter verifies it, by keyboard alone', async () => {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(demo.url);
  await allVerdicts(page);
  // Focus the input with the keyboard: it comes right after the two links to the demo's pages.
  const order = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent));
  }
  assert.deepEqual(order, ['Verify images', 'Audit a policy change', 'image']);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`${demo.registry}/demo/unsigned:v1`);
  // Record the steps the panel shows while it works.
  await page.evaluate(() => {
    window.stepsSeen = [];
    const root = document.getElementById('custom').shadowRoot;
    new MutationObserver(() => {
      const current = root.querySelector('[aria-current="step"]')?.textContent;
      if (current && !window.stepsSeen.includes(current)) window.stepsSeen.push(current);
    }).observe(root, { subtree: true, childList: true, attributes: true });
  });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('custom').verdict?.allowed === false, null, { timeout: 30000 });
  const status = await page.evaluate(() => document.getElementById('custom').shadowRoot.querySelector('.status').textContent);
  assert.match(status, /Denied: .*demo\/unsigned:v1/);
  assert.deepEqual(await page.evaluate(() => window.stepsSeen), ['Verifying'], 'the panel showed its step while the gate verified');
  // Tab from the Verify button into the panel reaches its copy button; Enter copies the verdict.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.getElementById('custom').shadowRoot.activeElement?.textContent);
  assert.equal(focused, 'Copy verdict JSON');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('custom').shadowRoot.querySelector('.sr-only').textContent === 'Verdict copied');
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  assert.equal(copied.allowed, false);
  assert.equal(copied.reasons[0].code, 'NO_SIGNATURES');
  // The panel is announced: a labelled region with a live status.
  const roles = await page.evaluate(() => {
    const root = document.getElementById('custom').shadowRoot;
    return [root.querySelector('.panel').getAttribute('role'), root.querySelector('.status').getAttribute('aria-live')];
  });
  assert.deepEqual(roles, ['region', 'polite']);
  // And it fires sigwall-verdict for the host page.
  const event = await page.evaluate(() => new Promise((resolve) => {
    const panel = document.getElementById('custom');
    panel.addEventListener('sigwall-verdict', (e) => resolve({ image: e.detail.image, allowed: e.detail.verdict.allowed }), { once: true });
    panel.setAttribute('image', panel.getAttribute('image').replace('unsigned', 'pgp-signed'));
  }));
  assert.deepEqual(event, { image: `${demo.registry}/demo/pgp-signed:v1`, allowed: true });
  assert.deepEqual(errors, []);
  await page.close();
});

/** Opens the audit page of `d`, presses Audit by keyboard, and resolves to the component's result. */
async function auditPage(d, page) {
  await page.goto(`${d.url}audit`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.evaluate(() => document.querySelector('sigwall-audit').shadowRoot.querySelector('button[type=submit]').focus());
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('sigwall-audit').result !== null, null, { timeout: 60000 });
  return page.evaluate(() => {
    const a = document.querySelector('sigwall-audit');
    return { result: a.result, bar: a.shadowRoot.querySelector('.bar').textContent, findings: a.shadowRoot.querySelector('.findings')?.textContent ?? '' };
  });
}

for (const mode of ['live', 'committed']) {
  test(`the audit page tells the key rotation's story in one press (${mode} images)`, async () => {
    const d = mode === 'live' ? demo : committed;
    const page = await context.newPage();
    const errors = [];
    // Chromium logs every 404 as an error: here, the signatures an image does not have (its
    // cosign tag, its lookaside signature-N past the last), which the audit looks for.
    page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const { result, bar, findings } = await auditPage(d, page);
    const changes = Object.fromEntries(result.images.map((r) => [r.image.replace(`${d.registry}/`, ''), r.change]));
    assert.deepEqual(changes, ROTATION_CHANGES, JSON.stringify(result.images.filter((r) => r.error)));
    assert.equal(bar, '4 allowed3 newly refused1 newly allowed5 unchanged');
    // The data shows what no lint can: the legacy/ scope holds none of these images.
    assert.match(findings, /Scope localhost:5000\/legacy matched none of these images/);
    // A newly refused image says why, per requirement, under each policy.
    const payments = result.images.find((r) => r.image.endsWith('/shop/payments:5.2'));
    assert.equal(payments.baseline.allowed, true);
    assert.equal(payments.candidate.requirements[0].signatures[0].outcome, 'rejected');
    assert.equal((await page.evaluate(() => document.querySelector('nav a[aria-current]').textContent)), 'Audit a policy change');
    if (mode === 'live') {
      const png = await page.screenshot({ fullPage: true });
      mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
      writeFileSync(join(repo, 'test-artifacts', 'demo-audit.png'), png);
      const blank = await page.evaluate(() => { document.body.innerHTML = ''; });
      assert.equal(blank, undefined);
      const empty = await page.screenshot({ fullPage: true });
      assert.ok(png.length > 10 * empty.length, `screenshot ${png.length} bytes, blank ${empty.length}`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('the rotation is what skopeo decides: each image under each policy, both ways', async () => {
  for (const d of [demo, committed]) {
    // skopeo pulls `localhost:5000/…` (the name the signatures claim) from wherever the demo
    // serves it, through registries.conf; the lookaside store is the demo's. Run without
    // blocking: the committed images are served from this process.
    const dir = mkdtempSync(join(tmpdir(), 'sigwall-demo-skopeo-'));
    writeFileSync(join(dir, 'registries.conf'), `[[registry]]\nprefix = "${d.registry}"\nlocation = "${new URL(d.upstream).host}"\ninsecure = true\n`);
    mkdirSync(join(dir, 'registries.d'));
    writeFileSync(join(dir, 'registries.d', 'demo.yaml'), `default-docker:\n  lookaside: ${d.lookaside}\n`);
    for (const policy of ['baseline', 'candidate']) writeFileSync(join(dir, `${policy}.json`), JSON.stringify(d.rotation[policy]));
    const allows = async (image, policy) => {
      const out = mkdtempSync(join(tmpdir(), 'sigwall-demo-copy-'));
      const r = await new Promise((resolve) => execFile('skopeo', ['--policy', join(dir, `${policy}.json`), '--registries-conf', join(dir, 'registries.conf'),
        '--registries.d', join(dir, 'registries.d'), 'copy', `docker://${d.registry}/${image}`, `dir:${out}`], { timeout: 60000 },
      (error, stdout, stderr) => resolve({ status: error ? (error.code ?? 1) : 0, stderr })));
      rmSync(out, { recursive: true, force: true });
      assert.ok(r.status === 0 || /rejected|signature/i.test(r.stderr), `${d.mode} ${image}: ${r.status} ${r.stderr}`);
      return r.status === 0;
    };
    const decided = {};
    for (const image of Object.keys(ROTATION_CHANGES)) {
      const [baseline, candidate] = [await allows(image, 'baseline'), await allows(image, 'candidate')];
      decided[image] = baseline === candidate ? 'unchanged' : baseline ? 'newly-refused' : 'newly-allowed';
    }
    assert.deepEqual(decided, ROTATION_CHANGES, d.mode);
  }
});

test('the audit page lists the images from the demo registry\'s catalog (through the CORS front, both ways)', async () => {
  for (const d of [demo, committed]) {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${d.url}audit`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const listed = await page.evaluate(async () => {
      const a = document.querySelector('sigwall-audit');
      a.images = '';
      return a.list();
    });
    // Every shop/ image, sorted by repository; cosign's attachment tags are not images.
    assert.deepEqual([...listed].sort(), Object.keys(ROTATION_CHANGES).map((i) => `${d.registry}/${i}`).sort());
    assert.equal(await page.evaluate(() => document.querySelector('sigwall-audit').images.split('\n').length), listed.length);
    const all = await page.evaluate(async () => {
      const a = document.querySelector('sigwall-audit');
      a.repository = 'demo/*';
      return a.list();
    });
    assert.ok(all.includes(`${d.registry}/demo/cosign-signed:v1`), all.join(' '));
    assert.ok(!all.some((i) => /:sha256-/.test(i)), all.join(' '));
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('npm start prints the URL, serves the demo, and stops everything on Ctrl-C', async () => {
  const { spawn } = await import('node:child_process');
  const { connect } = await import('node:net');
  const child = spawn(process.execPath, [join(repo, 'scripts', 'start.mjs')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const line = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 120 s:\n${out}`)), 120000);
      const check = () => {
        const m = /sigwall demo: (http:\/\/127\.0\.0\.1:\d+\/) +\(gate (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
    });
    const [, url, gate, gatePort] = line;
    assert.equal((await fetch(url)).status, 200);
    const verdict = await (await fetch(`${gate}/_sigwall/verify?image=localhost:5000/demo/pgp-signed:v1`)).json();
    assert.equal(verdict.allowed, true, JSON.stringify(verdict));
    child.kill('SIGINT');
    assert.equal(await exited, 0, out);
    // The gate is gone with it.
    const open = await new Promise((resolve) => {
      const c = connect(Number(gatePort), '127.0.0.1');
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    assert.equal(open, false, 'the gate still listens after Ctrl-C');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
