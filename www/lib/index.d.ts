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
  | 'UNSUPPORTED_FORMAT'
  | 'INTERNAL'
  | 'SIGNATURE_INVALID'
  | 'BAD_SIGNATURE'
  | 'PAYLOAD_INVALID'
  | 'IDENTITY_MISMATCH'
  | 'KEY_INVALID'
  | 'KEY_FILE_MISSING'
  | 'KEY_REVOKED'
  | 'KEY_EXPIRED'
  | 'SIGNATURE_EXPIRED'
  | 'CERTIFICATE_INVALID'
  | 'CERTIFICATE_MISMATCH'
  | 'LOG_ENTRY_INVALID';

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

/**
 * Why a registry exchange failed (a transport failure, not a verdict): `NETWORK` (unreachable),
 * `TIMEOUT`, `TOO_LARGE` (over the 4 MiB manifest / signature caps, 1 MiB for tokens),
 * `TOO_MANY_REDIRECTS`, `INSECURE` (plain http or an https→http redirect where TLS is
 * required), `UNAUTHORIZED` (401 after authenticating), `DENIED` (403),
 * `TOO_MANY_REQUESTS` (429), `AUTH_INVALID` (a malformed `WWW-Authenticate` or token
 * response), `HTTP_STATUS` (any other unexpected status), `UNSUPPORTED_URL` (a lookaside URL
 * this runtime cannot read, such as `file:` in a browser), `PRIVATE_ADDRESS` (a redirect or
 * token realm pointing at a loopback, private, link-local or unspecified address when the
 * registry itself is not at one: refused, so a registry cannot aim a gate at its own network),
 * `NO_CATALOG` (`listImages` on a registry without the catalog API).
 */
export type FetchErrorCode =
  | 'NETWORK' | 'TIMEOUT' | 'TOO_LARGE' | 'TOO_MANY_REDIRECTS' | 'INSECURE' | 'UNAUTHORIZED'
  | 'DENIED' | 'TOO_MANY_REQUESTS' | 'AUTH_INVALID' | 'HTTP_STATUS' | 'UNSUPPORTED_URL'
  | 'PRIVATE_ADDRESS' | 'NO_CATALOG';

/** A transport failure talking to a registry or lookaside store: not a verdict. */
export class FetchError extends SigwallError {
  readonly code: FetchErrorCode;
}

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

/** A policy: policy.json text, the parsed object, or its bytes. */
export type PolicyInput = string | object | Uint8Array;

/** Credentials for a registry: a user name and password (or token as password), or a bearer token sent as is. */
export type Credentials = { username: string; password: string } | { token: string };

export interface VerifierOptions {
  /** The policy to enforce; default: the policy compiled into the package (reject all unless built with one). */
  policy?: PolicyInput;
  /**
   * registries.d documents (YAML): one text, a list, or file name → text (in the order the
   * files are read). They decide where simple signatures are read from (`lookaside`) and
   * whether cosign signatures attached to the registry are read (`use-sigstore-attachments`).
   * Without it: no lookaside, and attachments are read (as `default-docker:
   * { use-sigstore-attachments: true }`). Parsed by the registries module, loaded on demand.
   */
  registriesD?: string | string[] | Record<string, string>;
  /** The lookaside URL used when registries.d names none (the CLI passes containers/image's local default). */
  defaultLookaside?: string;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Credentials per registry host (and repository path); may return a promise. */
  credentials?: (registry: string, repository: string) => Credentials | undefined | Promise<Credentials | undefined>;
  /** A base URL that every registry request goes to instead of the registry's host (a sigwall gate). */
  proxy?: string;
  /** The platform to evaluate for a multi-platform image (default linux/amd64). */
  platform?: string | Platform;
  /** Allow plain http for these hosts, or all (always allowed for localhost, 127.0.0.1, [::1]). */
  insecureHttp?: boolean | string[];
  /** Per-request timeout in milliseconds, body included (default 30000). */
  timeout?: number;
  /** Key files the policy names, by path (a browser or worker has no files to read them from). */
  keys?: Record<string, Uint8Array>;
  /**
   * Opt-in, beyond containers/image: when the image is an index, a signature of the index also
   * counts for the platform's instance (sound: the index digest binds the instance's digest).
   */
  acceptIndexSignatures?: boolean;
  /** Reads a `file:` lookaside URL (Node); resolves to the bytes, or null when missing. */
  readFile?: (url: URL) => Uint8Array | null | Promise<Uint8Array | null>;
}

