// Card list page latency at a constant rate, as production serves it:
// `manage.ts serve -w 2` (RabbitMQ; memcached when MEMCACHED_SERVERS is set),
// 100,000 purchase requests, the list's 50 rows, a manager signed in, and
// an open loop (test/bench/open-loop.ts): BENCH_RATE requests/s evenly
// spaced for BENCH_SECONDS after BENCH_WARMUP seconds at the same rate, each
// latency from the request's scheduled send. Target: p99 ≤ 50 ms at 300/s.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     MEMCACHED_SERVERS=127.0.0.1:11211 npx tsx test/bench/list-latency.bench.ts
//
// The server is the checkout at BENCH_APP_ROOT (default: this one), prepared
// only through its own `manage.ts` (db upgrade, create-superuser) and SQL,
// so the A/B runner (test/bench/ab.ts) can measure another version with this
// same client. `serve` runs with its settings (serve.maxRequests included: a
// web process is recycled as in production); the run prints the seconds in
// which a web process started, next to the seconds holding slow answers.
//
// Pinning (BENCH_PIN): `client` (default with 2+ cores) pins this process
// (the generator) to the last core, so it is not moved around while the
// server's processes and PostgreSQL use every core; `split` also keeps the
// server's processes off that core; `none` pins nothing.
// Env: BENCH_RATE (300), BENCH_SECONDS (30), BENCH_WARMUP (3), BENCH_WORKERS (2),
// BENCH_CARDS (100000), BENCH_MAX_REQUESTS (default: the setting), BENCH_PIN,
// BENCH_QUICK=1 (5 s after 1 s, 20,000 cards: a smoke run), BENCH_KEEP_DB.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LOAD_CARDS, PASSWORD, signIn } from '#test/bench/bench-cards';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { formatSlowSeconds, openLoop } from '#test/bench/open-loop';

const quick = process.env.BENCH_QUICK === '1';
const DB_NAME = 'orbis_bench_latency';
const RATE = Number(process.env.BENCH_RATE ?? 300);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 5 : 30));
const WARMUP = Number(process.env.BENCH_WARMUP ?? (quick ? 1 : 3));
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CARDS = Number(process.env.BENCH_CARDS ?? (quick ? 20_000 : 100_000));
const LIST_QUERY = process.env.BENCH_LIST_QUERY ?? 'stage=approval&sort=-updated_at';
const ROOT = path.resolve(process.env.BENCH_APP_ROOT ?? path.join(import.meta.dirname, '..', '..'));
const CORES = os.cpus().length;
const PIN = process.env.BENCH_PIN ?? (CORES >= 2 ? 'client' : 'none');
const MANAGER = 'manager@example.com';

function serverEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: benchDbUrl(DB_NAME),
    SECRET_KEY: 'bench-secret-key-0123456789',
    ORBIS_PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'silent',
  };
}

