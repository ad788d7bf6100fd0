// Loaded by workerd.js only when a policy needs OpenPGP.
import fullWasm from './full_bg.wasm';
import * as full from './full.js';

full.initSync({ module: fullWasm });
export default full;