/** What {@link Verifier.verify} is doing, for progress displays. */
export interface Step {
  step: 'manifest' | 'signatures' | 'blob' | 'verifying' | 'done';
  image: string;
  /** The tag or digest being fetched (`manifest`). */
  reference?: string;
  /** The manifest digest whose signatures are read, or the blob being fetched. */
  digest?: string;
  /** The stored signature number (`signatures`, lookaside / extension). */
  index?: number;
  /** The cosign signature tag (`signatures`). */
  tag?: string;
  /** The digest whose OCI referrers are listed (`signatures`). */
  referrersOf?: string;
  /** The referrer manifest being read, to see whether it holds a Sigstore bundle (`signatures`). */
  referrer?: string;
  /** The verdict (`done`). */
  verdict?: Verdict;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: (step: Step) => void;
  /** The registry client to fetch through (default: the verifier's); `audit` shares one. */
  client?: RegistryClient;
  /** Overrides the verifier's platform for this image. */
  platform?: string | Platform;
  /**
   * When the image is an index: evaluate its instance with this digest, whatever its platform
   * (an edge gate checks every instance of a tag's index against the tag this way).
   */
  instance?: string;
  /** More key files by path. */
  keys?: Record<string, Uint8Array>;
  /** Overrides the verifier's acceptIndexSignatures. */
  acceptIndexSignatures?: boolean;
  /** The time to verify at (default: now). */
  now?: Date | number;
  /**
   * Manifests by the reference they were asked for (a tag or a digest), in and out: one present
   * is used instead of fetching it (verified all the same), and each one fetched is added.
   */
  manifests?: Map<string, { bytes: Uint8Array; contentType: string | null }>;
}

/** Where one image's signatures are read from, by registries.d. */
export interface SignatureStorage {
  lookaside: string | null;
  useSigstoreAttachments: boolean;
}

