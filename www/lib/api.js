// The public API of the sigwall package, the same in every runtime. Policy logic lives in the
// Rust core; this file converts arguments, feeds the core and wraps its errors.

import { FetchError, fromCore, SigwallError, UsageError, VerifyError } from './errors.js';
import { RegistryClient } from './registry.js';
import { coreModule, fullKeylessModule, fullModule, keylessModule, registriesModule } from './runtime.js';

export { SigwallError, VerifyError, UsageError, FetchError } from './errors.js';
export { RegistryClient, MANIFEST_ACCEPT, endpointHost } from './registry.js';

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

function jsonBytes(value, what) {
  if (typeof value === 'string') return new TextEncoder().encode(value);
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return bytesOf(value, what);
  if (value !== null && typeof value === 'object') return new TextEncoder().encode(JSON.stringify(value));
  throw new UsageError(`${what} must be JSON text, an object, or bytes`);
}

/** An artifact as bytes, or `{ digest: "sha256:<hex>" | "sha512:<hex>" }` when only its digest
 * is known (SHA-512: npm attestations name a tarball so). */
function artifactOf(artifact) {
  if (artifact !== null && typeof artifact === 'object' && typeof artifact.digest === 'string') {
    const m = /^(?:sha256:([0-9a-f]{64})|sha512:([0-9a-f]{128}))$/.exec(artifact.digest);
    if (!m) throw new UsageError('an artifact digest must be "sha256:" and 64 lowercase hex digits, or "sha512:" and 128');
    return [undefined, Uint8Array.from((m[1] ?? m[2]).match(/../g), (h) => parseInt(h, 16))];
  }
  if (typeof artifact === 'string') return [new TextEncoder().encode(artifact), undefined];
  return [bytesOf(artifact, 'artifact'), undefined];
}

/**
 * Verifies Sigstore bundles (v0.1–v0.3: cosign sign-blob, npm provenance, PyPI attestations,
 * cosign v3 image signatures) with one trusted root, parsed once. Loads the keyless module.
 * @param {{ trustedRoot?: string|object|Uint8Array }} [options] a `trusted_root.json`; default:
 *   the Sigstore public-good instance's, as shipped (see README, "Trusted root")
 */
export async function createBundleVerifier(options = {}) {
  if (options === null || typeof options !== 'object') throw new UsageError('options must be an object');
  const m = await keylessModule();
  const root = call(() => new m.TrustedRoot(options.trustedRoot === undefined ? undefined : jsonBytes(options.trustedRoot, 'trustedRoot')));
  return {
    /** `sha256:<hex>` of the trusted root's bytes. */
    trustedRoot: root.digest,
    /**
     * @param bundle the bundle (JSON text, object or bytes)
     * @param artifact its bytes, or `{ digest: "sha256:<hex>" | "sha512:<hex>" }`; for a DSSE
     *   bundle, what its in-toto statement must name as a subject (by SHA-256 or SHA-512)
     * @param {{ identity: string, issuer: string } | { key: string|Uint8Array }} expected who
     *   must have signed: a certificate SAN (exact) and OIDC issuer, or a PEM public key
     */
    verify(bundle, artifact, expected = {}) {
      if (expected === null || typeof expected !== 'object') throw new UsageError('expected must be { identity, issuer } or { key }');
      const [bytes, digestBytes] = artifactOf(artifact);
      const key = expected.key === undefined ? undefined : jsonBytes(expected.key, 'key');
      for (const name of ['identity', 'issuer']) {
        if (expected[name] !== undefined && typeof expected[name] !== 'string') throw new UsageError(`${name} must be a string`);
      }
      const out = call(() => root.verifyBundle(jsonBytes(bundle, 'bundle'), bytes, digestBytes, expected.identity, expected.issuer, key));
      return JSON.parse(out);
    },
  };
}

/**
 * Verifies one Sigstore bundle: `createBundleVerifier(options).verify(bundle, artifact, options)`.
 * @returns {Promise<{ verified: true, signer, predicateType, trustedRoot } | { verified: false, code, message }>}
 */
