// Loaded by workerd.js only when a policy needs both OpenPGP and certificates.
import fullKeylessWasm from './full-keyless_bg.wasm';
import * as fullKeyless from './full-keyless.js';

fullKeyless.initSync({ module: fullKeylessWasm });
export default fullKeyless;
