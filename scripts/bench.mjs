#!/usr/bin/env node
// npm run bench: builds if needed, then runs each benchmark side by side with its peers and
// prints ratios. Benchmarks never assert timings; they report them.
import { build } from './build.mjs';
import { bootstrap, TEST_PACKAGES } from './lib/bootstrap.mjs';
import { say } from './lib/util.mjs';

// The gate benchmark runs Debian's Distribution registry, skopeo and gpg, as the tests do.
bootstrap({ debian: TEST_PACKAGES });
await build({ quiet: true });
say('SHA-256 throughput: sigwall vs hash-wasm, WebCrypto, node:crypto');
const { main: sha256 } = await import('../bench/sha256.mjs');
await sha256();
say('Signature verification latency: sigwall vs WebCrypto (cosign P-256) and openpgp.js (PGP)');
const { main: verify } = await import('../bench/verify.mjs');
await verify();
say('Edge gate: blob throughput vs a pass-through worker (same workerd, same upstream); cold manifest latency');
const { main: gate } = await import('../bench/gate.mjs');
await gate();
say('Audit: 200 images under two policies vs fetching their manifests and signatures once');
const { main: audit } = await import('../bench/audit.mjs');
await audit();