/** The registry client the verifier uses (exported for tools that fetch the same way). */
export class RegistryClient {
  constructor(options?: Pick<VerifierOptions, 'fetch' | 'credentials' | 'insecureHttp' | 'proxy' | 'timeout' | 'readFile'>);
  /** Whether plain http may be used for a host (`name[:port]`). */
  allowsHttp(host: string): boolean;
  manifest(registry: string, repository: string, reference: string, options?: { signal?: AbortSignal; accept?: string }):
    Promise<{ bytes: Uint8Array; contentType: string | null; dockerContentDigest: string | null } | null>;
  blob(registry: string, repository: string, digest: string, size: number, options?: { signal?: AbortSignal }): Promise<Uint8Array | null>;
  referrers(registry: string, repository: string, digest: string, options?: { signal?: AbortSignal }): Promise<Uint8Array | null>;
  /** The registry's repositories (catalog API, paginated), or null when it has no catalog. */
  catalog(registry: string, options?: { signal?: AbortSignal; max?: number }): Promise<string[] | null>;
  /** A repository's tags (paginated), or null (404). */
  tags(registry: string, repository: string, options?: { signal?: AbortSignal; max?: number }): Promise<string[] | null>;
  supportsSignatureExtension(registry: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  extensionSignatures(registry: string, repository: string, digest: string, options?: { signal?: AbortSignal }): Promise<Uint8Array[]>;
  lookaside(url: string, options?: { signal?: AbortSignal }): Promise<Uint8Array | null>;
}

/** The manifest types sigwall asks registries for (OCI and Docker, manifests and indexes). */
export const MANIFEST_ACCEPT: string;

/** The decision on one image: the same JSON in JS, `sigwall verify --json`, the gate and the panel. */
export interface Verdict {
  allowed: boolean;
  /** The image in transport syntax, e.g. `docker://docker.io/library/busybox:latest`. */
  image: string;
  /** The digest of the manifest the policy was evaluated on. */
  digest: string | null;
  /** The policy scope that applied: a scope key, `""` (the transport default) or `"default"`. */
  scope: string;
  requirements: RequirementReport[];
  /** Why the image is denied (empty when allowed), first denial first. */
  reasons: { code: ErrorCode; message: string }[];
}

export interface RequirementReport {
  type: 'insecureAcceptAnything' | 'reject' | 'signedBy' | 'sigstoreSigned' | 'signedBaseLayer';
  allowed: boolean;
  signatures: SignatureReport[];
}

export interface SignatureReport {
  format: 'simple-signing' | 'cosign' | 'sigstore-bundle';
  /** Where it was found: `lookaside`, `cosign-tag`, … */
  source: string;
  outcome: 'accepted' | 'rejected';
  code: ErrorCode | null;
  message: string | null;
  /** The key that made it (fingerprint), when known. */
  key: string | null;
  /** The docker reference it claims, when it verified far enough to read it. */
  identity: string | null;
  /** For certificate (keyless, `fulcio`, `pki`) signatures whose certificate verified. */
  signer?: Signer;
}

/** Who a verified certificate names, and the log entry that fixed the signing time. */
export interface Signer {
  /** The certificate's e-mail SANs, then its URI SANs. */
  identities: string[];
  /** The OIDC issuer Fulcio recorded (null for `pki` certificates without one). */
  issuer: string | null;
  /**
   * The Rekor entry: log ID (hex), index, integrated time (seconds since the epoch; null for a
   * Rekor v2 entry, which vouches for none: its time comes from `timestamps`).
   */
  log: { id: string; index: number; integratedTime: number | null } | null;
  /** RFC 3161 timestamps that verified (Sigstore bundles): time, and the authority's URI. */
  timestamps: { time: number; authority: string }[];
}

/** Material for {@link Verifier.verifyLocal}: a saved copy of an image. */
/** A platform: `{ os: 'linux', architecture: 'arm64', variant: 'v8' }`. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface LocalMaterial {
  /** The manifest bytes, exactly as stored (an image index for a multi-platform image). */
  manifest: Uint8Array;
  /**
   * Other manifests by digest: an image index's instances, and the referrer manifests that
   * `referrers` lists.
   */
  manifests?: Record<string, Uint8Array>;
  /**
   * Stored signatures in order (`signature-1`, `signature-2`, …): raw OpenPGP messages, or
   * `\0simple-signing\n…` / `\0sigstore-json\n…` as skopeo's `dir:` layout writes them. For a
   * multi-platform image, an object of such lists keyed by the manifest digest they sign.
   */
  signatures?: Uint8Array[] | Record<string, Uint8Array[]>;
  /**
   * The cosign signature manifest (the `sha256-<hex>.sig` tag); for a multi-platform image, an
   * object of them keyed by tag.
   */
  cosignSignatures?: Uint8Array | Record<string, Uint8Array>;
  /** The platform to evaluate when `manifest` is an image index (default `linux/amd64`). */
  platform?: string | Platform;
  /** When `manifest` is an image index: the instance to evaluate, by digest, whatever its platform. */
  instance?: string;
  /** Blobs by digest: the cosign signature payloads its layers reference, and bundle blobs of referrers. */
  blobs?: Record<string, Uint8Array>;
  /** Key files the policy names, by path. */
  keys?: Record<string, Uint8Array>;
  /** The time to verify at (default: now). */
  now?: Date | number;
  /** How the verdict names where the signatures came from (default `local`). */
  source?: string;
  /**
   * OCI referrers indexes by manifest digest (as the referrers API or the `sha256-<hex>` tag
   * returns them): the Sigstore bundles they list are read from `manifests` and `blobs`.
   */
  referrers?: Record<string, Uint8Array>;
  /**
   * Sigstore bundles at hand (cosign v3 image signatures: JSON text or bytes), checked as if
   * found as referrers of the image: they count only under a policy with `acceptBundles`.
   */
  bundles?: (string | Uint8Array)[];
  /** Overrides the verifier's acceptIndexSignatures. */
  acceptIndexSignatures?: boolean;
}

export interface PolicyCheck {
  warnings: { code: string; path: string; message: string }[];
  /** The oldest releases that accept the policy. */
  minimumVersion: { containersImage: string; podman: string; because: string[] };
  /** sigwall's policy extensions the policy uses (`trustedRoot`, `acceptBundles`,
   * `fulcio.subjectURI`, …); when any, podman and containers/image refuse the policy and
   * `minimumVersion` does not apply. */
  extensions: string[];
  /** Key files the policy names. */
  keyPaths: string[];
}

