// The demo `npm start` serves (both ways: Debian's registry with images made now, and the
// committed images behind our read-only registry front), in real Chromium: every demo case shows the right verdict and
// reason through <sigwall-verify> panels asking the gate; typing a reference and pressing Enter
// verifies it; the page works by keyboard alone; no console errors. A screenshot of the page is
// saved as a test artifact (test-artifacts/demo.png) and checked not to be blank (much larger than
// the PNG of a blank page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, openPage, repo } from './helpers.mjs';
import { startDemo } from '../scripts/start.mjs';

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
  // Focus the input with the keyboard: it is the first focusable element.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'image');
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
