// Card types in the database (issue 17), the two performance figures:
//
// (a) Moving 10,000 cards out of a removed stage: a new version of the
//     complaint type removes `investigating`, which holds 10,000 cards (next
//     to 100,000 purchase requests); the job cardtypes.move_stages runs on a
//     worker in this process; the run prints its progress as /admin/jobs
//     reads it (jobs.progress_current) and the time from the save to the
//     last card moved. Target: ≤ 30 s.
// (b) The list page's throughput with the types loaded from the database and
//     kept current by the change signal (a LISTEN connection, a reload on
//     each saved version) against the same page with the types from the
//     files only (the table card_type_versions renamed away, as before the
//     feature: the store finds no table and leaves the files' types in use).
//     One web process each (the `serve` app, production settings), wrk with
//     50 connections, a manager signed in, alternating A B A B… so drift of
//     the machine spreads over both; plus C: from the database while a
//     version is saved every second (every save reloads the set in the web
//     process). Target: A within 2% of B.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/cardtypes.bench.ts
//
// Throughput on a shared machine drifts with the others' load; the web
// process's CPU per request (from /proc) is the steadier figure.
// Env: BENCH_SECONDS (20 per run), BENCH_ROUNDS (3), BENCH_QUICK=1 (5 s, one
// round: a smoke run), BENCH_KEEP_DB.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createContext, type AppContext } from '#app/context';
import { loadSettings } from '#app/config';
import { createLogger } from '#app/log';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { startWorkers } from '#app/worker/start';
import { LOAD_CARDS, PASSWORD, signIn } from '#test/bench/bench-cards';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { withoutStage, type Definition } from '#test/support/cardtypes';

const DB_NAME = 'orbis_bench_cardtypes';
const quick = process.env.BENCH_QUICK === '1';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 5 : 20));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const MOVED = 10_000;
const LIST = '/cards/purchase_request?stage=approval&sort=-updated_at';
const STORED_PLURAL = 'Purchase requests (stored)';

function settings() {
  const { AMQP_URL: _broker, MEMCACHED_SERVERS: _cache, ...env } = process.env;
  return loadSettings({
    env: {
      ...env,
      NODE_ENV: 'production',
      DATABASE_URL: benchDbUrl(DB_NAME),
      SECRET_KEY: 'bench-secret-key-0123456789',
      ORBIS_PUBLIC_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'silent',
    },
  });
}

const context = async () => {
  const s = settings();
  return createContext(s, { log: createLogger(s) });
};

/** Child: the Orbis app on the bench database. */
async function serve() {
  const ctx = await context();
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  process.send!({ url: server.url, stored: ctx.services.cardTypeStore.inDatabase });
}

async function startServer(): Promise<{ child: ChildProcess; url: string; stored: boolean }> {
  const child = fork(import.meta.filename, ['--serve'], { stdio: 'inherit' });
  const m = await new Promise<{ url: string; stored: boolean }>((resolve, reject) => {
    child.once('message', (msg) => resolve(msg as { url: string; stored: boolean }));
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  return { child, ...m };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU seconds the process `pid` has used so far (utime + stime, from /proc; 100 ticks a second on Linux). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** Answers other than 200 (the page answered, but not with the list). */
  bad: number;
  /** Requests wrk gave up on after 2 s (an overloaded machine). */
  timeouts: number;
  /** The web process's CPU per request, ms. */
  cpuMs: number;
}

/** One wrk run on the list page, with the web process's CPU per request. */
async function wrk(url: string, cookie: string, pid: number, seconds = SECONDS): Promise<Run> {
  const cpu = cpuSeconds(pid);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', ['-t1', '-c50', `-d${seconds}s`, '--latency', '-H', `cookie: ${cookie}`, url]);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const lat = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out)!;
    return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]];
  };
  const total = Number(/(\d+) requests in/.exec(out)![1]);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: lat('50'),
    p99: lat('99'),
    bad: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    timeouts: Number(/timeout (\d+)/.exec(out)?.[1] ?? 0),
    cpuMs: Math.round(((cpuSeconds(pid) - cpu) * 1_000_000) / Math.max(1, total)) / 1000,
  };
}

