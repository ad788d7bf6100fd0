// The edge gate: a registry front (`/v2/…`) for one upstream registry that serves only images
// its policy allows. An ES module worker for workerd and Cloudflare Workers.
//
// Manifests are fetched from upstream, verified (signatures fetched through the same client),
// and served byte for byte as verified, or refused with 403 and the verdict. A tag's index is
// checked instance by instance against the tag, and served listing only the allowed ones. Blobs are served
// only when a manifest this gate allowed references them, streamed through the `blobGuard`
// check (`guardBody`) so a body that does not hash to its digest is cut off before its last
// bytes. A cosign signature tag of an allowed image is served holding only the signatures the
// gate's policy accepts, and its referrers (the API and the tag schema) holding only the Sigstore
// bundles the policy accepts, for clients that check signatures themselves. Any error denies.
//
// Configuration (worker bindings; `sigwall gate` writes them):
//   UPSTREAM          the upstream registry's base URL (http://127.0.0.1:5000, https://ghcr.io)
//   REGISTRY_NAME     the registry name the policy sees (default: the upstream's host)
//   POLICY            policy.json text (default: the policy compiled into the wasm)
//   REGISTRIES_D      registries.d: YAML text, or an object of file name → YAML (a json binding)
//                     (default: cosign attachments read, no lookaside)
//   UPSTREAM_USERNAME, UPSTREAM_PASSWORD or UPSTREAM_TOKEN   upstream credentials (secrets)
//   GATE_TOKEN        when set, clients must send it as the basic-auth password (or a bearer token)
//   PUBLIC            "true" to serve anyone although upstream credentials are set; without it,
//                     a gate with upstream credentials and no GATE_TOKEN refuses every request
//   PLATFORM          the platform evaluated for a multi-platform tag (default linux/amd64)
//   VERDICT_TTL       seconds a decision is cached (default 60)
//   VERDICTS          an optional KV namespace binding that shares denials of digest references
//                     across isolates
//   IDLE_TIMEOUT      seconds an upstream blob body may stall before the gate aborts it (default 30)
import { createVerifier, digest as digestOf, FetchError, SigwallError } from 'sigwall';
import { BoundedCache } from './gate-cache.js';

const MANIFEST_TYPES = {
  'application/vnd.oci.image.manifest.v1+json': true,
  'application/vnd.oci.image.index.v1+json': true,
  'application/vnd.docker.distribution.manifest.v2+json': true,
  'application/vnd.docker.distribution.manifest.list.v2+json': true,
};
const EXPOSED = 'Docker-Content-Digest, WWW-Authenticate, Link, Content-Type, Content-Length, Docker-Distribution-API-Version';
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** cosign's signature tag of a manifest digest, which containers/image (with
 * `use-sigstore-attachments`) and cosign read. */
const SIGNATURE_TAG = /^sha256-([a-f0-9]{64})\.sig$/;
/** containers/image reads at most 4 MiB of each signature layer (iolimits.MaxSignatureBodySize). */
const MAX_SIGNATURE_LAYER = 4 * 1024 * 1024;
/** Signature layers checked per signature manifest; any beyond are not passed on. */
const MAX_SIGNATURE_LAYERS = 32;
/** The OCI referrers tag schema (an index of a digest's referrers, for registries without the
 * referrers API). */
