#!/usr/bin/env node
// npm run bench: builds if needed, then runs each benchmark side by side with its peers and
// prints ratios. Benchmarks never assert timings; they report them.
import { build } from './build.mjs';
import { say } from './lib/util.mjs';

await build({ quiet: true });
say('SHA-256 throughput: sigwall vs hash-wasm, WebCrypto, node:crypto');
const { main: sha256 } = await import('../bench/sha256.mjs');
await sha256();
say('Signature verification latency: sigwall vs WebCrypto (cosign P-256) and openpgp.js (PGP)');
const { main: verify } = await import('../bench/verify.mjs');
await verify();
