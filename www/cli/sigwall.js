#!/usr/bin/env node
// The `sigwall` command. Exit codes: 0 allowed / matched, 1 denied / mismatched, 2 could not
// evaluate (usage, unreadable input, invalid arguments).
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkPolicy, createVerifier, digest, embedPolicy, SigwallError } from 'sigwall';

const USAGE = `usage:
  sigwall verify [--policy FILE] --from dir:PATH|oci:PATH[:NAME] [--platform OS/ARCH[/VARIANT]]
                 [--json] IMAGE         verify IMAGE (docker://…) from a saved copy; a
                                        multi-platform image is evaluated for --platform
                                        (default: this machine's); exit 0 allowed, 1 denied,
                                        2 could not evaluate
  sigwall policy check FILE             strict parse and lint; exit 0 valid, 2 invalid
  sigwall policy embed FILE [-o OUT]    inline keyPath(s) as keyData(s): a self-contained policy
  sigwall digest [--algorithm sha256|sha512] FILE...   print the OCI digest of each file
  sigwall digest --check DIGEST [--size N] FILE        exit 0 if FILE has that digest (and size), 1 if not
  sigwall --version
`;

class Usage extends Error {}

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
    console.log(`accepted by containers/image >= ${min.containersImage} (podman >= ${min.podman})${why}`);
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

/** The material of a skopeo `dir:` copy: manifest.json and signature-1..N. */
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
 * with the payload blobs its layers reference. Blob paths come from validated digests only.
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

async function cmdVerify(argv) {
  const { opts, rest } = parseArgs(argv, { policy: 'value', from: 'value', json: 'flag', platform: 'value' });
  if (rest.length !== 1) throw new Usage('verify takes exactly one IMAGE');
  if (opts.from === undefined) {
    throw new Usage('verifying straight from a registry is not available yet: use --from dir:PATH');
  }
  let material;
  if (opts.from.startsWith('dir:')) material = dirMaterial(opts.from.slice('dir:'.length));
  else if (opts.from.startsWith('oci:')) material = ociMaterial(opts.from.slice('oci:'.length), rest[0]);
  else throw new Usage('--from takes dir:PATH or oci:PATH[:NAME]');
  const policy = findPolicy(opts.policy);
  const verifier = await createVerifier(policy.text === undefined ? {} : { policy: policy.text });
  // Key files named by the policy are read from disk, as podman reads them.
  const keys = {};
  for (const path of verifier.keyPaths) {
    const bytes = readIfExists(path);
    if (bytes !== undefined) keys[path] = bytes;
  }
  const verdict = verifier.verifyLocal(rest[0], { ...material, keys, platform: opts.platform ?? hostPlatform() });
  if (opts.json) console.log(JSON.stringify(verdict, null, 2));
  else printVerdict(verdict, policy.path);
  return verdict.allowed ? 0 : 1;
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'verify': return cmdVerify(rest);
    case 'policy': return cmdPolicy(rest);
    case 'digest': return cmdDigest(rest);
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
