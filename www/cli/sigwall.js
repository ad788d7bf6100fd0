#!/usr/bin/env node
// The `sigwall` command. Exit codes: 0 allowed / matched, 1 denied / mismatched, 2 could not
// evaluate (usage, unreadable input, invalid arguments).
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkPolicy, createBundleVerifier, createVerifier, digest, embedPolicy, FetchError, SigwallError } from 'sigwall';
import { capnpText, writeGateConfig } from '../worker/config.js';

/** Usage, by command (`sigwall COMMAND --help` prints its own). */
const USAGES = {
  verify: `  sigwall verify [--policy FILE] [--registries.d DIR] [--platform OS/ARCH[/VARIANT]]
                 [--creds USER:PASS] [--authfile FILE] [--tls-verify=false]
                 [--accept-index-signatures] [--json] IMAGE
                                        verify IMAGE (docker://host/repo[:tag|@digest]) in its
                                        registry; a multi-platform image is evaluated for
                                        --platform (default: this machine's); exit 0 allowed,
                                        1 denied, 2 could not evaluate; with
                                        --accept-index-signatures a signature of a multi-
                                        platform index also counts for its instance
  sigwall verify [--policy FILE] --from dir:PATH|oci:PATH[:NAME] [--platform …] [--json] IMAGE
                                        the same, from a saved copy (skopeo dir:, OCI layout)
`,
  audit: `  sigwall audit [--policy FILE] [--baseline FILE] [--images FILE|-] [--registries.d DIR]
                [--registry HOST [--repository PATTERN] [--max-tags N]] [--from dir:PATH|oci:PATH]
                [--platform OS/ARCH]
                [--concurrency N] [--creds USER:PASS] [--tls-verify=false]
                [--json | --format table|markdown|json] [IMAGE...]
                                        which images a policy change would refuse: each IMAGE
                                        (each line of --images, each tag of the repositories of
                                        --registry matching PATTERN) under the candidate policy
                                        (--policy, found as verify finds it) and --baseline; exit 0
                                        when no image the baseline allows is refused (without a
                                        baseline: all allowed), 1 otherwise, 2 could not evaluate
`,
  gate: `  sigwall gate --upstream URL [--policy FILE] [--listen 127.0.0.1:PORT] [--registries.d DIR]
              [--registry-name NAME] [--platform OS/ARCH] [--idle-timeout SECONDS] [--public]
                                        run the edge gate locally in workerd: a registry front
                                        for URL that serves only images the policy allows
                                        (upstream credentials from SIGWALL_UPSTREAM_USERNAME /
                                        _PASSWORD or _TOKEN, the gate's own from SIGWALL_GATE_TOKEN;
                                        with upstream credentials and no gate token it refuses
                                        to start unless --public says it serves anyone)
`,
  policy: `  sigwall policy check FILE             strict parse and lint; exit 0 valid, 2 invalid
  sigwall policy embed FILE [-o OUT]    inline keyPath(s) as keyData(s): a self-contained policy
`,
  digest: `  sigwall digest [--algorithm sha256|sha512] FILE...   print the OCI digest of each file
  sigwall digest --check DIGEST [--size N] FILE        exit 0 if FILE has that digest (and size), 1 if not
`,
  sigstore: `  sigwall sigstore verify-bundle [--staging] [--trusted-root FILE] [--json] --bundle FILE
                 (--certificate-identity SAN --certificate-oidc-issuer URL | --key FILE)
                 FILE_OR_DIGEST
                                        verify a Sigstore bundle for a file (or sha256:/sha512:<hex>),
                                        offline, with the public-good trusted root (or staging's,
                                        or FILE); sigstore-conformance's client protocol; exit 0
                                        verified, 1 refused, 2 could not evaluate
`,
  '--version': `  sigwall --version
`,
};
const USAGE = `usage:\n${Object.values(USAGES).join('')}`;

class Usage extends Error {}

/** A saved copy without the image an audit asks for (a row's error, code MANIFEST_UNKNOWN). */
class MissingCopy extends SigwallError {
  constructor(message) {
    super('MANIFEST_UNKNOWN', message);
  }
}

function parseArgs(argv, spec) {
  const opts = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { rest.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (!(name in spec)) throw new Usage(`unknown option --${name}`);
      if (spec[name] === 'flag') { opts[name] = true; continue; }
      if (spec[name] === 'bool') {
        if (inline === undefined || inline === 'true') opts[name] = true;
        else if (inline === 'false') opts[name] = false;
        else throw new Usage(`--${name} takes =true or =false`);
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Usage(`--${name} needs a value`);
      opts[name] = value;
    } else {
      rest.push(a);
    }
  }
  return { opts, rest };
}

