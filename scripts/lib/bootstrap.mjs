// Installs what the build and the tests need and the machine lacks, saying what it does:
// the Rust wasm targets, the wasm-bindgen CLI at exactly the version in Cargo.lock, the npm
// dev dependencies, and (for the tests, on Debian, as root or with sudo) apt packages.
import { existsSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { root, run, capture, say, have } from './util.mjs';

const TARGETS = ['wasm32-unknown-unknown', 'wasm32v1-none'];

/** The version of a package recorded in Cargo.lock. */
export function lockedVersion(name) {
  const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
  const m = lock.match(new RegExp(`\\[\\[package\\]\\]\\nname = "${name}"\\nversion = "([^"]+)"`));
  if (!m) throw new Error(`${name} is not in Cargo.lock`);
  return m[1];
}

function rustTargets() {
  if (!have('rustup')) {
    say('rustup not found: assuming the wasm targets are installed');
    return;
  }
  const installed = capture('rustup', ['target', 'list', '--installed']).stdout.split('\n');
  const missing = TARGETS.filter((t) => !installed.includes(t));
  if (missing.length) {
    say(`installing Rust targets ${missing.join(', ')} (rustup target add)`);
    run('rustup', ['target', 'add', ...missing]);
  }
}

function wasmBindgen() {
  if (!existsSync(join(root, 'Cargo.lock'))) run('cargo', ['generate-lockfile']);
  const want = lockedVersion('wasm-bindgen');
  const got = have('wasm-bindgen') ? capture('wasm-bindgen', ['--version']).stdout.trim().split(' ')[1] : null;
  if (got === want && have('wasm-bindgen-test-runner')) return;
  say(`installing wasm-bindgen-cli ${want} to match Cargo.lock (found ${got ?? 'none'}); ` +
      'cargo builds it from source: about 15 minutes on a fresh machine');
  // No --locked: the CLI's own lockfile pins a crate version the registry no longer serves.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', want, '--force']);
}

function npmPackages() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
  if (fresh) return;
  // `npm install` rather than `npm ci`: the lockfile records only this platform's optional
  // binaries (workerd, deno), which `npm ci` refuses as out of sync. --no-save keeps the
  // lockfile and package.json untouched.
  say('installing npm dev dependencies (npm install)');
  run('npm', ['install', '--no-save', '--no-fund', '--no-audit']);
}

function debianPackages(packages) {
  const missing = packages.filter(({ bin }) => !existsSync(bin));
  if (!missing.length) return;
  const names = missing.map((p) => p.pkg);
  const isRoot = process.getuid?.() === 0;
  const sudo = !isRoot && have('sudo') && capture('sudo', ['-n', 'true']).status === 0;
  if (!existsSync('/etc/debian_version') || (!isRoot && !sudo)) {
    throw new Error(`missing ${names.join(', ')}: install them (Debian: apt-get install ${names.join(' ')})`);
  }
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const apt = (args) => run(prefix[0] ?? args[0], prefix.length ? [...prefix.slice(1), ...args] : args.slice(1));
  say(`installing Debian packages ${names.join(', ')} (apt-get; about a minute)`);
  apt(['apt-get', 'update', '-q']);
  // Debian's docker images delete downloaded .debs after every dpkg call (DPkg::Post-Invoke in
  // /etc/apt/apt.conf.d/docker-clean); when an upgrade makes apt call dpkg twice, the second
  // call finds its archives gone. Clearing the hook for this one command avoids that.
  const conf = join(mkdtempSync(join(tmpdir(), 'sigwall-apt-')), 'apt.conf');
  writeFileSync(conf, '#clear DPkg::Post-Invoke;\n');
  apt(['apt-get', '-c', conf, 'install', '-y', '-q', ...names]);
}

/** The apt packages the test suites need, with a file that shows each is installed. */
export const TEST_PACKAGES = [
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  { pkg: 'chromium-driver', bin: '/usr/bin/chromedriver' },
  { pkg: 'docker-registry', bin: '/usr/bin/docker-registry' },
  { pkg: 'skopeo', bin: '/usr/bin/skopeo' },
  { pkg: 'gnupg', bin: '/usr/bin/gpg' },
];

/** What the fuzz corpus replay needs: a C++ compiler for libFuzzer, and Python for the seeds. */
export const FUZZ_PACKAGES = [
  { pkg: 'g++', bin: '/usr/bin/g++' },
  { pkg: 'python3', bin: '/usr/bin/python3' },
];

/** sigstore-python, the second Sigstore oracle of the bundle fixtures, and where it is. */
export const SIGSTORE_PYTHON = { version: '4.5.1', dir: join(root, 'target', 'oracles', 'sigstore-python-4.5.1') };

/** Installs sigstore-python (PyPI) into target/oracles unless it is there: `pip install --target`. */
export function sigstorePython() {
  const { version, dir } = SIGSTORE_PYTHON;
  if (existsSync(join(dir, 'sigstore', '__init__.py'))) return;
  const python = have('python3') ? 'python3' : 'python';
  say(`installing sigstore-python ${version} into ${dir} (pip install --target; about a minute): the bundle fixtures' second oracle`);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', dir, `sigstore==${version}`]);
}

export function bootstrap({ debian = [], oracles = false } = {}) {
  rustTargets();
  wasmBindgen();
  npmPackages();
  debianPackages(debian);
  if (oracles) sigstorePython();
}