const REFERRERS_TAG = /^sha256-[a-f0-9]{64}$/;
/** The most manifests an index may list: the gate checks each of them. */
const MAX_INSTANCES = 64;
/** Instances of an index verified at once. */
const PARALLEL = 4;
/** Registry routes the gate does not serve: tag lists, the catalog. */
const OTHER_ROUTES = /^\/v2\/(?:_catalog|.+\/tags\/list)$/;
/** The referrers API. */
const REFERRERS_ROUTE = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/;
/** Sigstore bundles (every version's media type starts so). */
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle';
/** The OCI empty descriptor's content, `{}`. */
const EMPTY_JSON = { digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
/** The largest bundle passed on (the core reads at most 1 MiB). */
const MAX_BUNDLE = 1024 * 1024;

/** Per isolate: the verifier, decisions, and the blobs allowed manifests reference
 * (a promise, so that concurrent first requests share one setup). */
let state = null;

/** What each per-isolate cache keeps (the oldest entries go first): verdicts and signature
 * lists with the manifest bytes they serve, and the blobs allowed manifests reference. A blob
 * forgotten before its manifest's verdict would refuse a pull half way, so many more are kept. */
const LIMITS = {
  verdicts: { maxEntries: 4096, maxBytes: 32 * 1024 * 1024 },
  signatures: { maxEntries: 1024, maxBytes: 8 * 1024 * 1024 },
  blobs: { maxEntries: 65536 },
};

async function setup(env) {
  const upstream = new URL(env.UPSTREAM);
  const registry = env.REGISTRY_NAME || upstream.host;
  const credentials = env.UPSTREAM_TOKEN
    ? () => ({ token: env.UPSTREAM_TOKEN })
    : env.UPSTREAM_USERNAME
      ? () => ({ username: env.UPSTREAM_USERNAME, password: env.UPSTREAM_PASSWORD ?? '' })
      : undefined;
  const verifier = await createVerifier({
    ...(env.POLICY ? { policy: env.POLICY } : {}),
    ...(env.REGISTRIES_D ? { registriesD: env.REGISTRIES_D } : {}),
    proxy: upstream.href,
    credentials,
    insecureHttp: upstream.protocol === 'http:' ? [upstream.host, registry] : undefined,
    platform: env.PLATFORM || undefined,
    timeout: 20_000,
  });
  return {
    verifier,
    registry,
    ttl: Number(env.VERDICT_TTL ?? 60) * 1000,
    idle: Number(env.IDLE_TIMEOUT ?? 30) * 1000,
    /** Decisions (see decide()): `@ ${name}@${digest}` for a digest reference, `: ${name}:${tag}@${digest}`
     * for a tag at a digest, viaKey() for the manifests a tag's pull continues with. */
    verdicts: new BoundedCache(LIMITS.verdicts),
    /** `${name}@${blob digest}` → size */
    blobs: new BoundedCache(LIMITS.blobs),
    /** `${name}@${digest}:${signature manifest digest}` → the signatures passed on (see signatures()) */
    signatures: new BoundedCache(LIMITS.signatures),
    /** `${name}@${subject}:${upstream index digest}` → the bundle referrers passed on (see referrers()) */
    referrerLists: new BoundedCache(LIMITS.signatures),
    /** `${name}@${referrer manifest digest}` → { bytes, contentType }: referrers passed on */
    referrerManifests: new BoundedCache(LIMITS.signatures),
    platform: env.PLATFORM || undefined,
  };
}

function cors(headers = {}) {
  return {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED,
    'docker-distribution-api-version': 'registry/2.0',
    ...headers,
  };
}

function ociError(status, code, message, detail, extra = {}) {
  const body = JSON.stringify({ errors: [{ code, message, ...(detail === undefined ? {} : { detail }) }] });
  return new Response(body, { status, headers: cors({ 'content-type': 'application/json', ...extra }) });
}

function denied(message, verdict) {
  return ociError(403, 'DENIED', message, verdict);
}

/** The gate's own access check: GATE_TOKEN as the basic-auth password or a bearer token,
 * compared in constant time (both sides hashed, then every byte compared). */
async function authorized(request, env) {
  if (!env.GATE_TOKEN) return true;
  const header = request.headers.get('authorization') ?? '';
  let given = null;
  if (header.startsWith('Bearer ')) {
    given = header.slice(7);
  } else if (header.startsWith('Basic ')) {
    try {
      const text = atob(header.slice(6));
      given = text.slice(text.indexOf(':') + 1);
    } catch {
      given = null;
    }
  }
  return given !== null && sameSecret(given, env.GATE_TOKEN);
}

/** Whether two strings are equal, in time that depends on neither. */
async function sameSecret(a, b) {
  const encoder = new TextEncoder();
  const [x, y] = (await Promise.all([a, b].map((t) => crypto.subtle.digest('SHA-256', encoder.encode(t))))).map((d) => new Uint8Array(d));
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}

/** Why the configuration must not serve (null when it may): upstream credentials give access
 * to private images, so a gate holding them needs its own token, or PUBLIC set to say that
 * anyone may pull what the policy allows. */
function misconfigured(env) {
  const credentials = env.UPSTREAM_TOKEN || env.UPSTREAM_USERNAME;
  if (credentials && !env.GATE_TOKEN && env.PUBLIC !== 'true') {
    return 'this gate holds upstream credentials but no GATE_TOKEN: it would serve the upstream\'s private images to anyone. Set GATE_TOKEN, or PUBLIC = "true" to serve the public on purpose';
  }
  return null;
}

/** A manifest's JSON, or null when it is not JSON (the core has judged it already). */
function parsed(bytes) {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** The manifest's media type, from its own `mediaType` or its shape. */
function mediaTypeOf(m, fallback) {
  if (typeof m?.mediaType === 'string' && MANIFEST_TYPES[m.mediaType]) return m.mediaType;
  if (m?.schemaVersion === 2 && Array.isArray(m.manifests)) return 'application/vnd.oci.image.index.v1+json';
  if (m?.schemaVersion === 2) return 'application/vnd.oci.image.manifest.v1+json';
  return fallback ?? 'application/vnd.oci.image.manifest.v1+json';
}

/** Whether `d` is a descriptor the gate can serve: a sha256 digest and a size (at most `max`). */
function servable(d, max = Number.MAX_SAFE_INTEGER) {
  return typeof d?.digest === 'string' && DIGEST.test(d.digest) && Number.isSafeInteger(d.size) && d.size >= 0 && d.size <= max;
}

/** An error as a denial reason says it: its code (when it has one) and message. */
function reasonOf(e) {
  return `${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}`;
}

/** Records the blobs (config, layers) an allowed image manifest references, with their sizes. */
function allowBlobs(s, name, m) {
  for (const d of [m?.config, ...(Array.isArray(m?.layers) ? m.layers : [])]) {
    if (servable(d)) {
      s.blobs.set(`${name}@${d.digest}`, d.size);
    }
  }
}

/** A cache entry that has not expired. */
function fresh(entry) {
  return entry && entry.expires > Date.now() ? entry : undefined;
}

/** The cache key of a manifest that a pull of a tag continues with (the tag's manifest, read
 * again by digest, or an instance of its index), under the policy scope that allowed it. */
const viaKey = (scope, name, digest) => `via ${scope}\n${name}@${digest}`;

/**
 * The gate's decision on the manifest `name:reference` (a tag or a digest): { verdict, bytes,
 * contentType, digest, expires, instances }, where `bytes` (null when denied) is what is served
 * and `verdict` is the decision for the gate's platform. Cached by what the policy evaluated.
 *
 * A manifest asked for by digest is what `podman pull name@digest` would get: the decision on
 * that digest reference. The one exception is a pull of a tag going on: the manifest the tag
 * named and the instances of its index are then asked for by digest, and are served on the
 * tag's decision when the same policy scope governs the digest reference (the gate cannot
 * tell a pull continued from a fresh one, so a tag's decision never answers under a scope
 * whose requirements are other).
 *
 * An index is decided instance by instance: each instance it lists is evaluated against the
 * reference, as `podman pull --platform <its platform>` would evaluate it, so that no client of
 * any platform gets an instance that was not. For a tag, the index is served as it is when
 * every instance is allowed, and otherwise rewritten to list only those allowed (denied when
 * none is). For a digest the bytes cannot change; its denied instances, asked for by digest,
 * are denied again by their own digest reference, which the policy decides as it decided them.
 */
async function decide(s, env, name, reference) {
  const byDigest = DIGEST.test(reference);
  const image = `docker://${s.registry}/${name}${byDigest ? '@' : ':'}${reference}`;
  const { scope } = s.verifier.policyScope(image);
  const kvKey = `${s.registry}/${name}@${reference} in ${JSON.stringify(scope)}`;
  let cacheKey;
  if (byDigest) {
    const cached = fresh(s.verdicts.get(viaKey(scope, name, reference))) ?? fresh(s.verdicts.get(`@ ${name}@${reference}`));
    if (cached) return cached;
    // Across isolates only denials of this very digest reference are shared: an allowed
    // image is always verified here.
    const kv = env.VERDICTS ? await env.VERDICTS.get(kvKey, 'json').catch(() => null) : null;
    if (kv?.verdict?.allowed === false) return { verdict: kv.verdict, bytes: null, expires: 0 };
    cacheKey = `@ ${name}@${reference}`;
  }
  // The manifest is read anew on every request for a tag (tags move), but a decision on the
  // same tag at the same digest is reused within the TTL.
  const top = await s.verifier.client.manifest(s.registry, name, reference);
  if (top === null) throw new SigwallError('MANIFEST_UNKNOWN', `${name}:${reference} is not in the upstream registry`);
  const topDigest = digestOf(top.bytes);
  if (!byDigest) {
    cacheKey = `: ${name}:${reference}@${topDigest}`;
    const cached = fresh(s.verdicts.get(cacheKey));
    if (cached) return cached;
  }
  const manifests = new Map([[reference, top]]);
  const topJson = parsed(top.bytes);
  const expires = Date.now() + s.ttl;
  let decided;
  let continued = [];
  // An index that lists nothing goes the single-manifest way, where the core finds no instance
  // in it (404): decided instance by instance, it would be served with nothing verified.
  if (Array.isArray(topJson?.manifests) && topJson.manifests.length > 0) {
    ({ decided, continued } = await decideIndex(s, name, image, byDigest, top, topJson, manifests, expires));
  } else {
    const verdict = await s.verifier.verify(image, { manifests });
    decided = { verdict, bytes: verdict.allowed ? top.bytes : null, contentType: mediaTypeOf(topJson, top.contentType), digest: topDigest, expires, instances: null };
    if (verdict.allowed) allowBlobs(s, name, topJson);
  }
  s.verdicts.set(cacheKey, decided);
  if (decided.bytes !== null) {
    for (const record of [decided, ...continued]) s.verdicts.set(viaKey(scope, name, record.digest), record);
  }
  if (env.VERDICTS && byDigest) {
    await env.VERDICTS.put(kvKey, JSON.stringify({ verdict: decided.verdict }), { expirationTtl: Math.max(60, s.ttl / 1000) }).catch(() => {});
  }
  return decided;
}

/**
 * decide() for an image index `top` (parsed: `json`): { decided, continued }, where `continued`
 * holds the allowed instances (served by digest as the pull goes on) and `decided.instances` the
 * verdict on each instance by digest.
 */
async function decideIndex(s, name, image, byDigest, top, json, manifests, expires) {
  const entries = json.manifests;
  if (entries.length > MAX_INSTANCES) {
    throw new SigwallError('MANIFEST_INVALID', `the image index lists ${entries.length} manifests; this gate checks at most ${MAX_INSTANCES}`);
  }
  const digests = [...new Set(entries.map((e) => (typeof e?.digest === 'string' ? e.digest : '')))];
  // Each instance against the reference. Bad content in one denies that one; a transport
  // failure fails the whole decision (it would otherwise change what clients see).
  const instances = new Map();
  const continued = [];
  for (let i = 0; i < digests.length; i += PARALLEL) {
    await Promise.all(digests.slice(i, i + PARALLEL).map(async (d) => {
      let verdict;
      try {
        verdict = await s.verifier.verify(image, { manifests, instance: d });
      } catch (e) {
        if (!(e instanceof SigwallError) || e instanceof FetchError) throw e;
        verdict = { allowed: false, image, digest: d || null, scope: '', requirements: [], reasons: [{ code: e.code, message: e.message }] };
      }
      instances.set(d, verdict);
      const fetched = manifests.get(d);
      if (verdict.allowed && fetched !== undefined) {
        const instanceJson = parsed(fetched.bytes);
        allowBlobs(s, name, instanceJson);
        continued.push({ verdict, bytes: fetched.bytes, contentType: mediaTypeOf(instanceJson, fetched.contentType), digest: d, expires, instances: null });
      }
    }));
  }
  const allowed = entries.filter((e) => continued.some((c) => c.digest === e?.digest));
  // The verdict for the gate's platform (a denied one when it has none, to say why).
  const chosen = instanceFor(s, image, top.bytes, s.platform);
  const verdict = instances.get(chosen) ?? [...instances.values()].find((v) => !v.allowed) ?? instances.values().next().value;
  let bytes = null;
  if (allowed.length === entries.length || (byDigest && allowed.length > 0)) bytes = top.bytes;
  else if (allowed.length > 0) bytes = new TextEncoder().encode(JSON.stringify({ ...json, manifests: allowed }));
  const decided = { verdict, bytes, contentType: mediaTypeOf(json, top.contentType), digest: digestOf(bytes ?? top.bytes), expires, instances, index: top.bytes };
  return { decided, continued };
}

/** The digest of the instance of `index` that a client of `platform` pulls, or undefined. */
function instanceFor(s, image, index, platform) {
  try {
    return s.verifier.chooseInstance(image, index, platform) ?? undefined;
  } catch {
    return undefined;
  }
}

/** decide(), or the Response that refuses: 404 for a manifest upstream does not have, 403 with
 * the reason for a denial or any failure. */
async function allowedOrRefusal(s, env, name, reference) {
  let decided;
  try {
    decided = await decide(s, env, name, reference);
  } catch (e) {
    if (e instanceof SigwallError && e.code === 'MANIFEST_UNKNOWN') return { refusal: ociError(404, 'MANIFEST_UNKNOWN', e.message) };
    return { refusal: denied(`sigwall could not verify ${name}:${reference}: ${reasonOf(e)}`) };
  }
  const { verdict, bytes } = decided;
  if (bytes === null) {
    const why = verdict.reasons.map((r) => r.message).join('; ');
    return { refusal: denied(`sigwall denied ${verdict.image}: ${why}`, verdict) };
  }
  return { decided };
}

function serveManifest(request, bytes, contentType, digest) {
  const headers = cors({
    'content-type': contentType,
    'content-length': String(bytes.length),
    'docker-content-digest': digest,
  });
  return new Response(request.method === 'HEAD' ? null : bytes, { status: 200, headers });
}

async function manifest(request, s, env, name, reference) {
  const { decided, refusal } = await allowedOrRefusal(s, env, name, reference);
  if (refusal) return refusal;
  return serveManifest(request, decided.bytes, decided.contentType, decided.digest);
}

/**
 * The cosign signature manifest (`sha256-<hex>.sig`) of a manifest this gate allows, holding only
 * the signatures this gate's policy accepts for that image, so that a client that checks
 * signatures itself (podman or skopeo with `use-sigstore-attachments` and a sigstoreSigned
 * policy, sigwall's verify() with the gate as its registry) can do so behind the gate.
 *
 * Only checked signatures pass: the upstream's signature manifest could otherwise list any
 * blobs (an image config, small layers), and the gate would serve an unverified image under
 * that tag. Each layer is checked as the only signature of the image with the gate's policy
 * (`verifyLocal`, on the verdict's image and manifest); those it accepts stay, and their
 * payloads become servable. The upstream's bytes are served when every layer stays. With none,
 * the tag is absent (404), which clients read as "no cosign signatures".
 */
async function signatures(request, s, env, name, tag, subject) {
  const { decided, refusal } = await allowedOrRefusal(s, env, name, subject);
  if (refusal) return refusal;
  let found;
  try {
    found = await s.verifier.client.manifest(s.registry, name, tag);
  } catch (e) {
    return denied(`sigwall could not fetch ${name}:${tag}: ${reasonOf(e)}`);
  }
  const absent = (why) => ociError(404, 'MANIFEST_UNKNOWN', `${name}:${tag}: ${why}`);
  if (found === null) return absent('not in the upstream registry');
  // The tag is read on every request (signatures are added); the check of the same bytes is
  // reused within the TTL, and only a miss parses and checks them.
  const upstreamDigest = digestOf(found.bytes);
  const key = `${name}@${subject}:${upstreamDigest}`;
  let checked = s.signatures.get(key);
  if (!(checked && checked.expires > Date.now())) {
    const json = parsed(found.bytes);
    if (json?.schemaVersion !== 2 || !Array.isArray(json.layers)) {
      return denied(`sigwall refused ${name}:${tag}: a cosign signature manifest must be an image manifest`);
    }
    const kept = [];
    for (const layer of json.layers.slice(0, MAX_SIGNATURE_LAYERS)) {
      if (servable(layer, MAX_SIGNATURE_LAYER) && await acceptedAlone(s, name, decided, json, layer)) kept.push(layer);
    }
    const bytes = kept.length === json.layers.length ? found.bytes : new TextEncoder().encode(JSON.stringify({ ...json, layers: kept }));
    checked = { kept, bytes, contentType: mediaTypeOf(json, found.contentType), digest: bytes === found.bytes ? upstreamDigest : digestOf(bytes), expires: Date.now() + s.ttl };
    s.signatures.set(key, checked);
  }
  if (checked.kept.length === 0) return absent(`no signature that this gate's policy accepts for ${subject}`);
  for (const layer of checked.kept) s.blobs.set(`${name}@${layer.digest}`, layer.size);
  return serveManifest(request, checked.bytes, checked.contentType, checked.digest);
}

/** Whether the gate's policy accepts `layer` of a signature manifest as a signature of the image
 * `decided` allowed, checked on its own. */
async function acceptedAlone(s, name, decided, json, layer) {
  let payload;
  try {
    payload = await s.verifier.client.blob(s.registry, name, layer.digest, layer.size);
  } catch {
    return false;
  }
  if (payload === null) return false;
  const alone = new TextEncoder().encode(JSON.stringify({ ...json, layers: [layer] }));
  try {
    const verdict = s.verifier.verifyLocal(decided.verdict.image, {
      manifest: decided.bytes,
      cosignSignatures: alone,
      blobs: { [layer.digest]: payload },
      platform: s.platform,
      source: 'cosign-tag',
    });
    return verdict.requirements.some((r) => r.signatures.some((x) => x.format === 'cosign' && x.outcome === 'accepted'));
  } catch {
    return false;
  }
}

/**
 * The OCI referrers of a manifest this gate allows (the referrers API, or the `sha256-<hex>` tag
 * schema: both get the same image index), holding only the Sigstore bundles this gate's policy
 * accepts as signatures of that image (cosign v3, under the `acceptBundles` extension), so that a
 * client that checks bundles itself can do so behind the gate. Each bundle is checked on its own
 * with `verifyLocal`; its referrer manifest and blobs become servable. Everything else among the
 * upstream's referrers (attestations, SBOMs, bundles the policy does not accept, any artifact) is
 * left out; with nothing left, the answer is 404 (no referrers).
 */
async function referrers(request, s, env, name, subject) {
  const { decided, refusal } = await allowedOrRefusal(s, env, name, subject);
  if (refusal) return refusal;
  const absent = (why) => ociError(404, 'MANIFEST_UNKNOWN', `referrers of ${name}@${subject}: ${why}`);
  let found;
  try {
    found = await s.verifier.client.referrers(s.registry, name, subject);
  } catch (e) {
    return denied(`sigwall could not fetch the referrers of ${name}@${subject}: ${reasonOf(e)}`);
  }
  if (found === null) return absent('none upstream');
  const key = `${name}@${subject}:${digestOf(found)}`;
  let checked = s.referrerLists.get(key);
  if (!(checked && checked.expires > Date.now())) {
    const listed = parsed(found)?.manifests;
    const kept = [];
    for (const entry of (Array.isArray(listed) ? listed : []).slice(0, MAX_SIGNATURE_LAYERS)) {
      const passed = servable(entry) ? await acceptedBundle(s, name, decided, entry.digest) : null;
      if (passed) kept.push(passed);
    }
    const bytes = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: kept.map((k) => k.descriptor),
    }));
    checked = { kept, bytes, expires: Date.now() + s.ttl };
    s.referrerLists.set(key, checked);
  }
  if (checked.kept.length === 0) return absent(`no Sigstore bundle that this gate's policy accepts for ${subject}`);
  for (const k of checked.kept) {
    s.referrerManifests.set(`${name}@${k.descriptor.digest}`, { bytes: k.bytes, contentType: 'application/vnd.oci.image.manifest.v1+json' });
    for (const b of k.blobs) s.blobs.set(`${name}@${b.digest}`, b.size);
  }
  return serveManifest(request, checked.bytes, 'application/vnd.oci.image.index.v1+json', digestOf(checked.bytes));
}

