// Running the shipped deploy/ files for real: the environment file they read
// (/etc/orbis/orbis.env in production) and the process tree under a
// supervisor, so a test can check that every pid is gone after the stop.
import fs from 'node:fs';
import path from 'node:path';
import { MEMCACHED_SERVERS } from '#test/support/cache';
import { AMQP_URL } from '#test/support/queue';

/** KEY=value lines as docs/install.md describes them, production mode over plain http. */
export function orbisEnvFile(dir: string, env: Record<string, string>): string {
  const all: Record<string, string> = {
    NODE_ENV: 'production',
    SECRET_KEY: 'deploy-test-secret-key-0123456789',
    AMQP_URL: AMQP_URL ?? '',
    MEMCACHED_SERVERS: MEMCACHED_SERVERS.join(','),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  const file = path.join(dir, 'orbis.env');
  fs.writeFileSync(file, Object.entries(all).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return file;
}

/** Every live descendant of `pid` (children, grandchildren…), read from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …" — comm may hold spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z') continue;
      parent.set(Number(entry), Number(rest[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        todo.push(child);
      }
    }
  }
  return out;
}
