// The packed tarball, installed by name into a consumer project, in Node: ESM import,
// require(), the digest corpus, garbage input, the full module, and the CLI.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cases, consumer, sh } from './helpers.mjs';
import { runCorpus, runGarbage } from './corpus.js';

let dir;
let sigwall;

before(() => {
  dir = consumer('node', {
    'esm.mjs': `import { digest } from 'sigwall';\nconsole.log(digest(new TextEncoder().encode('abc')));\n`,
    'cjs.cjs': `const { digest, createVerifier } = require('sigwall');\n` +
      `console.log(digest(Buffer.from('abc')), typeof createVerifier);\n`,
  });
});

/** The package as the consumer resolves it by name (the exports map's "node" condition). */
async function load() {
  if (!sigwall) {
    const entry = createRequire(join(dir, 'index.js')).resolve('sigwall');
    assert.match(entry, /node_modules\/sigwall\/pkg\/node\.js$/);
    sigwall = await import(pathToFileURL(entry));
  }
  return sigwall;
}

const ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

test('ESM import by name works in a consumer project', () => {
  assert.equal(sh('node', ['esm.mjs'], { cwd: dir }).trim(), ABC);
});

test('require() by name works in a consumer project', () => {
  assert.equal(sh('node', ['cjs.cjs'], { cwd: dir }).trim(), `${ABC} function`);
});

test('the digest corpus passes through the package', async () => {
  const results = await runCorpus(await load(), cases);
  assert.ok(results.length > 40, `only ${results.length} cases ran`);
  assert.deepEqual(results.filter((r) => !r.ok), []);
});

test('garbage through every exported function gives typed errors, never a trap', async () => {
  const results = await runGarbage(await load());
  assert.ok(results.length > 40, `only ${results.length} cases ran`);
  assert.deepEqual(results.filter((r) => !r.ok), []);
});

test('digest agrees with node:crypto on random sizes around the 64 KiB chunk boundary', async () => {
  const { digest } = await load();
  for (const size of [0, 1, 65535, 65536, 65537, 131072, 200001, 3 * 1024 * 1024 + 7]) {
    const data = randomBytes(size);
    assert.equal(digest(data), `sha256:${createHash('sha256').update(data).digest('hex')}`, `size ${size}`);
    assert.equal(digest(data, 'sha512'), `sha512:${createHash('sha512').update(data).digest('hex')}`, `size ${size}`);
  }
});

test('blobGuard withholds the last chunk of a tampered multi-chunk body', async () => {
  const { createVerifier, VerifyError } = await load();
  const body = randomBytes(300 * 1024);
  const expected = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const tampered = Buffer.from(body);
  tampered[tampered.length - 10] ^= 1; // same length, one byte changed in the last chunk
  const verifier = await createVerifier();
  for (const [content, good] of [[body, true], [tampered, false]]) {
    const source = new ReadableStream({
      start(c) {
        for (let at = 0; at < content.length; at += 100 * 1024) c.enqueue(new Uint8Array(content.subarray(at, at + 100 * 1024)));
        c.close();
      },
    });
    let received = 0;
    let error = null;
    try {
      for await (const chunk of source.pipeThrough(verifier.blobGuard(expected, { size: body.length }))) received += chunk.length;
    } catch (e) {
      error = e;
    }
    if (good) {
      assert.equal(error, null);
      assert.equal(received, body.length);
    } else {
      assert.ok(error instanceof VerifyError, `want VerifyError, got ${error}`);
      assert.equal(error.code, 'DIGEST_MISMATCH');
      assert.equal(received, 200 * 1024, 'only the chunks before the last may be released');
    }
  }
});

test('the hand-written types list exactly the codes the wasm defines', async () => {
  const pkgDir = join(dir, 'node_modules', 'sigwall', 'pkg');
  const glue = await import(pathToFileURL(join(pkgDir, 'core.js')));
  glue.initSync({ module: readFileSync(join(pkgDir, 'core_bg.wasm')) });
  const dts = readFileSync(join(pkgDir, 'index.d.ts'), 'utf8');
  const union = dts.match(/export type ErrorCode =([^;]+);/)[1].match(/'([A-Z_]+)'/g).map((s) => s.slice(1, -1));
  assert.deepEqual([...union].sort(), [...glue.errorCodes()].sort());
});

test('guardBody checks a fetch body as one stream, and times out a stalled source', async () => {
  const { createVerifier, FetchError, VerifyError } = await load();
  const verifier = await createVerifier();
  const body = randomBytes(3 * 1024 * 1024 + 5);
  const expected = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const tampered = Buffer.from(body);
  tampered[tampered.length - 1] ^= 1;
  const server = createServer((req, res) => {
    const content = req.url === '/bad' ? tampered : body;
    res.writeHead(200, { 'content-length': String(content.length) });
    // In parts, so the reader sees the body arrive over time.
    let at = 0;
    const next = () => {
      res.write(content.subarray(at, at + 256 * 1024));
      at += 256 * 1024;
      if (at < content.length) setImmediate(next);
      else res.end();
    };
    next();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const read = async (stream) => {
    const parts = [];
    let error = null;
    try {
      for await (const chunk of stream) parts.push(Buffer.from(chunk));
    } catch (e) {
      error = e;
    }
    return { bytes: Buffer.concat(parts), error };
  };
  try {
    const good = await read(verifier.guardBody((await fetch(`${base}/good`)).body, expected, { size: body.length, idleTimeout: 5000 }));
    assert.equal(good.error, null);
    assert.ok(good.bytes.equals(body), 'the bytes pass unchanged');
    const bad = await read(verifier.guardBody((await fetch(`${base}/bad`)).body, expected, { size: body.length }));
    assert.ok(bad.error instanceof VerifyError && bad.error.code === 'DIGEST_MISMATCH', `got ${bad.error}`);
    assert.ok(bad.bytes.length < body.length, `released ${bad.bytes.length} of ${body.length} bytes`);
  } finally {
    server.close();
  }
  // A source that sends one chunk and then nothing: the read times out, and the chunk held
  // back is never released.
  const stalled = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(10)); } });
  const started = Date.now();
  const r = await read(verifier.guardBody(stalled, expected, { idleTimeout: 300 }));
  assert.ok(r.error instanceof FetchError && r.error.code === 'TIMEOUT', `got ${r.error}`);
  assert.equal(r.bytes.length, 0);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  // A source that fails mid-way: a transport error, and again nothing held back is released.
  const broken = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(10)); c.error(new Error('connection reset')); } });
  const b = await read(verifier.guardBody(broken, expected));
  assert.ok(b.error instanceof FetchError && b.error.code === 'NETWORK', `got ${b.error}`);
  assert.equal(b.bytes.length, 0);
});