/** The referrer manifest `digest` when it holds a Sigstore bundle that the gate's policy
 * accepts, checked on its own, as a signature of the image `decided` allowed: { descriptor,
 * bytes, blobs }; otherwise null. */
async function acceptedBundle(s, name, decided, digest) {
  try {
    const fetched = await s.verifier.client.manifest(s.registry, name, digest, { accept: 'application/vnd.oci.image.manifest.v1+json' });
    if (fetched === null || digestOf(fetched.bytes) !== digest) return null;
    const m = parsed(fetched.bytes);
    const type = typeof m?.artifactType === 'string' && m.artifactType !== '' ? m.artifactType : m?.config?.mediaType;
    if (typeof type !== 'string' || !type.startsWith(BUNDLE_TYPE) || !Array.isArray(m.layers)) return null;
    const layers = m.layers.filter((l) => typeof l?.mediaType === 'string' && l.mediaType.startsWith(BUNDLE_TYPE));
    if (layers.length !== 1 || !servable(layers[0], MAX_BUNDLE) || !servable(m.config, MAX_BUNDLE)) return null;
    const bundle = await s.verifier.client.blob(s.registry, name, layers[0].digest, layers[0].size);
    if (bundle === null) return null;
    const verdict = s.verifier.verifyLocal(decided.verdict.image, {
      manifest: decided.bytes, bundles: [bundle], platform: s.platform, source: 'referrers',
    });
    const accepted = verdict.requirements.some((r) => r.signatures.some((x) => x.format === 'sigstore-bundle' && x.outcome === 'accepted'));
    if (!accepted) return null;
    const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: type, digest, size: fetched.bytes.length };
    if (m.annotations && typeof m.annotations === 'object') descriptor.annotations = m.annotations;
    // The bundle blob is what was verified. The config becomes servable only when it is the OCI
    // empty descriptor (`{}`, which its digest binds): the referrer manifest itself is not
    // signed, and could name any blob of the repository there.
    const emptyConfig = m.config.digest === EMPTY_JSON.digest && m.config.size === EMPTY_JSON.size;
    return { descriptor, bytes: fetched.bytes, blobs: emptyConfig ? [m.config, layers[0]] : [layers[0]] };
  } catch {
    return null;
  }
}

