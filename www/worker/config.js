// Writes a workerd config (capnp) that runs the gate: every module of the installed package by
// the specifier that imports it (workerd resolves './x.js' from the module named "sigwall" to
// "x.js"), the bindings given, and an outbound network that may reach the upstream (loopback
// included, for a local registry). Used by `sigwall gate` and the gate benchmark.
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A capnp text literal. */
export const capnpText = (s) => JSON.stringify(s);

/**
 * Writes `dir/config.capnp` and the modules it embeds. `bindings` are capnp binding entries;
 * `extraWorkers` ({ name, file, listen?, bindings? }) run beside the gate in the same workerd
 * (the benchmark's pass-through worker; a KV service the gate's `VERDICTS` binding names).
 */
export function writeGateConfig({ dir, listen, bindings, extraWorkers = [] }) {
  const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
  const modules = ['(name = "worker.js", esModule = embed "worker.js")', '(name = "gate-cache.js", esModule = embed "gate-cache.js")', '(name = "sigwall", esModule = embed "sigwall.js")'];
  copyFileSync(fileURLToPath(new URL('./gate.js', import.meta.url)), join(dir, 'worker.js'));
  copyFileSync(fileURLToPath(new URL('./gate-cache.js', import.meta.url)), join(dir, 'gate-cache.js'));
  copyFileSync(join(pkgDir, 'workerd.js'), join(dir, 'sigwall.js'));
  for (const f of readdirSync(pkgDir)) {
    if (!/\.(js|wasm)$/.test(f) || f === 'workerd.js' || /^(node|browser|deno)/.test(f)) continue;
    copyFileSync(join(pkgDir, f), join(dir, f));
    modules.push(f.endsWith('.wasm') ? `(name = ${capnpText(f)}, wasm = embed ${capnpText(f)})` : `(name = ${capnpText(f)}, esModule = embed ${capnpText(f)})`);
  }
  const services = ['(name = "gate", worker = .gate)', '(name = "upstream", network = (allow = ["public", "private", "local"]))'];
  const sockets = [`(name = "http", address = ${capnpText(listen)}, http = (), service = "gate")`];
  const workers = [];
  for (const w of extraWorkers) {
    copyFileSync(w.file, join(dir, `${w.name}.js`));
    services.push(`(name = ${capnpText(w.name)}, worker = .${w.name})`);
    if (w.listen) sockets.push(`(name = ${capnpText(`${w.name}-http`)}, address = ${capnpText(w.listen)}, http = (), service = ${capnpText(w.name)})`);
    workers.push(`const ${w.name} :Workerd.Worker = (
  modules = [ (name = "${w.name}.js", esModule = embed "${w.name}.js") ],
  bindings = [ ${(w.bindings ?? []).join(', ')} ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "upstream",
);`);
  }
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${services.join(',\n    ')}
  ],
  sockets = [
    ${sockets.join(',\n    ')}
  ],
);
const gate :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')}
  ],
  bindings = [
    ${bindings.join(',\n    ')}
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "upstream",
);
${workers.join('\n')}
`);
  return join(dir, 'config.capnp');
}
