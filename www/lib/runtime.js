// Holds the wasm modules once a runtime entry (node.js, deno.js, workerd.js, browser.js) has
// loaded them. The entries differ only in how they obtain the compiled wasm; everything else
// is shared through this module.

let core = null;
let loaders = null;
const loaded = new Map();

/**
 * Called once by the runtime entry with the initialised core glue and loaders for the lazily
 * loaded modules: `full` (OpenPGP, other key types, policy tooling) and `registries`
 * (registries.d YAML).
 */
export function install(coreGlue, lazyLoaders) {
  core = coreGlue;
  loaders = lazyLoaders;
}

/** The core module (policy, digests, cosign), initialised synchronously by the entry. */
export function coreModule() {
  if (core === null) {
    throw new Error('sigwall: the wasm module is not loaded; import "sigwall" through its package entry');
  }
  return core;
}

function lazy(name) {
  let p = loaded.get(name);
  if (p === undefined) {
    coreModule();
    p = loaders[name]().catch((e) => {
      loaded.delete(name); // let a later call retry, e.g. after a network failure in a browser
      throw e;
    });
    loaded.set(name, p);
  }
  return p;
}

/**
 * The full module (core + OpenPGP), loaded on first use only: browsers and edge workers never
 * download or compile it unless a policy needs it.
 */
export function fullModule() {
  return lazy('full');
}

/**
 * The keyless module (core + certificates: `fulcio` and `pki` requirements, and the other cosign
 * key types), loaded only when a policy needs certificates and not OpenPGP.
 */
export function keylessModule() {
  return lazy('keyless');
}

/**
 * The module with both OpenPGP and certificates, loaded only when a policy needs both (signedBy
 * beside fulcio, pki or sigwall's extension).
 */
export function fullKeylessModule() {
  return lazy('full-keyless');
}

/** The registries.d module, loaded only when registries.d documents are given. */
export function registriesModule() {
  return lazy('registries');
}
