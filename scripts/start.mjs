#!/usr/bin/env node
// npm start: a complete offline demo. Installs what is missing and builds if needed, then starts
// a local registry (Debian's Distribution registry) holding demo images signed by the same
// scripts as the tests (OpenPGP by gpg + skopeo, cosign by the test signer, unsigned, tampered,
// wrong identity, another key, multi-arch), a sigwall gate in front of it (workerd) with the
// demo policy, and the demo page; prints the URL and stops everything on Ctrl-C. Without
// Debian's registry (and no way to install it), the images committed in fixtures/demo (made by
// fixtures/demo/make.mjs, the same code) are served by a read-only registry front of our own.
//   PORT=8080 npm start
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, say } from './lib/util.mjs';
import { build } from './build.mjs';
import { bootstrap } from './lib/bootstrap.mjs';
import { serveStatic } from './lib/serve.mjs';
import { CASES, DEMO_NAME, demoPolicy, demoRegistriesD, makeDemoImages, makeRotationImages, rotationImages, rotationPolicies } from './lib/demo.mjs';
import { serveLayout } from './lib/oci-registry.mjs';

const DEMO_PACKAGES = [
  { pkg: 'docker-registry', bin: '/usr/bin/docker-registry' },
  { pkg: 'skopeo', bin: '/usr/bin/skopeo' },
  { pkg: 'gnupg', bin: '/usr/bin/gpg' },
];

/** Whether Debian's registry and the signing tools are here (else the committed images are served). */
export function haveRegistryTools() {
  return DEMO_PACKAGES.every(({ bin }) => existsSync(bin));
}

/**
 * Starts the demo; resolves with { url, gate, registry, upstream, lookaside, rotation, cases,
 * mode, stop }. `port` 0 picks a
 * free one. `mode`: 'live' (Debian's docker-registry, images made now) or 'committed' (the
 * images in fixtures/demo through a read-only registry front of our own); default: live when
 * the tools are installed.
 */
export async function startDemo({ port = 8080, log = say, mode = haveRegistryTools() ? 'live' : 'committed' } = {}) {
  const { daemon, freePort, waitForPort } = await import('../pkg-tests/helpers.mjs');
  const stops = [];
  const stopAll = async () => {
    for (const s of stops) await s().catch(() => {});
  };
  try {
    const work = mkdtempSync(join(tmpdir(), 'sigwall-demo-'));
    let upstream;
    let lookaside;
    let policyText;
    let rotation;
    if (mode === 'live') {
      const { startWorld } = await import('../pkg-tests/lib/world.mjs');
      const { makeImage, makeMultiArch } = await import('../pkg-tests/lib/registry.mjs');
      log('starting a local registry (docker-registry) and a lookaside server, making demo keys');
      const world = await startWorld({ attachments: ['demo/cosign-signed'] });
      stops.push(() => world.stop());
      log('pushing and signing the demo images (skopeo copy --sign-by, cosign-format signer)');
      makeDemoImages(world, { makeImage, makeMultiArch });
      log('pushing the key rotation of the audit page (keys A and B, skopeo copy --sign-by)');
      makeRotationImages(world, { makeImage });
      rotation = rotationPolicies(readFileSync(world.keys.a.path), readFileSync(world.keys.b.path));
      upstream = world.registry.url;
      lookaside = world.lookaside.url;
      policyText = JSON.stringify(demoPolicy(readFileSync(world.keys.a.path), readFileSync(world.cosign.path)));
    } else {
      const fixtures = join(root, 'fixtures', 'demo');
      log('Debian\'s docker-registry is not installed: serving the committed demo images (fixtures/demo) read-only');
      const front = await serveLayout({ layout: join(fixtures, 'layout'), lookaside: join(fixtures, 'lookaside') });
      stops.push(() => front.stop());
      upstream = front.url;
      lookaside = `${front.url}/lookaside`;
      policyText = readFileSync(join(fixtures, 'policy.json'), 'utf8');
      rotation = Object.fromEntries(['baseline', 'candidate'].map((n) => [n, JSON.parse(readFileSync(join(fixtures, `rotation-${n}.json`), 'utf8'))]));
    }
    writeFileSync(join(work, 'policy.json'), policyText);
    mkdirSync(join(work, 'registries.d'));
    writeFileSync(join(work, 'registries.d', 'demo.yaml'), demoRegistriesD(lookaside));
    const gatePort = await freePort();
    log('starting the sigwall gate (workerd) with the demo policy');
    const gate = daemon(process.execPath, [join(root, 'www', 'cli', 'sigwall.js'), 'gate', '--upstream', upstream, '--registry-name', DEMO_NAME,
      '--policy', join(work, 'policy.json'), '--registries.d', join(work, 'registries.d'), '--listen', `127.0.0.1:${gatePort}`], { cwd: root });
    stops.unshift(() => gate.stop());
    await waitForPort(gatePort, 30000).catch((e) => { throw new Error(`${e.message}\n${gate.log()}`); });
    const site = join(work, 'site');
    mkdirSync(site);
    // The audit page reads the registry itself (CORS), not through the gate: it evaluates other
    // policies than the gate's, and the gate serves only what its own policy allows.
    writeFileSync(join(site, 'demo-config.json'), JSON.stringify({
      registry: DEMO_NAME, gate: `http://127.0.0.1:${gatePort}`, cases: CASES,
      upstream, lookaside, rotation: { images: rotationImages(), baseline: rotation.baseline, candidate: rotation.candidate },
    }));
    const { server, url } = await serveStatic({
      port,
      index: join(root, 'www', 'demo', 'index.html'),
      pages: { '/audit': join(root, 'www', 'demo', 'audit.html') },
      mounts: { '/pkg/': join(root, 'pkg'), '/www/': join(root, 'www'), '/site/': site },
    });
    stops.unshift(() => new Promise((r) => { server.close(r); server.closeAllConnections(); }));
    return { url, gate: `http://127.0.0.1:${gatePort}`, registry: DEMO_NAME, upstream, lookaside, rotation, cases: CASES, mode, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    // Debian's registry, skopeo and gpg when they can be installed; the committed images otherwise.
    if (!haveRegistryTools()) {
      try {
        bootstrap({ debian: DEMO_PACKAGES });
      } catch (e) {
        say(`cannot install the registry tools (${e.message}); the demo serves the committed images`);
      }
    }
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
  say(`sigwall demo: ${demo.url}   (gate ${demo.gate} in front of ${demo.upstream}, known as ${demo.registry}; Ctrl-C stops everything)`);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      say('stopping the page, the gate, the registry and the lookaside server');
      await demo.stop();
      process.exit(0);
    });
  }
}
