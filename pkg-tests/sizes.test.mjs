// Size budgets of the two wasm modules as the package ships them (brotli, quality 11, as a CDN
// serves them): core ≤ 64 KB, full ≤ 262 KB, with KB read as 1024 bytes (the build reports KiB).
// full was 256 KB until issue 15's review fixes (GnuPG's keyring rules, then naming the OpenPGP
// RSA keys Go refuses) took it to 260.4 KiB; winning those bytes back and returning to 256 is
// open work. The core (policy, digests, cosign P-256) is what every
// browser tab and edge worker downloads; the full module (OpenPGP, the other cosign key types,
// policy tooling) loads only when a policy needs it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { brotliCompressSync, constants } from 'node:zlib';
import { packed, consumer } from './helpers.mjs';

// keyless (core + certificates for fulcio/pki + the other cosign key types + Sigstore bundles
// with the public-good trusted root, RFC 3161 timestamps and Rekor v2, cosign v3 image
// signatures and sigwall's policy extension) is at 125.0 KiB, within issue 16's 128 KiB (183.8
// before sigwall-ecdsa took P-384 and P-521 over from RustCrypto, 168.6 before der's reader
// replaced x509-cert's derived parser, 145.0 before sigwall's own path validation replaced
// rustls-webpki and the module was built size-optimised throughout).
// full-keyless (OpenPGP and certificates, for policies that need both) loads only for them.
const BUDGET = { core: 64 * 1024, keyless: 128 * 1024, full: 262 * 1024, 'full-keyless': 320 * 1024 };

function brotli(bytes) {
  return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
}

test('the shipped modules fit their brotli budgets', () => {
  packed();
  const dir = consumer('sizes');
  for (const [name, budget] of Object.entries(BUDGET)) {
    const wasm = readFileSync(join(dir, 'node_modules', 'sigwall', 'pkg', `${name}_bg.wasm`));
    const size = brotli(wasm);
    console.log(`${name}: ${wasm.length} bytes raw, ${size} bytes brotli (budget ${budget})`);
    assert.ok(size <= budget, `${name} is ${size} bytes brotli, over its ${budget} budget`);
    // A module that is suspiciously small was not built with what it must hold.
    assert.ok(size > budget / 4, `${name} is only ${size} bytes brotli`);
  }
});

test('the core module has no OpenPGP and no policy tooling; the full module has both', async () => {
  const dir = consumer('sizes-exports');
  const read = (name) => readFileSync(join(dir, 'node_modules', 'sigwall', 'pkg', `${name}.js`), 'utf8');
  const core = read('core');
  const full = read('full');
  for (const binding of ['lint', 'toJsonInlined']) {
    assert.ok(!core.includes(`${binding}(`), `core exports ${binding}`);
    assert.ok(full.includes(`${binding}(`), `full lacks ${binding}`);
  }
});
