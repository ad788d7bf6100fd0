// Randomized robustness: the registry client's header and redirect handling and the gate's
// request routing, driven in-process with thousands of generated inputs. They are JavaScript,
// so the native fuzz targets (fuzz/) cannot reach them; this is their fuzzing, run in `npm
// test` with a fixed seed (SIGWALL_FUZZ_SEED overrides it, SIGWALL_FUZZ_RUNS the count) so a
// failure replays. Properties:
// - the client answers with a value or a SigwallError, never another exception, and never sends
//   a request to a private or local address (the registry is public), whatever the statuses,
//   Location, WWW-Authenticate (realms), Link and length headers say;
// - the gate answers every request with a Response of a registry status and an OCI error body
//   when it refuses; it serves nothing from a scope that rejects; a manifest it serves hashes to
//   its Docker-Content-Digest (and to the digest asked for); a blob body it serves whole hashes
//   to its digest; it asks nothing of any host but its upstream and public redirect targets.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { consumer } from './helpers.mjs';

const SEED = Number(process.env.SIGWALL_FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.SIGWALL_FUZZ_RUNS ?? 1500);

let api;
let gateModule;

before(async () => {
  const dir = consumer('robustness');
  const require = createRequire(join(dir, 'x.js'));
  api = await import(pathToFileURL(require.resolve('sigwall')));
  gateModule = pathToFileURL(join(dir, 'node_modules', 'sigwall', 'www', 'worker', 'gate.js')).href;
});

/** A small deterministic PRNG (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const bytes = (n) => Uint8Array.from({ length: n }, () => int(256));
  const text = (n) => String.fromCharCode(...Array.from({ length: n }, () => pick([32 + int(95), 32 + int(95), 0, 10, 13, 0x22, 0x2c, 0x3d, 0xe9])));
  return { next, int, pick, bytes, text };
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Hosts a hostile server may name; the private ones must never be asked. */
const TARGETS = [
  'https://registry.example/v2/', 'https://registry.example/v2/team/app/manifests/x', 'https://cdn.example/blob',
  'https://auth.example/token', 'http://registry.example/v2/', 'http://127.0.0.1/x', 'http://127.1/', 'http://0x7f.1/',
  'http://2130706433/', 'https://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://192.168.1.1:8080/',
  'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[fe80::1]/', 'http://[fd00::1]/', 'http://localhost/',
  'http://localhost./', 'http://a.localhost/', 'http://0.0.0.0/', 'http://[::]/', 'http://100.64.0.1/',
  '/v2/team/app/manifests/y', '//evil.example/x', '../../x', '?a=b', '', ' ', 'ftp://registry.example/x',
  'javascript:alert(1)', 'data:text/plain,x', 'http://user:pass@cdn.example/x', 'https://registry.example:99999/',
  'http://[::1', 'https://\u0000/', 'https://ÉXAMPLE.com/',
];

function isPrivate(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const h = u.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::' || h === '::1') return true;
  if (/^(127|10|0)\.|^169\.254\.|^192\.168\.|^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|^172\.(1[6-9]|2\d|3[01])\./.test(h)) return true;
  if (/^::ffff:/.test(h) || /^f[cd]/.test(h) || /^fe[89ab]/.test(h)) return true;
  return false;
}

