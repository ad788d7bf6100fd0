// Typed errors of the sigwall package. Every error has a stable `code` (the strings are defined
// once, in the Rust core: src/error.rs), so callers can branch on `err.code` rather than on
// messages. A denial by policy is never thrown: it is a verdict.

/** Base class of every error sigwall throws. */
export class SigwallError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input (a malformed digest, policy, reference, …) or content that failed a check. */
export class VerifyError extends SigwallError {}

/** The API was called in a way it does not allow (wrong argument types, reuse after finish). */
export class UsageError extends SigwallError {
  constructor(message, options) {
    super('API_MISUSE', message, options);
  }
}

/** A transport failure talking to a registry (network, auth, 5xx): not a verdict. */
export class FetchError extends SigwallError {}

// The wasm bindings throw plain `{ code, message }` objects (src/wasm/error.rs); give them a
// class here so `instanceof` works for callers.
export function fromCore(e) {
  if (e !== null && typeof e === 'object' && !(e instanceof Error) &&
      typeof e.code === 'string' && typeof e.message === 'string') {
    return e.code === 'API_MISUSE' ? new UsageError(e.message) : new VerifyError(e.code, e.message);
  }
  return e;
}