export async function verifyBundle(bundle, artifact, options = {}) {
  const verifier = await createBundleVerifier(options);
  return verifier.verify(bundle, artifact, options);
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

const encoder = new TextEncoder();

/**
 * Policy JSON bytes from a `policy` option: text, an object, or bytes (handed to the core as
 * they are, so invalid UTF-8 is refused there rather than replaced here).
 */
function policyBytes(policy) {
  if (typeof policy === 'string') return encoder.encode(policy);
  if (policy instanceof Uint8Array || policy instanceof ArrayBuffer || ArrayBuffer.isView(policy)) {
    return bytesOf(policy, 'policy');
  }
  if (policy !== null && typeof policy === 'object') return encoder.encode(JSON.stringify(policy));
  throw new UsageError('policy must be policy.json text, an object, or bytes');
}

function parsePolicy(module, policy) {
  const bytes = policy === undefined ? encoder.encode(module.embeddedPolicy()) : policyBytes(policy);
  return call(() => new module.Policy(bytes));
}

/**
 * Checks a policy: rejects with a VerifyError (`POLICY_INVALID`, naming the JSON path) when it
 * is invalid; otherwise resolves to its lint warnings, the oldest containers/image and podman
 * that accept it, and the key files it names. Policy tooling lives in the full module (loaded
 * on first use), keeping the core that browsers and edge workers load small.
 */
export async function checkPolicy(policy) {
  const parsed = parsePolicy(await fullModule(), policy);
  try {
    return { ...JSON.parse(parsed.lint()), keyPaths: parsed.keyPaths() };
  } finally {
    parsed.free();
  }
}

/**
 * Resolves to the policy as self-contained JSON: every keyPath/keyPaths (and CA, Rekor paths)
 * replaced by the file's contents, as `read(path)` returns them (Uint8Array, or undefined when
 * missing). Full module, as checkPolicy.
 */
export async function embedPolicy(policy, read) {
  if (typeof read !== 'function') throw new UsageError('read must be a function (path) => Uint8Array | undefined');
  const parsed = parsePolicy(await fullModule(), policy);
  try {
    const paths = parsed.keyPaths();
    const contents = paths.map((p) => {
      const bytes = read(p);
      return bytes === undefined ? undefined : bytesOf(bytes, `the contents of ${p}`);
    });
    const found = paths.filter((_, i) => contents[i] !== undefined);
    return call(() => parsed.toJsonInlined(found, contents.filter((c) => c !== undefined)));
  } finally {
    parsed.free();
  }
}

/** `os/arch[/variant]` from a string or `{ os, architecture, variant }`; undefined: the default. */
/** Refuses an image argument that is not a string (the core parses the reference itself). */
function checkImage(image) {
  if (typeof image !== 'string') throw new UsageError('image must be a string such as "docker://quay.io/app:1"');
}

/** An index instance chosen by digest (`instance` option). */
function instanceText(instance) {
  if (typeof instance !== 'string') throw new UsageError('instance must be a digest string such as "sha256:…"');
  return instance;
}

function platformText(platform) {
  if (platform === undefined) return undefined;
  if (typeof platform === 'string') return platform;
  if (platform !== null && typeof platform === 'object' && typeof platform.os === 'string' && typeof platform.architecture === 'string') {
    return [platform.os, platform.architecture, ...(platform.variant ? [platform.variant] : [])].join('/');
  }
  throw new UsageError('platform must be "os/arch[/variant]" or { os, architecture, variant? }');
}

function nowSeconds(now) {
  if (now === undefined) return Date.now() / 1000;
  if (now instanceof Date) return now.getTime() / 1000;
  if (typeof now === 'number' && Number.isFinite(now)) return now;
  throw new UsageError('now must be a Date or seconds since the epoch');
}

/** With no registries.d: no lookaside store, and cosign signatures attached to the registry
 * are read (as with `default-docker: { use-sigstore-attachments: true }`). */
const DEFAULT_STORAGE = Object.freeze({ lookaside: null, useSigstoreAttachments: true });

/** registries.d documents as `[names, texts]`, from text, a list of texts, or name → text. */
function registriesDocuments(value) {
  if (typeof value === 'string') return [['registries.d'], [value]];
  if (Array.isArray(value)) {
    if (!value.every((t) => typeof t === 'string')) throw new UsageError('registriesD must hold YAML texts');
    return [value.map((_, i) => `registries.d[${i}]`), value];
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (!entries.every(([, t]) => typeof t === 'string')) throw new UsageError('registriesD must map file names to YAML texts');
    return [entries.map(([n]) => n), entries.map(([, t]) => t)];
  }
  throw new UsageError('registriesD must be YAML text, a list of them, or an object of file name → text');
}

const STORED_SIMPLE_SIGNING = 'registry-extension';

/** containers/image's lookaside layout: `<base>/<repository>@<algorithm>=<hex>/signature-<n>`
 * (the digest is one the core computed, so it is well formed). */
function lookasideUrl(base, repository, manifestDigest, index) {
  const [algorithm, hex] = manifestDigest.split(':');
  return `${base.replace(/\/+$/, '')}/${repository}@${algorithm}=${hex}/signature-${index}`;
}

class Verifier {
  /** The policy's bytes (audit findings read its JSON). */
  #policyBytes;
  #module;
  #policy;
  #client;
  #registries;
  #defaultLookaside;
  #platform;
  #keys;
  #acceptIndexSignatures;

  constructor(module, policy, { client, registries, defaultLookaside, platform, keys, acceptIndexSignatures, policyBytes: bytes }) {
    this.#acceptIndexSignatures = acceptIndexSignatures;
    this.#policyBytes = bytes;
    this.#module = module;
    this.#policy = policy;
    this.#client = client;
    this.#registries = registries;
    this.#defaultLookaside = defaultLookaside;
    this.#platform = platform;
    this.#keys = keys;
  }

  /** The registry client this verifier fetches with (a gate streams blobs through it). */
  get client() {
    return this.#client;
  }

  /** Where `image`'s signatures are read from, by registries.d (or the default). */
  storageFor(image) {
    const found = this.#registries === undefined ? DEFAULT_STORAGE : call(() => this.#registries.lookup(image));
    return { ...found, lookaside: found.lookaside ?? this.#defaultLookaside ?? null };
  }

  /**
   * Verifies an image in a registry: fetches what the core asks for (the manifest, the
   * platform's instance of an index, simple signatures from the registry's extension API or
   * the lookaside store, cosign signature manifests and payloads, key files from `keys`) and
   * resolves to the verdict. Transport failures reject with a FetchError; bad content with a
   * VerifyError; a denial is a verdict.
   */
  async verify(image, opts = {}) {
    checkImage(image);
    if (opts === null || typeof opts !== 'object') throw new UsageError('options must be an object');
    const { signal, onProgress } = opts;
    const progress = typeof onProgress === 'function' ? onProgress : () => {};
    const platform = platformText(opts.platform ?? this.#platform);
    const keys = { ...this.#keys, ...opts.keys };
    const client = opts.client ?? this.#client;
    const storage = this.storageFor(image);
    const module = this.#module;
    const session = call(() => new module.Session(this.#policy, image, nowSeconds(opts.now)));
    // Per manifest digest: the extension's signature list, fetched once.
    const extension = new Map();
    try {
      if (platform !== undefined) call(() => session.setPlatform(platform));
      if (opts.instance !== undefined) call(() => session.setInstance(instanceText(opts.instance)));
      if (opts.acceptIndexSignatures ?? this.#acceptIndexSignatures) session.setAcceptIndexSignatures(true);
      for (let need = session.nextNeed(); need !== undefined; need = session.nextNeed()) {
        signal?.throwIfAborted();
        let answer;
        switch (need.kind) {
          case 'manifest': {
            progress({ step: 'manifest', image, reference: need.reference });
            // `manifests`, when given, is in and out: a manifest already there (the gate's copy
            // of a tag it has just read) is used as it is, and each one fetched is added, so a
            // gate serves exactly the bytes that were verified.
            const given = opts.manifests instanceof Map ? opts.manifests.get(need.reference) : undefined;
            const fetched = given ?? await client.manifest(need.registry, need.repository, need.reference, { signal });
            if (fetched && opts.manifests instanceof Map) opts.manifests.set(need.reference, fetched);
            answer = fetched?.bytes;
            break;
          }
          case 'simpleSignature': {
            progress({ step: 'signatures', image, digest: need.manifestDigest, index: need.index });
            if (await client.supportsSignatureExtension(need.registry, { signal })) {
              let list = extension.get(need.manifestDigest);
              if (list === undefined) {
                session.setSignatureSource(STORED_SIMPLE_SIGNING);
                list = await client.extensionSignatures(need.registry, need.repository, need.manifestDigest, { signal });
                extension.set(need.manifestDigest, list);
              }
              answer = list[need.index - 1];
            } else if (storage.lookaside !== null) {
              session.setSignatureSource('lookaside');
              const url = lookasideUrl(storage.lookaside, need.repository, need.manifestDigest, need.index);
              answer = (await client.lookaside(url, { signal })) ?? undefined;
            }
            break;
          }
          case 'cosignSignatures': {
            if (storage.useSigstoreAttachments) {
              progress({ step: 'signatures', image, tag: need.tag });
              answer = (await client.manifest(need.registry, need.repository, need.tag, { signal }))?.bytes;
            }
            break;
          }
          case 'referrers': {
            progress({ step: 'signatures', image, referrersOf: need.digest });
            answer = (await client.referrers(need.registry, need.repository, need.digest, { signal })) ?? undefined;
            break;
          }
          case 'referrerManifest': {
            progress({ step: 'signatures', image, referrer: need.digest });
            answer = (await client.manifest(need.registry, need.repository, need.digest, { signal, accept: 'application/vnd.oci.image.manifest.v1+json' }))?.bytes;
            break;
          }
          case 'blob': {
            progress({ step: 'blob', image, digest: need.digest });
            answer = (await client.blob(need.registry, need.repository, need.digest, need.size, { signal })) ?? undefined;
            break;
          }
          case 'keyFile': {
            const k = keys[need.path];
            answer = k === undefined ? undefined : bytesOf(k, `keys[${need.path}]`);
            break;
          }
          default:
            answer = undefined;
        }
        if (answer === undefined || answer === null) call(() => session.provideAbsent(need.id));
        else call(() => session.provide(need.id, answer));
      }
      progress({ step: 'verifying', image });
      const verdict = JSON.parse(call(() => session.finish()));
      progress({ step: 'done', image, verdict });
      return verdict;
    } finally {
      session.free();
    }
  }

  /**
   * Evaluates `images` (references) under this verifier's policy, the candidate, and, when
   * `baseline` (another verifier) is given, under its policy too: what would change if the
   * candidate were in force. Each image's manifests, signatures and blobs are fetched once,
   * whichever policy asks (one shared client; credentials and tokens reused), `concurrency`
   * images at a time (default 4). Resolves to `{ images: [{ image, digest, candidate, baseline,
   * change, error }], summary }`: `candidate` and `baseline` are verdicts (null when that image
   * could not be evaluated; `error` then says why, `{ code, message }`), `change` is
   * `newly-refused`, `newly-allowed`, `unchanged` (with a baseline), `allowed` or `refused`
   * (without one), or `error`. `summary` counts them and says `ok`: no image the baseline allows
   * is refused by the candidate (without a baseline: every image allowed), and none failed.
   * `onProgress({ done, total, image, result })` follows each image; `signal` aborts. With
   * `local(image)` (resolving to `verifyLocal`'s material), images come from saved copies and
   * nothing is fetched.
   */
  async audit(images, opts = {}) {
    if (!Array.isArray(images) || images.some((i) => typeof i !== 'string')) throw new UsageError('images must be an array of image references');
    if (opts === null || typeof opts !== 'object') throw new UsageError('options must be an object');
    const { baseline, signal } = opts;
    if (baseline !== undefined && !(baseline instanceof Verifier)) throw new UsageError('baseline must be a verifier (createVerifier({ policy }))');
    const concurrency = opts.concurrency ?? 4;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new UsageError('concurrency must be a positive integer');
    const progress = typeof opts.onProgress === 'function' ? opts.onProgress : () => {};
    const client = sharedClient(this.#client);
    const shared = { client, signal, platform: opts.platform, keys: opts.keys };
    const local = opts.local;
    if (local !== undefined && typeof local !== 'function') throw new UsageError('local must be a function (image) => material');
    // A saved copy (`local(image)`: verifyLocal's material, read once for both policies), or the
    // registry through the shared client.
    const evaluate = async (verifier, image, material) => {
      try {
        const verdict = material === undefined
          ? await verifier.verify(image, shared)
          : verifier.verifyLocal(image, { platform: opts.platform, ...material, keys: { ...opts.keys, ...material.keys } });
        return { verdict };
      } catch (e) {
        if (e instanceof UsageError || !(e instanceof SigwallError)) throw e;
        return { error: { code: e.code, message: e.message } };
      }
    };
    const materialOf = async (image) => {
      try {
        return { material: local === undefined ? undefined : await local(image) };
      } catch (e) {
        if (e instanceof UsageError || !(e instanceof SigwallError)) throw e;
        return { error: { code: e.code, message: e.message } };
      }
    };
    const results = new Array(images.length);
    let next = 0;
    let done = 0;
    const work = async () => {
      while (next < images.length) {
        const i = next++;
        signal?.throwIfAborted();
        const image = images[i];
        const copy = await materialOf(image);
        // The candidate first: its fetches are the baseline's too.
        const c = copy.error ? copy : await evaluate(this, image, copy.material);
        const b = baseline === undefined ? undefined : copy.error ? copy : await evaluate(baseline, image, copy.material);
        results[i] = auditRow(image, c, b);
        done++;
        progress({ done, total: images.length, image, result: results[i] });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, work));
    return { images: results, summary: auditSummary(results, baseline !== undefined), findings: auditFindings(jsonOrNull(this.#policyBytes), results) };
  }

  /**
   * The images of `registry` whose repository matches `repository` (a glob: `*` any characters,
   * `?` one; default every repository), through the registry's catalog and tag-list APIs, at
   * most `maxTags` tags per repository (default 50), as `registry/repository:tag` references,
   * sorted by repository. Tags that name no image of their own are left out: cosign's
   * `sha256-<hex>.sig`/`.att`/`.sbom` attachments and the referrers tag schema's `sha256-<hex>`;
   * so are names and tags outside the distribution grammar, which a registry cannot hold.
   * What `sigwall audit --registry` and `<sigwall-audit>` audit.
   * @throws {UsageError} bad arguments; {FetchError} `NO_CATALOG` when the registry has no
   * catalog API, and any transport failure.
   */
  async listImages(registry, opts = {}) {
    if (typeof registry !== 'string' || !/^[A-Za-z0-9.-]+(?::[0-9]+)?$/.test(registry)) throw new UsageError('registry must be a host name, optionally with a port');
    if (opts === null || typeof opts !== 'object') throw new UsageError('options must be an object');
    const { repository = '*', maxTags = 50, signal } = opts;
    if (typeof repository !== 'string' || repository === '') throw new UsageError('repository must be a non-empty pattern');
    if (!Number.isSafeInteger(maxTags) || maxTags < 1) throw new UsageError('maxTags must be a positive integer');
    const glob = new RegExp(`^${repository.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
    const repositories = await this.#client.catalog(registry, { signal });
    if (repositories === null) throw new FetchError('NO_CATALOG', `${registry} has no catalog API: name the images instead`);
    const images = [];
    // The registry's answers name URLs and references from here on: only names and tags of the
    // distribution grammar are taken.
    for (const name of repositories.filter((r) => REPOSITORY.test(r) && glob.test(r)).sort()) {
      const tags = (await this.#client.tags(registry, name, { max: maxTags, signal })) ?? [];
      for (const tag of tags) if (TAG.test(tag) && !ATTACHMENT_TAG.test(tag)) images.push(`${registry}/${name}:${tag}`);
    }
    return images;
  }

  /**
   * The image normalized (`docker://docker.io/library/busybox:latest`) and the policy scope
   * whose requirements decide it, with no network: what a cache of verdicts is keyed by.
   */
  policyScope(image) {
    checkImage(image);
    const module = this.#module;
    return call(() => {
      const session = new module.Session(this.#policy, image, 0);
      try {
        return { image: session.image, scope: session.scope };
      } finally {
        session.free();
      }
    });
  }

  /**
   * The digest of the instance of the image index `index` (the manifest `image` names) that a
   * pull for `platform` gets, chosen as podman chooses it; null when `index` is not an index.
   * No network. Rejects an index that lists no instance for the platform (`MANIFEST_UNKNOWN`).
   */
  chooseInstance(image, index, platform) {
    checkImage(image);
    const bytes = bytesOf(index, 'index');
    const wanted = platformText(platform ?? this.#platform);
    const module = this.#module;
    return call(() => {
      const session = new module.Session(this.#policy, image, 0);
      try {
        if (wanted !== undefined) session.setPlatform(wanted);
        session.provide(session.nextNeed().id, bytes);
        const next = session.nextNeed();
        return next?.kind === 'manifest' ? next.reference : null;
      } finally {
        session.free();
      }
    });
  }

  /** The key files the policy names (keyPath, keyPaths, and CA / Rekor paths). */
  get keyPaths() {
    return this.#policy.keyPaths();
  }

  /**
   * Verifies an image from material already at hand (a saved copy), without any network:
   * `{ manifest, manifests?, signatures?, cosignSignatures?, blobs?, keys?, now?, source?,
   * platform? }`. Returns the verdict. `signatures` are stored signatures as skopeo's `dir:`
   * layout and lookaside hold them (raw OpenPGP, or `\0simple-signing\n…` /
   * `\0sigstore-json\n…`). When `manifest` is an image index, the instance for `platform`
   * (default linux/amd64) is evaluated: `manifests` holds instances by digest, and
   * `signatures` / `cosignSignatures` may then be objects keyed by manifest digest / by
   * `sha256-<hex>.sig` tag.
   */
  verifyLocal(image, material) {
    checkImage(image);
    if (material === null || typeof material !== 'object') throw new UsageError('material must be an object with at least { manifest }');
    const manifest = material.manifest === undefined ? undefined : bytesOf(material.manifest, 'material.manifest');
    const manifests = material.manifests ?? {};
    const byKey = (value, key) => (value === undefined || value instanceof Uint8Array || ArrayBuffer.isView(value) || Array.isArray(value) ? value : value[key]);
    const signaturesOf = (digest) => (byKey(material.signatures, digest) ?? []).map((s, i) => bytesOf(s, `material.signatures[${i}]`));
    const cosignOf = (tag) => {
      const c = byKey(material.cosignSignatures, tag);
      return c === undefined ? undefined : bytesOf(c, 'material.cosignSignatures');
    };
    const platform = platformText(material.platform);
    const keys = material.keys ?? {};
    // Blobs by digest (cosign payloads); sigwall checks each against its descriptor.
    const blobs = material.blobs ?? {};
    // OCI referrers indexes by manifest digest; referrer manifests are in `manifests`, bundle
    // blobs in `blobs`. Bundles at hand go in `bundles` (JSON text or bytes).
    const referrers = material.referrers ?? {};
    if (material.bundles !== undefined && !Array.isArray(material.bundles)) throw new UsageError('material.bundles must be an array of Sigstore bundles (JSON text or bytes)');
    const bundles = (material.bundles ?? []).map((b, i) => (typeof b === 'string' ? new TextEncoder().encode(b) : bytesOf(b, `material.bundles[${i}]`)));
    const module = this.#module;
    return call(() => {
      const session = new module.Session(this.#policy, image, nowSeconds(material.now));
      try {
        session.setSignatureSource(typeof material.source === 'string' ? material.source : 'local');
        if (platform !== undefined) session.setPlatform(platform);
        if (material.instance !== undefined) session.setInstance(instanceText(material.instance));
        if (material.acceptIndexSignatures ?? this.#acceptIndexSignatures) session.setAcceptIndexSignatures(true);
        // Modules without certificates (whose policies cannot accept bundles) have no addBundle:
        // there the bundles are listed in the image's referrers index, which reports them.
        const canAdd = typeof session.addBundle === 'function';
        if (canAdd) for (const b of bundles) session.addBundle(b, typeof material.source === 'string' ? material.source : 'local');
        let first = true;
        for (let need = session.nextNeed(); need !== undefined; need = session.nextNeed()) {
          let answer;
          switch (need.kind) {
            case 'manifest':
              answer = first ? manifest : (manifests[need.reference] === undefined ? undefined : bytesOf(manifests[need.reference], `material.manifests[${need.reference}]`));
              first = false;
              break;
            case 'simpleSignature': answer = signaturesOf(need.manifestDigest)[need.index - 1]; break;
            case 'cosignSignatures': answer = cosignOf(need.tag); break;
            case 'blob': answer = blobs[need.digest] === undefined ? undefined : bytesOf(blobs[need.digest], `material.blobs[${need.digest}]`); break;
            case 'keyFile': answer = keys[need.path] === undefined ? undefined : bytesOf(keys[need.path], `material.keys[${need.path}]`); break;
            case 'referrers':
              answer = referrers[need.digest] === undefined ? undefined : bytesOf(referrers[need.digest], `material.referrers[${need.digest}]`);
              if (!canAdd && bundles.length > 0) answer = withBundles(answer, bundles);
              break;
            case 'referrerManifest': answer = manifests[need.digest] === undefined ? undefined : bytesOf(manifests[need.digest], `material.manifests[${need.digest}]`); break;
            default: answer = undefined;
          }
          if (answer === undefined) session.provideAbsent(need.id);
          else session.provide(need.id, answer);
        }
        return JSON.parse(session.finish());
      } finally {
        session.free();
      }
    });
  }

  /**
   * A TransformStream that passes bytes through unchanged while hashing them, and errors
   * (withholding the last chunk) when the content does not match `expected` or `size`.
   */
  blobGuard(expected, options) {
    const guard = guardOf(expected, options);
    return new TransformStream({
      async transform(chunk, controller) {
        const out = await guard.push(chunk);
        if (out !== null) controller.enqueue(out);
      },
      async flush(controller) {
        const last = await guard.finish();
        if (last !== null) controller.enqueue(last);
      },
      cancel() {
        guard.release();
      },
    });
  }

  /**
   * `body` (a ReadableStream of bytes, such as a fetch body) checked as `blobGuard` checks it,
   * as one stream: it reads `body` itself, in reads that start at 64 KiB and grow to 1 MiB
   * while the source keeps up (a BYOB reader where there is one; workerd's `readAtLeast`),
   * declares its length when `size` is given (workerd's `expectedLength`, so a response carries
   * Content-Length), and errors with FetchError `TIMEOUT` when one read waits `idleTimeout` ms.
   */
  guardBody(body, expected, options = {}) {
    if (body === null || typeof body !== 'object' || typeof body.getReader !== 'function') {
      throw new UsageError('body must be a ReadableStream of bytes');
    }
    const idle = options?.idleTimeout;
    if (idle !== undefined && !(Number.isFinite(idle) && idle > 0)) throw new UsageError('idleTimeout must be a positive number of milliseconds');
    const guard = guardOf(expected, options);
    let reader;
    let byob = true;
    try {
      reader = body.getReader({ mode: 'byob' });
    } catch {
      try {
        reader = body.getReader();
        byob = false;
      } catch (e) {
        guard.release();
        throw new UsageError(`body cannot be read (is it locked?): ${e?.message ?? e}`);
      }
    }
    let want = FIRST_READ;
    const read = () => (!byob ? reader.read()
      : reader.readAtLeast ? reader.readAtLeast(want, new Uint8Array(want))
      : reader.read(new Uint8Array(want)));
    return new ReadableStream({
      expectedLength: guard.size,
      async pull(controller) {
        try {
          for (;;) {
            const started = Date.now();
            const { done, value } = await timed(read(), idle);
            // Grow while reads complete quickly, shrink when one is slow: a slow but live
            // source then never waits a whole idle timeout for one read.
            const took = Date.now() - started;
            if (idle === undefined || took < idle / 8) want = Math.min(MAX_READ, want * 2);
            else if (took > idle / 4) want = Math.max(FIRST_READ, want / 2);
            if (done) {
              const last = await guard.finish();
              if (last !== null) controller.enqueue(last);
              controller.close();
              return;
            }
            const out = await guard.push(value);
            if (out !== null) {
              controller.enqueue(out);
              return;
            }
          }
        } catch (e) {
          guard.release();
          reader.cancel(e).catch(() => {});
          // The check's own errors are typed already; a failed read of the source is a
          // transport failure.
          controller.error(e instanceof SigwallError ? e : new FetchError('NETWORK', `reading the body failed: ${e?.message ?? e}`, { cause: e }));
        }
      },
      cancel(reason) {
        guard.release();
        return reader.cancel(reason);
      },
    }, { highWaterMark: 0 });
  }
}

/** guardBody's read sizes: each chunk through JS streams costs about the same whatever its
 * size, so large reads keep that cost per byte low; each buffer is allocated at the size read
 * (a larger one is cleared whole however little of it fills). */
const FIRST_READ = 64 * 1024;
const MAX_READ = 1024 * 1024;

/** `promise`, or a FetchError TIMEOUT after `ms` (none when undefined). */
function timed(promise, ms) {
  if (ms === undefined) return promise;
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new FetchError('TIMEOUT', `the body stalled: no read completed in ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The check blobGuard and guardBody make: every byte hashed, the size bounded, and the newest
 * non-empty chunk always held back. A chunk is released only when the next one arrives or,
 * for the last one, after the digest and size have been checked, so a consumer never holds
 * the complete content of a body that fails the check.
 */
function guardOf(expected, options) {
  if (typeof expected !== 'string') throw new UsageError('digest must be a string such as "sha256:…"');
  const size = sizeOf(options);
  const core = coreModule();
  // The wasm verifier validates the expected digest in every case, and hashes unless the
  // runtime has a native streaming SHA-256 (workerd's crypto.DigestStream).
  const verifier = call(() => new core.DigestVerifier(expected, size));
  const hasher = nativeSha256(expected) ?? wasmHasher(verifier);
  if (hasher.native) verifier.free();
  let total = 0;
  let held = null;
  const fail = (e) => {
    held = null;
    hasher.release();
    return fromCore(e);
  };
  return {
    size,
    /** Takes a chunk; resolves to the chunk now released (or null). */
    async push(chunk) {
      let bytes;
      try {
        bytes = bytesOf(chunk, 'each chunk');
        total += bytes.length;
        if (size !== undefined && total > size) {
          throw new VerifyError('SIZE_MISMATCH', `content is longer than the expected ${size} bytes`);
        }
        const pending = hasher.update(bytes);
        if (pending) await pending;
      } catch (e) {
        throw fail(e);
      }
      if (bytes.length === 0) return null;
      const out = held;
      held = bytes;
      return out;
    },
    /** Checks size and digest; resolves to the last chunk (or null). */
    async finish() {
      try {
        if (size !== undefined && total < size) {
          throw new VerifyError('SIZE_MISMATCH', `content ended after ${total} bytes, expected ${size} bytes`);
        }
        await hasher.finish();
      } catch (e) {
        throw fail(e);
      } finally {
        hasher.release();
      }
      const last = held;
      held = null;
      return last;
    },
    release() {
      held = null;
      hasher.release();
    },
  };
}

/** Hashing through the wasm DigestVerifier, in batches of at least CHUNK bytes (a call into
 * wasm per small network chunk costs more than the hashing). */
function wasmHasher(verifier) {
  let freed = false;
  let pending = [];
  let pendingBytes = 0;
  const flushPending = () => {
    if (pendingBytes === 0) return;
    const batch = pending.length === 1 ? pending[0] : new Uint8Array(pendingBytes);
    if (pending.length > 1) {
      let at = 0;
      for (const p of pending) {
        batch.set(p, at);
        at += p.length;
      }
    }
    pending = [];
    pendingBytes = 0;
    feed(verifier, batch);
  };
  return {
    native: false,
    update(bytes) {
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= CHUNK) flushPending();
    },
    finish() {
      flushPending();
      verifier.finish();
    },
    release() {
      if (!freed) {
        freed = true;
        pending = [];
        verifier.free();
      }
    },
  };
}

/** workerd and Cloudflare Workers hash natively and stream (crypto.DigestStream): used for
 * sha256 digests there. Elsewhere, undefined. */
function nativeSha256(expected) {
  const DigestStream = globalThis.crypto?.DigestStream;
  if (typeof DigestStream !== 'function' || !expected.startsWith('sha256:')) return undefined;
  const stream = new DigestStream('SHA-256');
  const writer = stream.getWriter();
  let released = false;
  return {
    native: true,
    // Writes are queued without waiting for each (the digest runs natively, off this stream's
    // path); a failed write surfaces at finish.
    update(bytes) {
      writer.write(bytes).catch(() => {});
    },
    async finish() {
      await writer.close();
      const hex = [...new Uint8Array(await stream.digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
      const found = `sha256:${hex}`;
      if (found !== expected) throw new VerifyError('DIGEST_MISMATCH', `content digest ${found} does not match expected ${expected}`);
    },
    release() {
      if (!released) {
        released = true;
        writer.abort().catch(() => {});
      }
    },
  };
}

/**
 * A registry client whose answers are kept while it lives: a manifest, blob, signature list or
 * referrers index asked for again (by the other policy of an audit) is not fetched again.
 * Failures are not kept.
 */
function sharedClient(client) {
  const kept = new Map();
  const MEMOIZED = new Set(['manifest', 'referrers', 'blob', 'extensionSignatures', 'lookaside', 'supportsSignatureExtension']);
  return new Proxy(client, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== 'function') return value;
      if (!MEMOIZED.has(prop)) return value.bind(target);
      return (...args) => {
        // The signal is the first caller's; what is asked is everything else.
        const key = `${prop} ${JSON.stringify(args.map((a) => (a !== null && typeof a === 'object' && !(a instanceof URL) ? { accept: a.accept } : String(a))))}`;
        let answer = kept.get(key);
        if (answer === undefined) {
          answer = value.apply(target, args);
          kept.set(key, answer);
          answer.catch(() => kept.delete(key));
        }
        return answer;
      };
    },
  });
}

/** `bytes` as JSON, or null when they are not JSON. */
function jsonOrNull(bytes) {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** One audited image: its verdicts and what changed. */
function auditRow(image, candidate, baseline) {
  const error = candidate.error ?? baseline?.error ?? null;
  const c = candidate.verdict ?? null;
  const b = baseline?.verdict ?? null;
  let change;
  if (error !== null) change = 'error';
  else if (baseline === undefined) change = c.allowed ? 'allowed' : 'refused';
  else if (b.allowed === c.allowed) change = 'unchanged';
  else change = c.allowed ? 'newly-allowed' : 'newly-refused';
  return { image, digest: c?.digest ?? b?.digest ?? null, candidate: c, baseline: baseline === undefined ? undefined : b, change, error };
}

/**
 * What only data shows about the candidate policy: docker scopes no audited image fell under,
 * signature requirements that accepted no signature of any image under their scope (their keys
 * verified none), and images allowed with no signature checked (only insecureAcceptAnything).
 */
function auditFindings(policy, rows) {
  const evaluated = rows.filter((r) => r.candidate !== null);
  const scopes = policy?.transports?.docker && typeof policy.transports.docker === 'object' ? Object.keys(policy.transports.docker) : [];
  const used = new Set(evaluated.map((r) => r.candidate.scope));
  const unmatchedScopes = scopes.filter((s) => !used.has(s));
  const unusedKeys = [];
  for (const scope of used) {
    const inScope = evaluated.filter((r) => r.candidate.scope === scope);
    const requirements = scope === 'default' ? policy?.default : policy?.transports?.docker?.[scope];
    inScope[0].candidate.requirements.forEach((req, i) => {
      if (req.type !== 'signedBy' && req.type !== 'sigstoreSigned') return;
      if (inScope.some((r) => r.candidate.requirements[i]?.signatures.some((x) => x.outcome === 'accepted'))) return;
      const declared = Array.isArray(requirements) ? requirements[i] : undefined;
      const keys = declared?.keyPath ?? declared?.keyPaths ?? declared?.trustedRootPath
        ?? (declared?.fulcio ? `fulcio ${declared.fulcio.subjectEmail ?? declared.fulcio.subjectURI ?? declared.fulcio.subjectRegExp}` : 'inline key data');
      unusedKeys.push({ scope, requirement: i, type: req.type, keys, images: inScope.length });
    });
  }
  const withoutSignature = evaluated
    .filter((r) => r.candidate.allowed && r.candidate.requirements.length > 0 && r.candidate.requirements.every((q) => q.type === 'insecureAcceptAnything'))
    .map((r) => r.image);
  return { unmatchedScopes, unusedKeys, withoutSignature };
}

function auditSummary(rows, withBaseline) {
  const count = (f) => rows.filter(f).length;
  const summary = {
    total: rows.length,
    allowed: count((r) => r.candidate?.allowed === true),
    refused: count((r) => r.candidate?.allowed === false),
    errors: count((r) => r.change === 'error'),
  };
  if (withBaseline) {
    summary.newlyRefused = count((r) => r.change === 'newly-refused');
    summary.newlyAllowed = count((r) => r.change === 'newly-allowed');
    summary.unchanged = count((r) => r.change === 'unchanged');
  }
  summary.ok = summary.errors === 0 && (withBaseline ? summary.newlyRefused === 0 : summary.refused === 0);
  return summary;
}

/** A referrers index (bytes, or none) with an entry for each bundle, so that a module without
 * certificates reports them as it reports bundles found in a registry. */
function withBundles(index, bundles) {
  let json = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
  if (index !== undefined) {
    try {
      json = JSON.parse(new TextDecoder().decode(index));
    } catch { /* the core reads none from a malformed index; the bundles are still listed */ }
    if (!Array.isArray(json?.manifests)) json = { ...json, manifests: [] };
  }
  const listed = bundles.map((b) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: digest(b), size: b.length }));
  return new TextEncoder().encode(JSON.stringify({ ...json, manifests: [...json.manifests, ...listed] }));
}

/** A repository name and a tag, as the distribution spec defines them. */
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Tags that hold signatures or referrers of another image, not an image of their own. */
const ATTACHMENT_TAG = /^sha256-[0-9a-f]{64}(?:\.(?:sig|att|sbom))?$/;

/**
 * A verifier for a policy: the one given (policy.json text, an object, or bytes) or the policy
 * compiled into the package (`npm run build -- --policy FILE`; by default, reject everything).
 * Policies with a `signedBy` requirement, or cosign keys other than inline P-256 keys, load the
 * full module (OpenPGP, the other key types), on first use only; policies with certificates
 * (`fulcio`, `pki`, sigwall's extension) and no `signedBy` load the keyless module, and those
 * with both the full-keyless module.
 */
export async function createVerifier(options = {}) {
  if (options === null || typeof options !== 'object') throw new UsageError('options must be an object');
  const core = coreModule();
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new UsageError('fetch must be a function');
  if (options.credentials !== undefined && typeof options.credentials !== 'function') throw new UsageError('credentials must be a function (registry) => { username, password } | { token } | undefined');
  if (options.proxy !== undefined && typeof options.proxy !== 'string') throw new UsageError('proxy must be a URL string');
  if (options.timeout !== undefined && !(Number.isFinite(options.timeout) && options.timeout > 0)) throw new UsageError('timeout must be a positive number of milliseconds');
  const insecure = options.insecureHttp;
  if (insecure !== undefined && typeof insecure !== 'boolean' && !(Array.isArray(insecure) && insecure.every((h) => typeof h === 'string'))) {
    throw new UsageError('insecureHttp must be a boolean or a list of hosts');
  }
  platformText(options.platform);
  let client;
  try {
    client = new RegistryClient({ ...options, fetch: options.fetch ?? globalThis.fetch });
  } catch (e) {
    throw new UsageError(e.message);
  }
  let registries;
  if (options.registriesD !== undefined) {
    const [names, texts] = registriesDocuments(options.registriesD);
    const m = await registriesModule();
    registries = call(() => new m.Registries(names, texts));
  }
  // The policy's bytes, once: every module that parses it, and audit findings, read these.
  const bytes = options.policy === undefined ? encoder.encode(core.embeddedPolicy()) : policyBytes(options.policy);
  const parse = (module) => call(() => new module.Policy(bytes));
  const rest = {
    client, registries, defaultLookaside: options.defaultLookaside, platform: options.platform, keys: options.keys ?? {},
    acceptIndexSignatures: options.acceptIndexSignatures === true, policyBytes: bytes,
  };
  let probe;
  try {
    probe = parse(core);
  } catch (e) {
    // The core parses podman's grammar only; sigwall's policy extension is in the keyless
    // module, whose parser (a superset) decides, and whose error is the one reported.
    if (!(e instanceof SigwallError) || e.code !== 'POLICY_INVALID') throw e;
    const k = await keylessModule();
    const parsed = parse(k);
    if (!parsed.needsPgp()) return new Verifier(k, parsed, rest);
    parsed.free();
    const m = await fullKeylessModule();
    return new Verifier(m, parse(m), rest);
  }
  const [pgp, keyless, full] = [probe.needsPgp(), probe.needsKeyless(), probe.needsFull()];
  if (!pgp && !keyless && !full) return new Verifier(core, probe, rest);
  probe.free();
  // OpenPGP is only in the full modules; certificates are in the smaller keyless module (with
  // every cosign key type), and in full-keyless for policies that need both.
  const m = !pgp && keyless ? await keylessModule() : pgp && keyless ? await fullKeylessModule() : await fullModule();
  return new Verifier(m, parse(m), rest);
}