/** A hostile HTTP answer. */
function answer(r, url) {
  const status = r.pick([200, 200, 200, 201, 204, 206, 301, 302, 303, 307, 308, 400, 401, 401, 403, 404, 404, 429, 500, 503]);
  const headers = new Headers();
  const set = (name, value) => {
    try {
      headers.set(name, value);
    } catch {
      // not a valid header value: a server could not send it either
    }
  };
  if (r.next() < 0.5) set('location', r.next() < 0.8 ? r.pick(TARGETS) : r.text(r.int(40)));
  if (r.next() < 0.5) {
    const realm = r.next() < 0.8 ? r.pick(TARGETS) : r.text(20);
    set('www-authenticate', r.pick([
      `Bearer realm="${realm}",service="registry.example",scope="repository:team/app:pull"`,
      `Bearer realm=${realm}`, `Basic realm="${realm}"`, `Bearer realm="${realm}", Basic realm="x"`,
      `Bearer ${r.text(30)}`, r.text(r.int(60)), 'Bearer', 'Bearer realm=""', `Bearer realm="${realm}",error="invalid_token"`,
    ]));
  }
  if (r.next() < 0.3) set('link', r.pick([`<${r.pick(TARGETS)}>; rel="next"`, r.text(30), '<>; rel=next']));
  if (r.next() < 0.5) set('content-type', r.pick(['application/json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'text/html', r.text(10)]));
  if (r.next() < 0.4) set('docker-content-digest', r.pick([sha256(new Uint8Array()), `sha256:${'0'.repeat(64)}`, r.text(20)]));
  if (r.next() < 0.3) set('content-length', String(r.pick([0, 1, 17, 4 * 1024 * 1024 + 1, 2 ** 40, -1])));
  if (r.next() < 0.3) set('docker-distribution-api-version', r.pick(['registry/2.0', r.text(8)]));
  let body = null;
  if (status !== 204 && status !== 304) {
    body = r.pick([
      () => r.bytes(r.int(200)),
      () => JSON.stringify({ token: r.text(20), access_token: r.pick([undefined, r.text(10), 7]), expires_in: r.pick([60, -1, 'x', 1e20]) }),
      () => JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: sha256(r.bytes(3)), size: 3 }, layers: [] }),
      () => JSON.stringify({ schemaVersion: 2, manifests: [{ digest: r.text(10), size: -1 }] }),
      () => JSON.stringify({ signatures: [{ content: r.text(20) }, 7, null] }),
      () => '{"errors":[{"code":"DENIED"}]}',
      () => '',
    ])();
  }
  return new Response(body, { status, headers });
}

test('the registry client: every hostile answer is a value or a SigwallError, and no private address is asked', async () => {
  const r = prng(SEED);
  const asked = [];
  const fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    asked.push(url);
    if (init?.redirect !== 'manual') throw new Error(`the client let fetch follow redirects for ${url}`);
    return answer(r, url);
  };
  const outcomes = { value: 0, errors: new Map() };
  for (let i = 0; i < RUNS; i++) {
    const client = new api.RegistryClient({
      fetch,
      timeout: 2000,
      credentials: r.next() < 0.5 ? () => ({ username: 'alice', password: 'secret' }) : undefined,
    });
    const digest = sha256(r.bytes(4));
    const call = r.pick([
      () => client.manifest('registry.example', 'team/app', r.pick(['v1', digest])),
      () => client.blob('registry.example', 'team/app', digest, r.int(100)),
      () => client.referrers('registry.example', 'team/app', digest),
      () => client.supportsSignatureExtension('registry.example'),
      () => client.extensionSignatures('registry.example', 'team/app', digest),
      () => client.lookaside(`https://lookaside.example/team/app@sha256=${digest.slice(7)}/signature-1`),
    ]);
    try {
      await call();
      outcomes.value++;
    } catch (e) {
      assert.ok(e instanceof api.SigwallError, `run ${i}: not a SigwallError: ${e?.stack ?? e}`);
      outcomes.errors.set(e.code, (outcomes.errors.get(e.code) ?? 0) + 1);
    }
  }
  const leaked = asked.filter(isPrivate);
  assert.deepEqual(leaked, [], 'requests to private or local addresses');
  console.log(`registry client: ${RUNS} calls, ${asked.length} requests, ${outcomes.value} values, errors ${JSON.stringify(Object.fromEntries(outcomes.errors))}`);
  // The generator reaches the paths it is meant to: refused private targets among them.
  assert.ok(outcomes.errors.get('PRIVATE_ADDRESS') > 0 && outcomes.value > 0, JSON.stringify(Object.fromEntries(outcomes.errors)));
});

