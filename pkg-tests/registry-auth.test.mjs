// A private registry behind token authentication: Debian's Distribution registry configured
// with `auth: token`, and a token server of ours that issues the signed JWTs it checks (for one
// user's basic credentials; anonymous requests are refused). The bearer flow runs for real:
// challenge, token for the repository's pull scope, reuse, credentials from --creds and from
// auth files as skopeo reads them. skopeo, given the same auth file, must decide the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { consumer } from './helpers.mjs';
import { makeImage } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';

const auth = { user: 'alice', password: 'wonderland' };
let world;
let dir;
let api;
let H;
let digest;
let policyFile;

before(async () => {
  world = await startWorld({ auth });
  H = world.host;
  digest = world.push(makeImage('private\n', 'v1'), 'team/app', { tag: 'v1', signBy: [world.keys.a.fpr] });
  dir = consumer('registry-auth');
  api = await import(pathToFileURL(createRequire(join(dir, 'x.js')).resolve('sigwall')));
  policyFile = join(world.dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [`${H}/team`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: world.keys.a.path }] } } }));
});

after(async () => {
  await world?.stop();
});

const verifierOptions = (extra = {}) => ({
  policy: readFileSync(policyFile, 'utf8'),
  registriesD: readFileSync(join(world.registriesD, 'test.yaml'), 'utf8'),
  keys: { [world.keys.a.path]: readFileSync(world.keys.a.path) },
  ...extra,
});

test('the bearer flow with basic credentials: one token, reused', async () => {
  const before = await world.registry.tokens();
  const v = await api.createVerifier(verifierOptions({ credentials: (registry) => (registry === H ? { username: auth.user, password: auth.password } : undefined) }));
  const first = await v.verify(`docker://${H}/team/app:v1`);
  assert.equal(first.allowed, true, JSON.stringify(first));
  assert.equal(first.digest, digest);
  const second = await v.verify(`docker://${H}/team/app@${digest}`);
  assert.equal(second.allowed, true);
  assert.equal(await world.registry.tokens() - before, 1, 'one token for both verifications');
});

test('without or with wrong credentials: UNAUTHORIZED, not a verdict', async () => {
  for (const credentials of [undefined, () => ({ username: auth.user, password: 'wrong' })]) {
    const v = await api.createVerifier(verifierOptions({ credentials }));
    await assert.rejects(v.verify(`docker://${H}/team/app:v1`), (e) => e instanceof api.FetchError && e.code === 'UNAUTHORIZED');
  }
});

function cli(args, env = {}) {
  const r = spawnSync(join(dir, 'node_modules', '.bin', 'sigwall'), ['verify', '--policy', policyFile, '--registries.d', world.registriesD, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('sigwall verify takes --creds and auth files, in skopeo\'s way', () => {
  assert.equal(cli(['--creds', `${auth.user}:${auth.password}`, `docker://${H}/team/app:v1`]).status, 0);
  const none = cli([`docker://${H}/team/app:v1`], { REGISTRY_AUTH_FILE: join(world.dir, 'missing.json'), XDG_RUNTIME_DIR: world.dir, HOME: world.dir });
  assert.equal(none.status, 2);
  assert.match(none.err, /UNAUTHORIZED/);
  const home = mkdtempSync(join(tmpdir(), 'sigwall-home-'));
  const encoded = (user, password) => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') });
  // A namespace entry wins over the registry's; a docker config.json is read when no
  // containers auth.json has an entry.
  const cases = [
    [{ [H]: encoded(auth.user, 'wrong'), [`${H}/team`]: encoded(auth.user, auth.password) }, 0],
    [{ [H]: encoded(auth.user, 'wrong') }, 2],
    [{ [`http://${H}/v1/`]: encoded(auth.user, auth.password) }, 0],
  ];
  for (const [auths, expected] of cases) {
    const file = join(home, 'auth.json');
    writeFileSync(file, JSON.stringify({ auths }));
    const r = cli([`docker://${H}/team/app:v1`], { REGISTRY_AUTH_FILE: file });
    assert.equal(r.status, expected, `${JSON.stringify(auths)}: ${r.err}`);
    // skopeo, reading the same file, agrees.
    const dest = mkdtempSync(join(tmpdir(), 'sigwall-dest-'));
    rmSync(dest, { recursive: true });
    const s = world.skopeo(['copy', '--src-tls-verify=false', '--src-authfile', file, `docker://${H}/team/app:v1`, `dir:${dest}`], readFileSync(policyFile, 'utf8'));
    assert.equal(s.status === 0, expected === 0, `skopeo: ${s.stderr}`);
  }
  // ~/.docker/config.json, found through HOME when no containers auth file exists.
  writeFileSync(join(home, 'config.json'), JSON.stringify({ auths: { [H]: encoded(auth.user, auth.password) } }));
  spawnSync('mkdir', ['-p', join(home, '.docker')]);
  writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [H]: encoded(auth.user, auth.password) } }));
  const env = { HOME: home, XDG_RUNTIME_DIR: join(home, 'run'), XDG_CONFIG_HOME: join(home, 'config') };
  delete process.env.REGISTRY_AUTH_FILE;
  assert.equal(cli([`docker://${H}/team/app:v1`], env).status, 0);
});

