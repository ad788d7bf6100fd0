// Loaded by workerd.js only when registries.d documents are given.
import registriesWasm from './registries_bg.wasm';
import * as registries from './registries.js';

registries.initSync({ module: registriesWasm });
export default registries;