test('the gate: every request is answered as a registry would, and nothing unverified is served', async () => {
  const r = prng(SEED + 1);
  // The upstream: honest enough that open/ images are served sometimes, hostile otherwise.
  const blobs = new Map();
  const asked = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input.url);
    asked.push(url.href);
    const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (blob && blobs.has(blob[1]) && r.next() < 0.7) {
      const bytes = r.next() < 0.7 ? blobs.get(blob[1]) : r.bytes(blobs.get(blob[1]).length);
      return new Response(bytes, { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    }
    if (/\/manifests\//.test(url.pathname) && r.next() < 0.5) {
      const layer = r.bytes(1 + r.int(64));
      const config = new TextEncoder().encode('{}');
      blobs.set(sha256(layer), layer);
      blobs.set(sha256(config), config);
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }] });
      return new Response(manifest, { status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    }
    return answer(r, url.href);
  };
  try {
    const gate = (await import(gateModule)).default;
    const env = {
      UPSTREAM: 'https://upstream.example',
      POLICY: JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { 'upstream.example/open': [{ type: 'insecureAcceptAnything' }] } } }),
      VERDICT_TTL: '5',
    };
    const names = ['open/app', 'open/app', 'open/app', 'closed/app', 'closed/app', 'open/app/x', 'Open/App', 'open//app', 'open/../closed', '%2e%2e/x', 'a', r.text(5)];
    const references = () => r.pick(['v1', 'latest', 'v1', sha256(r.bytes(2)), [...blobs.keys()][r.int(blobs.size)] ?? 'v2', [...blobs.keys()][r.int(blobs.size)] ?? 'v3', 'sha256-00.sig', `sha256-${'a'.repeat(64)}`,
      `sha256-${'a'.repeat(64)}.sig`, 'UPPER', '', r.text(8), 'sha512:00', `sha256:${'A'.repeat(64)}`]);
    const statuses = new Map();
    let served = 0;
    for (let i = 0; i < RUNS; i++) {
      const name = r.pick(names);
      const reference = references();
      const path = r.pick([
        () => `/v2/${name}/manifests/${reference}`, () => `/v2/${name}/manifests/${reference}`, () => `/v2/${name}/manifests/${reference}`,
        () => `/v2/${name}/blobs/${reference}`, () => `/v2/${name}/blobs/${reference}`,
        () => '/v2/', () => '/v2', () => `/v2/${name}/tags/list`, () => '/v2/_catalog', () => `/v2/${name}/referrers/${reference}`,
        () => `/_sigwall/verify?image=${encodeURIComponent(r.pick([`upstream.example/${name}:${reference}`, `other.example/${name}:v1`, r.text(10)]))}`,
        () => `/${r.text(12)}`, () => `/v2/${name}/blobs/uploads/`, () => `/v2/${name}/manifests/${reference}/extra`,
      ])();
      let url;
      try {
        url = new URL(path, 'http://gate.test');
      } catch {
        continue;
      }
      const method = r.next() < 0.8 ? 'GET' : r.pick(['HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH']);
      const headers = new Headers({ accept: r.pick(['*/*', 'application/vnd.oci.image.manifest.v1+json', r.text(10).replace(/[^\x20-\x7e]/g, '')]) });
      if (r.next() < 0.2) headers.set('authorization', r.pick(['Bearer x', 'Basic !!!', `Basic ${btoa('a:b')}`]));
      const res = await gate.fetch(new Request(url, { method, headers }), env);
      assert.ok(res instanceof Response, `${method} ${path}: not a Response`);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok([200, 204, 400, 401, 403, 404, 405, 503].includes(res.status), `${method} ${path}: status ${res.status}`);
      const body = new Uint8Array(await res.arrayBuffer().catch((e) => {
        // A blob body cut off by the digest check: the client never gets it whole.
        assert.match(url.pathname, /\/blobs\//, `${method} ${path}: a body failed: ${e}`);
        return new ArrayBuffer(0);
      }));
      if (res.status >= 400) {
        const json = JSON.parse(new TextDecoder().decode(body));
        assert.equal(typeof json.errors?.[0]?.code, 'string', `${method} ${path}: ${res.status} without an OCI error`);
        if (process.env.SIGWALL_FUZZ_DEBUG) console.log(res.status, json.errors[0].code, path, json.errors[0].message.slice(0, 100));
      }
      if (res.status !== 200 || method !== 'GET') continue;
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
      if (!m) continue;
      served++;
      assert.ok(m[1].startsWith('open/'), `${path}: served from a scope that rejects everything`);
      if (m[2] === 'manifests') {
        assert.equal(sha256(body), res.headers.get('docker-content-digest'), `${path}: the manifest is not what its digest says`);
        if (m[3].startsWith('sha256:')) assert.equal(sha256(body), m[3], `${path}: not the manifest asked for`);
      } else if (body.length > 0) {
        assert.equal(sha256(body), m[3], `${path}: a blob that does not hash to its digest was served whole`);
      }
    }
    const foreign = asked.filter((u) => new URL(u).host !== 'upstream.example' && isPrivate(u));
    assert.deepEqual(foreign, [], 'the gate asked a private or local address');
    console.log(`gate: ${RUNS} requests, ${asked.length} upstream requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${served} manifests or blobs served`);
    assert.ok(served > 0 && (statuses.get(403) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0, JSON.stringify(Object.fromEntries(statuses)));
  } finally {
    globalThis.fetch = realFetch;
  }
});
