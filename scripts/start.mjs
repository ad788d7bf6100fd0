#!/usr/bin/env node
// npm start: a complete offline demo. Installs what is missing and builds if needed, then starts
// a local registry (Debian's Distribution registry) holding demo images signed by the same
// scripts as the tests (OpenPGP by gpg + skopeo, cosign by the test signer, unsigned, tampered,
// wrong identity, another key, multi-arch), a sigwall gate in front of it (workerd) with the
// demo policy, and the demo page; prints the URL and stops everything on Ctrl-C.
//   PORT=8080 npm start
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, say } from './lib/util.mjs';
import { build } from './build.mjs';
import { bootstrap } from './lib/bootstrap.mjs';
import { serveStatic } from './lib/serve.mjs';

const DEMO_PACKAGES = [
  { pkg: 'docker-registry', bin: '/usr/bin/docker-registry' },
  { pkg: 'skopeo', bin: '/usr/bin/skopeo' },
  { pkg: 'gnupg', bin: '/usr/bin/gpg' },
];

/**
 * Starts the demo; resolves with { url, gate, registry, cases, stop }. `port` 0 picks a free one.
 */
export async function startDemo({ port = 8080, log = say } = {}) {
  const { startWorld } = await import('../pkg-tests/lib/world.mjs');
  const { makeImage, makeMultiArch } = await import('../pkg-tests/lib/registry.mjs');
  const { daemon, freePort, waitForPort } = await import('../pkg-tests/helpers.mjs');
  log('starting a local registry (docker-registry) and a lookaside server, making demo keys');
  const world = await startWorld({ attachments: ['demo/cosign-signed'] });
  const stops = [() => world.stop()];
  try {
    const H = world.host;
    const { a, b } = world.keys;
    const img = (text) => makeImage(`${text}\n`, 'v1');
    log('pushing and signing the demo images (skopeo copy --sign-by, cosign-format signer)');
    world.push(img('a demo image signed with OpenPGP'), 'demo/pgp-signed', { tag: 'v1', signBy: [a.fpr] });
    const cosign = world.push(img('a demo image signed with cosign'), 'demo/cosign-signed', { tag: 'v1' });
    world.signCosign('demo/cosign-signed', cosign, `${H}/demo/cosign-signed`);
    world.push(img('a demo image nobody signed'), 'demo/unsigned', { tag: 'v1' });
    const original = world.push(img('the image that was signed'), 'demo/tampered', { tag: 'v1', signBy: [a.fpr] });
    const tampered = world.push(img('the image that replaced it'), 'demo/tampered', { tag: 'v1' });
    world.copySignatures('demo/tampered', original, 'demo/tampered', tampered);
    world.push(img('signed for another name'), 'demo/wrong-identity', { tag: 'v1', signBy: [a.fpr], identity: `${H}/demo/somewhere-else:v1` });
    world.push(img('signed by a key the policy does not trust'), 'demo/other-key', { tag: 'v1', signBy: [b.fpr] });
    world.push(makeMultiArch(['amd64', 'arm64'], 'v1'), 'demo/multi-arch', { tag: 'v1', signBy: [a.fpr], all: true });
    const policy = join(world.dir, 'demo-policy.json');
    writeFileSync(policy, JSON.stringify({
      default: [{ type: 'reject' }],
      transports: { docker: {
        [`${H}/demo`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: a.path }],
        [`${H}/demo/cosign-signed`]: [{ type: 'sigstoreSigned', keyPath: world.cosign.path, signedIdentity: { type: 'matchRepository' } }],
      } },
    }, null, 2));
    const gatePort = await freePort();
    log('starting the sigwall gate (workerd) with the demo policy');
    const gate = daemon(process.execPath, [join(root, 'www', 'cli', 'sigwall.js'), 'gate', '--upstream', world.registry.url,
      '--policy', policy, '--registries.d', world.registriesD, '--listen', `127.0.0.1:${gatePort}`], { cwd: root });
    stops.unshift(() => gate.stop());
    await waitForPort(gatePort, 30000).catch((e) => { throw new Error(`${e.message}\n${gate.log()}`); });
    const cases = [
      { title: 'OpenPGP signed', image: `${H}/demo/pgp-signed:v1`, expect: 'allowed', why: 'Signed by the demo OpenPGP key with skopeo copy --sign-by; the signature claims this exact name.' },
      { title: 'cosign signed', image: `${H}/demo/cosign-signed:v1`, expect: 'allowed', why: 'A cosign signature (sha256-<digest>.sig) by the demo cosign key, for this repository.' },
      { title: 'Multi-arch', image: `${H}/demo/multi-arch:v1`, expect: 'allowed', why: 'An image index; the linux/amd64 instance is evaluated, and it is signed.' },
      { title: 'Unsigned', image: `${H}/demo/unsigned:v1`, expect: 'denied', why: 'The policy requires a signature and there is none.' },
      { title: 'Tampered', image: `${H}/demo/tampered:v1`, expect: 'denied', why: 'The tag now points to other content; the signature it kept signs the old manifest digest.' },
      { title: 'Wrong identity', image: `${H}/demo/wrong-identity:v1`, expect: 'denied', why: 'Signed by the trusted key, but for another image name.' },
      { title: 'Untrusted key', image: `${H}/demo/other-key:v1`, expect: 'denied', why: 'Signed, but by a key the policy does not list.' },
    ];
    const site = mkdtempSync(join(tmpdir(), 'sigwall-demo-site-'));
    writeFileSync(join(site, 'demo-config.json'), JSON.stringify({ registry: H, gate: `http://127.0.0.1:${gatePort}`, cases }));
    const { server, url } = await serveStatic({
      port,
      index: join(root, 'www', 'demo', 'index.html'),
      mounts: { '/pkg/': join(root, 'pkg'), '/www/': join(root, 'www'), '/site/': site },
    });
    stops.unshift(() => new Promise((r) => { server.close(r); server.closeAllConnections(); }));
    return {
      url, gate: `http://127.0.0.1:${gatePort}`, registry: H, cases,
      async stop() {
        for (const s of stops) await s();
      },
    };
  } catch (e) {
    for (const s of stops) await s().catch(() => {});
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    bootstrap({ debian: DEMO_PACKAGES });
    await build();
  } catch (e) {
    console.error(`npm start: ${e.message}`);
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8080);
  let demo;
  try {
    demo = await startDemo({ port });
  } catch (e) {
    console.error(`npm start: ${e.message}${/EADDRINUSE/.test(e.message) ? ' (set PORT to another port)' : ''}`);
    process.exit(1);
  }
  say(`sigwall demo: ${demo.url}   (gate ${demo.gate}, registry ${demo.registry}; Ctrl-C stops everything)`);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      say('stopping the page, the gate, the registry and the lookaside server');
      await demo.stop();
      process.exit(0);
    });
  }
}
