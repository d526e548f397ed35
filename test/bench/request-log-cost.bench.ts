// What recording every request costs the web: the dashboard, signed in,
// served with the request log on and off IN ONE RUN.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     npx tsx test/bench/request-log-cost.bench.ts
//
// Order: create and migrate the database orbis_bench_requestlog, add a user,
// then start three child processes on it — the app with requestLog.enabled
// true, the same app with it false, and a worker running the `requestlog`
// consumer — all on RabbitMQ at AMQP_URL under a queue prefix of this run
// (deleted at the end; the shared broker is not otherwise touched). Warm up
// both apps, then measure them alternately (off, on, on, off) so a drift of
// the machine's load hits both alike, and print req/s, p99 and the ratio.
// Then check every logged request reached the table, measure the buffer
// alone (CPU per entry, publishing to RabbitMQ) and drop the database.
// Env: BENCH_SECONDS (10 per measurement), BENCH_CONNECTIONS (50), BENCH_QUICK=1 (3 s: a smoke run).
import crypto from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import pg from 'pg';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { REQUEST_LOG_QUEUE, RequestLogBuffer } from '#app/services/request-log';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { startRequestLogConsumer } from '#app/worker/request-log-consumer';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

// autocannon ships no types; the few parts used here.
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<CannonResult>;

const DB_NAME = 'orbis_bench_requestlog';
const quick = process.env.BENCH_QUICK === '1'; // a smoke run: short, small, numbers not to quote
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 3 : 10));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const EMAIL = 'bench@example.com';
const PASSWORD = 'correct horse battery';
type Role = 'on' | 'off' | 'consumer';

// Production settings (templates cached, no pretty logs), as served for real.
function benchSettings(enabled: boolean) {
  const amqp = process.env.AMQP_URL;
  if (!amqp) throw new Error('set AMQP_URL (e.g. amqp://guest:guest@127.0.0.1:5672)');
  return loadSettings({
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: benchDbUrl(DB_NAME),
      AMQP_URL: amqp,
      ORBIS_QUEUE_PREFIX: process.env.BENCH_PREFIX,
      SECRET_KEY: 'bench-secret-key-0123456789',
      ORBIS_PUBLIC_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    overrides: { requestLog: { enabled } },
  });
}

// ---------------------------------------------------------------- children

async function child(role: Role) {
  const settings = benchSettings(role === 'on');
  const ctx = await createContext(settings, { log: createLogger(settings) });
  // The parent asks for CPU time used so far and the request log's counters.
  process.on('message', (m) => {
    if (m === 'stats') process.send!({ stats: ctx.services.requestLog.stats(), cpu: process.cpuUsage() });
  });
  if (role === 'consumer') {
    await startRequestLogConsumer(ctx);
    process.send!({ url: '' });
    return;
  }
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  process.send!({ url: server.url });
}