async function blob(request, s, name, digest) {
  const size = s.blobs.get(`${name}@${digest}`);
  if (size === undefined) {
    return denied(`sigwall serves only blobs of images it allowed; ${digest} is not one of ${name}'s`);
  }
  const headers = cors({ 'content-type': 'application/octet-stream', 'content-length': String(size), 'docker-content-digest': digest });
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  let upstream;
  try {
    upstream = await s.verifier.client.blobResponse(s.registry, name, digest);
  } catch (e) {
    return denied(`sigwall could not fetch blob ${digest}: ${e?.message ?? e}`);
  }
  if (upstream === null) return ociError(404, 'BLOB_UNKNOWN', `blob ${digest} is not in the upstream registry`);
  // One stream reads the upstream body in large chunks, hashes every byte and holds the last
  // chunk back until the digest matches; its declared length gives the response Content-Length.
  const body = s.verifier.guardBody(upstream.body, digest, { size, idleTimeout: s.idle });
  return new Response(body, { status: 200, headers });
}

/**
 * `/_sigwall/verify?image=IMAGE[&platform=OS/ARCH]`: the verdict on an image of the fronted
 * registry, as JSON; the decision (and its cache) that serving its manifest uses. An image of
 * another registry is refused before anything is fetched: every fetch goes to the upstream,
 * so a verdict on another registry's name would describe the upstream's content under it.
 */
