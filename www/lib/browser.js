// Browser (and bundler) entry. The wasm is fetched relative to this module; bundlers that
// understand `new URL(…, import.meta.url)` (Vite, webpack 5) emit it as an asset, esbuild
// needs the .wasm files copied next to the bundle. Top-level await makes the functions ready
// when the import resolves.
import initCore, * as core from './core.js';
import { install } from './runtime.js';

await initCore({ module_or_path: new URL('./core_bg.wasm', import.meta.url) });
install(core, {
  async full() {
    const full = await import('./full.js');
    await full.default({ module_or_path: new URL('./full_bg.wasm', import.meta.url) });
    return full;
  },
  async keyless() {
    const keyless = await import('./keyless.js');
    await keyless.default({ module_or_path: new URL('./keyless_bg.wasm', import.meta.url) });
    return keyless;
  },
  async 'full-keyless'() {
    const both = await import('./full-keyless.js');
    await both.default({ module_or_path: new URL('./full-keyless_bg.wasm', import.meta.url) });
    return both;
  },
  async registries() {
    const registries = await import('./registries.js');
    await registries.default({ module_or_path: new URL('./registries_bg.wasm', import.meta.url) });
    return registries;
  },
});

export * from './api.js';
