// The audit benchmark (issue 17): 200 images in Debian's Distribution registry, half of them in a
// repository whose policy checks signatures (signed by gpg through `skopeo copy --sign-by`, kept
// in a lookaside store), half in one that accepts anything. Three runs in this process:
//   fetch once   every image's manifest, and for the signed half its signatures from the
//                lookaside store, with plain fetch at the same concurrency: the floor;
//   audit        verifier.audit() of all 200 under a candidate and a baseline policy;
//   verify twice verifier.verify() of all 200 under each policy, no shared client: what an
//                audit without sharing would cost.
// Prints each time and the ratios to the floor (the issue asks audit < 2×), and the number of
// requests made more than once during the audit (0: no image's data is fetched twice).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createVerifier } from 'sigwall';
import { makeImage } from '../pkg-tests/lib/registry.mjs';
import { startWorld } from '../pkg-tests/lib/world.mjs';

const N = Number(process.env.SIGWALL_BENCH_AUDIT_IMAGES ?? 200);
const CONCURRENCY = 8;

async function pool(items, work) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

export async function main({ log = console.log } = {}) {
  const world = await startWorld();
  try {
    const { a, b } = world.keys;
    log(`pushing ${N} images (${N / 2} signed by gpg through skopeo); this takes a while`);
    const images = [];
    for (let i = 0; i < N; i++) {
      const signed = i % 2 === 0;
      const repo = signed ? 'bench/signed' : 'bench/open';
      const tag = `t${i}`;
      world.push(makeImage(`bench image ${i}\n`, tag), repo, { tag, signBy: signed ? [a.fpr] : [] });
      images.push({ image: `${world.host}/${repo}:${tag}`, repo, tag, signed });
      // world.push blocks the event loop (spawnSync): let it read the registry's output pipes,
      // which would otherwise fill and stall the registry (the 32nd push hung so).
      await new Promise((resolve) => { setImmediate(resolve); });
    }
    const registriesD = readFileSync(join(world.registriesD, 'test.yaml'), 'utf8');
    const policy = (key) => ({ default: [{ type: 'reject' }], transports: { docker: {
      [`${world.host}/bench/signed`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: readFileSync(key.path).toString('base64') }],
      [`${world.host}/bench/open`]: [{ type: 'insecureAcceptAnything' }],
    } } });
    const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

    // The floor: each manifest once, and the signatures of the signed half once.
    const t0 = performance.now();
    await pool(images, async ({ repo, tag, signed }) => {
      const m = await fetch(`${world.registry.url}/v2/${repo}/manifests/${tag}`, { headers: { accept } });
      const bytes = Buffer.from(await m.arrayBuffer());
      if (!signed) return;
      const digest = `sha256=${(await import('node:crypto')).createHash('sha256').update(bytes).digest('hex')}`;
      for (let n = 1; ; n++) {
        const s = await fetch(`${world.lookaside.url}/${repo}@${digest}/signature-${n}`);
        await s.arrayBuffer();
        if (s.status !== 200) break;
      }
    });
    const floor = performance.now() - t0;

    const requests = new Map();
    const counting = (url, init) => {
      const key = `${init?.method ?? 'GET'} ${url}`;
      requests.set(key, (requests.get(key) ?? 0) + 1);
      return fetch(url, init);
    };
    const candidate = await createVerifier({ policy: policy(b), registriesD, fetch: counting });
    const baseline = await createVerifier({ policy: policy(a), registriesD, fetch: counting });
    const t1 = performance.now();
    const result = await candidate.audit(images.map((i) => i.image), { baseline, concurrency: CONCURRENCY });
    const audit = performance.now() - t1;
    const twice = [...requests.values()].filter((n) => n > 1).length;
    if (result.summary.newlyRefused !== N / 2) throw new Error(`expected ${N / 2} newly refused, got ${JSON.stringify(result.summary)}`);

    const c2 = await createVerifier({ policy: policy(b), registriesD });
    const b2 = await createVerifier({ policy: policy(a), registriesD });
    const t2 = performance.now();
    await pool(images, async ({ image }) => {
      await c2.verify(image);
      await b2.verify(image);
    });
    const separate = performance.now() - t2;

    const ms = (t) => `${t.toFixed(0)} ms`;
    log(`${N} images, concurrency ${CONCURRENCY}:`);
    log(`  fetch once (manifests + signatures, plain fetch)  ${ms(floor)}`);
    log(`  audit, two policies (verifier.audit)             ${ms(audit)}   ${(audit / floor).toFixed(2)}× the floor (target < 2×)`);
    log(`  verify under each policy, nothing shared         ${ms(separate)}   ${(separate / floor).toFixed(2)}× the floor`);
    log(`  requests made more than once during the audit: ${twice} of ${requests.size}`);
    return { floor, audit, separate, twice };
  } finally {
    await world.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
