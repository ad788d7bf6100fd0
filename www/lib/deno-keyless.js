// Loaded by deno.js only when a policy needs certificates (fulcio, pki) and not OpenPGP.
import source keylessWasm from './keyless_bg.wasm';
import * as keyless from './keyless.js';

keyless.initSync({ module: keylessWasm });
export default keyless;
