// The registry client against a registry that lies. A small fault-injecting proxy (this file)
// sits in front of the real Distribution registry and, per test, rewrites what the registry
// says: a wrong Docker-Content-Digest, a manifest that does not hash to the digest asked for, a
// `.sig` payload that does not match its descriptor, endless redirects, a 2 GB body, a body
// that stalls, HTML error pages, 401 loops and malformed challenges. It also plays a token
// server, so the bearer flow (anonymous, basic credentials, a static token) runs end to end.
// Every case must end in a typed error or a denial with a reason: never allowed, never hung.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { consumer } from './helpers.mjs';
import { makeImage } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';

let world;
let api;
let proxy;
let storage; // a second origin blobs may be redirected to
let H; // the proxy's host
const digests = {};
const seen = { tokenRequests: 0, storageAuthorization: [], registryAuthorization: [] };
let fault = null; // (req, res, url) => true when it answered the request itself

const TOKEN = 'test-token-0123456789';
let issuing = TOKEN; // what the token endpoint hands out
const USER = { username: 'alice', password: 's3cret' };

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

async function forward(req, res) {
  const upstream = await fetch(`${world.registry.url}${req.url}`, { headers: { accept: req.headers.accept ?? '*/*' }, redirect: 'manual' });
  const body = Buffer.from(await upstream.arrayBuffer());
  const headers = {};
  for (const h of ['content-type', 'docker-content-digest', 'location']) {
    const v = upstream.headers.get(h);
    if (v) headers[h] = v;
  }
  res.writeHead(upstream.status, headers).end(body);
  return body;
}

before(async () => {
  world = await startWorld();
  const dir = consumer('registry-client');
  api = await import(pathToFileURL(createRequire(join(dir, 'x.js')).resolve('sigwall')));
  digests.signed = world.push(makeImage('lying registry\n', 'v1'), 'lib/app', { tag: 'v1', signBy: [world.keys.a.fpr] });
  digests.cosign = world.push(makeImage('cosign behind a liar\n', 'v1'), 'cosign/app', { tag: 'v1' });
  world.signCosign('cosign/app', digests.cosign, 'will-be-replaced/cosign/app');
  storage = await listen((req, res) => {
    seen.storageAuthorization.push(req.headers.authorization ?? null);
    forward(req, res);
  });
  proxy = await listen(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/token') {
      seen.tokenRequests++;
      const basic = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
      if (req.headers.authorization !== basic) return res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: issuing, expires_in: 300 }));
    }
    seen.registryAuthorization.push(req.headers.authorization ?? null);
    if (fault && (await fault(req, res, url))) return;
    await forward(req, res);
  });
  H = `127.0.0.1:${proxy.address().port}`;
});

after(async () => {
  proxy?.close();
  storage?.close();
  await world?.stop();
});

// The proxy is a mirror: skopeo signed the images under the registry's own name.
const policyA = () => ({ default: [{ type: 'reject' }], transports: { docker: { [`${H}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: readFileSync(world.keys.a.path).toString('base64'), signedIdentity: { type: 'remapIdentity', prefix: `${H}/lib`, signedPrefix: `${world.host}/lib` } }] } } });
const lookasideFor = () => `default-docker:\n  lookaside: ${world.lookaside.url}\n`;

async function verifier(extra = {}) {
  return api.createVerifier({ policy: policyA(), registriesD: lookasideFor(), timeout: 2000, ...extra });
}

async function rejectsWith(promise, Class, code) {
  const started = Date.now();
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Class, `${e?.name}: ${e?.message}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
  return Date.now() - started;
}

test('through the honest proxy the signed image is allowed', async () => {
  fault = null;
  const verdict = await (await verifier()).verify(`docker://${H}/lib/app:v1`);
  assert.equal(verdict.allowed, true, JSON.stringify(verdict));
  assert.equal(verdict.digest, digests.signed);
});

test('a wrong Docker-Content-Digest is ignored: the digest is computed', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/')) return false;
    const upstream = await fetch(`${world.registry.url}${req.url}`, { headers: { accept: req.headers.accept } });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(200, { 'content-type': upstream.headers.get('content-type'), 'docker-content-digest': `sha256:${'0'.repeat(64)}` }).end(body);
    return true;
  };
  const verdict = await (await verifier()).verify(`docker://${H}/lib/app:v1`);
  assert.equal(verdict.digest, digests.signed);
  assert.equal(verdict.allowed, true);
});

test('a manifest that does not hash to the digest asked for is a DIGEST_MISMATCH', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/sha256:')) return false;
    const other = await fetch(`${world.registry.url}/v2/cosign/app/manifests/v1`, { headers: { accept: req.headers.accept } });
    res.writeHead(200, { 'content-type': other.headers.get('content-type') }).end(Buffer.from(await other.arrayBuffer()));
    return true;
  };
  await rejectsWith((await verifier()).verify(`docker://${H}/lib/app@${digests.signed}`), api.VerifyError, 'DIGEST_MISMATCH');
});