test('the full module ships in the package and carries OpenPGP support', async () => {
  const pkgDir = join(dir, 'node_modules', 'sigwall', 'pkg');
  const full = await import(pathToFileURL(join(pkgDir, 'full.js')));
  full.initSync({ module: readFileSync(join(pkgDir, 'full_bg.wasm')) });
  assert.deepEqual(full.buildInfo().features, ['pgp']);
  assert.equal(full.digest(Buffer.from('abc')), ABC);
  const core = await import(pathToFileURL(join(pkgDir, 'core.js')));
  core.initSync({ module: readFileSync(join(pkgDir, 'core_bg.wasm')) });
  assert.deepEqual(core.buildInfo().features, []);
});

test('the sigwall command from the package digests and checks files', () => {
  const file = join(dir, 'abc.txt');
  writeFileSync(file, 'abc');
  const cli = join(dir, 'node_modules', '.bin', 'sigwall');
  assert.equal(sh(cli, ['digest', file]).trim(), `${ABC}  ${file}`);
  assert.match(sh(cli, ['digest', '--check', ABC, '--size', '3', file]), /OK/);
  const bad = ABC.replace(/d$/, 'e');
  const run = (args) => {
    try {
      sh(cli, args);
      return 0;
    } catch (e) {
      return Number(e.message.match(/failed \((\d+)\)/)?.[1]);
    }
  };
  assert.equal(run(['digest', '--check', bad, file]), 1);
  assert.equal(run(['digest', '--check', ABC, '--size', '4', file]), 1);
  assert.equal(run(['digest', '--check', 'sha256:nope', file]), 2);
  assert.equal(run(['frobnicate']), 2);
});

test('policyScope, chooseInstance and the instance option answer without the network', async () => {
  const { createVerifier, digest } = await load();
  const enc = (o) => new TextEncoder().encode(JSON.stringify(o));
  const v = await createVerifier({ policy: { default: [{ type: 'reject' }], transports: { docker: {
    'registry.example/team': [{ type: 'insecureAcceptAnything' }],
    'registry.example/team/app:dev': [{ type: 'reject' }],
  } } } });
  assert.deepEqual(v.policyScope('registry.example/team/app'), { image: 'docker://registry.example/team/app:latest', scope: 'registry.example/team' });
  assert.deepEqual(v.policyScope('docker://registry.example/team/app:dev'), { image: 'docker://registry.example/team/app:dev', scope: 'registry.example/team/app:dev' });
  assert.deepEqual(v.policyScope('busybox'), { image: 'docker://docker.io/library/busybox:latest', scope: 'default' });
  assert.throws(() => v.policyScope('UPPER/case'), { code: 'REFERENCE_INVALID' });
  const image = (arch, n) => enc({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [], annotations: { arch, n } });
  const amd64 = image('amd64', '1');
  const arm64 = image('arm64', '1');
  const zstd = image('amd64', '2');
  const entry = (m, platform) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest(m), size: m.length, ...(platform ? { platform } : {}) });
  const index = enc({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [
    entry(amd64, { os: 'linux', architecture: 'amd64' }), entry(zstd, { os: 'linux', architecture: 'amd64' }),
    entry(arm64, { os: 'linux', architecture: 'arm64', variant: 'v8' })] });
  const name = 'registry.example/team/app:1';
  assert.equal(v.chooseInstance(name, index, 'linux/amd64'), digest(amd64));
  assert.equal(v.chooseInstance(name, index, { os: 'linux', architecture: 'arm64' }), digest(arm64));
  assert.equal(v.chooseInstance(name, amd64), null);
  assert.throws(() => v.chooseInstance(name, index, 'linux/s390x'), { code: 'MANIFEST_UNKNOWN' });
  assert.throws(() => v.chooseInstance(`registry.example/team/app@${digest(amd64)}`, index), { code: 'DIGEST_MISMATCH' });
  // Every instance can be evaluated by digest, the second amd64 one included.
  const manifests = { [digest(amd64)]: amd64, [digest(arm64)]: arm64, [digest(zstd)]: zstd };
  for (const m of [amd64, zstd, arm64]) {
    const verdict = v.verifyLocal(name, { manifest: index, manifests, instance: digest(m) });
    assert.equal(verdict.allowed, true);
    assert.equal(verdict.digest, digest(m));
  }
  assert.throws(() => v.verifyLocal(name, { manifest: index, manifests, instance: 'sha256:nope' }), { code: 'DIGEST_INVALID' });
  assert.throws(() => v.verifyLocal(name, { manifest: index, manifests, instance: digest(image('x', '3')) }), { code: 'MANIFEST_UNKNOWN' });
});