async function cmdDigest(argv) {
  const { opts, rest } = parseArgs(argv, { algorithm: 'value', check: 'value', size: 'value' });
  if (!rest.length) throw new Usage('digest needs at least one FILE');
  if (opts.check === undefined) {
    if (opts.size !== undefined) throw new Usage('--size goes with --check');
    for (const file of rest) console.log(`${digest(readFileSync(file), opts.algorithm)}  ${file}`);
    return 0;
  }
  if (opts.algorithm !== undefined) throw new Usage('--algorithm is implied by the --check digest');
  if (rest.length !== 1) throw new Usage('--check takes exactly one FILE');
  let size;
  if (opts.size !== undefined) {
    if (!/^\d+$/.test(opts.size)) throw new Usage('--size must be a byte count');
    size = Number(opts.size);
  }
  const verifier = await createVerifier();
  const guard = verifier.blobGuard(opts.check, { size });
  const sink = Writable.toWeb(new Writable({ write(_chunk, _enc, done) { done(); } }));
  try {
    await Readable.toWeb(createReadStream(rest[0])).pipeThrough(guard).pipeTo(sink);
  } catch (e) {
    if (e instanceof SigwallError && (e.code === 'DIGEST_MISMATCH' || e.code === 'SIZE_MISMATCH')) {
      console.log(`${rest[0]}: FAILED (${e.code}): ${e.message}`);
      return 1;
    }
    throw e;
  }
  console.log(`${rest[0]}: OK ${opts.check}`);
  return 0;
}

function readPolicyFile(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Usage(`cannot read ${file}: ${e.code ?? e.message}`);
  }
}

