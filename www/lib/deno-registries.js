// Loaded by deno.js only when registries.d documents are given.
import source registriesWasm from './registries_bg.wasm';
import * as registries from './registries.js';

registries.initSync({ module: registriesWasm });
export default registries;
