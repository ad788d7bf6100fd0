// Holds the wasm modules once a runtime entry (node.js, deno.js, workerd.js, browser.js) has
// loaded them. The entries differ only in how they obtain the compiled wasm; everything else
// is shared through this module.

let core = null;
let loadFull = null;
let full = null;

/** Called once by the runtime entry with the initialised core glue and a loader for `full`. */
export function install(coreGlue, fullLoader) {
  core = coreGlue;
  loadFull = fullLoader;
}

/** The core module (policy, digests, cosign), initialised synchronously by the entry. */
export function coreModule() {
  if (core === null) {
    throw new Error('sigwall: the wasm module is not loaded; import "sigwall" through its package entry');
  }
  return core;
}

/**
 * The full module (core + OpenPGP), loaded on first use only: browsers and edge workers never
 * download or compile it unless a policy needs `signedBy`.
 */
export function fullModule() {
  if (full === null) {
    if (loadFull === null) coreModule();
    full = loadFull().catch((e) => {
      full = null; // let a later call retry, e.g. after a network failure in a browser
      throw e;
    });
  }
  return full;
}