test('the gate authenticates to a private upstream with its own secrets; its clients need none but the gate token', async () => {
  const { daemon, freePort, repo, waitForPort } = await import('./helpers.mjs');
  const port = await freePort();
  const G = `127.0.0.1:${port}`;
  const gate = daemon(join(dir, 'node_modules', '.bin', 'sigwall'), ['gate', '--upstream', world.registry.url, '--policy', policyFile,
    '--registries.d', world.registriesD, '--listen', G], {
    cwd: repo,
    env: { ...process.env, SIGWALL_UPSTREAM_USERNAME: auth.user, SIGWALL_UPSTREAM_PASSWORD: auth.password, SIGWALL_GATE_TOKEN: 'gate-secret' },
  });
  try {
    await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${gate.log()}`); });
    const pull = (extra) => {
      const dest = mkdtempSync(join(tmpdir(), 'sigwall-gate-auth-'));
      rmSync(dest, { recursive: true });
      return world.skopeo(['copy', '--src-tls-verify=false', ...extra, `docker://${G}/team/app:v1`, `dir:${dest}`]);
    };
    const without = pull([]);
    assert.notEqual(without.status, 0);
    assert.match(without.stderr, /unauthorized|authentication required/i);
    const wrong = pull(['--src-creds', 'anyone:not-the-token']);
    assert.notEqual(wrong.status, 0);
    const ok = pull(['--src-creds', 'anyone:gate-secret']);
    assert.equal(ok.status, 0, ok.stderr);
    // The token as a bearer token; one of the same length that differs is refused.
    const manifest = (authorization) => fetch(`http://${G}/v2/team/app/manifests/v1`, { headers: authorization ? { authorization } : {} });
    assert.equal((await manifest('Bearer gate-secret')).status, 200);
    assert.equal((await manifest('Bearer gate-secreT')).status, 401);
    assert.equal((await manifest(`Basic ${Buffer.from('x:gate-secre').toString('base64')}`)).status, 401);
    // The verdict endpoint asks for the token too, before it fetches anything.
    const verdict = (headers) => fetch(`http://${G}/_sigwall/verify?image=${H}/team/app:v1`, { headers });
    const anonymous = await verdict({});
    assert.equal(anonymous.status, 401);
    await anonymous.arrayBuffer();
    const answered = await verdict({ authorization: 'Bearer gate-secret' });
    assert.equal(answered.status, 200);
    assert.equal((await answered.json()).allowed, true);
  } finally {
    await gate.stop();
  }
});

test('a gate with upstream credentials and no token of its own does not serve, unless told it serves the public', async () => {
  const { daemon, freePort, repo, waitForPort } = await import('./helpers.mjs');
  const sigwall = join(dir, 'node_modules', '.bin', 'sigwall');
  const port = await freePort();
  const G = `127.0.0.1:${port}`;
  const args = ['gate', '--upstream', world.registry.url, '--policy', policyFile, '--registries.d', world.registriesD, '--listen', G];
  const env = { ...process.env, SIGWALL_UPSTREAM_USERNAME: auth.user, SIGWALL_UPSTREAM_PASSWORD: auth.password };
  delete env.SIGWALL_GATE_TOKEN;
  // `sigwall gate` refuses to start.
  const refused = spawnSync(sigwall, args, { cwd: repo, env, encoding: 'utf8', timeout: 30000 });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /SIGWALL_GATE_TOKEN.*--public/s);
  // With --public it serves anyone the images the policy allows.
  const open = daemon(sigwall, [...args, '--public'], { cwd: repo, env });
  try {
    await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${open.log()}`); });
    const res = await fetch(`http://${G}/v2/team/app/manifests/v1`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    await open.stop();
  }
  // A worker configured by hand (as on Workers, without the CLI) refuses every request.
  const { writeGateConfig, capnpText } = await import('../www/worker/config.js');
  const configDir = mkdtempSync(join(tmpdir(), 'sigwall-gate-open-'));
  const workerPort = await freePort();
  writeFileSync(join(configDir, 'policy.json'), readFileSync(policyFile));
  writeGateConfig({
    dir: configDir,
    listen: `127.0.0.1:${workerPort}`,
    bindings: [`(name = "UPSTREAM", text = ${capnpText(world.registry.url)})`, '(name = "POLICY", text = embed "policy.json")',
      `(name = "UPSTREAM_USERNAME", text = ${capnpText(auth.user)})`, `(name = "UPSTREAM_PASSWORD", text = ${capnpText(auth.password)})`],
  });
  const worker = daemon(join(repo, 'node_modules', '.bin', 'workerd'), ['serve', join(configDir, 'config.capnp')]);
  try {
    await waitForPort(workerPort, 30000).catch((e) => { throw new Error(`${e.message}\n${worker.log()}`); });
    for (const path of ['/v2/', '/v2/team/app/manifests/v1', `/_sigwall/verify?image=${H}/team/app:v1`]) {
      const res = await fetch(`http://127.0.0.1:${workerPort}${path}`);
      assert.equal(res.status, 503, path);
      assert.match((await res.json()).errors[0].message, /GATE_TOKEN.*PUBLIC/s, path);
    }
  } finally {
    await worker.stop();
  }
});