/**
 * Parses a policy strictly and lints it (policy tooling: loads the full module on first use).
 * Rejects with {@link VerifyError} `POLICY_INVALID`, with the JSON path and the problem.
 */
export function checkPolicy(policy: PolicyInput): Promise<PolicyCheck>;

/**
 * The policy as self-contained JSON, with every key file inlined as key data (full module).
 * Rejects with {@link VerifyError} `POLICY_INVALID` when the policy is invalid or a file cannot be read.
 */
export function embedPolicy(policy: PolicyInput, read: (path: string) => Uint8Array | undefined): Promise<string>;

export interface BlobGuardOptions {
  /** The exact size the content must have (from its descriptor); checked while streaming. */
  size?: number;
}

export interface GuardBodyOptions extends BlobGuardOptions {
  /** Milliseconds one read of the body may wait before the stream errors (FetchError `TIMEOUT`). */
  idleTimeout?: number;
}

export interface AuditOptions {
  /** A verifier for the policy in force now; without it, every image must be allowed. */
  baseline?: Verifier;
  /** Images evaluated at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** After each image. */
  onProgress?: (progress: { done: number; total: number; image: string; result: AuditRow }) => void;
  platform?: string | Platform;
  keys?: Record<string, Uint8Array>;
  /** Images from saved copies: the material for `verifyLocal`; nothing is fetched. */
  local?: (image: string) => LocalMaterial | Promise<LocalMaterial>;
}

export interface AuditRow {
  image: string;
  /** The manifest digest evaluated (null when it could not be fetched). */
  digest: string | null;
  /** The verdict under the candidate policy (null on error). */
  candidate: Verdict | null;
  /** The verdict under the baseline (null on error; absent without a baseline). */
  baseline?: Verdict | null;
  change: 'newly-refused' | 'newly-allowed' | 'unchanged' | 'allowed' | 'refused' | 'error';
  /** Why the image could not be evaluated. */
  error: { code: string; message: string } | null;
}

export interface AuditResult {
  images: AuditRow[];
  /** What only the audited images show about the candidate policy. */
  findings: {
    /** Docker scopes no audited image fell under. */
    unmatchedScopes: string[];
    /** Signature requirements that accepted no signature of the images under their scope. */
    unusedKeys: { scope: string; requirement: number; type: string; keys: string | string[]; images: number }[];
    /** Images allowed with no signature checked (insecureAcceptAnything only). */
    withoutSignature: string[];
  };
  summary: {
    total: number;
    /** Allowed / refused under the candidate. */
    allowed: number;
    refused: number;
    errors: number;
    /** With a baseline. */
    newlyRefused?: number;
    newlyAllowed?: number;
    unchanged?: number;
    /** No image the baseline allows is refused (without one: all allowed), and no error. */
    ok: boolean;
  };
}

export interface Verifier {
  /** The key files the policy names (keyPath, keyPaths, and CA / Rekor paths). */
  readonly keyPaths: string[];

  /**
   * Verifies an image in its registry: the manifest (the platform's instance of an index),
   * simple signatures (the registry's signature extension, else the lookaside store),
   * cosign signature attachments, OCI referrers, and key files from `keys`.
   * @throws {FetchError} a transport failure (unreachable, 5xx, timeouts, caps, auth).
   * @throws {VerifyError} `REFERENCE_INVALID`, `MANIFEST_UNKNOWN`, `MANIFEST_INVALID`, `DIGEST_MISMATCH`.
   */
  verify(image: string, options?: VerifyOptions): Promise<Verdict>;

  /** Where `image`'s signatures are read from (registries.d, or the defaults). */
  storageFor(image: string): SignatureStorage;

  /**
   * The image normalized (`docker://docker.io/library/busybox:latest`) and the policy scope
   * whose requirements decide it, with no network.
   * @throws {VerifyError} `REFERENCE_INVALID`.
   */
  policyScope(image: string): { image: string; scope: string };

  /**
   * The digest of the instance of the image index `index` (the manifest `image` names) that a
   * pull for `platform` (default: the verifier's) gets, chosen as podman chooses it; null when
   * `index` is not an index. No network.
   * @throws {VerifyError} `MANIFEST_UNKNOWN` (no instance for the platform), `MANIFEST_INVALID`, `DIGEST_MISMATCH`.
   */
  chooseInstance(image: string, index: Uint8Array, platform?: string | Platform): string | null;

