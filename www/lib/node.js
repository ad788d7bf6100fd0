// Node entry. The wasm is read next to this file and instantiated synchronously, so both
// `import` and `require()` return a ready API: require(esm) refuses modules that use
// top-level await.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as core from './core.js';
import { install } from './runtime.js';

core.initSync({ module: readFileSync(new URL('./core_bg.wasm', import.meta.url)) });
const load = (name) => async () => {
  const glue = await import(`./${name}.js`);
  glue.initSync({ module: await readFile(new URL(`./${name}_bg.wasm`, import.meta.url)) });
  return glue;
};
install(core, {
  full: load('full'), keyless: load('keyless'), 'full-keyless': load('full-keyless'), registries: load('registries'),
});

export * from './api.js';
