// Deno entry. `import source` hands us a compiled WebAssembly.Module through the module graph,
// so no --allow-read permission is needed (fetching a file: URL would need one).
import source coreWasm from './core_bg.wasm';
import * as core from './core.js';
import { install } from './runtime.js';

core.initSync({ module: coreWasm });
install(core, {
  full: async () => (await import('./deno-full.js')).default,
  keyless: async () => (await import('./deno-keyless.js')).default,
  'full-keyless': async () => (await import('./deno-full-keyless.js')).default,
  registries: async () => (await import('./deno-registries.js')).default,
});

export * from './api.js';
