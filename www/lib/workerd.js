// workerd / Cloudflare Workers entry. Importing a .wasm file yields a compiled
// WebAssembly.Module (Workers forbid compiling wasm from bytes at run time), which initSync
// instantiates without any top-level await.
import coreWasm from './core_bg.wasm';
import * as core from './core.js';
import { install } from './runtime.js';

core.initSync({ module: coreWasm });
install(core, {
  full: async () => (await import('./workerd-full.js')).default,
  keyless: async () => (await import('./workerd-keyless.js')).default,
  'full-keyless': async () => (await import('./workerd-full-keyless.js')).default,
  registries: async () => (await import('./workerd-registries.js')).default,
});

export * from './api.js';
