// Embedded PostgreSQL clusters of a test's own (a temporary folder and a free
// port), so a test never meets a developer's `npm start` cluster, and the
// checks that none of its server processes is left.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onCleanup } from '#test/support/cleanup';
import { eventually } from '#test/support/queue';

/** A port free now on 127.0.0.1, and the next one too (the tests' cluster takes port + 1). */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    if (port < 65535 && (await portFree(port + 1))) return port;
  }
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A folder for a cluster, under the system's temporary folder (the postgres
 * user must reach it when the tests run as root). Removed at the end, after
 * its server is checked gone.
 */
export function clusterDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `orbis-${name}-`));
  fs.chmodSync(dir, 0o755);
  onCleanup(async () => {
    await noServerLeft(dir).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** True while the process runs (a zombie, dead and not yet reaped, does not count). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** The postmaster's pid and port while it runs (its postmaster.pid), else null. */
export function postmaster(dir: string): { pid: number; port: number } | null {
  try {
    const lines = fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]) };
  } catch {
    return null;
  }
}

/** The postgres server processes started on this cluster's data folder (their command line names it). */
export function processesOf(dir: string): string[] {
  const data = path.join(dir, 'data');
  const found: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (path.basename(argv[0]) === 'postgres' && argv.includes(data)) found.push(`${entry} ${argv.join(' ').trim()}`);
  }
  return found;
}

/** Waits until no postgres of this cluster runs: no process, no postmaster.pid, the port closed. */
export async function noServerLeft(dir: string, port?: number, ms = 20_000): Promise<void> {
  await eventually(
    async () => {
      const left = processesOf(dir);
      if (left.length) throw new Error(`still running: ${left.join('; ')}`);
      if (postmaster(dir)) throw new Error('postmaster.pid is still there');
      if (port !== undefined && !(await portFree(port))) throw new Error(`port ${port} is still held`);
      return true;
    },
    ms,
    `no postgres left of ${dir}`,
  );
}