test('a .sig payload that does not match its descriptor denies, with the reason', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.startsWith('/v2/cosign/app/blobs/')) return false;
    const upstream = await fetch(`${world.registry.url}${req.url}`);
    const body = Buffer.from(await upstream.arrayBuffer());
    body[body.length - 2] ^= 1; // same length, one bit changed
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    return true;
  };
  const v = await api.createVerifier({ policy: { default: [{ type: 'sigstoreSigned', keyData: readFileSync(world.cosign.path).toString('base64'), signedIdentity: { type: 'matchRepository' } }] }, timeout: 2000 });
  const verdict = await v.verify(`docker://${H}/cosign/app:v1`);
  assert.equal(verdict.allowed, false);
  const sig = verdict.requirements[0].signatures[0];
  assert.equal(sig.outcome, 'rejected');
  assert.match(`${sig.code} ${sig.message}`, /DIGEST_MISMATCH|digest/i);
});

test('a registry with the referrers API: a Sigstore bundle listed there is reported', async () => {
  const bundle = `sha256:${'b'.repeat(64)}`;
  let asked = 0;
  fault = async (req, res, url) => {
    if (url.pathname !== `/v2/cosign/app/referrers/${digests.cosign}`) return false;
    asked++;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: bundle, size: 500 }],
    }));
    return true;
  };
  try {
    const v = await api.createVerifier({ policy: { default: [{ type: 'sigstoreSigned', keyData: readFileSync(world.cosign.path).toString('base64'), signedIdentity: { type: 'matchRepository' } }] }, timeout: 2000 });
    const verdict = await v.verify(`docker://${H}/cosign/app:v1`);
    assert.equal(asked, 1);
    const reported = verdict.requirements[0].signatures.find((sig) => sig.source === 'referrers');
    assert.equal(reported?.code, 'UNSUPPORTED_FORMAT', JSON.stringify(verdict));
    assert.match(reported.message, new RegExp(bundle));
  } finally {
    fault = null;
  }
});

test('endless redirects end in TOO_MANY_REDIRECTS', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/')) return false;
    res.writeHead(302, { location: `${url.pathname}?again=${Math.random()}` }).end();
    return true;
  };
  await rejectsWith((await verifier()).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'TOO_MANY_REDIRECTS');
});

test('a 2 GB manifest is cut off at 4 MiB, announced or not', async () => {
  for (const announce of [true, false]) {
    fault = async (req, res, url) => {
      let sent = 0;
      if (!url.pathname.includes('/manifests/')) return false;
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', ...(announce ? { 'content-length': String(2 * 1024 ** 3) } : {}) });
      const chunk = Buffer.alloc(1 << 16, 0x20);
      const pump = () => {
        while (sent < 2 * 1024 **3) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => { sent = Infinity; });
      pump();
      return true;
    };
    await rejectsWith((await verifier()).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'TOO_LARGE');
  }
});

test('a body that stalls times out', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/')) return false;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
    res.write('{"schemaVersion":');
    return true; // and never end
  };
  const took = await rejectsWith((await verifier({ timeout: 500 })).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'TIMEOUT');
  assert.ok(took < 10000, `took ${took} ms`);
});

test('HTML error pages: a 500 is a FetchError, a 200 is an invalid manifest', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/')) return false;
    res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body>Internal error</body></html>');
    return true;
  };
  await rejectsWith((await verifier()).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'HTTP_STATUS');
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/')) return false;
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to our registry</body></html>');
    return true;
  };
  await rejectsWith((await verifier()).verify(`docker://${H}/lib/app:v1`), api.VerifyError, 'MANIFEST_INVALID');
});

const bearerChallenge = () => `Bearer realm="http://${H}/token",service="test-registry",scope="repository:lib/app:pull"`;

