// Small helpers shared by the build, test, start and bench scripts (Node built-ins only, so
// they run before `npm install`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const cargoBin = join(process.env.CARGO_HOME ?? join(homedir(), '.cargo'), 'bin');
/** PATH with cargo's bin directory and the project's node_modules/.bin first. */
export const env = {
  ...process.env,
  PATH: [join(root, 'node_modules', '.bin'), cargoBin, process.env.PATH].join(':'),
};

export function say(message) {
  process.stderr.write(`\x1b[1m==> ${message}\x1b[0m\n`);
}

/** Runs a command with inherited output; throws when it fails. */
export function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
  return r;
}

/** Runs a command, capturing its output; never throws for a non-zero exit. */
export function capture(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, env, maxBuffer: 1 << 28, ...options });
  return { status: r.error ? -1 : r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/**
 * Runs a command, streaming its output to ours while keeping a copy; resolves with the exit
 * status and the combined output.
 */
export function tee(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (d) => {
        output += d;
        (stream === child.stdout ? process.stdout : process.stderr).write(d);
      });
    }
    child.on('error', (e) => resolve({ status: -1, output: `${output}\n${e.message}` }));
    child.on('close', (status, signal) => resolve({ status: status ?? (signal ? 128 : -1), output }));
  });
}

/** Whether a command can be found on our PATH. */
export function have(cmd) {
  return env.PATH.split(':').some((dir) => dir && existsSync(join(dir, cmd)));
}
