// The beat command through manage.ts as the shell runs it (help, usage
// errors, leader and standby, graceful stop releasing the lock), and
// runserver's two modes: without AMQP_URL it runs the workers and the beat
// in-process (a scheduled job is enqueued and done), with it it only serves.
import assert from 'node:assert/strict';
import { SCHEDULE } from '#app/jobs/index';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { lockName } from '#app/beat/leader';
import { testContext } from '#test/support/app';
import { lines, manage, ROOT } from '#test/support/cli';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';
import { AMQP_URL, eventually, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';

interface Running {
  out(): string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Running {
  const child = spawn(path.join(ROOT, 'manage.ts'), args, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r((code = c))));
  onCleanup(() => (code === undefined ? (child.kill('SIGKILL'), exited) : undefined));
  return {
    out: () => out,
    async waitFor(re, ms = 30_000) {
      return eventually(
        () => {
          if (code !== undefined) throw new Error(`exited with ${code}:\n${out}`);
          return re.exec(out);
        },
        ms,
        `${re} in the output of ${args.join(' ')}`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${out}`);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (code === undefined) child.kill(signal);
      return exited;
    },
  };
}

/** The current minute's slot key of an every-minute entry, as the beat writes it. */
const SWEEP_KEY = /^beat:jobs\.sweep:\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/;

describe('manage.ts beat', () => {
  it('has --help listing the schedule', async () => {
    const res = await manage(['beat', '--help']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^usage: \.\/manage\.ts beat/);
    assert.match(res.stdout, /jobs\.sweep\s+\* \* \* \* \*\s+catch-up once/);
    assert.match(res.stdout, /housekeeping\.retention\s+15 3 \* \* \*/);
  });

  it('refuses an unknown option with the usage and exit 1', async () => {
    const res = await manage(['beat', '--every', '5']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Unknown option '--every'/);
    assert.match(res.stderr, /usage: \.\/manage\.ts beat/);
  });

  it('refuses to run without RabbitMQ in one line', async () => {
    const db = await testDatabase();
    const res = await manage(['beat'], { DATABASE_URL: db.url, AMQP_URL: '' });
    assert.equal(res.code, 1);
    assert.deepEqual(lines(res.stderr), ['error: the beat needs RabbitMQ: set AMQP_URL (runserver runs the beat in-process without it)']);
  });

  it('leads with the first process, stands by with the second, and releases the lock on SIGTERM', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const db = await testDatabase();
    const prefix = uniquePrefix();
    await testTransport('amqp', { prefix }); // deletes the prefix's queues at the end
    const env = { DATABASE_URL: db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix };
    const leader = run(['beat'], env);
    await leader.waitFor(new RegExp(`^beat: leading; ${SCHEDULE.length} scheduled jobs`, 'm'));
    const standby = run(['beat'], env);
    await standby.waitFor(/^beat: standing by \(another beat leads\)/m);
    const { ctx } = await testContext({}, undefined, db);
    const [status] = await ctx.db.rows<{ holder: string }>(`select holder from beat_status where name = 'leader'`);
    assert.match(status.holder, /:\d+:[0-9a-f]{6}$/);
    const keys = (await ctx.db.rows<{ key: string }>(`select key from jobs where kind = 'jobs.sweep'`)).map((r) => r.key);
    // The current minute's slot (and the next one if a minute boundary passed meanwhile).
    assert.ok(keys.length >= 1 && keys.length <= 2, keys.join(', '));
    for (const key of keys) assert.match(key, SWEEP_KEY);
    // Advisory locks are per database, but pg_locks lists every database's:
    // another installation's beat on the same server holds the same key.
    // One is held here, in a database of its own, while the lock is counted.
    const other = new pg.Client({ connectionString: (await testDatabase()).url });
    other.on('error', () => undefined);
    await other.connect();
    onCleanup(() => other.end());
    await other.query('select pg_advisory_lock(hashtext($1))', [lockName('public')]);
    const held = () =>
      ctx.db.rows(
        `select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 1 and objid::bigint = (hashtext($1)::bigint & 4294967295)
            and database = (select oid from pg_database where datname = current_database())`,
        [lockName('public')],
      );
    assert.equal((await held()).length, 1);
    assert.equal(await leader.stop('SIGTERM'), 0, leader.out());
    // Released on SIGTERM: the standby takes it and leads (a check for a free lock would race the standby's next try).
    await eventually(
      async () => {
        const [now] = await ctx.db.rows<{ holder: string }>(`select holder from beat_status where name = 'leader'`);
        return now && now.holder !== status.holder;
      },
      20_000,
      'the standby leading',
    );
    assert.equal((await held()).length, 1, 'held again, by the standby now');
    assert.equal(await standby.stop('SIGINT'), 0, standby.out());
  });
});

describe('manage.ts runserver modes', () => {
  it('runs the workers and the beat in-process without AMQP_URL', async () => {
    const db = await testDatabase();
    const server = run(['runserver', '-p', '0'], { DATABASE_URL: db.url, AMQP_URL: '' });
    await server.waitFor(/^mode: in-process \(no AMQP_URL\): web, workers and beat in this one process$/m);
    const { ctx } = await testContext({}, undefined, db);
    // The beat enqueued the current minute's sweep at start; the in-process worker ran it.
    const job = await eventually(
      async () => {
        const [row] = await ctx.db.rows<{ key: string; state: string }>(
          `select key, state from jobs where kind = 'jobs.sweep' and state = 'done'`,
        );
        return row;
      },
      15_000,
      'the sweep job done',
    );
    assert.match(job.key, SWEEP_KEY);
    assert.equal((await ctx.db.rows(`select 1 from beat_status where name = 'leader'`)).length, 1);
    assert.equal(await server.stop('SIGINT'), 0, server.out());
  });

  it('only serves with AMQP_URL', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const db = await testDatabase();
    const prefix = uniquePrefix();
    await testTransport('amqp', { prefix });
    const server = run(['runserver', '-p', '0'], { DATABASE_URL: db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix });
    await server.waitFor(/^mode: web only \(AMQP_URL is set: run \.\/manage\.ts worker and \.\/manage\.ts beat\)$/m);
    const m = await server.waitFor(/running at (http:\S+)\//);
    assert.equal((await fetch(`${m[1]}/login`)).status, 200);
    const { ctx } = await testContext({}, undefined, db);
    assert.deepEqual(await ctx.db.rows(`select name from beat_status`), [], 'no beat in this process');
    assert.deepEqual(await ctx.db.rows(`select id from jobs where kind = 'jobs.sweep'`), []);
    assert.equal(await server.stop('SIGTERM'), 0, server.out());
  });
});