async function loadData(ctx: AppContext) {
  const make = async (email: string, roles: string[]) => {
    for (const r of roles) await ctx.services.users.ensureRole(r);
    return ctx.services.users.create({ email, password: PASSWORD, roles, displayName: email });
  };
  for (const r of ['operator', 'manager', 'approver', 'clerk']) await ctx.services.users.ensureRole(r);
  const manager = await make('manager@example.com', ['manager']);
  const operators = [];
  for (let i = 1; i <= 20; i++) operators.push((await make(`operator${i}@example.com`, ['operator'])).id);
  const approvers = [];
  for (let i = 1; i <= 5; i++) approvers.push((await make(`approver${i}@example.com`, ['approver'])).id);
  await ctx.db.exec(LOAD_CARDS, [100_000, [...operators, manager.id], operators, approvers]);
  await ctx.db.exec(`insert into card_counters (type, last_number) values ('purchase_request', 100000)`);
  await ctx.db.exec(
    `insert into cards (type, number, title, stage, owner_id, due_at, version, data, search, created_at, updated_at)
     select 'complaint', 'CC-' || lpad(g::text, 6, '0'), 'Complaint ' || g, 'investigating', $2, now() + interval '3 days', 2,
            jsonb_build_object('customer', 'Customer ' || (g % 300), 'channel', 'phone', 'severity', 'low', 'details', 'What happened ' || g),
            to_tsvector('simple', 'Complaint ' || g), now() - interval '1 day', now()
       from generate_series(1, $1::int) g`,
    [MOVED, manager.id],
  );
  await ctx.db.exec(`insert into card_counters (type, last_number) values ('complaint', $1)`, [MOVED]);
  await ctx.db.exec('vacuum analyze cards');
  return manager;
}

