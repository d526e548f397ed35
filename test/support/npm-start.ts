// `npm start` as a developer runs it (npm → sh → node), in a process group
// of its own as a shell makes it, on a cluster of the test's own
// (ORBIS_EMBEDDED_PG_DIR, ORBIS_EMBEDDED_PG_PORT) so that it cannot meet a
// developer's `npm start`; and the check that a stop left nothing behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { ROOT } from '#test/support/cli';
import { onCleanup } from '#test/support/cleanup';
import { alive, noServerLeft, postmaster } from '#test/support/embedded';
import { eventually } from '#test/support/queue';

export interface Started {
  npm: number;
  app: number;
  url: string;
  out(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` in a process group of its own (as a shell runs it), until it serves. */
export async function npmStart(dir: string, pgPort: number): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    PORT: '0',
    ORBIS_EMBEDDED_PG_DIR: dir,
    ORBIS_EMBEDDED_PG_PORT: String(pgPort),
  };
  for (const name of [
    'DATABASE_URL',
    'AMQP_URL',
    'MEMCACHED_SERVERS',
    'ORBIS_ADMIN_EMAIL',
    'ORBIS_ADMIN_PASSWORD',
    'npm_lifecycle_event',
    'npm_lifecycle_script',
  ])
    delete env[name];
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => ((done = true), r({ code, signal }))),
  );
  onCleanup(() => {
    if (!done) process.kill(-child.pid!, 'SIGKILL');
  });
  const url = await eventually(
    () => {
      if (done) throw new Error(`npm start exited:\n${out}`);
      return /running at (http:\S+)\//.exec(out)?.[1];
    },
    150_000,
    'npm start serving',
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  assert.equal((await fetch(`${url}/login`)).status, 200);
  assert.ok(postmaster(dir), 'the embedded PostgreSQL runs');
  return { npm: child.pid!, app: appProcess(child.pid!), url, out: () => out, exited };
}

/** The process that runs manage.ts under npm (below sh and a runner, if any): the deepest that names it. */
function appProcess(npm: number): number {
  const table = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout.trim().split('\n');
  const rows = table.map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!).map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
  let app = 0;
  for (let parents = [npm]; parents.length;) {
    const children = rows.filter((r) => parents.includes(r.ppid));
    app = children.find((r) => r.args.includes('manage.ts start'))?.pid ?? app;
    parents = children.map((r) => r.pid);
  }
  assert.ok(app, `the app under npm (pid ${npm}):\n${table.join('\n')}`);
  return app;
}

/** npm and the app exited, nothing serves, and no postgres of the cluster is left. */
export async function assertAllStopped(run: Started, dir: string, pgPort: number, what: string): Promise<void> {
  await Promise.race([
    run.exited,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: npm still runs after 60 s\n${run.out()}`)), 60_000)),
  ]);
  await eventually(() => !alive(run.app), 10_000, `${what}: the app process gone`);
  await assert.rejects(fetch(`${run.url}/login`), `${what}: nothing serves`);
  await noServerLeft(dir, pgPort);
}
