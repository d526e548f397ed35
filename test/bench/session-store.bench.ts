// The session read every signed-in request makes: Orbis's store
// (app/web/middleware/session-store.ts: session, user with roles and the
// bell's count in one prepared statement) against connect-pg-simple on the
// same pool followed by the user read passport would then need (user, roles
// and count in one prepared statement — the fewest it could be), in one
// process, alternately.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/session-store.bench.ts
//
// connect-pg-simple gets the application's pool through its `pool` option
// (an object with pg.Pool's query), so both sides run on the same
// connections. Its table has the shape its README gives (sid, sess, expire).
// Reported: session reads per second with 10 in flight, and the Node
// process's CPU per read. Env: BENCH_ROUNDS (3), BENCH_MS (3000).
// connect-pg-simple is not a dependency of Orbis (docs/benchmarks.md says
// why): install it for a run with `npm install --no-save connect-pg-simple@10`.
import os from 'node:os';
import { createRequire } from 'node:module';
import session from 'express-session';
import { loadSettings } from '#app/config';
import { openDatabase, prepared } from '#app/db/connection';
import { unreadCountSql } from '#app/services/notifications';
import { sessionUserSql, toSessionUser, type SessionUserRow } from '#app/services/users';
import { PostgresSessionStore } from '#app/web/middleware/session-store';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const DB_NAME = process.env.BENCH_DB ?? 'orbis_bench_sessions';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MS = Number(process.env.BENCH_MS ?? 3000);
const IN_FLIGHT = 10;
const SESSIONS = 1000;

const USER_AND_COUNT = prepared(`select su.*, ${unreadCountSql('su.id')} as unread from (${sessionUserSql('$1')}) su`);

type Get = (sid: string) => Promise<unknown>;

function promisedGet(store: session.Store): Get {
  return (sid) => new Promise((resolve, reject) => store.get(sid, (err, data) => (err ? reject(err) : resolve(data))));
}

async function measure(op: (i: number) => Promise<unknown>): Promise<{ ops: number; cpuUs: number }> {
  let n = 0;
  const end = performance.now() + MS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) await op(n++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { ops: n / ((performance.now() - started) / 1000), cpuUs: (used.user + used.system) / n };
}

async function main() {
  console.log(
    `# ${os.cpus().length} cores, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await createBenchDatabase(DB_NAME);
  const settings = loadSettings({
    env: { ...process.env, DATABASE_URL: benchDbUrl(DB_NAME), LOG_LEVEL: 'silent' },
    overrides: { database: { poolMax: IN_FLIGHT } },
  });
  const db = await openDatabase(settings);
  try {
    const [{ id: userId }] = await db.rows<{ id: number }>(
      `insert into users (email, display_name, password_hash) values ('bench@example.com', 'Bench', 'x') returning id`,
    );
    await db.exec(`insert into roles (name, label) values ('manager', 'Manager'), ('operator', 'Operator')`);
    await db.exec('insert into user_roles (user_id, role_id) select $1, id from roles', [userId]);
    await db.exec(
      `insert into notifications (user_id, kind, key, title) select $1, 'bench', 'k' || g, 'Notice ' || g from generate_series(1, 30) g`,
      [userId],
    );
    const sess = (i: number) => ({
      cookie: { originalMaxAge: 86_400_000, expires: new Date(Date.now() + 86_400_000).toISOString(), httpOnly: true, path: '/' },
      passport: { user: userId },
      csrf: `token-${i}`,
    });
    for (let i = 0; i < SESSIONS; i++) {
      await db.exec(`insert into sessions (sid, user_id, data, expires_at) values ($1, $2, $3, now() + interval '1 day')`, [
        `s${i}`,
        userId,
        JSON.stringify(sess(i)),
      ]);
    }
    // connect-pg-simple's table, as its README creates it.
    await db.exec(`create table session_cps (sid varchar not null primary key, sess json not null, expire timestamp(6) not null)`);
    await db.exec(`insert into session_cps (sid, sess, expire) select sid, data::json, expires_at from sessions`);
    await db.exec('vacuum analyze');

    const ours = new PostgresSessionStore(db, 86_400_000);
    const oursGet = promisedGet(ours);
    const require = createRequire(import.meta.url);
    let connectPgSimple: (s: typeof session) => new (o: object) => session.Store;
    try {
      connectPgSimple = require('connect-pg-simple');
    } catch {
      throw new Error('this benchmark compares with connect-pg-simple: npm install --no-save connect-pg-simple@10');
    }
    const PgStore = connectPgSimple(session);
    const pool = { query: async (text: string, params: unknown[]) => ({ rows: await db.rows(text, params) }) };
    const cps = new PgStore({ pool, tableName: 'session_cps', createTableIfMissing: false, pruneSessionInterval: false });
    const cpsGet = promisedGet(cps);

    const sides: [string, (i: number) => Promise<unknown>][] = [
      [
        'Orbis store: session + user + roles + count, one prepared statement',
        async (i) => {
          const sid = `s${i % SESSIONS}`;
          if (!(await oursGet(sid))) throw new Error('no session');
          if (!ours.takeUser(sid, userId)) throw new Error('no user');
        },
      ],
      [
        'connect-pg-simple get, then user + roles + count (prepared)',
        async (i) => {
          const data = (await cpsGet(`s${i % SESSIONS}`)) as { passport?: { user?: number } } | null;
          const id = data?.passport?.user;
          if (id === undefined) throw new Error('no session');
          const [row] = await db.rows<SessionUserRow & { unread: number }>(USER_AND_COUNT, [id]);
          if (!row) throw new Error('no user');
          toSessionUser(row);
        },
      ],
    ];
    const results = new Map<string, { ops: number; cpuUs: number }[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, op] of round % 2 ? [...sides].reverse() : sides) {
        await measure(op); // warm-up
        results.set(name, [...(results.get(name) ?? []), await measure(op)]);
      }
    }
    console.log(`\n| store | session reads/s (${IN_FLIGHT} in flight), each round | Node CPU per read |\n|---|---|---|`);
    for (const [name] of sides) {
      const rs = results.get(name)!;
      console.log(`| ${name} | ${rs.map((r) => r.ops.toFixed(0)).join(' / ')} | ${rs.map((r) => r.cpuUs.toFixed(0)).join(' / ')} µs |`);
    }
  } finally {
    await db.close();
    await dropBenchDatabase(DB_NAME);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