async function verifyRoute(s, env, url) {
  const asked = url.searchParams.get('image') ?? '';
  const platform = url.searchParams.get('platform') || undefined;
  let named;
  try {
    named = s.verifier.policyScope(asked.includes('://') ? asked : `docker://${asked}`).image;
  } catch (e) {
    return ociError(400, e?.code ?? 'NAME_INVALID', e?.message ?? String(e));
  }
  const m = /^docker:\/\/([^/]+)\/(.+?)(?:@(sha256:[a-f0-9]{64})|:([\w][\w.-]{0,127}))$/.exec(named);
  if (!m || m[1] !== s.registry) {
    return ociError(400, 'NAME_INVALID', `this gate fronts ${s.registry}, not ${m ? m[1] : named}`);
  }
  const [, , name, digest, tag] = m;
  try {
    const decided = await decide(s, env, name, digest ?? tag);
    let verdict = decided.verdict;
    if (platform !== undefined && decided.instances) {
      const chosen = s.verifier.chooseInstance(named, decided.index, platform);
      verdict = decided.instances.get(chosen) ?? verdict;
    }
    return new Response(JSON.stringify(verdict), { status: 200, headers: cors({ 'content-type': 'application/json' }) });
  } catch (e) {
    return ociError(400, e?.code ?? 'ERROR', e?.message ?? String(e));
  }
}

