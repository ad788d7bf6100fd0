// The edge gate: a registry front (`/v2/…`) for one upstream registry that serves only images
// its policy allows. An ES module worker for workerd and Cloudflare Workers.
//
// Manifests are fetched from upstream, verified (signatures fetched through the same client),
// and served byte for byte as verified, or refused with 403 and the verdict. Blobs are served
// only when a manifest this gate allowed references them, streamed through the `blobGuard`
// check (`guardBody`) so a body that does not hash to its digest is cut off before its last
// bytes. A cosign signature tag of an allowed image is served holding only the signatures the
// gate's policy accepts, for clients that check signatures themselves. Any error denies.
//
// Configuration (worker bindings; `sigwall gate` writes them):
//   UPSTREAM          the upstream registry's base URL (http://127.0.0.1:5000, https://ghcr.io)
//   REGISTRY_NAME     the registry name the policy sees (default: the upstream's host)
//   POLICY            policy.json text (default: the policy compiled into the wasm)
//   REGISTRIES_D      registries.d: YAML text, or an object of file name → YAML (a json binding)
//                     (default: cosign attachments read, no lookaside)
//   UPSTREAM_USERNAME, UPSTREAM_PASSWORD or UPSTREAM_TOKEN   upstream credentials (secrets)
//   GATE_TOKEN        when set, clients must send it as the basic-auth password (or a bearer token)
//   PLATFORM          the platform evaluated for a multi-platform tag (default linux/amd64)
//   VERDICT_TTL       seconds a verdict is cached by manifest digest (default 60)
//   VERDICTS          an optional KV namespace binding that caches verdicts across isolates
//   IDLE_TIMEOUT      seconds an upstream blob body may stall before the gate aborts it (default 30)
import { createVerifier, digest as digestOf, SigwallError } from 'sigwall';
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
/** Registry routes the gate does not serve: tag lists, the catalog, the referrers API. */
const OTHER_ROUTES = /^\/v2\/(?:_catalog|.+\/tags\/list|.+\/referrers\/[^/]+)$/;

/** Per isolate: the verifier, verdicts by digest, and the blobs allowed manifests reference
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
    /** `${name}@${digest}` and `${name}:${tag}@${digest}` → { verdict, bytes, contentType, digest, expires } */
    verdicts: new BoundedCache(LIMITS.verdicts),
    /** `${name}@${blob digest}` → size */
    blobs: new BoundedCache(LIMITS.blobs),
    /** `${name}@${digest}:${signature manifest digest}` → the signatures passed on (see signatures()) */
    signatures: new BoundedCache(LIMITS.signatures),
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

