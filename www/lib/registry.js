// The registry client: OCI distribution over `fetch`, the only code in the package that talks
// to the network. It returns bytes and says "not found"; what the bytes mean is the core's
// business (the core hashes every manifest and blob itself: no header is taken on trust).
//
// The same code runs in Node, browsers, Deno and workerd: it needs only `fetch`, `URL`,
// `Headers`, `AbortController` and `TextDecoder`.

import { FetchError } from './errors.js';

/** Every manifest type the core reads, in containers/image's order. The Docker types are always
 * listed: a registry asked only for OCI types may answer a Docker image with schema 1. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

const MiB = 1024 * 1024;
/** containers/image's limits: manifests and signatures 4 MiB, token responses 1 MiB. */
export const LIMITS = Object.freeze({ manifest: 4 * MiB, signature: 4 * MiB, blob: 4 * MiB, token: MiB, signatureList: 4 * MiB });
const MAX_REDIRECTS = 10;
const DEFAULT_TIMEOUT_MS = 30_000;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host without its port (`[::1]` keeps its brackets). */
function hostname(host) {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0];
}

/** The 32-bit value of a dotted IPv4 address, or null. */
function ipv4(text) {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** IPv4 ranges no registry redirect or token realm may lead to: [first address, prefix]. */
const PRIVATE_V4 = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['192.0.0.0', 24], ['198.18.0.0', 15],
].map(([a, n]) => [ipv4(a), n]);

function privateV4(value) {
  return PRIVATE_V4.some(([net, n]) => value >>> (32 - n) === net >>> (32 - n));
}

/**
 * Whether a URL's host is a loopback, private, link-local, shared or unspecified address
 * (or a `localhost` name): the addresses of the machine the client runs on and its network,
 * which a registry must not be able to point the client at. Host names are not resolved (no
 * runtime here can, the same way), so a public name that resolves to such an address is not
 * caught: see SECURITY.md.
 */
function isPrivateHost(host) {
  // `localhost.` (the root's trailing dot) names the same host as `localhost`.
  const name = hostname(host).toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const v4 = ipv4(name);
  if (v4 !== null) return privateV4(v4);
  if (!name.startsWith('[')) return false;
  // WHATWG URL has already normalised the literal: lower case, zeros compressed.
  const v6 = name.slice(1, -1);
  if (v6 === '::' || v6 === '::1') return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped) return privateV4(((parseInt(mapped[1], 16) << 16) | parseInt(mapped[2], 16)) >>> 0);
  const first = parseInt(v6.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** Refuses `target` when it is a private address and `from` (what was configured) is not. */
function guardTarget(target, from, what) {
  if (isPrivateHost(target.host) && !isPrivateHost(from.host)) {
    throw new FetchError('PRIVATE_ADDRESS', `${what}: ${from.host} points at ${target.origin}, a private or local address; not followed`);
  }
}

/** Docker Hub's API is not served at the name references use. */
export function endpointHost(registry) {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

/**
 * Parses a `WWW-Authenticate` header into challenges `{ scheme, params }`, scheme lower-cased.
 * Several challenges may share one header, separated by commas (RFC 9110 §11.6.1). Returns
 * null when the header cannot be parsed.
 */
export function parseChallenges(header) {
  const out = [];
  let i = 0;
  const s = header ?? '';
  const skip = () => { while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === ',')) i++; };
  const token = () => {
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/.exec(s.slice(i));
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  skip();
  while (i < s.length) {
    const scheme = token();
    if (scheme === null) return null;
    const challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    while (i < s.length) {
      while (s[i] === ' ' || s[i] === '\t') i++;
      const save = i;
      const name = token();
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (name === null || s[i] !== '=') {
        // Not a parameter: the start of the next challenge (or a token68, which we do not use).
        i = save;
        break;
      }
      i++;
      while (s[i] === ' ' || s[i] === '\t') i++;
      let value = '';
      if (s[i] === '"') {
        i++;
        let closed = false;
        while (i < s.length) {
          if (s[i] === '\\' && i + 1 < s.length) { value += s[i + 1]; i += 2; continue; }
          if (s[i] === '"') { i++; closed = true; break; }
          value += s[i++];
        }
        if (!closed) return null;
      } else {
        const v = token();
        if (v === null) return null;
        value = v;
      }
      challenge.params[name.toLowerCase()] = value;
      while (s[i] === ' ' || s[i] === '\t') i++;
      if (s[i] === ',') i++;
    }
    skip();
  }
  return out;
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function base64Decode(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Reads at most `max` bytes of a body. With `truncate`, a longer body yields its first
 * `max + 1` bytes (the core then reports the size mismatch); otherwise it is a TOO_LARGE error.
 */
async function readBody(response, max, what, { truncate = false } = {}) {
  const length = Number(response.headers.get('content-length'));
  if (!truncate && Number.isFinite(length) && length > max) {
    await response.body?.cancel().catch(() => {});
    throw new FetchError('TOO_LARGE', `${what} is ${length} bytes, more than the ${max} allowed`);
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total > max) {
        await reader.cancel().catch(() => {});
        if (truncate) break;
        throw new FetchError('TOO_LARGE', `${what} is more than the ${max} bytes allowed`);
      }
    }
  } finally {
    reader.releaseLock?.();
  }
  const out = new Uint8Array(Math.min(total, max + 1));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, out.length - at);
    out.set(part, at);
    at += part.length;
    if (at === out.length) break;
  }
  return out;
}