  /**
   * Verifies an image from a saved copy, with no network.
   * @throws {VerifyError} `REFERENCE_INVALID`, `MANIFEST_UNKNOWN` (no manifest given), `MANIFEST_INVALID`, `DIGEST_MISMATCH`.
   */
  verifyLocal(image: string, material: LocalMaterial): Verdict;

  /**
   * Evaluates `images` under this verifier's policy (the candidate) and `baseline`'s: which
   * images a policy change would refuse. Each image is fetched once, whichever policy asks.
   */
  audit(images: string[], options?: AuditOptions): Promise<AuditResult>;

  /**
   * The images of `registry` (`host[:port]`) whose repository matches `repository` (a glob, `*`
   * and `?`; default every one), through the catalog and tag-list APIs, at most `maxTags` tags
   * (default 50) per repository: `registry/repository:tag`, sorted by repository; cosign's
   * attachment tags, and names or tags outside the distribution grammar, are left out.
   * @throws {FetchError} `NO_CATALOG` when the registry has no catalog API; transport failures.
   */
  listImages(registry: string, options?: { repository?: string; maxTags?: number; signal?: AbortSignal }): Promise<string[]>;

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

  /**
   * `body` checked as {@link Verifier.blobGuard} checks it, as one stream that reads `body`
   * itself: reads start at 64 KiB and grow to 1 MiB while the source keeps up (a BYOB reader
   * where there is one, and workerd's `readAtLeast`), so the check costs less per byte than a
   * pipe through `blobGuard`. With `size`, the stream declares its length (workerd's
   * `expectedLength`: a Response of it carries Content-Length). Errors as `blobGuard` does, and
   * with {@link FetchError} `TIMEOUT` when a read waits `idleTimeout` ms.
   * @throws {VerifyError} `DIGEST_INVALID` / `DIGEST_UNSUPPORTED` for a bad `digest`.
   */
  guardBody(body: ReadableStream<Uint8Array>, digest: string, options?: GuardBodyOptions): ReadableStream<Uint8Array>;
}

/**
 * A verifier for a policy (default: the one compiled into the package).
 * @throws {VerifyError} `POLICY_INVALID`.
 */
export function createVerifier(options?: VerifierOptions): Promise<Verifier>;

/** JSON text, the parsed object, or its bytes. */
export type JsonInput = string | object | Uint8Array;

/** Who must have signed a bundle: a certificate SAN (exact) and OIDC issuer, or a public key. */
export type BundleSigner = { identity: string; issuer: string } | { key: string | Uint8Array };

/** A bundle's verdict. */
export type BundleResult =
  | {
      verified: true;
      /** The certificate's identities (e-mail, URI, DNS SANs) and issuer, and the log entry. */
      signer: Signer;
      /** The in-toto predicate type of a DSSE bundle, else null. */
      predicateType: string | null;
      /** `sha256:<hex>` of the trusted root that decided. */
      trustedRoot: string;
    }
  | { verified: false; code: ErrorCode; message: string };

export interface BundleVerifier {
  /** `sha256:<hex>` of the trusted root's bytes. */
  readonly trustedRoot: string;
  /**
   * Verifies a Sigstore bundle (v0.1–v0.3) for an artifact (its bytes, or `{ digest }`; for a
   * DSSE bundle, the subject its in-toto statement must name).
   */
  verify(bundle: JsonInput, artifact: Uint8Array | ArrayBuffer | string | { digest: string }, expected: BundleSigner): BundleResult;
}

/**
 * A bundle verifier with one trusted root, parsed once (keyless module). Without
 * `trustedRoot`, the Sigstore public-good instance's root as shipped.
 */
export function createBundleVerifier(options?: { trustedRoot?: JsonInput }): Promise<BundleVerifier>;

/** `createBundleVerifier(options)` then `verify(bundle, artifact, options)`. */
export function verifyBundle(
  bundle: JsonInput,
  artifact: Uint8Array | ArrayBuffer | string | { digest: string },
  options: BundleSigner & { trustedRoot?: JsonInput },
): Promise<BundleResult>;