/** `ROOT/manage.ts args…` to its end, with the same Node flags (the tsx loader) as this process. */
function manage(args: string[]): void {
  execFileSync(process.execPath, [...process.execArgv, path.join(ROOT, 'manage.ts'), ...args], {
    cwd: ROOT,
    env: serverEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The bench database through the version's own commands, then users and cards by SQL. */
async function prepare(): Promise<void> {
  await createBenchDatabase(DB_NAME, { migrated: false });
  manage(['db', 'upgrade']);
  manage(['create-superuser', MANAGER, PASSWORD, '--name', 'Maria Manager']);
  const db = new pg.Client({ connectionString: benchDbUrl(DB_NAME) });
  await db.connect();
  try {
    // A manager, not a superuser: the list as the operators' lead reads it (cards-list.bench.ts does the same).
    const [{ id: manager, password_hash: hash }] = (
      await db.query<{ id: string; password_hash: string }>(
        'update users set is_superuser = false where email = $1 returning id, password_hash',
        [MANAGER],
      )
    ).rows;
    const role = async (name: string) =>
      (
        await db.query<{ id: string }>(
          `insert into roles (name, label) values ($1, initcap($1)) on conflict (name) do update set name = excluded.name returning id`,
          [name],
        )
      ).rows[0].id;
    const users = async (prefix: string, n: number, roleName: string) => {
      const ids = (
        await db.query<{ id: string }>(
          `insert into users (email, display_name, password_hash) select $1 || g || '@example.com', initcap($1) || ' ' || g, $2 from generate_series(1, $3::int) g returning id`,
          [prefix, hash, n],
        )
      ).rows.map((r) => r.id);
      await db.query('insert into user_roles (user_id, role_id) select unnest($1::bigint[]), $2', [ids, await role(roleName)]);
      return ids;
    };
    await db.query('insert into user_roles (user_id, role_id) values ($1, $2)', [manager, await role('manager')]);
    const operators = await users('operator', 20, 'operator');
    const approvers = await users('approver', 5, 'approver');
    const started = Date.now();
    await db.query(LOAD_CARDS, [CARDS, [...operators, manager], operators, approvers]);
    await db.query(`insert into card_counters (type, last_number) values ('purchase_request', $1)`, [CARDS]);
    await db.query('vacuum analyze cards');
    console.log(`# loaded ${CARDS} cards in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** `manage.ts serve -w N` from ROOT; resolves once it says it serves. */
async function startServe(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const args = [...process.execArgv, path.join(ROOT, 'manage.ts'), 'serve', '-h', '127.0.0.1', '-p', String(port), '-w', String(WORKERS)];
  if (process.env.BENCH_MAX_REQUESTS) args.push('--max-requests', process.env.BENCH_MAX_REQUESTS);
  // split: the server's processes (children inherit it) on every core but the generator's.
  const [cmd, argv] = PIN === 'split' ? ['taskset', ['-c', `0-${CORES - 2}`, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { cwd: ROOT, env: serverEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('serve did not start within 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Orbis is serving')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** utime + stime of a process and its descendants, seconds. */
function treeCpu(pid: number): number {
  let total: number;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    total = (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
  return children(pid).reduce((sum, c) => sum + treeCpu(c), total);
}

async function main() {
  if (!process.env.AMQP_URL) throw new Error('set AMQP_URL: `manage.ts serve` needs RabbitMQ');
  if (PIN !== 'none') execFileSync('taskset', ['-a', '-p', '-c', String(CORES - 1), String(process.pid)], { stdio: 'ignore' });
  const load0 = os.loadavg();
  console.log(
    `# ${CORES} cores, Node ${process.version}; load average ${load0.map((l) => l.toFixed(2)).join(' ')}; server ${ROOT}; pin ${PIN}`,
  );
  await prepare();
  const served = await startServe();
  try {
    const { cookie } = await signIn(served.url, MANAGER);
    const url = `${served.url}/cards/purchase_request?${LIST_QUERY}`;
    const first = await fetch(url, { headers: { cookie } });
    const rows = ((await first.text()).match(/<tr/g) ?? []).length - 1;
    if (first.status !== 200 || rows < 50) throw new Error(`the list page answered ${first.status} with ${rows} rows; expected 200 and 50`);

    // Web processes started during the run (a recycle's replacement), by second since the start.
    const primary = served.child.pid!;
    const known = new Set(children(primary));
    const startedAt = performance.now();
    const replacements: number[] = [];
    const watch = setInterval(() => {
      for (const pid of children(primary)) {
        if (known.has(pid)) continue;
        known.add(pid);
        replacements.push(Math.floor((performance.now() - startedAt) / 1000));
      }
    }, 250);
    const cpu0 = treeCpu(primary);
    const result = await openLoop({ url, rate: RATE, seconds: SECONDS, warmupSeconds: WARMUP, headers: { cookie } });
    const cpu = treeCpu(primary) - cpu0;
    clearInterval(watch);
    const load1 = os.loadavg();

    const f = (n: number) => `${n.toFixed(1)} ms`;
    console.log(
      `\nList page, open loop: ${RATE} req/s for ${SECONDS} s after ${WARMUP} s; \`serve -w ${WORKERS}\`, ${CARDS} cards, ${rows} rows, signed in`,
    );
    console.log(
      `  p50 ${f(result.p50)}   p90 ${f(result.p90)}   p99 ${f(result.p99)}   max ${f(result.max)}   (${result.requests} requests, ${result.failed} failed${result.failed ? `: ${JSON.stringify(result.failures)}` : ''})`,
    );
    console.log(`  seconds holding answers > 50 ms (by scheduled send): ${formatSlowSeconds(result.slowSeconds, WARMUP)}`);
    console.log(`  web processes started during the run, at second: ${replacements.length ? replacements.join(', ') : 'none'}`);
    console.log(`  generator: send lag p99 ${f(result.sendLagP99)}, max ${f(result.sendLagMax)}; ${result.sockets} sockets`);
    console.log(
      `  server CPU per request ${((cpu * 1000) / result.samples.length).toFixed(2)} ms (its process tree); load average after ${load1.map((l) => l.toFixed(2)).join(' ')}`,
    );
    console.log(result.p99 <= 50 ? '  p99 ≤ 50 ms: target met' : `  p99 ${f(result.p99)} > 50 ms: target MISSED`);
    if (result.failed) console.log('WARNING: some requests failed; the numbers above are not valid');
    const { samples: _samples, ...summary } = result;
    console.log(`RESULT ${JSON.stringify({ ...summary, rate: RATE, seconds: SECONDS, replacements, load: [load0[0], load1[0]] })}`);
  } finally {
    if (served.child.exitCode === null) {
      const exited = new Promise((r) => served.child.once('exit', r));
      served.child.kill('SIGTERM');
      await exited;
    }
    if (!process.env.BENCH_KEEP_DB) await dropBenchDatabase(DB_NAME);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