async function handle(request, env) {
  const url = new URL(request.url);
  if (request.method === 'OPTIONS') {
    return new Response(null, { status: 204, headers: cors({
      'access-control-allow-methods': 'GET, HEAD, OPTIONS',
      'access-control-allow-headers': 'Authorization, Accept, Content-Type',
      'access-control-max-age': '600',
    }) });
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return ociError(405, 'UNSUPPORTED', 'this registry front is read-only', undefined, { allow: 'GET, HEAD, OPTIONS' });
  }
  const problem = misconfigured(env);
  if (problem !== null) return ociError(503, 'UNAVAILABLE', `sigwall gate misconfigured: ${problem}`);
  if (!(await authorized(request, env))) {
    return ociError(401, 'UNAUTHORIZED', 'authentication required', undefined, { 'www-authenticate': 'Basic realm="sigwall gate"' });
  }
  state ??= setup(env).catch((e) => {
    state = null; // a later request tries again
    throw e;
  });
  const s = await state;
  if (url.pathname === '/v2/' || url.pathname === '/v2') {
    return new Response(request.method === 'HEAD' ? null : '{}', { status: 200, headers: cors({ 'content-type': 'application/json' }) });
  }
  if (url.pathname === '/_sigwall/verify') return verifyRoute(s, env, url);
  const referrersOf = REFERRERS_ROUTE.exec(url.pathname);
  if (referrersOf && NAME.test(referrersOf[1])) return referrers(request, s, env, referrersOf[1], referrersOf[2]);
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
  if (!m && OTHER_ROUTES.test(url.pathname)) {
    // Listings are not image content and are not verified: a registry without them answers
    // 404, and clients go on without.
    return ociError(404, 'UNSUPPORTED', `sigwall serves only the manifests and blobs of images it allows, not ${url.pathname}`);
  }
  if (!m || !NAME.test(m[1])) return ociError(404, 'NAME_INVALID', `not a registry path: ${url.pathname}`);
  const [, name, kind, reference] = m;
  if (kind === 'manifests') {
    if (!DIGEST.test(reference) && !TAG.test(reference)) return ociError(404, 'MANIFEST_INVALID', `invalid reference ${reference}`);
    const signed = SIGNATURE_TAG.exec(reference);
    if (signed) return signatures(request, s, env, name, reference, `sha256:${signed[1]}`);
    if (REFERRERS_TAG.test(reference)) return referrers(request, s, env, name, reference.replace('-', ':'));
    // A referrer manifest passed on with an accepted bundle (checked when its list was served).
    const referrer = DIGEST.test(reference) ? s.referrerManifests.get(`${name}@${reference}`) : undefined;
    if (referrer) return serveManifest(request, referrer.bytes, referrer.contentType, reference);
    return manifest(request, s, env, name, reference);
  }
  if (!DIGEST.test(reference)) return ociError(404, 'DIGEST_INVALID', `invalid digest ${reference}`);
  return blob(request, s, name, reference);
}

export default {
  async fetch(request, env) {
    try {
      return await handle(request, env);
    } catch (e) {
      // Fail closed: whatever went wrong, nothing passes.
      return denied(`sigwall gate error: ${e?.message ?? e}`);
    }
  },
};