/** The gate's own access check: GATE_TOKEN as basic password or bearer token. */
function authorized(request, env) {
  if (!env.GATE_TOKEN) return true;
  const header = request.headers.get('authorization') ?? '';
  if (header === `Bearer ${env.GATE_TOKEN}`) return true;
  if (header.startsWith('Basic ')) {
    try {
      const text = atob(header.slice(6));
      return text.slice(text.indexOf(':') + 1) === env.GATE_TOKEN;
    } catch {
      return false;
    }
  }
  return false;
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

/**
 * Verifies `name:reference` and returns { verdict, bytes, contentType } for the manifest the
 * client asked for (an index when a tag names one: its platform instance is what was
 * evaluated). Cached by the digest of the bytes served.
 */
async function decide(s, env, name, reference) {
  const byDigest = DIGEST.test(reference);
  if (byDigest) {
    const cached = s.verdicts.get(`${name}@${reference}`);
    if (cached && cached.expires > Date.now()) return cached;
    const kv = env.VERDICTS ? await env.VERDICTS.get(`${s.registry}/${name}@${reference}`, 'json').catch(() => null) : null;
    if (kv?.verdict?.allowed === false) return { verdict: kv.verdict, bytes: null, expires: 0 };
  }
  const manifests = new Map();
  // A tag is read anew on every request (tags move), but a verdict on the same tag at the same
  // digest is reused within the TTL: no signatures are fetched or checked again.
  let tagKey;
  let current;
  let currentDigest;
  if (!byDigest) {
    current = await s.verifier.client.manifest(s.registry, name, reference);
    if (current) {
      currentDigest = digestOf(current.bytes);
      tagKey = `${name}:${reference}@${currentDigest}`;
      const cached = s.verdicts.get(tagKey);
      if (cached && cached.expires > Date.now()) return cached;
      manifests.set(reference, current);
    }
  }
  const image = `docker://${s.registry}/${name}${byDigest ? '@' : ':'}${reference}`;
  const verdict = await s.verifier.verify(image, { manifests });
  const top = manifests.get(reference);
  if (!top) throw new Error('the verifier did not fetch the manifest it evaluated');
  const topDigest = top === current ? currentDigest : digestOf(top.bytes);
  const topJson = parsed(top.bytes);
  // A denial keeps no bytes: it is never served.
  const served = { verdict, bytes: verdict.allowed ? top.bytes : null, contentType: mediaTypeOf(topJson, top.contentType), digest: topDigest, expires: Date.now() + s.ttl };
  // The manifest the policy was evaluated on: the one asked for, or the platform's instance of
  // an index. When allowed, it and the blobs it references become servable.
  const evaluated = verdict.digest === topDigest ? top : manifests.get(verdict.digest);
  if (verdict.allowed && evaluated) {
    const json = evaluated === top ? topJson : parsed(evaluated.bytes);
    s.verdicts.set(`${name}@${verdict.digest}`, { verdict, bytes: evaluated.bytes, contentType: mediaTypeOf(json, evaluated.contentType), digest: verdict.digest, expires: served.expires });
    allowBlobs(s, name, json);
  }
  s.verdicts.set(`${name}@${topDigest}`, served);
  if (tagKey) s.verdicts.set(tagKey, served);
  if (env.VERDICTS) {
    await env.VERDICTS.put(`${s.registry}/${name}@${topDigest}`, JSON.stringify({ verdict }), { expirationTtl: Math.max(60, s.ttl / 1000) }).catch(() => {});
  }
  return served;
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
  if (!verdict.allowed || bytes === null) {
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
  if (!authorized(request, env)) {
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
  if (url.pathname === '/_sigwall/verify') {
    const image = url.searchParams.get('image') ?? '';
    try {
      const platform = url.searchParams.get('platform') || undefined;
      const verdict = await s.verifier.verify(image.includes('://') ? image : `docker://${image}`, { platform });
      // Every fetch goes to the upstream: a verdict on another registry's name would describe
      // the upstream's content under that name.
      const registry = verdict.image.replace(/^docker:\/\//, '').split('/')[0];
      if (registry !== s.registry) {
        return ociError(400, 'NAME_INVALID', `this gate fronts ${s.registry}, not ${registry}`);
      }
      return new Response(JSON.stringify(verdict), { status: 200, headers: cors({ 'content-type': 'application/json' }) });
    } catch (e) {
      return ociError(400, e?.code ?? 'ERROR', e?.message ?? String(e));
    }
  }
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
  if (!m && OTHER_ROUTES.test(url.pathname)) {
    // Listings and the referrers API are not image content and are not verified: a registry
    // without them answers 404, and clients go on without (referrers: to the tag schema).
    return ociError(404, 'UNSUPPORTED', `sigwall serves only the manifests and blobs of images it allows, not ${url.pathname}`);
  }
  if (!m || !NAME.test(m[1])) return ociError(404, 'NAME_INVALID', `not a registry path: ${url.pathname}`);
  const [, name, kind, reference] = m;
  if (kind === 'manifests') {
    if (!DIGEST.test(reference) && !TAG.test(reference)) return ociError(404, 'MANIFEST_INVALID', `invalid reference ${reference}`);
    const signed = SIGNATURE_TAG.exec(reference);
    if (signed) return signatures(request, s, env, name, reference, `sha256:${signed[1]}`);
    if (REFERRERS_TAG.test(reference)) {
      return ociError(404, 'MANIFEST_UNKNOWN', `sigwall passes on no referrers (${name}:${reference}): it does not verify Sigstore bundles or other artifacts`);
    }
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