test('the bearer flow: token fetched once with basic credentials, then reused', async () => {
  seen.tokenRequests = 0;
  seen.registryAuthorization.length = 0;
  fault = async (req, res, url) => {
    if (url.pathname === '/v2/' && !req.headers.authorization) return false; // ping answers 200
    if (req.headers.authorization === `Bearer ${TOKEN}`) return false;
    res.writeHead(401, { 'www-authenticate': bearerChallenge(), 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    return true;
  };
  const v = await verifier({ credentials: (registry) => (registry === H ? USER : undefined) });
  const verdict = await v.verify(`docker://${H}/lib/app:v1`);
  assert.equal(verdict.allowed, true, JSON.stringify(verdict));
  await v.verify(`docker://${H}/lib/app:v1`);
  assert.equal(seen.tokenRequests, 1, 'one token for both verifications');
  assert.ok(seen.registryAuthorization.filter((a) => a === `Bearer ${TOKEN}`).length >= 2);
  // Without credentials the token server refuses: a typed error, not a verdict.
  await rejectsWith((await verifier()).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'UNAUTHORIZED');
  // A static token is sent as it is, with no token request.
  seen.tokenRequests = 0;
  const s = await verifier({ credentials: () => ({ token: TOKEN }) });
  assert.equal((await s.verify(`docker://${H}/lib/app:v1`)).allowed, true);
  assert.equal(seen.tokenRequests, 0);
});

test('a token the registry stops accepting is replaced at the next challenge', async () => {
  issuing = 'first-token';
  fault = async (req, res, url) => {
    if (url.pathname === '/v2/' && !req.headers.authorization) return false;
    if (req.headers.authorization === `Bearer ${issuing}`) return false;
    res.writeHead(401, { 'www-authenticate': bearerChallenge() }).end();
    return true;
  };
  try {
    const v = await verifier({ credentials: () => USER });
    assert.equal((await v.verify(`docker://${H}/lib/app:v1`)).allowed, true);
    seen.tokenRequests = 0;
    issuing = 'second-token'; // the first one is revoked
    assert.equal((await v.verify(`docker://${H}/lib/app:v1`)).allowed, true);
    assert.equal(seen.tokenRequests, 1, 'one new token, fetched at the 401');
  } finally {
    issuing = TOKEN;
    fault = null;
  }
});

test('401 loops and malformed challenges are typed errors', async () => {
  fault = async (req, res, url) => {
    if (url.pathname === '/v2/') return false;
    res.writeHead(401, { 'www-authenticate': bearerChallenge() }).end();
    return true;
  };
  await rejectsWith((await verifier({ credentials: () => USER })).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'UNAUTHORIZED');
  for (const header of ['Bearer realm="unterminated', '', '=,=', 'Bearer service="x"']) {
    fault = async (req, res, url) => {
      if (url.pathname === '/v2/') return false;
      res.writeHead(401, header ? { 'www-authenticate': header } : {}).end();
      return true;
    };
    await rejectsWith((await verifier({ credentials: () => USER })).verify(`docker://${H}/lib/app:v1`), api.FetchError, 'AUTH_INVALID');
  }
});

test('a blob redirected to another origin does not get the Authorization header', async () => {
  seen.storageAuthorization.length = 0;
  fault = async (req, res, url) => {
    if (url.pathname === '/v2/' && !req.headers.authorization) return false;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${H}/token",service="s"` }).end();
      return true;
    }
    if (url.pathname.includes('/blobs/')) {
      res.writeHead(307, { location: `http://127.0.0.1:${storage.address().port}${url.pathname}` }).end();
      return true;
    }
    return false;
  };
  const v = await api.createVerifier({ policy: { default: [{ type: 'sigstoreSigned', keyData: readFileSync(world.cosign.path).toString('base64'), signedIdentity: { type: 'matchRepository' } }] }, credentials: () => USER, timeout: 2000 });
  const verdict = await v.verify(`docker://${H}/cosign/app:v1`);
  assert.ok(seen.storageAuthorization.length >= 1, 'the payload came from the storage origin');
  assert.deepEqual(seen.storageAuthorization.filter((a) => a !== null), []);
  // The payload arrived intact (the claimed identity is checked, not the transport).
  assert.equal(verdict.requirements[0].signatures[0].identity, 'will-be-replaced/cosign/app');
});

test('an AbortSignal stops a verification', async () => {
  fault = async (req, res, url) => {
    if (!url.pathname.includes('/manifests/')) return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    return true;
  };
  const controller = new AbortController();
  const pending = (await verifier({ timeout: 60000 })).verify(`docker://${H}/lib/app:v1`, { signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(pending, (e) => e.name === 'AbortError');
});

test('plain http only where allowed', () => {
  const client = new api.RegistryClient({});
  assert.equal(client.allowsHttp('127.0.0.1:5000'), true);
  assert.equal(client.allowsHttp('localhost'), true);
  assert.equal(client.allowsHttp('registry.example:5000'), false);
  assert.equal(new api.RegistryClient({ insecureHttp: ['registry.example'] }).allowsHttp('registry.example:5000'), true);
  assert.equal(new api.RegistryClient({ insecureHttp: true }).allowsHttp('x.example'), true);
});

test('a registry with the signature extension: signatures come from it, not the lookaside', async () => {
  const hex = digests.signed.slice('sha256:'.length);
  const stored = readFileSync(join(world.staging, `lib/app@sha256=${hex}`, 'signature-1'));
  let listed = 0;
  fault = async (req, res, url) => {
    if (url.pathname === '/v2/') {
      res.writeHead(200, { 'x-registry-supports-signatures': '1', 'content-type': 'application/json' }).end('{}');
      return true;
    }
    if (url.pathname === `/extensions/v2/lib/app/signatures/${digests.signed}`) {
      listed++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ signatures: [
        { schemaVersion: 2, type: 'atomic', name: `${digests.signed}@abc`, content: stored.toString('base64') },
        { schemaVersion: 1, type: 'atomic', name: 'old', content: 'ignored' },
        { schemaVersion: 2, type: 'other', name: 'x', content: 'ignored' },
      ] }));
      return true;
    }
    return false;
  };
  // A lookaside that cannot be reached: reading it would be a NETWORK error.
  const v = await verifier({ registriesD: 'default-docker:\n  lookaside: http://127.0.0.1:9/nowhere\n' });
  const verdict = await v.verify(`docker://${H}/lib/app:v1`);
  assert.equal(verdict.allowed, true, JSON.stringify(verdict));
  assert.equal(listed, 1, 'the list is fetched once');
  const sigs = verdict.requirements[0].signatures;
  assert.equal(sigs.length, 1, 'only schema 2 atomic entries are signatures');
  assert.equal(sigs[0].source, 'registry-extension');
});

