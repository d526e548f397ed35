// Deadline sweep at a million open tasks:
//   1. 1,000,000 open tasks, 1,000 of them just became overdue: one sweep
//      (the service's sweep: overdue, due soon, escalation) — target ≤ 100 ms,
//      and the plan of the overdue UPDATE must be index-driven (printed with
//      EXPLAIN (ANALYZE, BUFFERS); run inside a rolled-back transaction).
//   2. 100,000 newly overdue: notices written per second — target ≥ 20,000/s.
//   3. The same on cards, so the per-notice card read permission check runs.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/deadline-sweep.bench.ts
//
// Own database orbis_bench_tasks (dropped at the end), bulk-loaded with
// generate_series; 1,000 users (no card in parts 1–2; part 3 puts the 100,000
// on 1,000 cards), no SMTP (mail jobs are only rows).
import { execSync } from 'node:child_process';
import pg from 'pg';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { LocalTransport } from '#app/queue/transports/local';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const DB_NAME = 'orbis_bench_tasks';
const quick = process.env.BENCH_QUICK === '1'; // a smoke run: short, small, numbers not to quote
const TOTAL = Number(process.env.BENCH_TASKS ?? (quick ? 100_000 : 1_000_000));

async function main() {
  await createBenchDatabase(DB_NAME);
  const settings = loadSettings({ env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: benchDbUrl(DB_NAME), LOG_LEVEL: 'warn' } });
  const ctx = await createContext(settings, { log: createLogger(settings), transport: new LocalTransport() });
  const db = ctx.db;
  try {
    console.log(`uptime: ${execSync('uptime').toString().trim()}`);
    let t = Date.now();
    await db.exec(
      `insert into users (email, display_name, password_hash) select 'u' || i || '@bench.example', 'User ' || i, 'x' from generate_series(1, 1000) i`,
    );
    // Open tasks due from 1 h to ~1 year ahead (beyond the due-soon lead time, so the sweep leaves them).
    await db.exec(
      `insert into tasks (title, assignee_id, due_at) select 'task ' || i, 1 + (i % 1000), now() + interval '2 hours' + (i % 500000) * interval '1 minute'
         from generate_series(1, $1::int) i`,
      [TOTAL - 1000],
    );
    await db.exec(
      `insert into tasks (title, assignee_id, due_at) select 'late ' || i, 1 + (i % 1000), now() - (i % 50) * interval '1 second' from generate_series(1, 1000) i`,
    );
    await db.exec('vacuum analyze tasks');
    console.log(`loaded ${TOTAL} open tasks in ${Date.now() - t} ms`);

    // The plan of the overdue part (rolled back: it must not consume the 1,000).
    const c = new pg.Client({ connectionString: benchDbUrl(DB_NAME) });
    await c.connect();
    await c.query('begin');
    const plan = await c.query(
      `explain (analyze, buffers, costs off)
       update tasks t set overdue_notified_at = now(), overdue_at = coalesce(t.overdue_at, t.due_at), updated_at = now()
        where t.id = any (array(select id from tasks where status = 'open' and overdue_notified_at is null and due_at <= now()
                        order by due_at limit 20000 for update skip locked))
          and t.status = 'open' and t.overdue_notified_at is null
       returning t.id`,
    );
    await c.query('rollback');
    await c.end();
    const planText = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    console.log(`\nplan of the overdue UPDATE:\n${planText}\n`);
    if (/Seq Scan on tasks/.test(planText)) throw new Error('the sweep scans all tasks');

    const runs: number[] = [];
    t = performance.now();
    const r1 = await ctx.services.tasks.sweep(new Date());
    runs.push(performance.now() - t);
    console.log(`sweep 1 (1,000 newly overdue of ${TOTAL}): ${runs[0].toFixed(1)} ms`, r1);
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      await ctx.services.tasks.sweep(new Date());
      runs.push(performance.now() - t);
    }
    console.log(
      `later sweeps (nothing new): ${runs
        .slice(1)
        .map((x) => x.toFixed(1))
        .join(', ')} ms`,
    );

    // 100,000 newly overdue.
    await db.exec(
      `update tasks set due_at = now() - interval '1 minute' where id in (select id from tasks where overdue_notified_at is null order by id limit 100000)`,
    );
    await db.exec('vacuum analyze tasks');
    t = performance.now();
    const r2 = await ctx.services.tasks.sweep(new Date());
    const ms = performance.now() - t;
    console.log(
      `sweep 2 (100,000 newly overdue): ${ms.toFixed(0)} ms, ${r2.notices} notices, ${Math.round(r2.notices / (ms / 1000))} notices/s`,
      r2,
    );
    const [{ n }] = await db.rows<{ n: number }>(`select count(*)::int as n from notifications`);
    const [{ j }] = await db.rows<{ j: number }>(`select count(*)::int as j from jobs where kind = 'notifications.mail'`);
    console.log(`notifications rows: ${n}; mail dispatcher jobs: ${j}`);

    // 3. 100,000 newly overdue tasks on cards: the recipient's card read
    //    permission is checked per notice (the assignee owns the card and has
    //    the role "operator", which reads its own purchase requests).
    await db.exec(`insert into roles (name, label) values ('operator', 'Operator') on conflict do nothing`);
    await db.exec(
      `insert into user_roles (user_id, role_id) select u.id, r.id from users u, roles r where r.name = 'operator' on conflict do nothing`,
    );
    await db.exec(
      `insert into cards (type, number, title, stage, owner_id) select 'purchase_request', 'PR-' || lpad(i::text, 6, '0'), 'card ' || i, 'draft', i from generate_series(1, 1000) i`,
    );
    await db.exec(
      `update tasks t set due_at = now() - interval '1 minute', card_id = (select id from cards c where c.owner_id = t.assignee_id)
        where id in (select id from tasks where overdue_notified_at is null order by id limit 100000)`,
    );
    await db.exec('vacuum analyze tasks');
    await db.exec('analyze cards');
    t = performance.now();
    const r3 = await ctx.services.tasks.sweep(new Date());
    const ms3 = performance.now() - t;
    console.log(
      `sweep 3 (100,000 newly overdue on cards): ${ms3.toFixed(0)} ms, ${r3.notices} notices, ${Math.round(r3.notices / (ms3 / 1000))} notices/s`,
      r3,
    );
    const [hot] = await db.rows<{ upd: number; hot: number }>(
      `select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = 'tasks'`,
    );
    const idx = await db.rows<{ t: string; n: number }>(
      `select tablename as t, count(*)::int as n from pg_indexes where tablename in ('tasks', 'notifications') group by 1 order by 1`,
    );
    console.log(`tasks updates: ${hot.upd}, of them HOT: ${hot.hot}; indexes: ${idx.map((x) => `${x.t} ${x.n}`).join(', ')}`);
    console.log(`uptime: ${execSync('uptime').toString().trim()}`);
  } finally {
    await ctx.close();
    await dropBenchDatabase(DB_NAME);
  }
}

await main();