/** (a): the removal of `investigating`, saved, and its job run by a worker here; progress as /admin/jobs reads it. */
async function moveBench(ctx: AppContext, authorId: number) {
  const current = await ctx.services.cardTypeStore.version('complaint');
  const def = withoutStage(JSON.parse(JSON.stringify(current.definition)) as Definition, 'investigating');
  const runner = await startWorkers(ctx, { queues: ['default'] });
  const started = Date.now();
  const saved = await ctx.services.cardTypeStore.save(def, { expected: current.version, moves: { investigating: 'resolved' }, authorId });
  const seen: string[] = [];
  for (;;) {
    const [job] = await ctx.db.rows<{ state: string; progress_current: number | null; progress_total: number | null }>(
      'select state, progress_current, progress_total from jobs where id = $1',
      [saved.moveJob],
    );
    const line = `${((Date.now() - started) / 1000).toFixed(1)} s: ${job.progress_current ?? 0} of ${job.progress_total ?? '?'}`;
    if (seen.at(-1)?.split(': ')[1] !== line.split(': ')[1]) seen.push(line);
    if (job.state === 'done' || job.state === 'failed') {
      if (job.state === 'failed') throw new Error('the move job failed');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  await runner.stop(2000);
  const [{ moved, history }] = await ctx.db.rows<{ moved: number; history: number }>(
    `select (select count(*)::int from cards where type = 'complaint' and stage = 'resolved') as moved,
            (select count(*)::int from card_history where source = $1) as history`,
    [`cardtype:${saved.version}`],
  );
  console.log(`# progress as read every 100 ms: ${seen.join('; ')}`);
  console.log(
    `\n| (a) moving ${MOVED.toLocaleString('en')} cards out of a removed stage | seconds (save to last card) | cards moved | history rows |`,
  );
  console.log('|---|---|---|---|');
  console.log(`| job cardtypes.move_stages, 1,000 per statement | ${seconds.toFixed(2)} | ${moved} | ${history} |`);
}

async function main() {
  if (process.argv.includes('--serve')) return serve();
  console.log(
    `# ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await createBenchDatabase(DB_NAME);
  try {
    const ctx = await context();
    const manager = await loadData(ctx);
    await moveBench(ctx, manager.id);

    // A version of the purchase request saved in the browser: the page shows it only when the types come from the database.
    const pr = await ctx.services.cardTypeStore.version('purchase_request');
    const stored = { ...(pr.definition as Definition), plural: { en: STORED_PLURAL, ru: 'Заявки (сохранённые)' } };
    let version = (await ctx.services.cardTypeStore.save(stored, { expected: pr.version })).version;

    const modes = ['A', 'B', ...(quick ? [] : ['C'])] as const;
    const results = new Map<string, Run[]>(modes.map((m) => [m, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of modes) {
        if (mode === 'B') await ctx.db.exec('alter table card_type_versions rename to card_type_versions_away');
        const server = await startServer();
        let saving: NodeJS.Timeout | null = null;
        try {
          const { cookie } = await signIn(server.url, 'manager@example.com');
          const page = await (await fetch(server.url + LIST, { headers: { cookie } })).text();
          // Each mode is what it says: the stored version's plural on the page only from the database.
          if (page.includes(STORED_PLURAL) !== (mode !== 'B') || server.stored !== (mode !== 'B'))
            throw new Error(`mode ${mode}: the page ${page.includes(STORED_PLURAL) ? 'shows' : 'lacks'} the stored version`);
          await wrk(server.url + LIST, cookie, server.child.pid!, 3); // warm-up
          if (mode === 'C')
            saving = setInterval(() => {
              const next = { ...stored, label: { en: `Purchase request ${version}`, ru: `Заявка ${version}` } };
              void ctx.services.cardTypeStore
                .save(next, { expected: version })
                .then((r) => (version = r.version))
                .catch((err: unknown) => console.log(`# a save failed: ${String(err)}`));
            }, 1000);
          const r = await wrk(server.url + LIST, cookie, server.child.pid!);
          results.get(mode)!.push(r);
          console.log(
            `# round ${round + 1} ${mode}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${r.cpuMs} ms/request, not 200: ${r.bad}, timed out: ${r.timeouts}; load ${os.loadavg()[0].toFixed(2)}`,
          );
        } finally {
          if (saving) clearInterval(saving);
          await stop(server.child);
          // Back only once B's server is gone: it reads the table again when its listener (re)starts.
          if (mode === 'B') await ctx.db.exec('alter table card_type_versions_away rename to card_type_versions');
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const label: Record<string, string> = {
      A: 'A: types from the database, change-signal listener',
      B: 'B: types from the files only (no table)',
      C: 'C: as A, a version saved every second during the run',
    };
    console.log(
      `\n| (b) list page, one web process, 50 connections, ${SECONDS} s × ${ROUNDS} | req/s (median) | each run | web CPU ms/request (median) | p50 ms | p99 ms | not 200 | timed out |`,
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const mode of modes) {
      const rs = results.get(mode)!;
      console.log(
        `| ${label[mode]} | ${median(rs.map((r) => r.rps))} | ${rs.map((r) => r.rps).join(', ')} | ${median(rs.map((r) => r.cpuMs))} | ${median(rs.map((r) => r.p50))} | ${median(rs.map((r) => r.p99))} | ${rs.reduce((a, r) => a + r.bad, 0)} | ${rs.reduce((a, r) => a + r.timeouts, 0)} |`,
      );
    }
    const of = (mode: string, k: 'rps' | 'cpuMs') => median(results.get(mode)!.map((r) => r[k]));
    console.log(
      `\n# A ÷ B: throughput ${((of('A', 'rps') / of('B', 'rps')) * 100).toFixed(1)}% (target ≥ 98%), CPU per request ${((of('A', 'cpuMs') / of('B', 'cpuMs')) * 100).toFixed(1)}%; ${version} versions of purchase_request saved in all`,
    );
    await ctx.close();
  } finally {
    if (process.env.BENCH_KEEP_DB !== '1') await dropBenchDatabase(DB_NAME);
  }
}

await main();
