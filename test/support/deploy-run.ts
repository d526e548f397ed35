// Running the shipped deploy/ files for real: the environment file they read
// (/etc/orbis/orbis.env in production) and the process tree under a
// supervisor, so a test can check that every pid is gone after the stop.
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '#app/context';
import { makeUser, testContext } from '#test/support/app';
import { MEMCACHED_SERVERS } from '#test/support/cache';
import { makePurchase } from '#test/support/cards';
import { testDatabase } from '#test/support/db';
import { freePort, tempDir, waitFor } from '#test/support/deploy';
import { AMQP_URL, testTransport, uniquePrefix } from '#test/support/queue';

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
  fs.writeFileSync(
    file,
    Object.entries(all)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
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

export interface Deployment {
  ctx: AppContext;
  /** The temp folder of the supervisor's files and logs. */
  dir: string;
  media: string;
  webPort: number;
  nginxPort: number;
  /** nginx's address: what the browser talks to. */
  base: string;
  cardPath: string;
  envFile: string;
  /** The last 3 KB of each log file in `dir`, for failure messages. */
  tail(...files: string[]): string;
}

/**
 * What a deploy test needs before its supervisor starts: a database with a
 * superuser (root@example.com) and a card, a queue prefix on RabbitMQ, a
 * media folder, two free ports, and the environment file naming them all
 * (logs under `dir`, for pm2; supervisor's config names its own).
 */
export async function deployment(name: string, env: Record<string, string> = {}): Promise<Deployment> {
  const db = await testDatabase();
  const prefix = uniquePrefix();
  const transport = await testTransport('amqp', { prefix });
  const { ctx } = await testContext({}, undefined, db, { transport });
  const admin = await makeUser(ctx, 'root@example.com', { superuser: true, password: 'correct horse battery' });
  const card = await makePurchase(ctx, (await ctx.services.users.sessionUser(admin.id))!);
  const dir = tempDir(name);
  const media = tempDir('media');
  const [webPort, nginxPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${nginxPort}`;
  const envFile = orbisEnvFile(dir, {
    DATABASE_URL: db.url,
    ORBIS_QUEUE_PREFIX: prefix,
    MEDIA_ROOT: media,
    PORT: String(webPort),
    ORBIS_PUBLIC_URL: base,
    ORBIS_LOG_DIR: dir,
    ...env,
  });
  const tail = (...files: string[]) =>
    files
      .map((f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8').slice(-3000) : `${f}: none`))
      .join('\n---\n');
  return { ctx, dir, media, webPort, nginxPort, base, cardPath: `/cards/purchase_request/${card.id}`, envFile, tail };
}

/** Waits for /healthz through nginx; on a timeout the error carries `log()`. */
export function awaitHealthy(base: string, log: () => string): Promise<unknown> {
  return waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 40_000, 'GET /healthz through nginx').catch((err) => {
    throw new Error(`${(err as Error).message}\n${log()}`);
  });
}
