// Types for the sigwall package. Hand-written: the wasm-bindgen glue is an implementation
// detail behind www/lib/api.js.

/** Every code an error or a rejection can carry (defined once, in the Rust core). */
export type ErrorCode =
  | 'DIGEST_INVALID'
  | 'DIGEST_UNSUPPORTED'
  | 'DIGEST_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'API_MISUSE'
  | 'REFERENCE_INVALID'
  | 'POLICY_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'REJECTED_BY_POLICY'
  | 'NO_SIGNATURES'
  | 'NO_ACCEPTED_SIGNATURE'
  | 'UNSUPPORTED'
  | 'INTERNAL';

/** Base class of every error sigwall throws. */
export class SigwallError extends Error {
  readonly code: ErrorCode | string;
  constructor(code: string, message: string, options?: ErrorOptions);
}

/** Bad input (a malformed digest, …) or content that failed a digest or size check. */
export class VerifyError extends SigwallError {
  readonly code: ErrorCode;
}

/** The API was called in a way it does not allow; `code` is always `API_MISUSE`. */
export class UsageError extends SigwallError {
  readonly code: 'API_MISUSE';
  constructor(message: string, options?: ErrorOptions);
}

/** A transport failure talking to a registry: not a verdict. */
export class FetchError extends SigwallError {}

/** A digest algorithm sigwall implements. */
export type DigestAlgorithm = 'sha256' | 'sha512';

/**
 * The OCI digest (`sha256:<64 hex>`) of `bytes`.
 * @throws {VerifyError} `DIGEST_UNSUPPORTED` / `DIGEST_INVALID` for another algorithm name.
 * @throws {UsageError} when `bytes` is not binary data.
 */
export function digest(bytes: Uint8Array | ArrayBuffer | ArrayBufferView, algorithm?: DigestAlgorithm): string;

/** An incremental hasher from {@link createHasher}. */
export interface Hasher {
  /** Hashes the next part of the content. @throws {UsageError} after `digest()`. */
  update(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): this;
  /** The OCI digest of everything hashed; the hasher cannot be used afterwards. */
  digest(): string;
}

/**
 * An incremental hasher, for content that arrives in parts.
 * @throws {VerifyError} `DIGEST_UNSUPPORTED` / `DIGEST_INVALID` for another algorithm name.
 */
export function createHasher(algorithm?: DigestAlgorithm): Hasher;

export interface VerifierOptions {}

export interface BlobGuardOptions {
  /** The exact size the content must have (from its descriptor); checked while streaming. */
  size?: number;
}

export interface Verifier {
  /**
   * A stream that passes content through unchanged while hashing it. When the content does not
   * hash to `digest`, or is longer or shorter than `size`, the stream errors with a
   * {@link VerifyError} (`DIGEST_MISMATCH` or `SIZE_MISMATCH`) and the last chunk is never
   * released, so a consumer never receives the complete content of a bad body.
   *
   * WARNING: every chunk but the last is passed on before the check completes. Do not act on
   * the content (execute, unpack, cache) until the stream has closed without error.
   * @throws {VerifyError} `DIGEST_INVALID` / `DIGEST_UNSUPPORTED` for a bad `digest`.
   */
  blobGuard(digest: string, options?: BlobGuardOptions): TransformStream<Uint8Array, Uint8Array>;
}

/** A verifier. Policy handling arrives with the policy engine. */
export function createVerifier(options?: VerifierOptions): Promise<Verifier>;