/** A body of at most `max` bytes as JSON; `code` and `notJson` describe a body that is not. */
async function readJson(response, max, what, code, notJson) {
  const body = await readBody(response, max, what);
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new FetchError(code, `${what}: ${notJson}`);
  }
}

/** An AbortSignal that fires on the caller's signal or after `ms`, and a way to tell which. */
function deadline(signal, ms) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, ms);
  const onAbort = () => controller.abort(signal.reason);
  if (signal) {
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * The response when its status is 200; null for a status in `absent` (404: not there); any
 * other status is a FetchError. The body of a response not returned is cancelled.
 */
async function expectOk(response, what, where, absent = []) {
  if (response.status === 200) return response;
  await response.body?.cancel().catch(() => {});
  if (absent.includes(response.status)) return null;
  throw statusError(response.status, what, where);
}

function statusError(status, what, url) {
  if (status === 401) return new FetchError('UNAUTHORIZED', `${what}: the registry refused the credentials (401) at ${url}`);
  if (status === 403) return new FetchError('DENIED', `${what}: access denied (403) at ${url}`);
  if (status === 429) return new FetchError('TOO_MANY_REQUESTS', `${what}: rate limited by the registry (429) at ${url}`);
  return new FetchError('HTTP_STATUS', `${what}: unexpected HTTP status ${status} at ${url}`);
}

/**
 * A registry client. Options: `fetch`, `credentials(registry)` → `{ username, password }` |
 * `{ token }` | undefined (may return a promise), `insecureHttp` (true, or a list of hosts;
 * plain http is always allowed for localhost, 127.0.0.1 and [::1]), `proxy` (a base URL every
 * registry request goes to instead of the registry's own host), `timeout` (ms per request,
 * body included), `readFile(url)` for `file:` lookaside URLs (Node).
 */
export class RegistryClient {
  #fetch;
  #credentials;
  #insecure;
  #proxy;
  #timeout;
  #readFile;
  /** registry → Promise<{ base, supportsSignatures }> */
  #pings = new Map();
  /** `${registry} ${repository}` → the Authorization header that last worked there */
  #auth = new Map();
  /** `${registry} ${repository}` → Promise<credentials | undefined> */
  #creds = new Map();
  /** Registries found to have no referrers API. */
  #noReferrersApi = new Set();

  constructor(options = {}) {
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch implementation: pass options.fetch');
    this.#fetch = f.bind(globalThis);
    this.#credentials = options.credentials;
    this.#insecure = options.insecureHttp ?? false;
    this.#proxy = options.proxy === undefined ? undefined : String(options.proxy).replace(/\/+$/, '');
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#readFile = options.readFile;
  }

  /** Whether plain http may be used for `host` (`name[:port]`). */
  allowsHttp(host) {
    if (LOOPBACK.has(hostname(host))) return true;
    if (this.#insecure === true) return true;
    return Array.isArray(this.#insecure) && (this.#insecure.includes(host) || this.#insecure.includes(hostname(host)));
  }

  /**
   * One HTTP exchange with redirects followed by hand, so that `Authorization` never goes to
   * another origin and https never turns into http for a host that must use TLS.
   */
  async #exchange(url, { headers = {}, signal, what }) {
    let current = new URL(url);
    const origin = current.origin;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = current.origin === origin;
      const h = new Headers(headers);
      if (!sameOrigin) h.delete('authorization');
      let response;
      try {
        response = await this.#fetch(current.href, { method: 'GET', headers: h, redirect: 'manual', signal });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new FetchError('NETWORK', `${what}: cannot reach ${current.origin} (${e?.cause?.code ?? e?.message ?? e})`, { cause: e });
      }
      // Browsers hide redirects from `manual`; let the browser follow them, which drops
      // Authorization on cross-origin hops by the Fetch standard.
      if (response.type === 'opaqueredirect') {
        try {
          return await this.#fetch(current.href, { method: 'GET', headers: h, redirect: 'follow', signal });
        } catch (e) {
          if (signal?.aborted) throw e;
          throw new FetchError('NETWORK', `${what}: cannot follow the redirect from ${current.href} (${e?.message ?? e})`, { cause: e });
        }
      }
      if (![301, 302, 303, 307, 308].includes(response.status)) return response;
      const location = response.headers.get('location');
      await response.body?.cancel().catch(() => {});
      if (!location) throw new FetchError('HTTP_STATUS', `${what}: a ${response.status} redirect without a Location at ${current.href}`);
      let next;
      try {
        next = new URL(location, current);
      } catch {
        throw new FetchError('HTTP_STATUS', `${what}: a redirect to an invalid URL ${JSON.stringify(location)}`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new FetchError('HTTP_STATUS', `${what}: a redirect to ${next.protocol} is not followed`);
      }
      if (current.protocol === 'https:' && next.protocol === 'http:' && !this.allowsHttp(next.host)) {
        throw new FetchError('INSECURE', `${what}: a redirect from https to plain http (${next.origin}) is not followed`);
      }
      guardTarget(next, new URL(url), what);
      current = next;
    }
    throw new FetchError('TOO_MANY_REDIRECTS', `${what}: more than ${MAX_REDIRECTS} redirects from ${url}`);
  }

  /** Runs `work(signal)` under the per-request timeout and the caller's signal. */
  async #timed(signal, what, work) {
    const d = deadline(signal, this.#timeout);
    try {
      return await work(d.signal);
    } catch (e) {
      if (d.timedOut()) throw new FetchError('TIMEOUT', `${what}: no complete answer within ${this.#timeout} ms`, { cause: e });
      if (signal?.aborted) throw signal.reason ?? e;
      throw e;
    } finally {
      d.done();
    }
  }

  /** The registry's base URL (`scheme://host`) and what its `/v2/` ping says. */
  #ping(registry, signal) {
    let p = this.#pings.get(registry);
    if (!p) {
      p = this.#doPing(registry, signal);
      this.#pings.set(registry, p);
      p.catch(() => this.#pings.delete(registry));
    }
    return p;
  }

  async #doPing(registry, signal) {
    const host = endpointHost(registry);
    const candidates = this.#proxy !== undefined
      ? [this.#proxy]
      : LOOPBACK.has(hostname(host))
        ? [`http://${host}`, `https://${host}`]
        : this.allowsHttp(host) ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
    let last;
    for (const base of candidates) {
      try {
        const response = await this.#timed(signal, `registry ${registry}`, (s) => this.#exchange(`${base}/v2/`, { signal: s, what: `registry ${registry}` }));
        await response.body?.cancel().catch(() => {});
        if (response.status !== 200 && response.status !== 401) {
          throw statusError(response.status, `registry ${registry}`, `${base}/v2/`);
        }
        return {
          base,
          supportsSignatures: response.headers.get('x-registry-supports-signatures') === '1',
        };
      } catch (e) {
        if (signal?.aborted) throw e;
        last = e;
        if (!(e instanceof FetchError) || e.code !== 'NETWORK') throw e;
      }
    }
    throw last;
  }

  /** Whether the registry offers the signature extension API (`X-Registry-Supports-Signatures`). */
  async supportsSignatureExtension(registry, { signal } = {}) {
    return (await this.#ping(registry, signal)).supportsSignatures;
  }

  /** Credentials for a repository, asked of the caller once per repository. */
  #credentialsFor(registry, repository) {
    const key = `${registry} ${repository}`;
    let p = this.#creds.get(key);
    if (p === undefined) {
      p = this.#askCredentials(registry, repository);
      this.#creds.set(key, p);
    }
    return p;
  }

  async #askCredentials(registry, repository) {
    if (typeof this.#credentials !== 'function') return undefined;
    const c = await this.#credentials(registry, repository);
    if (c === undefined || c === null) return undefined;
    if (typeof c.token === 'string') return { token: c.token };
    if (typeof c.username === 'string' && typeof c.password === 'string') return c;
    throw new TypeError(`credentials(${registry}) must return { username, password }, { token } or undefined`);
  }

  /** Answers a 401 challenge: the Authorization header to retry with. */
  async #authorize(registry, repository, challengeHeader, signal) {
    const creds = await this.#credentialsFor(registry, repository);
    const challenges = parseChallenges(challengeHeader);
    if (challenges === null || challenges.length === 0) {
      throw new FetchError('AUTH_INVALID', `registry ${registry}: a 401 with a malformed or missing WWW-Authenticate header (${JSON.stringify(challengeHeader)})`);
    }
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const { realm, service } = bearer.params;
      let realmUrl;
      try {
        realmUrl = new URL(realm);
      } catch {
        throw new FetchError('AUTH_INVALID', `registry ${registry}: the token realm ${JSON.stringify(realm)} is not a URL`);
      }
      if (realmUrl.protocol !== 'https:' && !(realmUrl.protocol === 'http:' && this.allowsHttp(realmUrl.host))) {
        throw new FetchError('INSECURE', `registry ${registry}: the token realm ${realmUrl.origin} is not https`);
      }
      guardTarget(realmUrl, new URL(`https://${endpointHost(registry)}`), `registry ${registry}: the token realm`);
      // A fresh token on every challenge: a 401 means the one we had is no longer good.
      const token = await this.#token(realmUrl, service, `repository:${repository}:pull`, creds, registry, signal);
      return `Bearer ${token}`;
    }
    if (challenges.some((c) => c.scheme === 'basic') && creds?.username !== undefined) {
      return `Basic ${base64(`${creds.username}:${creds.password}`)}`;
    }
    throw new FetchError('UNAUTHORIZED', `registry ${registry}: authentication required${creds ? '' : ' and no credentials were given'}`);
  }

  async #token(realm, service, scope, creds, registry, signal) {
    const url = new URL(realm);
    if (service !== undefined) url.searchParams.set('service', service);
    url.searchParams.append('scope', scope);
    const headers = {};
    if (creds?.username !== undefined) {
      url.searchParams.set('account', creds.username);
      headers.authorization = `Basic ${base64(`${creds.username}:${creds.password}`)}`;
    }
    const what = `token for ${registry}`;
    return this.#timed(signal, what, async (s) => {
      const response = await expectOk(await this.#exchange(url.href, { headers, signal: s, what }), what, url.origin + url.pathname);
      const json = await readJson(response, LIMITS.token, what, 'AUTH_INVALID', 'the token response is not JSON');
      const token = typeof json?.token === 'string' && json.token ? json.token : json?.access_token;
      if (typeof token !== 'string' || !token) throw new FetchError('AUTH_INVALID', `${what}: the token response has no token`);
      return token;
    });
  }

  /**
   * A GET on the registry's API (`path` under its base URL), authenticating as needed.
   * Resolves with the Response (status not yet checked) for the caller to read.
   */
  async #get(registry, repository, path, { accept, signal, what }) {
    const { base } = await this.#ping(registry, signal);
    const url = `${base}${path}`;
    const authKey = `${registry} ${repository}`;
    const creds = await this.#credentialsFor(registry, repository);
    let authorization = this.#auth.get(authKey) ?? (creds?.token ? `Bearer ${creds.token}` : undefined);
    for (let attempt = 0; ; attempt++) {
      const headers = {};
      if (accept) headers.accept = accept;
      if (authorization) headers.authorization = authorization;
      const response = await this.#exchange(url, { headers, signal, what });
      if (response.status !== 401 || attempt === 1 || creds?.token) return response;
      const challenge = response.headers.get('www-authenticate');
      await response.body?.cancel().catch(() => {});
      authorization = await this.#authorize(registry, repository, challenge, signal);
      this.#auth.set(authKey, authorization);
    }
  }

  /**
   * A GET on the registry's API that must answer 200: resolves with the Response, or null for
   * a status in `absent` (404: not there); any other status is a FetchError.
   */
  async #ok(registry, repository, path, { accept, signal, what, absent = [404] }) {
    return expectOk(await this.#get(registry, repository, path, { accept, signal, what }), what, `${registry}/${repository}`, absent);
  }

  /**
   * A manifest by tag or digest: `{ bytes, contentType, dockerContentDigest }`, or null when the
   * registry has no such manifest (404).
   */
  async manifest(registry, repository, reference, { signal, accept = MANIFEST_ACCEPT } = {}) {
    const what = `manifest ${registry}/${repository}:${reference}`;
    return this.#timed(signal, what, async (s) => {
      const response = await this.#ok(registry, repository, `/v2/${repository}/manifests/${reference}`, { accept, signal: s, what });
      if (response === null) return null;
      const bytes = await readBody(response, LIMITS.manifest, what);
      return {
        bytes,
        contentType: response.headers.get('content-type'),
        dockerContentDigest: response.headers.get('docker-content-digest'),
      };
    });
  }

  /**
   * The OCI referrers index of a manifest digest: from the referrers API, or, where the
   * registry has none (404, 400, 405, 501), from the `sha256-<hex>` tag schema; null when
   * neither lists any. A registry that has no such route may also answer it without CORS
   * headers, which a browser reports as a network failure: that too means "no API" (bundles
   * found here are only ever reported, so a lookup that fails cannot change a verdict), and the
   * registry is not asked again.
   */
  async referrers(registry, repository, digest, { signal } = {}) {
    const what = `referrers of ${registry}/${repository}@${digest}`;
    const index = 'application/vnd.oci.image.index.v1+json';
    const viaApi = this.#noReferrersApi.has(registry) ? undefined : await this.#timed(signal, what, async (s) => {
      const response = await this.#ok(registry, repository, `/v2/${repository}/referrers/${digest}`, { accept: index, signal: s, what, absent: [404, 400, 405, 501] });
      if (response === null) {
        this.#noReferrersApi.add(registry);
        return undefined;
      }
      return readBody(response, LIMITS.manifest, what);
    }).catch((e) => {
      if (!(e instanceof FetchError) || e.code !== 'NETWORK') throw e;
      this.#noReferrersApi.add(registry);
      return undefined;
    });
    if (viaApi !== undefined) return viaApi;
    const tag = digest.replace(':', '-');
    return (await this.manifest(registry, repository, tag, { signal, accept: index }))?.bytes ?? null;
  }

  /**
   * Repositories of the registry, through its catalog API (`GET /v2/_catalog`, following `Link`
   * pagination), at most `max`: the names, or null when the registry has no catalog.
   */
  async catalog(registry, { signal, max = 10000 } = {}) {
    return this.#listing(registry, '', '/v2/_catalog?n=1000', 'repositories', `catalog of ${registry}`, { signal, max });
  }

  /** Tags of a repository (`GET /v2/<name>/tags/list`, paginated), at most `max`, or null (404). */
  async tags(registry, repository, { signal, max = 10000 } = {}) {
    return this.#listing(registry, repository, `/v2/${repository}/tags/list?n=1000`, 'tags', `tags of ${registry}/${repository}`, { signal, max });
  }

  async #listing(registry, repository, first, field, what, { signal, max }) {
    const out = [];
    let path = first;
    for (let page = 0; path !== null && out.length < max && page < 100; page++) {
      const body = await this.#timed(signal, what, async (s) => {
        const response = await this.#ok(registry, repository, path, { accept: 'application/json', signal: s, what });
        if (response === null) return null;
        const link = response.headers.get('link');
        return { bytes: await readBody(response, LIMITS.manifest, what), link };
      });
      if (body === null) return page === 0 ? null : out;
      let names;
      try {
        names = JSON.parse(new TextDecoder().decode(body.bytes))[field];
      } catch {
        throw new FetchError('HTTP_STATUS', `${what}: the answer is not JSON`);
      }
      if (names === null || names === undefined) names = [];
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new FetchError('HTTP_STATUS', `${what}: "${field}" is not a list of names`);
      out.push(...names.slice(0, max - out.length));
      // RFC 8288: `<…?n=…&last=…>; rel="next"`, resolved on the registry, same origin only.
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(body.link ?? '')?.[1];
      path = next && next.startsWith('/v2/') ? next : null;
    }
    return out;
  }

  /**
   * A blob by digest, or null (404). At most `size` (≤ 4 MiB) bytes are kept plus one, so a
   * longer body reaches the core as a size mismatch rather than filling memory.
   */
  async blob(registry, repository, digest, size, { signal } = {}) {
    const what = `blob ${digest} of ${registry}/${repository}`;
    const max = Math.min(Number.isSafeInteger(size) && size >= 0 ? size : LIMITS.blob, LIMITS.blob);
    return this.#timed(signal, what, async (s) => {
      const response = await this.#ok(registry, repository, `/v2/${repository}/blobs/${digest}`, { signal: s, what });
      return response === null ? null : readBody(response, max, what, { truncate: true });
    });
  }

  /**
   * A blob as a streaming Response (status 200), or null (404): for a gate that passes the
   * body on through `blobGuard`. The body is the caller's to consume or cancel; no timeout
   * applies to it (only to the response headers).
   */
  async blobResponse(registry, repository, digest, { signal } = {}) {
    const what = `blob ${digest} of ${registry}/${repository}`;
    return this.#timed(signal, what, (s) => this.#ok(registry, repository, `/v2/${repository}/blobs/${digest}`, { signal: s, what }));
  }

  /**
   * The simple signatures the registry's extension API holds for a manifest digest: the
   * `atomic` entries of schema version 2, each as stored-signature bytes
   * (`\0simple-signing\n` + the OpenPGP message, so they are not sniffed).
   */
  async extensionSignatures(registry, repository, digest, { signal } = {}) {
    const what = `signatures of ${registry}/${repository}@${digest}`;
    return this.#timed(signal, what, async (s) => {
      const response = await this.#ok(registry, repository, `/extensions/v2/${repository}/signatures/${digest}`, { signal: s, what });
      if (response === null) return [];
      const json = await readJson(response, LIMITS.signatureList, what, 'HTTP_STATUS', 'the signature list is not JSON');
      const list = Array.isArray(json?.signatures) ? json.signatures : [];
      const prefix = new TextEncoder().encode('\0simple-signing\n');
      const out = [];
      for (const entry of list) {
        if (entry?.schemaVersion !== 2 || entry?.type !== 'atomic' || typeof entry.content !== 'string') continue;
        let content;
        try {
          content = base64Decode(entry.content);
        } catch {
          content = new Uint8Array(0); // the core rejects it, in the verdict
        }
        const bytes = new Uint8Array(prefix.length + content.length);
        bytes.set(prefix);
        bytes.set(content, prefix.length);
        out.push(bytes);
      }
      return out;
    });
  }

  /**
   * A signature from a lookaside store (no registry authentication), or null on 404 (the end of
   * the list). `file:` URLs are read with `readFile` where the runtime has files.
   */
  async lookaside(url, { signal } = {}) {
    const what = `signature ${url}`;
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new FetchError('UNSUPPORTED_URL', `${what}: the lookaside location is not a URL`);
    }
    if (parsed.protocol === 'file:') {
      if (typeof this.#readFile !== 'function') {
        throw new FetchError('UNSUPPORTED_URL', `${what}: file: lookaside stores can only be read where there are files (Node)`);
      }
      return this.#readFile(parsed);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new FetchError('UNSUPPORTED_URL', `${what}: only http(s) and file: lookaside URLs are supported`);
    }
    return this.#timed(signal, what, async (s) => {
      const response = await expectOk(await this.#exchange(parsed.href, { signal: s, what }), what, parsed.origin, [404]);
      return response === null ? null : readBody(response, LIMITS.signature, what);
    });
  }
}
