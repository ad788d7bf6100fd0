// Loaded by deno.js only when a policy needs OpenPGP, so the larger module is compiled lazily.
import source fullWasm from './full_bg.wasm';
import * as full from './full.js';

full.initSync({ module: fullWasm });
export default full;
