// A/B: the benchmarks on a base version and on this working tree, in one run,
// alternating (A B A B…) so that drift of the machine spreads over both.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     MEMCACHED_SERVERS=127.0.0.1:11211 npx tsx test/bench/ab.ts --base 445afac
//
// Options: --base REF (default: the merge-base of HEAD and main), --rounds N
// (2: A B A B), --quick (every bench in its short mode: a smoke run whose
// numbers are not to be quoted), --only cards,latency,recycle,jobs,audit.
//
// The base is checked out in a temporary git worktree (node_modules linked
// to this checkout's), removed at the end. Each version runs its own copy of
// cards-list, jobs-throughput and audit-lag (they drive the application's
// services from inside, so they change with it); the open-loop list latency
// uses this tree's client against each version's `manage.ts serve`
// (list-latency.bench.ts, BENCH_APP_ROOT). Every run's output is kept in a
// log folder printed at the start; the table at the end gives both versions'
// numbers (median of the rounds) and head ÷ base.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const HEAD_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** What one measure is: its name, unit and which way is better. */
interface Measure {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
}

interface Bench {
  name: string;
  measures: Measure[];
  /** The command for one version, from its checkout `root`. */
  command(root: string, quick: boolean): { file: string; args: string[]; env: NodeJS.ProcessEnv };
  /** Numbers by measure key, from the bench's output (either version's). */
  parse(out: string): Record<string, number>;
}

const num = (s: string) => Number(s.replace(/[, ]/g, ''));
/** The numeric cells of the first markdown table row whose first cell starts with `name`. */
function row(out: string, name: string): number[] | null {
  const line = out.split('\n').find((l) => l.startsWith(`| ${name}`));
  if (!line) return null;
  return line
    .split('|')
    .slice(2, -1)
    .map((c) => Number.parseFloat(c.trim()));
}