async function startChild(role: Role, prefix: string): Promise<{ child: ChildProcess; url: string }> {
  const c = fork(import.meta.filename, ['--serve', role], { stdio: 'inherit', env: { ...process.env, BENCH_PREFIX: prefix } });
  const url = await new Promise<string>((resolve, reject) => {
    c.once('message', (m) => resolve((m as { url: string }).url));
    c.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return { child: c, url };
}

// ---------------------------------------------------------------- parent

async function signIn(base: string): Promise<string> {
  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  const form = await fetch(`${base}/login`);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieOf(form) },
    body: new URLSearchParams({ email: EMAIL, password: PASSWORD, _csrf: token }),
  });
  if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}`);
  return cookieOf(res) || cookieOf(form);
}

async function measure(url: string, cookie: string, seconds: number): Promise<CannonResult> {
  const r = await autocannon({ url: `${url}/`, connections: CONNECTIONS, duration: seconds, headers: { cookie } });
  if (r.errors || r.timeouts || r.non2xx)
    throw new Error(`errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}: not a clean run`);
  return r;
}

interface ChildStats {
  stats: { buffered: number; published: number; overflowed: number };
  cpu: NodeJS.CpuUsage;
}

function stats(c: ChildProcess): Promise<ChildStats> {
  return new Promise((resolve) => {
    c.once('message', (m) => resolve(m as ChildStats));
    c.send('stats');
  });
}

/** CPU ms (user + system) a child spent between two samples. */
function cpuMs(a: ChildStats, b: ChildStats): number {
  return (b.cpu.user - a.cpu.user + b.cpu.system - a.cpu.system) / 1000;
}

/**
 * The web process's share in isolation, less sensitive to the machine's
 * load than throughput: CPU per entry for add() plus its part of batching,
 * JSON and publishing with confirms to RabbitMQ (the consumer child takes them).
 */
async function bufferCost(prefix: string) {
  const settings = benchSettings(true);
  const transport = new AmqpTransport({ url: process.env.AMQP_URL!, prefix, queueType: 'quorum' });
  const buffer = new RequestLogBuffer({ transport, log: createLogger(settings), ...settings.requestLog });
  const N = 200_000;
  const started = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < N; i++) {
    buffer.add({
      at: new Date().toISOString(),
      method: 'GET',
      path: '/cards/purchase_request/12345',
      status: 200,
      durationMs: 3.217,
      userId: 42,
      ip: '127.0.0.1',
      requestId: 'bench-0000' + i,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
    });
    if (i % 10_000 === 9_999) await buffer.drained();
  }
  await buffer.drained();
  const used = process.cpuUsage(started);
  const s = buffer.stats();
  console.log(
    `buffer alone: ${N} entries in ${((performance.now() - wall) / 1000).toFixed(1)} s, ${((used.user + used.system) / N).toFixed(1)} µs CPU per entry ` +
      `(published ${s.published}, overflowed ${s.overflowed})`,
  );
  await buffer.close();
  await transport.close();
}

async function main() {
  const prefix = `orbis-bench.${process.pid}.${crypto.randomBytes(3).toString('hex')}`;
  await createBenchDatabase(DB_NAME);
  {
    const settings = benchSettings(true);
    const ctx = await createContext(settings, { log: createLogger(settings) });
    await ctx.services.users.create({ email: EMAIL, password: PASSWORD, displayName: 'Bench' });
    await ctx.close();
  }
  const children: ChildProcess[] = [];
  try {
    const consumer = await startChild('consumer', prefix);
    children.push(consumer.child);
    const on = await startChild('on', prefix);
    const off = await startChild('off', prefix);
    children.push(on.child, off.child);
    const apps = { on: { url: on.url, cookie: await signIn(on.url) }, off: { url: off.url, cookie: await signIn(off.url) } };
    console.log(
      `# ${new Date().toISOString()} ${os.cpus().length} cores, node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per measurement`,
    );
    console.log(
      `# load before: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const v of ['off', 'on'] as const) await measure(apps[v].url, apps[v].cookie, 3); // warm-up
    // Throughput swings with the machine's load; CPU time per request (of the
    // serving process alone) hardly does, so both are reported.
    const results: Record<'on' | 'off', CannonResult[]> = { on: [], off: [] };
    const cpu: Record<'on' | 'off', number> = { on: 0, off: 0 };
    let consumerCpu = 0;
    for (const v of ['off', 'on', 'on', 'off'] as const) {
      const child = v === 'on' ? on.child : off.child;
      const [before, consumerBefore] = [await stats(child), await stats(consumer.child)];
      const r = await measure(apps[v].url, apps[v].cookie, SECONDS);
      const [after, consumerAfter] = [await stats(child), await stats(consumer.child)];
      results[v].push(r);
      cpu[v] += cpuMs(before, after);
      if (v === 'on') consumerCpu += cpuMs(consumerBefore, consumerAfter);
      const perReq = (cpuMs(before, after) / r.requests.total) * 1000;
      console.log(
        `  ${v.padEnd(3)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  CPU ${perReq.toFixed(0)} µs/request`,
      );
    }
    console.log(
      `# load after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const total = (v: 'on' | 'off') => results[v].reduce((s, r) => s + r.requests.total, 0);
    const rate = (v: 'on' | 'off') => total(v) / (results[v].length * SECONDS);
    const p99 = (v: 'on' | 'off') => Math.max(...results[v].map((r) => r.latency.p99));
    const ratio = rate('on') / rate('off');
    const cpuPer = (v: 'on' | 'off') => (cpu[v] / total(v)) * 1000;
    console.log('\n| dashboard, signed in | req/s | p99 (worst run) | web CPU per request |');
    console.log('|---|---|---|---|');
    console.log(`| request log off | ${rate('off').toFixed(0)} | ${p99('off')} ms | ${cpuPer('off').toFixed(0)} µs |`);
    console.log(`| request log on | ${rate('on').toFixed(0)} | ${p99('on')} ms | ${cpuPer('on').toFixed(0)} µs |`);
    console.log(`\nthroughput on/off = ${ratio.toFixed(3)}  (cost ${((1 - ratio) * 100).toFixed(1)}%; target ≤ 5%)`);
    console.log(
      `web CPU per request on/off = ${(cpuPer('on') / cpuPer('off')).toFixed(3)}  (cost ${((cpuPer('on') / cpuPer('off') - 1) * 100).toFixed(1)}%)`,
    );
    console.log(
      `consumer CPU per logged request: ${((consumerCpu / total('on')) * 1000).toFixed(1)} µs (a worker process; PostgreSQL and RabbitMQ not counted)`,
    );

    // Every request of the "on" app (warm-up and sign-in included) must reach the table.
    const { stats: s } = await stats(on.child);
    const client = new pg.Client({ connectionString: benchDbUrl(DB_NAME) });
    await client.connect();
    let rows = 0;
    for (let i = 0; i < 100; i++) {
      rows = Number((await client.query('select count(*) from request_logs')).rows[0].count);
      if (rows >= s.published + s.buffered) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.end();
    console.log(`request log: ${rows} rows; the "on" app published ${s.published}, holds ${s.buffered}, overflowed ${s.overflowed}`);
    await bufferCost(prefix);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    const t = new AmqpTransport({ url: process.env.AMQP_URL!, prefix, queueType: 'quorum' });
    await t.deleteQueues(['default', 'audit', 'images', REQUEST_LOG_QUEUE]).catch(() => undefined);
    await t.close();
    await new Promise((r) => setTimeout(r, 500));
    await dropBenchDatabase(DB_NAME);
  }
}

const i = process.argv.indexOf('--serve');
if (i >= 0) await child(process.argv[i + 1] as Role);
else await main();