test('the proxy option sends every registry request to one base URL', async () => {
  fault = null;
  const v = await api.createVerifier({
    policy: { default: [{ type: 'reject' }], transports: { docker: { 'registry.example/lib': [{ type: 'signedBy', keyType: 'GPGKeys', keyData: readFileSync(world.keys.a.path).toString('base64'), signedIdentity: { type: 'remapIdentity', prefix: 'registry.example/lib', signedPrefix: `${world.host}/lib` } }] } } },
    registriesD: lookasideFor(),
    proxy: `http://${H}/`,
    timeout: 2000,
  });
  const verdict = await v.verify('docker://registry.example/lib/app:v1');
  assert.equal(verdict.allowed, true, JSON.stringify(verdict));
  assert.equal(verdict.digest, digests.signed);
});

// A registry at a public name must not be able to aim the client (a gate, say) at the
// machine it runs on or its network: redirects and token realms to loopback, private,
// link-local or unspecified addresses are refused. `registry.example` is served by the proxy
// through a fetch that maps the name; every URL the client asks for is recorded.
test('a public registry cannot redirect or send a token realm to a private address', async () => {
  const asked = [];
  const mapped = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    asked.push(url.href);
    if (url.hostname === 'registry.example') url.host = H;
    else if (url.hostname !== '127.0.0.1' || url.host !== H) throw new TypeError(`test fetch: no route to ${url.host}`);
    return fetch(url, init);
  };
  const targets = ['http://169.254.169.254/latest/meta-data/', `http://${H}/v2/lib/app/manifests/v1`, 'http://10.0.0.7/', 'http://[::1]:5000/', 'http://[::ffff:127.0.0.1]/', 'http://localhost/', 'http://0.0.0.0/', 'http://[fd00::1]/', 'http://2130706433/', 'http://localhost./', 'http://app.localhost./'];
  for (const target of targets) {
    fault = async (req, res, url) => {
      if (!url.pathname.includes('/manifests/')) return false;
      res.writeHead(302, { location: target }).end();
      return true;
    };
    asked.length = 0;
    const v = await verifier({ fetch: mapped, insecureHttp: ['registry.example'] });
    await rejectsWith(v.verify('docker://registry.example/lib/app:v1'), api.FetchError, 'PRIVATE_ADDRESS');
    assert.deepEqual(asked.filter((u) => new URL(u).hostname !== 'registry.example'), [], target);
  }
  for (const realm of ['http://127.0.0.1:9/token', 'https://192.168.1.1/token', 'https://[fe80::1]/token']) {
    fault = async (req, res, url) => {
      if (!url.pathname.startsWith('/v2/')) return false;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="s"` }).end();
      return true;
    };
    asked.length = 0;
    const v = await verifier({ fetch: mapped, insecureHttp: ['registry.example'] });
    await rejectsWith(v.verify('docker://registry.example/lib/app:v1'), api.FetchError, 'PRIVATE_ADDRESS');
    assert.deepEqual(asked.filter((u) => new URL(u).hostname !== 'registry.example'), [], realm);
  }
  fault = null;
  // A registry that is itself at a local address may still redirect to local addresses: see
  // "a blob redirected to another origin does not get the Authorization header" above.
});
