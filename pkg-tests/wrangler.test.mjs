// Deploying the gate with wrangler, as `www/worker/wrangler.toml` tells a user to: a project with
// the packed package installed, that file, and a one-line worker.js. `wrangler deploy --dry-run`
// (real wrangler from npm; no Cloudflare account is reachable here, so nothing is uploaded)
// bundles exactly what `wrangler deploy` would upload; that bundle then runs in workerd with the
// bindings a deployment would have, in front of Debian's Distribution registry, and skopeo pulls
// through it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bin, consumer, daemon, freePort, repo, sh, waitForPort } from './helpers.mjs';
import { makeImage, MANIFEST_ACCEPT, pullThrough } from './lib/registry.mjs';
import { startWorld } from './lib/world.mjs';
import { capnpText } from '../www/worker/config.js';

let world;
let gate;
let G;
let bundle;

before(async () => {
  world = await startWorld();
  world.push(makeImage('deployed with wrangler\n', 'v1'), 'lib/signed', { tag: 'v1', signBy: [world.keys.a.fpr] });
  world.push(makeImage('unsigned\n', 'v1'), 'lib/unsigned', { tag: 'v1' });

  const dir = consumer('wrangler', {
    'worker.js': "export { default } from 'sigwall/gate';\n",
    'wrangler.toml': readFileSync(join(repo, 'www', 'worker', 'wrangler.toml'), 'utf8'),
  });
  sh(bin('wrangler'), ['deploy', '--dry-run', '--outdir', 'out'], {
    cwd: dir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
  });
  bundle = join(dir, 'out');

  // The bindings of a deployment: [vars] and the POLICY secret, pointed at the local registry.
  const policy = JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: {
    [`${world.host}/lib`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: readFileSync(world.keys.a.path).toString('base64') }],
  } } });
  writeFileSync(join(bundle, 'policy.json'), policy);
  writeFileSync(join(bundle, 'registries.yaml'), `default-docker:\n  lookaside: ${world.lookaside.url}\n`);
  const modules = ['(name = "worker.js", esModule = embed "worker.js")'];
  for (const f of readdirSync(bundle).filter((f) => f.endsWith('.wasm'))) {
    modules.push(`(name = ${capnpText(f)}, wasm = embed ${capnpText(f)})`);
  }
  const port = await freePort();
  G = `127.0.0.1:${port}`;
  // The compatibility date is the one wrangler.toml deploys with.
  const date = /compatibility_date = "([^"]+)"/.exec(readFileSync(join(dir, 'wrangler.toml'), 'utf8'))[1];
  writeFileSync(join(bundle, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "gate", worker = .gate), (name = "net", network = (allow = ["public", "private", "local"])) ],
  sockets = [ (name = "http", address = ${capnpText(G)}, http = (), service = "gate") ],
);
const gate :Workerd.Worker = (
  modules = [ ${modules.join(', ')} ],
  bindings = [ (name = "UPSTREAM", text = ${capnpText(world.registry.url)}), (name = "POLICY", text = embed "policy.json"), (name = "REGISTRIES_D", text = embed "registries.yaml") ],
  compatibilityDate = ${capnpText(date)},
  globalOutbound = "net",
);
`);
  gate = daemon(bin('workerd'), ['serve', join(bundle, 'config.capnp')], { cwd: bundle });
  await waitForPort(port, 30000).catch((e) => { throw new Error(`${e.message}\n${gate.log()}`); });
});

after(async () => {
  await gate?.stop();
  await world?.stop();
});

test('wrangler bundles the gate: the worker and the wasm modules as compiled modules', () => {
  const files = readdirSync(bundle);
  for (const name of ['core', 'full', 'keyless', 'full-keyless', 'registries']) {
    // `<hash>-<name>_bg.wasm`: the whole name (`keyless` is also the end of `full-keyless`).
    const wasm = files.find((f) => new RegExp(`^[0-9a-f]+-${name}_bg\\.wasm$`).test(f));
    assert.ok(wasm, `${name}_bg.wasm in ${files}`);
    // Byte for byte the package's module: wrangler uploads it, it does not rebuild it.
    assert.deepEqual(readFileSync(join(bundle, wasm)), readFileSync(join(repo, 'pkg', `${name}_bg.wasm`)));
  }
  // The package's workerd entry (each wasm imported as a module), which wrangler picks by the
  // `workerd` export condition.
  const worker = readFileSync(join(bundle, 'worker.js'), 'utf8');
  for (const name of ['core', 'full', 'keyless', 'full-keyless', 'registries']) {
    assert.match(worker, new RegExp(`import \\w+ from "\\./[0-9a-f]+-${name}_bg\\.wasm"`), name);
  }
});

test('the bundle wrangler would upload lets skopeo pull the signed image and refuses the unsigned one', async () => {
  const ok = await pullThrough(G, 'lib/signed:v1');
  assert.equal(ok.status, 0, `${ok.err}\n${gate.log()}`);
  const denied = await pullThrough(G, 'lib/unsigned:v1');
  assert.notEqual(denied.status, 0);
  assert.match(denied.err, /denied/i);
  assert.match(denied.err, /no signature exists/);
  const res = await fetch(`http://${G}/v2/lib/unsigned/manifests/v1`, { headers: { accept: MANIFEST_ACCEPT } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).errors[0].code, 'DENIED');
});