const BENCHES: Bench[] = [
  {
    name: 'cards',
    measures: [
      { key: 'list', label: 'list page, one process, 50 connections (wrk)', unit: 'req/s', higherIsBetter: true },
      { key: 'listRatio', label: 'list page ÷ bare Express + nunjucks (target ≥ 60%)', unit: '%', higherIsBetter: true },
      { key: 'listServe', label: 'list page, `serve -w 2`, 50 connections (wrk)', unit: 'req/s', higherIsBetter: true },
      { key: 'saves', label: 'card saves through the edit form, 20 connections', unit: '/s', higherIsBetter: true },
    ],
    command: (root, quick) => ({
      file: path.join(root, 'test/bench/cards-list.bench.ts'),
      args: [],
      env: quick ? { BENCH_QUICK: '1', BENCH_SECONDS: '5', BENCH_SAVE_SECONDS: '3' } : {},
    }),
    parse(out) {
      const r: Record<string, number> = {};
      const orbis = row(out, 'Orbis /cards/');
      const bare = row(out, 'bare Express + nunjucks');
      const saves = row(out, 'Orbis card saves');
      const serve = row(out, 'Orbis `manage.ts serve');
      if (orbis) r.list = orbis[0];
      if (orbis && bare) r.listRatio = (orbis[0] / bare[0]) * 100;
      if (saves) r.saves = saves[0];
      if (serve) r.listServe = serve[0];
      return r;
    },
  },
  {
    name: 'latency',
    measures: [
      { key: 'p99', label: 'list page p99, open loop 300 req/s, `serve -w 2` (target ≤ 50 ms)', unit: 'ms', higherIsBetter: false },
      { key: 'p50', label: 'list page p50, the same', unit: 'ms', higherIsBetter: false },
      { key: 'failed', label: 'list page, open loop: failed requests (timeouts count at 30 s in p99)', unit: '', higherIsBetter: false },
    ],
    // This tree's client, the version's server.
    command: (root, quick) => ({
      file: path.join(HEAD_ROOT, 'test/bench/list-latency.bench.ts'),
      args: [],
      env: { BENCH_APP_ROOT: root, ...(quick ? { BENCH_QUICK: '1' } : {}) },
    }),
    parse(out): Record<string, number> {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return {};
      const result = JSON.parse(line.slice('RESULT '.length)) as { p50: number; p99: number; failed: number };
      return { p50: result.p50, p99: result.p99, failed: result.failed };
    },
  },
  {
    // The same with every web process recycled once inside the window:
    // production recycles after serve.maxRequests (10,000) answers, which at
    // 300/s over 2 processes is one recycle per process every ~66 s, so a
    // 30-s window in production holds one about every other time; a fresh
    // 33-s run reaches ~5,000 per process and holds none.
    name: 'recycle',
    measures: [
      {
        key: 'p99',
        label: 'list page p99, the same with each process recycled once (--max-requests 3000; quick: 600)',
        unit: 'ms',
        higherIsBetter: false,
      },
    ],
    command: (root, quick) => ({
      file: path.join(HEAD_ROOT, 'test/bench/list-latency.bench.ts'),
      args: [],
      env: { BENCH_APP_ROOT: root, BENCH_MAX_REQUESTS: quick ? '600' : '3000', ...(quick ? { BENCH_QUICK: '1' } : {}) },
    }),
    parse(out): Record<string, number> {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      return line ? { p99: (JSON.parse(line.slice('RESULT '.length)) as { p99: number }).p99 } : {};
    },
  },
  {
    name: 'jobs',
    measures: [
      { key: 'orbis', label: 'jobs end to end, Orbis (quorum queue)', unit: 'jobs/s', higherIsBetter: true },
      { key: 'vsGraphile', label: 'best Orbis ÷ tuned graphile-worker (target ≥ 0.8)', unit: '×', higherIsBetter: true },
      { key: 'vsBull', label: 'best Orbis ÷ BullMQ (target ≥ 1.5)', unit: '×', higherIsBetter: true },
    ],
    command: (root, quick) => ({
      file: path.join(root, 'test/bench/jobs-throughput.bench.ts'),
      args: quick ? ['2000', '1'] : [],
      env: quick ? { BENCH_QUICK: '1' } : {},
    }),
    parse(out) {
      const r: Record<string, number> = {};
      const orbis = row(out, 'Orbis (RabbitMQ quorum queue)');
      if (orbis) r.orbis = orbis[0];
      const m = /best Orbis ÷ BullMQ: ([\d.]+); ÷ tuned graphile-worker: ([\d.]+)/.exec(out);
      if (m) {
        r.vsBull = num(m[1]);
        r.vsGraphile = num(m[2]);
      }
      return r;
    },
  },
  {
    name: 'audit',
    measures: [
      { key: 'lagP99', label: 'audit lag p99, commit → history row (target ≤ 1 s)', unit: 'ms', higherIsBetter: false },
      { key: 'rate', label: 'audit bench: saves/s achieved (of 200)', unit: '/s', higherIsBetter: true },
    ],
    command: (root, quick) => ({
      file: path.join(root, 'test/bench/audit-lag.bench.ts'),
      args: [],
      env: quick ? { BENCH_QUICK: '1', BENCH_SECONDS: '4', BENCH_CARDS: '200' } : {},
    }),
    parse(out) {
      const r: Record<string, number> = {};
      const lag = /lag, commit → history row\s+p50 ([\d.]+) ms\s+p99 ([\d.]+) ms/.exec(out);
      if (lag) r.lagP99 = num(lag[2]);
      const rate = /saves in [\d.]+ s \((\d+)\/s;/.exec(out);
      if (rate) r.rate = num(rate[1]);
      return r;
    },
  },
];

function git(args: string[], cwd = HEAD_ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs one bench for one version; its output goes to `log`. Resolves with the output (and whether it exited 0). */
function runBench(bench: Bench, root: string, quick: boolean, log: string): Promise<{ out: string; ok: boolean; seconds: number }> {
  const { file, args, env } = bench.command(root, quick);
  const started = Date.now();
  if (!fs.existsSync(file)) {
    fs.writeFileSync(log, `missing: ${file}\n`);
    return Promise.resolve({ out: '', ok: false, seconds: 0 });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, file, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const sink = fs.createWriteStream(log);
    const take = (d: Buffer) => {
      out += d;
      sink.write(d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('exit', (code) => {
      sink.end();
      resolve({ out, ok: code === 0, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** BullMQ (in the jobs bench) needs a Redis on 127.0.0.1:6379: started if one is installed and none answers. */
function ensureRedis(): void {
  try {
    execFileSync('redis-cli', ['ping'], { stdio: 'ignore' });
    return;
  } catch {
    /* not answering, or not installed */
  }
  try {
    execFileSync('redis-server', ['--daemonize', 'yes'], { stdio: 'ignore' });
    console.log('# started redis-server (for BullMQ)');
  } catch {
    console.log('# no redis-server: the jobs bench will fail at BullMQ (apt-get install redis-server)');
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      rounds: { type: 'string', default: '2' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  for (const name of ['DATABASE_URL', 'AMQP_URL'])
    if (!process.env[name]) throw new Error(`set ${name} (see docs/benchmarks.md, "Architecture round: A/B")`);
  const quick = values.quick!;
  const rounds = Number(values.rounds);
  const only = values.only?.split(',').map((s) => s.trim());
  const benches = only ? BENCHES.filter((b) => only.includes(b.name)) : BENCHES;
  if (!benches.length) throw new Error(`--only: none of ${values.only} (${BENCHES.map((b) => b.name).join(', ')})`);
  const baseRef = values.base ?? git(['merge-base', 'HEAD', 'main']);
  const baseSha = git(['rev-parse', '--verify', `${baseRef}^{commit}`]);
  const headSha = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-ab-'));
  const baseRoot = path.join(work, 'base');
  const logs = path.join(work, 'logs');
  fs.mkdirSync(logs);
  git(['worktree', 'add', '--detach', baseRoot, baseSha]);
  fs.symlinkSync(fs.realpathSync(path.join(HEAD_ROOT, 'node_modules')), path.join(baseRoot, 'node_modules'));
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    try {
      git(['worktree', 'remove', '--force', baseRoot]);
    } catch (err) {
      console.error(`# could not remove the worktree ${baseRoot}: ${(err as Error).message}`);
    }
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  const sides = [
    { name: 'base', label: `base ${baseSha.slice(0, 7)}`, root: baseRoot },
    { name: 'head', label: `head ${headSha.slice(0, 7)}${dirty ? '+changes' : ''}`, root: HEAD_ROOT },
  ];
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `# A/B ${sides[0].label} vs ${sides[1].label}; ${rounds} round(s)${quick ? ', QUICK (smoke: not numbers to quote)' : ''}; benches ${benches.map((b) => b.name).join(', ')}`,
  );
  console.log(
    `# ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}; ${new Date().toISOString()}; load average ${load()}`,
  );
  console.log(`# logs: ${logs}`);
  if (benches.some((b) => b.name === 'jobs')) ensureRedis();

  const results: Record<string, Record<string, Record<string, number[]>>> = {}; // bench → side → key → values
  const failures: string[] = [];
  const tainted = new Set<string>(); // bench/side with a failed or invalid run: marked * in the table
  try {
    for (let r = 1; r <= rounds; r++) {
      for (const bench of benches) {
        for (const side of sides) {
          const log = path.join(logs, `${bench.name}-${side.name}-${r}.log`);
          const run = await runBench(bench, side.root, quick, log);
          const numbers = bench.parse(run.out);
          const got = bench.measures.filter((m) => Number.isFinite(numbers[m.key]));
          // A bench that saw failed requests says so (cards-list: "WARNING: …"; list-latency: failed > 0).
          const invalid = /^WARNING:/m.test(run.out) ? ' INVALID (failed requests, see the log)' : '';
          if (invalid || !run.ok) tainted.add(`${bench.name}/${side.name}`);
          if (invalid) failures.push(`${bench.name} ${side.name} round ${r}: requests failed, see ${log}`);
          console.log(
            `  round ${r} ${bench.name} ${side.name}: ${run.ok ? '' : 'FAILED '}${got.map((m) => `${m.key} ${numbers[m.key].toFixed(m.unit === '×' ? 2 : 1)}`).join(', ') || 'no numbers'}${invalid} (${run.seconds.toFixed(0)} s; load ${load()})`,
          );
          if (!run.ok) {
            failures.push(`${bench.name} ${side.name} round ${r}: see ${log}`);
            console.log(
              run.out
                .split('\n')
                .slice(-8)
                .map((l) => `    | ${l}`)
                .join('\n'),
            );
          }
          for (const m of got) (((results[bench.name] ??= {})[side.name] ??= {})[m.key] ??= []).push(numbers[m.key]);
        }
      }
    }
  } finally {
    cleanup();
  }

  const fmt = (m: Measure, xs: number[] | undefined) =>
    xs?.length
      ? `${median(xs).toFixed(m.unit === '×' ? 2 : 0)}${xs.length > 1 ? ` (${xs.map((x) => x.toFixed(m.unit === '×' ? 2 : 0)).join(', ')})` : ''}`
      : '—';
  console.log(`\n| measure | unit | ${sides[0].label} | ${sides[1].label} | head ÷ base | within 5% |\n|---|---|---|---|---|---|`);
  for (const bench of benches) {
    for (const m of bench.measures) {
      const a = results[bench.name]?.base?.[m.key];
      const b = results[bench.name]?.head?.[m.key];
      let ratio = '—';
      let verdict = '—';
      if (a?.length && b?.length && median(a) === 0) {
        verdict = median(b) === 0 ? 'yes' : '**no**';
      } else if (a?.length && b?.length) {
        const q = median(b) / median(a);
        ratio = q.toFixed(2);
        verdict = (m.higherIsBetter ? q >= 0.95 : q <= 1.05) ? 'yes' : '**no**';
      }
      const mark = (side: string) => (tainted.has(`${bench.name}/${side}`) ? ' *' : '');
      console.log(`| ${m.label} | ${m.unit} | ${fmt(m, a)}${mark('base')} | ${fmt(m, b)}${mark('head')} | ${ratio} | ${verdict} |`);
    }
  }
  console.log(`\n# ${new Date().toISOString()}; load average ${load()}${quick ? '; QUICK run: smoke only' : ''}`);
  if (failures.length) {
    console.log(
      `# * a failed run, or one with failed requests (its numbers are in the table, not to be trusted):\n${failures.map((f) => `#   ${f}`).join('\n')}`,
    );
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