// What a key file must start with to hold a key: an OpenPGP packet (binary keyring), an
// ASCII-armored block, or a PEM block.
// Relative paths are relative to the working directory, as containers/image reads them.
function keyFileProblem(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`;
  }
  if (bytes.length === 0) return 'is empty';
  const head = bytes.subarray(0, 64).toString('latin1');
  const openpgpPacket = (bytes[0] & 0x80) !== 0;
  if (!openpgpPacket && !head.includes('-----BEGIN ')) return 'holds no key (neither an OpenPGP keyring nor a PEM block)';
  return null;
}

async function cmdPolicy(argv) {
  const [sub, ...rest] = argv;
  if (sub === 'check') {
    const { rest: files } = parseArgs(rest, {});
    if (files.length !== 1) throw new Usage('policy check takes exactly one FILE');
    const text = readPolicyFile(files[0]);
    let report;
    try {
      report = await checkPolicy(text);
    } catch (e) {
      if (e instanceof SigwallError && e.code === 'POLICY_INVALID') {
        process.stderr.write(`${files[0]}: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    const warnings = [...report.warnings];
    for (const path of report.keyPaths) {
      const problem = keyFileProblem(path);
      if (problem) warnings.push({ code: 'KEY_FILE_UNUSABLE', path, message: `key file ${path} ${problem}` });
    }
    console.log(`${files[0]}: valid policy`);
    for (const w of warnings) console.log(`warning: ${w.path}: ${w.message} [${w.code}]`);
    const min = report.minimumVersion;
    const why = min.because.length ? ` (for ${min.because.join('; ')})` : '';
    if (report.extensions.length > 0) {
      console.log(`not accepted by podman or any containers/image release: it uses sigwall's policy extension (${report.extensions.join(', ')})`);
    } else {
      console.log(`accepted by containers/image >= ${min.containersImage} (podman >= ${min.podman})${why}`);
    }
    return 0;
  }
  if (sub === 'embed') {
    const { opts, rest: files } = parseArgs(rest.map((a) => (a === '-o' ? '--output' : a)), { output: 'value' });
    if (files.length !== 1) throw new Usage('policy embed takes exactly one FILE');
    const text = readPolicyFile(files[0]);
    let embedded;
    try {
      embedded = await embedPolicy(text, (path) => {
        try {
          return readFileSync(path);
        } catch {
          return undefined;
        }
      });
    } catch (e) {
      if (e instanceof SigwallError && e.code === 'POLICY_INVALID') {
        process.stderr.write(`${files[0]}: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
    if (opts.output) writeFileSync(opts.output, `${embedded}\n`);
    else process.stdout.write(`${embedded}\n`);
    return 0;
  }
  throw new Usage(sub === undefined ? 'policy needs a subcommand: check or embed' : `unknown policy subcommand ${JSON.stringify(sub)}`);
}

/** podman's lookup: --policy, else ~/.config/containers/policy.json, else /etc/…, else embedded. */
function findPolicy(explicit) {
  if (explicit !== undefined) return { path: explicit, text: readPolicyFile(explicit) };
  const home = process.env.HOME;
  for (const path of [home && `${home}/.config/containers/policy.json`, '/etc/containers/policy.json']) {
    if (path && existsSync(path)) return { path, text: readPolicyFile(path) };
  }
  return { path: '(embedded)', text: undefined };
}

function readIfExists(path) {
  try {
    return readFileSync(path);
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw new Usage(`cannot read ${path}: ${e.code ?? e.message}`);
  }
}

/**
 * A skopeo `dir:` copy: manifest.json and signature-N; for a multi-platform copy (`skopeo copy
 * --all`), also each instance's `<hex>.manifest.json` and `<hex>.signature-N`, by digest.
 */
function dirMaterial(dir) {
  const manifest = readIfExists(join(dir, 'manifest.json'));
  if (manifest === undefined) throw new Usage(`${dir} has no manifest.json (not a skopeo dir: copy)`);
  const signaturesAt = (prefix) => {
    const out = [];
    for (let n = 1; ; n++) {
      const sig = readIfExists(join(dir, `${prefix}signature-${n}`));
      if (sig === undefined) return out;
      out.push(sig);
    }
  };
  const material = { manifest, signatures: signaturesAt(''), source: 'dir' };
  let listed = [];
  try {
    listed = JSON.parse(manifest.toString('utf8')).manifests ?? [];
  } catch { /* the core reports a malformed manifest */ }
  if (Array.isArray(listed) && listed.length > 0) {
    material.manifests = {};
    material.signatures = { [digest(manifest)]: material.signatures };
    for (const entry of listed) {
      // Paths come from validated digests only.
      const m = typeof entry?.digest === 'string' && /^sha256:([0-9a-f]{64})$/.exec(entry.digest);
      if (!m) continue;
      const instance = readIfExists(join(dir, `${m[1]}.manifest.json`));
      if (instance !== undefined) material.manifests[entry.digest] = instance;
      material.signatures[entry.digest] = signaturesAt(`${m[1]}.`);
    }
  }
  return material;
}

function readJson(path, what) {
  const bytes = readIfExists(path);
  if (bytes === undefined) throw new Usage(`${what}: ${path} does not exist`);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Usage(`${what}: ${path} is not JSON`);
  }
}

/**
 * The material of an OCI image layout (as `skopeo copy … oci:` and `cosign save` write it): the
 * manifest named NAME (default: the image's tag) or the image's digest in index.json, and, when
 * present, the cosign signature manifest `cosign save` stores under the `sha256-<hex>.sig` name,
 * with the payload blobs its layers reference, and the image's OCI referrers (a `sha256-<hex>`
 * tag-schema index, or manifests whose subject is the image) with their bundle blobs. Blob paths
 * come from validated digests only.
 */
function ociMaterial(spec, image) {
  const at = spec.indexOf(':', 1);
  const [dir, name] = at === -1 ? [spec, undefined] : [spec.slice(0, at), spec.slice(at + 1)];
  const index = readJson(join(dir, 'index.json'), 'OCI layout');
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  const refName = (e) => e?.annotations?.['org.opencontainers.image.ref.name'];
  const blob = (d) => {
    const m = typeof d === 'string' && /^(sha256|sha512):([0-9a-f]+)$/.exec(d);
    if (!m) throw new Usage(`OCI layout: invalid digest ${JSON.stringify(d)}`);
    return readIfExists(join(dir, 'blobs', m[1], m[2]));
  };
  const wantDigest = image.includes('@') ? image.slice(image.indexOf('@') + 1) : undefined;
  const wantName = name ?? (wantDigest ? undefined : (/:([\w][\w.-]*)$/.exec(image.replace(/^docker:\/\//, '').replace(/^[^/]*\//, ''))?.[1] ?? 'latest'));
  const entry = entries.find((e) => (wantName !== undefined ? refName(e) === wantName : e?.digest === wantDigest));
  if (!entry) throw new Usage(`OCI layout ${dir} has no manifest named ${wantName ?? wantDigest}`);
  const manifest = blob(entry.digest);
  if (manifest === undefined) throw new Usage(`OCI layout: blob ${entry.digest} is missing`);
  const material = { manifest, source: 'oci-layout', blobs: {}, manifests: {}, cosignSignatures: {} };
  // An image index: its instances are blobs of the layout too.
  let listed = [];
  try {
    listed = JSON.parse(manifest.toString('utf8')).manifests ?? [];
  } catch { /* the core reports a malformed manifest */ }
  const digests = [digest(manifest)];
  for (const e of Array.isArray(listed) ? listed : []) {
    try {
      const b = blob(e?.digest);
      if (b !== undefined) {
        material.manifests[e.digest] = b;
        digests.push(e.digest);
      }
    } catch { /* an invalid digest: the core rejects the index */ }
  }
  // cosign save stores each manifest's signatures under its `sha256-<hex>.sig` name.
  for (const d of digests) {
    const sigTag = d.replace(':', '-') + '.sig';
    const sigEntry = entries.find((e) => refName(e) === sigTag);
    const sigManifest = sigEntry && blob(sigEntry.digest);
    if (sigManifest === undefined || !sigManifest) continue;
    material.cosignSignatures[sigTag] = sigManifest;
    let layers = [];
    try {
      layers = JSON.parse(sigManifest.toString('utf8')).layers ?? [];
    } catch { /* the core reports a malformed signature manifest */ }
    for (const layer of Array.isArray(layers) ? layers : []) {
      try {
        const b = blob(layer?.digest);
        if (b !== undefined) material.blobs[layer.digest] = b;
      } catch { /* an invalid digest: the core rejects that layer */ }
    }
  }
  // OCI referrers (cosign v3 bundles): a `sha256-<hex>` tag-schema index, else the manifests of
  // the layout whose subject is the image. Their manifests and bundle blobs go along; the core
  // checks every digest.
  const parsed = (bytes) => {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      return undefined;
    }
  };
  const list = (x) => (Array.isArray(x) ? x : []);
  const addReferrer = (refDigest) => {
    let bytes;
    try {
      bytes = blob(refDigest);
    } catch {
      return;
    }
    if (bytes === undefined) return;
    material.manifests[refDigest] = bytes;
    for (const layer of list(parsed(bytes)?.layers)) {
      try {
        const b = blob(layer?.digest);
        if (b !== undefined) material.blobs[layer.digest] = b;
      } catch { /* an invalid digest: the core rejects that referrer */ }
    }
  };
  material.referrers = {};
  for (const d of digests) {
    const tagEntry = entries.find((e) => refName(e) === d.replace(':', '-'));
    let listed;
    if (tagEntry) {
      let index;
      try {
        index = blob(tagEntry.digest);
      } catch { /* no index */ }
      if (index === undefined) continue;
      material.referrers[d] = index;
      listed = list(parsed(index)?.manifests).map((m) => m?.digest);
    } else {
      const descriptors = [];
      for (const e of entries.slice(0, 1024)) {
        let bytes;
        try {
          bytes = blob(e?.digest);
        } catch { continue; }
        const m = bytes && parsed(bytes);
        if (m?.subject?.digest !== d) continue;
        descriptors.push({ mediaType: e.mediaType, digest: e.digest, size: bytes.length, artifactType: m.artifactType ?? m.config?.mediaType, annotations: m.annotations });
      }
      if (descriptors.length === 0) continue;
      material.referrers[d] = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors }));
      listed = descriptors.map((x) => x.digest);
    }
    for (const r of listed) if (typeof r === 'string') addReferrer(r);
  }
  return material;
}

function printVerdict(v, policyPath) {
  console.log(`${v.image}: ${v.allowed ? 'allowed' : 'DENIED'}`);
  console.log(`  manifest ${v.digest}`);
  console.log(`  policy ${policyPath}, scope ${JSON.stringify(v.scope)}`);
  for (const r of v.requirements) {
    console.log(`  ${r.type}: ${r.allowed ? 'allowed' : 'denied'}`);
    for (const s of r.signatures) {
      const who = [s.key && `key ${s.key}`, s.identity && `identity ${s.identity}`].filter(Boolean).join(', ');
      console.log(`    ${s.format} signature (${s.source}): ${s.outcome}${who ? `, ${who}` : ''}${s.message ? `: ${s.message}` : ''}`);
      const signer = s.signer;
      if (signer) {
        const by = signer.identities.length ? signer.identities.join(', ') : '(a key)';
        console.log(`      signed by ${by}${signer.issuer ? ` (issuer ${signer.issuer})` : ''}`);
        if (signer.log) {
          const when = signer.log.integratedTime === null ? '' : `, integrated ${new Date(signer.log.integratedTime * 1000).toISOString()}`;
          console.log(`      logged in ${signer.log.id.slice(0, 16)}… at index ${signer.log.index}${when}`);
        }
        for (const t of signer.timestamps) console.log(`      timestamped ${new Date(t.time * 1000).toISOString()} by ${t.authority}`);
      }
    }
  }
  for (const r of v.reasons) console.log(`  reason [${r.code}]: ${r.message}`);
}

/** This machine's platform in OCI terms, what podman pulls for by default. */
function hostPlatform() {
  const os = { win32: 'windows' }[process.platform] ?? process.platform;
  const arch = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le' }[process.arch] ?? process.arch;
  return `${os}/${arch}`;
}

/** podman's registries.d lookup: --registries.d, else ~/.config/containers/registries.d, else /etc/…. */
function findRegistriesD(explicit) {
  const home = process.env.HOME;
  const dir = explicit ?? [home && `${home}/.config/containers/registries.d`, '/etc/containers/registries.d'].find((d) => d && existsSync(d));
  if (dir === undefined) return { dir: '(none)', files: {} };
  let names;
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  } catch (e) {
    if (explicit === undefined && e.code === 'ENOENT') return { dir, files: {} };
    throw new Usage(`cannot read registries.d directory ${dir}: ${e.code ?? e.message}`);
  }
  const files = {};
  for (const n of names) files[join(dir, n)] = readFileSync(join(dir, n), 'utf8');
  return { dir, files };
}

/** containers/image's lookaside store when registries.d names none: a local directory. */
function builtinLookaside() {
  if (process.getuid?.() === 0) return 'file:///var/lib/containers/sigstore';
  const data = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return `file://${join(data, 'containers', 'sigstore')}`;
}

/** The auth files skopeo reads, in its order. */
function authFiles(explicit) {
  if (explicit !== undefined) return [explicit];
  if (process.env.REGISTRY_AUTH_FILE) return [process.env.REGISTRY_AUTH_FILE];
  const home = homedir();
  const out = [];
  if (process.env.XDG_RUNTIME_DIR) out.push(join(process.env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  out.push(join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'));
  out.push(join(home, '.docker', 'config.json'));
  return out;
}

/** Normalises a docker config key (`https://index.docker.io/v1/` → `docker.io`). */
function authKey(key) {
  let k = key.replace(/^https?:\/\//, '').replace(/\/v[12]\/?$/, '').replace(/\/+$/, '');
  if (k === 'index.docker.io' || k === 'registry-1.docker.io') k = 'docker.io';
  return k;
}

/**
 * Credentials from --creds (for every registry, as skopeo's --creds for the image) or from the
 * first auth file that has an entry for the repository, its parent namespaces or the registry.
 */
function credentialsFrom(opts) {
  if (opts.creds !== undefined) {
    const at = opts.creds.indexOf(':');
    if (at <= 0) throw new Usage('--creds takes USERNAME:PASSWORD');
    const c = { username: opts.creds.slice(0, at), password: opts.creds.slice(at + 1) };
    return () => c;
  }
  const files = authFiles(opts.authfile);
  return (registry, repository = '') => {
    const wanted = [];
    const parts = repository ? repository.split('/') : [];
    for (let n = parts.length; n > 0; n--) wanted.push(`${registry}/${parts.slice(0, n).join('/')}`);
    wanted.push(registry);
    for (const file of files) {
      const bytes = readIfExists(file);
      if (bytes === undefined) continue;
      let auths;
      try {
        auths = JSON.parse(bytes.toString('utf8')).auths ?? {};
      } catch {
        throw new Usage(`${file} is not JSON`);
      }
      const byKey = new Map(Object.entries(auths).map(([k, v]) => [authKey(k), v]));
      for (const key of wanted) {
        const entry = byKey.get(key);
        if (typeof entry?.auth !== 'string' || !entry.auth) continue;
        const text = Buffer.from(entry.auth, 'base64').toString('utf8');
        const at = text.indexOf(':');
        if (at <= 0) throw new Usage(`${file}: the auth entry for ${key} is not base64 of user:password`);
        return { username: text.slice(0, at), password: text.slice(at + 1) };
      }
    }
    return undefined;
  };
}

/** containers/image's cap on one stored signature. */
const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;

/** Reads a file: URL lookaside signature; a missing file is "no more signatures". */
function readLookasideFile(url) {
  try {
    const path = fileURLToPath(url);
    if (statSync(path).size > MAX_SIGNATURE_BYTES) {
      throw new FetchError('TOO_LARGE', `${url.href} is larger than the ${MAX_SIGNATURE_BYTES} bytes a signature may have`);
    }
    return readFileSync(path);
  } catch (e) {
    if (e instanceof FetchError) throw e;
    if (e.code === 'ENOENT') return null;
    throw new FetchError('NETWORK', `cannot read ${url.href}: ${e.code ?? e.message}`);
  }
}

async function cmdVerify(argv) {
  const { opts, rest } = parseArgs(argv, {
    policy: 'value', from: 'value', json: 'flag', platform: 'value', 'registries.d': 'value',
    'tls-verify': 'bool', creds: 'value', authfile: 'value', 'accept-index-signatures': 'flag',
  });
  const acceptIndexSignatures = opts['accept-index-signatures'] === true;
  if (rest.length !== 1) throw new Usage('verify takes exactly one IMAGE');
  const image = rest[0];
  if (/^(dir|oci|oci-archive|docker-archive):/.test(image)) {
    throw new Usage(`IMAGE is the docker reference the policy is evaluated for; to read a saved copy use --from ${image.split(':')[0]}:PATH docker://REFERENCE`);
  }
  const policy = findPolicy(opts.policy);
  const platform = opts.platform ?? hostPlatform();
  if (opts.from !== undefined) {
    let material;
    if (opts.from.startsWith('dir:')) material = dirMaterial(opts.from.slice('dir:'.length));
    else if (opts.from.startsWith('oci:')) material = ociMaterial(opts.from.slice('oci:'.length), image);
    else throw new Usage('--from takes dir:PATH or oci:PATH[:NAME]');
    const verifier = await createVerifier({ ...(policy.text === undefined ? {} : { policy: policy.text }), acceptIndexSignatures });
    const verdict = verifier.verifyLocal(image, { ...material, keys: keyFiles(verifier), platform });
    return report(verdict, policy.path, opts.json);
  }
  const registriesD = findRegistriesD(opts['registries.d']);
  const tlsVerify = opts['tls-verify'] ?? true;
  if (!tlsVerify) {
    // As skopeo's --tls-verify=false: plain http is allowed and certificates are not checked.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    process.removeAllListeners('warning');
  }
  const verifier = await createVerifier({
    ...(policy.text === undefined ? {} : { policy: policy.text }),
    registriesD: registriesD.files,
    defaultLookaside: builtinLookaside(),
    credentials: credentialsFrom(opts),
    insecureHttp: !tlsVerify,
    readFile: readLookasideFile,
    acceptIndexSignatures,
  });
  const tty = process.stderr.isTTY;
  const onProgress = tty
    ? (p) => {
      const what = { manifest: `fetching manifest ${p.reference}`, signatures: `fetching signatures${p.tag ? ` (${p.tag})` : p.index ? ` (${p.index})` : ''}`, blob: `fetching ${p.digest}`, verifying: 'verifying', done: '' }[p.step];
      process.stderr.write(`\r\x1b[K${what ? `sigwall: ${what}` : ''}`);
    }
    : undefined;
  let verdict;
  try {
    verdict = await verifier.verify(image, { keys: keyFiles(verifier), platform, onProgress });
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
  return report(verdict, policy.path, opts.json);
}

async function cmdAudit(argv) {
  const { opts, rest } = parseArgs(argv, {
    policy: 'value', baseline: 'value', images: 'value', json: 'flag', format: 'value', platform: 'value',
    'registries.d': 'value', concurrency: 'value', 'tls-verify': 'bool', creds: 'value', authfile: 'value',
    registry: 'value', repository: 'value', 'max-tags': 'value', from: 'value',
  });
  const format = opts.json ? 'json' : opts.format ?? 'table';
  if (!['table', 'markdown', 'json'].includes(format)) throw new Usage('--format is table, markdown or json');
  const images = [...rest];
  if (opts.images !== undefined) {
    const text = opts.images === '-' ? readFileSync(0, 'utf8') : (readIfExists(opts.images) ?? (() => { throw new Usage(`--images: ${opts.images} does not exist`); })()).toString('utf8');
    images.push(...text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  }
  if (opts.repository !== undefined && opts.registry === undefined) throw new Usage('--repository needs --registry');
  const maxTags = opts['max-tags'] === undefined ? 50 : Number(opts['max-tags']);
  if (!Number.isSafeInteger(maxTags) || maxTags < 1) throw new Usage('--max-tags is a positive number');
  if (images.length === 0 && opts.registry === undefined) throw new Usage('audit needs images: IMAGE arguments, --images FILE or --registry HOST');
  const concurrency = opts.concurrency === undefined ? 4 : Number(opts.concurrency);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Usage('--concurrency is 1 to 64');
  const tlsVerify = opts['tls-verify'] ?? true;
  if (!tlsVerify) {
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    process.removeAllListeners('warning');
  }
  const registriesD = findRegistriesD(opts['registries.d']);
  const common = {
    registriesD: registriesD.files, defaultLookaside: builtinLookaside(), credentials: credentialsFrom(opts),
    insecureHttp: !tlsVerify, readFile: readLookasideFile,
  };
  const policy = findPolicy(opts.policy);
  const candidate = await createVerifier({ ...common, ...(policy.text === undefined ? {} : { policy: policy.text }) });
  const baseline = opts.baseline === undefined ? undefined : await createVerifier({ ...common, policy: readPolicyFile(opts.baseline) });
  const keys = { ...keyFiles(candidate), ...(baseline ? keyFiles(baseline) : {}) };
  if (opts.registry !== undefined) images.push(...await candidate.listImages(opts.registry, { repository: opts.repository ?? '*', maxTags }));
  if (images.length === 0) throw new Usage(`no repository of ${opts.registry} matches ${opts.repository ?? '*'}`);
  const tty = process.stderr.isTTY && format !== 'json';
  const started = Date.now();
  const onProgress = tty
    ? ({ done, total }) => {
      const eta = done < total ? `, about ${Math.ceil(((Date.now() - started) / done) * (total - done) / 1000)} s left` : '';
      process.stderr.write(`\r\x1b[Ksigwall audit: ${done}/${total} images${eta}`);
    }
    : undefined;
  let result;
  try {
    let local;
    if (opts.from !== undefined) {
      // Saved copies: each IMAGE's tag names its entry of the OCI layout (or the dir: copy).
      const read = opts.from.startsWith('dir:') ? () => dirMaterial(opts.from.slice('dir:'.length))
        : opts.from.startsWith('oci:') ? (image) => ociMaterial(opts.from.slice('oci:'.length), image) : null;
      if (read === null) throw new Usage('--from takes dir:PATH or oci:PATH');
      // An image the copy does not hold is that image's error, not the audit's.
      local = (image) => {
        try {
          return read(image);
        } catch (e) {
          if (e instanceof Usage) throw new MissingCopy(e.message);
          throw e;
        }
      };
    }
    result = await candidate.audit(images, { baseline, concurrency, keys, platform: opts.platform ?? hostPlatform(), onProgress, local });
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
  if (format === 'json') {
    console.log(JSON.stringify({ policy: policy.path, baseline: opts.baseline ?? null, images: result.images, summary: result.summary, findings: result.findings }, null, 2));
  } else {
    printAudit(result, { markdown: format === 'markdown', policy: policy.path, baseline: opts.baseline });
  }
  if (result.summary.errors > 0) return 2;
  return result.summary.ok ? 0 : 1;
}

/** What only the audited images show about the candidate policy, one sentence each. */
function auditNotes({ unmatchedScopes, unusedKeys, withoutSignature }) {
  return [
    ...unmatchedScopes.map((s) => `scope ${JSON.stringify(s)} matched none of the audited images`),
    ...unusedKeys.map((k) => `${k.type} of scope ${JSON.stringify(k.scope)} (${Array.isArray(k.keys) ? k.keys.join(', ') : k.keys}) accepted no signature of the ${k.images} audited image(s) under it`),
    ...withoutSignature.map((i) => `${i} is allowed without any signature (insecureAcceptAnything)`),
  ];
}

/** The audit as a table for people, or as Markdown for a CI comment. */
function printAudit({ images, summary, findings }, { markdown, policy, baseline }) {
  const notes = auditNotes(findings);
  const verdictWord = (v) => (v === null || v === undefined ? '—' : v.allowed ? 'allowed' : 'refused');
  const why = (r) => r.error ? `${r.error.code}: ${r.error.message}` : (r.candidate.reasons[0] ? `${r.candidate.reasons[0].code}: ${r.candidate.reasons[0].message.replace(/^Source image rejected: /, '')}` : '');
  const header = ['image', 'digest', ...(baseline ? ['baseline'] : []), 'candidate', 'change', 'reason'];
  const rows = images.map((r) => [r.image, r.digest ? r.digest.slice(0, 19) : '—', ...(baseline ? [verdictWord(r.baseline)] : []), verdictWord(r.candidate), r.change, why(r)]);
  const counts = [`${summary.total} images`, `${summary.allowed} allowed`, `${summary.refused} refused`,
    ...(baseline ? [`${summary.newlyRefused} newly refused`, `${summary.newlyAllowed} newly allowed`, `${summary.unchanged} unchanged`] : []),
    ...(summary.errors ? [`${summary.errors} could not be evaluated`] : [])].join(', ');
  if (markdown) {
    const cell = (t) => String(t).replaceAll('|', '\\|').replaceAll('\n', ' ');
    console.log(`### sigwall audit: ${summary.ok ? 'no image newly refused' : baseline ? 'images would be refused' : 'not every image is allowed'}\n`);
    console.log(`Candidate \`${policy}\`${baseline ? `, baseline \`${baseline}\`` : ''}: ${counts}.\n`);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map(() => '---').join('|')}|`);
    for (const row of rows) console.log(`| ${row.map(cell).join(' | ')} |`);
    if (notes.length) console.log(`\n**Findings**\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
    return;
  }
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => String(r[i]).length))));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? String(c) : String(c).padEnd(widths[i]))).join('  ');
  console.log(line(header.map((h) => h.toUpperCase())));
  for (const row of rows) console.log(line(row));
  console.log(`\n${counts}; candidate ${policy}${baseline ? `, baseline ${baseline}` : ''}`);
  for (const n of notes) console.log(`note: ${n}`);
}

/** Key files named by the policy, read from disk as podman reads them. */
function keyFiles(verifier) {
  const keys = {};
  for (const path of verifier.keyPaths) {
    const bytes = readIfExists(path);
    if (bytes !== undefined) keys[path] = bytes;
  }
  return keys;
}

function report(verdict, policyPath, json) {
  if (json) console.log(JSON.stringify(verdict, null, 2));
  else printVerdict(verdict, policyPath);
  return verdict.allowed ? 0 : 1;
}

/** The workerd binary: on PATH, in the working directory's node_modules, or beside sigwall. */
function findWorkerd() {
  const candidates = [
    join(process.cwd(), 'node_modules', '.bin', 'workerd'),
    fileURLToPath(new URL('../../node_modules/.bin/workerd', import.meta.url)),
    fileURLToPath(new URL('../../../.bin/workerd', import.meta.url)),
    ...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'workerd')),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Usage('workerd is not installed: npm install workerd (the gate runs in it)');
  return found;
}


async function cmdGate(argv) {
  const { opts, rest } = parseArgs(argv, {
    upstream: 'value', policy: 'value', listen: 'value', 'registries.d': 'value', 'registry-name': 'value', platform: 'value',
    'idle-timeout': 'value', public: 'flag',
  });
  if (rest.length) throw new Usage(`gate takes no arguments (${rest.join(' ')})`);
  if (opts.upstream === undefined) throw new Usage('gate needs --upstream URL');
  let upstream;
  try {
    upstream = new URL(opts.upstream);
  } catch {
    throw new Usage(`--upstream ${opts.upstream} is not a URL`);
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new Usage('--upstream must be http(s)');
  const listen = opts.listen ?? '127.0.0.1:8787';
  if (!/^[\w.-]+:\d+$|^\[[0-9a-f:]+\]:\d+$/i.test(listen)) throw new Usage('--listen takes HOST:PORT');
  const credentials = process.env.SIGWALL_UPSTREAM_USERNAME || process.env.SIGWALL_UPSTREAM_TOKEN;
  if (credentials && !process.env.SIGWALL_GATE_TOKEN && !opts.public) {
    throw new Usage('upstream credentials are set but SIGWALL_GATE_TOKEN is not: the gate would serve the upstream\'s private images to anyone. Set SIGWALL_GATE_TOKEN, or pass --public to serve the public on purpose');
  }
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'sigwall-gate-'));
  const bindings = [`(name = "UPSTREAM", text = ${capnpText(upstream.href)})`];
  if (opts.policy !== undefined) {
    // The policy is checked strictly and its key files inlined now: the running gate reads no files.
    let embedded;
    try {
      embedded = await embedPolicy(readPolicyFile(opts.policy), (path) => readIfExists(path));
    } catch (e) {
      if (e instanceof SigwallError && e.code === 'POLICY_INVALID') throw new Usage(`${opts.policy}: ${e.message}`);
      throw e;
    }
    writeFileSync(join(dir, 'policy.json'), embedded);
    bindings.push('(name = "POLICY", text = embed "policy.json")');
  }
  // registries.d as podman finds it (--registries.d, else ~/.config/…, else /etc/…), as
  // `sigwall verify` reads it. Each file stays a file of its own (name → text): merging them is
  // the parser's job, with containers/image's rules (a scope defined twice is an error).
  const registriesD = findRegistriesD(opts['registries.d']);
  if (Object.keys(registriesD.files).length > 0) {
    writeFileSync(join(dir, 'registries.json'), JSON.stringify(registriesD.files));
    bindings.push('(name = "REGISTRIES_D", json = embed "registries.json")');
  }
  if (opts['registry-name']) bindings.push(`(name = "REGISTRY_NAME", text = ${capnpText(opts['registry-name'])})`);
  if (opts.platform) bindings.push(`(name = "PLATFORM", text = ${capnpText(opts.platform)})`);
  if (opts['idle-timeout'] !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(opts['idle-timeout'])) throw new Usage('--idle-timeout takes seconds');
    bindings.push(`(name = "IDLE_TIMEOUT", text = ${capnpText(opts['idle-timeout'])})`);
  }
  if (opts.public) bindings.push('(name = "PUBLIC", text = "true")');
  for (const [envName, binding] of [['SIGWALL_UPSTREAM_USERNAME', 'UPSTREAM_USERNAME'], ['SIGWALL_UPSTREAM_PASSWORD', 'UPSTREAM_PASSWORD'],
    ['SIGWALL_UPSTREAM_TOKEN', 'UPSTREAM_TOKEN'], ['SIGWALL_GATE_TOKEN', 'GATE_TOKEN']]) {
    if (process.env[envName]) bindings.push(`(name = ${capnpText(binding)}, text = ${capnpText(process.env[envName])})`);
  }
  writeGateConfig({ dir, listen, bindings });
  const workerd = spawn(findWorkerd(), ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'inherit', 'inherit'] });
  process.stdout.write(`sigwall gate: http://${listen}/ in front of ${upstream.href} (policy: ${opts.policy ?? 'embedded'}, registries.d: ${registriesD.dir}); Ctrl-C stops it\n`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => workerd.kill('SIGTERM'));
  return new Promise((resolve) => workerd.on('exit', (code, signal) => resolve(signal ? 0 : code ?? 2)));
}

/** The staging instance's trusted root, shipped beside the CLI (sigstore-python 4.5.1's seed). */
const STAGING_ROOT = new URL('./staging-trusted-root.json', import.meta.url);

async function cmdSigstore(argv) {
  const [sub, ...args] = argv;
  if (sub !== 'verify-bundle') throw new Usage('sigstore takes one command: verify-bundle');
  const { opts, rest } = parseArgs(args, {
    staging: 'flag', bundle: 'value', 'certificate-identity': 'value', 'certificate-oidc-issuer': 'value',
    key: 'value', 'trusted-root': 'value', json: 'flag',
  });
  if (rest.length !== 1) throw new Usage('verify-bundle needs one FILE_OR_DIGEST');
  if (!opts.bundle) throw new Usage('verify-bundle needs --bundle FILE');
  const byKey = opts.key !== undefined;
  const byIdentity = opts['certificate-identity'] !== undefined || opts['certificate-oidc-issuer'] !== undefined;
  if (byKey === byIdentity || (byIdentity && !(opts['certificate-identity'] && opts['certificate-oidc-issuer']))) {
    throw new Usage('give --certificate-identity and --certificate-oidc-issuer, or --key');
  }
  if (opts.staging && opts['trusted-root']) throw new Usage('--staging and --trusted-root exclude each other');
  const read = (file, what) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Usage(`cannot read ${what} ${file}: ${e.message}`);
    }
  };
  const rootFile = opts['trusted-root'] ?? (opts.staging ? fileURLToPath(STAGING_ROOT) : undefined);
  const verifier = await createBundleVerifier(rootFile ? { trustedRoot: read(rootFile, 'trusted root') } : {});
  // As the protocol says: a sha256: digest of the right length that is not a file on disk is a
  // digest; anything else is a path.
  const input = rest[0];
  const artifact = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.test(input) && !existsSync(input) ? { digest: input } : read(input, 'artifact');
  const expected = byKey
    ? { key: read(opts.key, 'key') }
    : { identity: opts['certificate-identity'], issuer: opts['certificate-oidc-issuer'] };
  const result = verifier.verify(read(opts.bundle, 'bundle'), artifact, expected);
  if (opts.json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (result.verified) {
    const who = result.signer.identities.length ? result.signer.identities.join(', ') : 'the key';
    const at = (t) => new Date(t * 1000).toISOString();
    const entry = result.signer.log;
    const log = entry ? `, logged${entry.integratedTime === null ? '' : ` at ${at(entry.integratedTime)}`} (index ${entry.index})` : '';
    const stamps = result.signer.timestamps.map((t) => `, timestamped at ${at(t.time)} by ${t.authority}`).join('');
    console.log(`verified: signed by ${who}${result.signer.issuer ? ` (${result.signer.issuer})` : ''}${log}${stamps}; trusted root ${result.trustedRoot}`);
  } else {
    console.error(`not verified: ${result.code}: ${result.message}`);
  }
  return result.verified ? 0 : 1;
}

async function main(argv) {
  const [command, ...rest] = argv;
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (Object.hasOwn(USAGES, command) && (options.includes('--help') || options.includes('-h'))) {
    process.stdout.write(`usage:\n${USAGES[command]}`);
    return 0;
  }
  switch (command) {
    case 'verify': return cmdVerify(rest);
    case 'audit': return cmdAudit(rest);
    case 'policy': return cmdPolicy(rest);
    case 'gate': return cmdGate(rest);
    case 'digest': return cmdDigest(rest);
    case 'sigstore': return cmdSigstore(rest);
    case '--version': case 'version': {
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      console.log(`sigwall ${version}`);
      return 0;
    }
    case '--help': case '-h': case 'help':
      process.stdout.write(USAGE);
      return 0;
    case undefined: throw new Usage('missing command');
    default: throw new Usage(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof Usage) process.stderr.write(`sigwall: ${e.message}\n${USAGE}`);
    else if (e instanceof SigwallError) process.stderr.write(`sigwall: ${e.code}: ${e.message}\n`);
    else process.stderr.write(`sigwall: ${e.message}\n`);
    process.exitCode = 2;
  },
);
