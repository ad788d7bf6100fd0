// The public API of the sigwall package, the same in every runtime. Policy logic lives in the
// Rust core; this file converts arguments, feeds the core and wraps its errors.

import { fromCore, UsageError } from './errors.js';
import { coreModule } from './runtime.js';

export { SigwallError, VerifyError, UsageError, FetchError } from './errors.js';

// Input is handed to the wasm at most this many bytes per call. V8 runs a long first call of a
// fresh instance on its baseline compiler, and a single 64 MiB call stays there: measured 10x
// slower cold than the same work in 64 KiB calls, which let tier-up happen between calls.
const CHUNK = 64 * 1024;

function bytesOf(value, what) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new UsageError(`${what} must be a Uint8Array, an ArrayBuffer or an ArrayBuffer view`);
}

function algorithmOf(algorithm) {
  if (algorithm === undefined) return 'sha256';
  if (typeof algorithm !== 'string') throw new UsageError('algorithm must be a string such as "sha256"');
  return algorithm;
}

function call(fn) {
  try {
    return fn();
  } catch (e) {
    throw fromCore(e);
  }
}

function feed(target, bytes) {
  for (let at = 0; at < bytes.length; at += CHUNK) {
    target.update(bytes.subarray(at, at + CHUNK));
  }
}

/**
 * The OCI digest (`sha256:<hex>`) of `bytes`.
 * @param {Uint8Array|ArrayBuffer|ArrayBufferView} bytes
 * @param {'sha256'|'sha512'} [algorithm]
 */
export function digest(bytes, algorithm) {
  const data = bytesOf(bytes, 'bytes');
  const alg = algorithmOf(algorithm);
  const core = coreModule();
  if (data.length <= CHUNK) return call(() => core.digest(data, alg));
  return call(() => {
    const hasher = new core.Hasher(alg);
    try {
      feed(hasher, data);
      return hasher.finish();
    } finally {
      hasher.free();
    }
  });
}

/**
 * An incremental hasher: `update(bytes)` as often as needed, then `digest()` once.
 * @param {'sha256'|'sha512'} [algorithm]
 */
export function createHasher(algorithm) {
  const alg = algorithmOf(algorithm);
  const core = coreModule();
  const hasher = call(() => new core.Hasher(alg));
  let done = false;
  return {
    update(bytes) {
      const data = bytesOf(bytes, 'bytes');
      if (done) throw new UsageError('this hasher has already produced its digest');
      call(() => feed(hasher, data));
      return this;
    },
    digest() {
      if (done) throw new UsageError('this hasher has already produced its digest');
      done = true;
      try {
        return call(() => hasher.finish());
      } finally {
        hasher.free();
      }
    },
  };
}

function sizeOf(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw new UsageError('options must be an object such as { size: 1234 }');
  const { size } = options;
  if (size === undefined) return undefined;
  if (!Number.isSafeInteger(size) || size < 0) throw new UsageError('size must be a non-negative safe integer');
  return size;
}

class Verifier {
  #options;

  constructor(options) {
    this.#options = options;
  }

  /**
   * A TransformStream that passes bytes through unchanged while hashing them, and errors
   * (withholding the last chunk) when the content does not match `expected` or `size`.
   */
  blobGuard(expected, options) {
    if (typeof expected !== 'string') throw new UsageError('digest must be a string such as "sha256:…"');
    const size = sizeOf(options);
    const core = coreModule();
    const verifier = call(() => new core.DigestVerifier(expected, size));
    let freed = false;
    const release = () => {
      if (!freed) {
        freed = true;
        verifier.free();
      }
    };
    // The newest non-empty chunk is always held back: it is released only when the next chunk
    // arrives or, for the last one, after the digest and size have been checked. A consumer
    // therefore never holds the complete content of a body that fails the check.
    let held = null;
    return new TransformStream({
      transform(chunk, controller) {
        let bytes;
        try {
          bytes = bytesOf(chunk, 'each chunk');
          feed(verifier, bytes);
        } catch (e) {
          release();
          throw fromCore(e);
        }
        if (bytes.length === 0) return;
        if (held !== null) controller.enqueue(held);
        held = bytes;
      },
      flush(controller) {
        try {
          verifier.finish();
        } catch (e) {
          held = null;
          throw fromCore(e);
        } finally {
          release();
        }
        if (held !== null) controller.enqueue(held);
        held = null;
      },
      cancel() {
        held = null;
        release();
      },
    });
  }
}

/**
 * A verifier. Policy handling arrives with the policy engine; today it checks content digests.
 * @param {object} [options]
 */
export async function createVerifier(options = {}) {
  if (options === null || typeof options !== 'object') throw new UsageError('options must be an object');
  coreModule();
  return new Verifier({ ...options });
}
