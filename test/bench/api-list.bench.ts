// GET /api/v1/cards/purchase_request (50 cards of 100,000, as JSON) side by
// side with a bare Express + pg endpoint running the same query and sending
// the rows as JSON: the API's cost of its token check, rate limit, schema
// check of the query, count and card shape.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/api-list.bench.ts
//
// Each server in its own child process, one at a time, warmed up 2 s, then
// measured with wrk (one thread, BENCH_CONNECTIONS connections, BENCH_SECONDS
// each); the server's CPU per request from /proc. Env: BENCH_SECONDS (20),
// BENCH_CONNECTIONS (50), BENCH_LIST_QUERY (stage=approval&sort=-updated_at),
// BENCH_DB (orbis_bench_api), BENCH_KEEP_DB.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import pg from 'pg';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { COLUMNS, FROM } from '#app/services/card-reads';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { LOAD_CARDS, PASSWORD } from '#test/bench/bench-cards';

const DB_NAME = process.env.BENCH_DB ?? 'orbis_bench_api';
const CARDS = 100_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LIST_QUERY = process.env.BENCH_LIST_QUERY ?? 'stage=approval&sort=-updated_at';
const STAGE = new URLSearchParams(LIST_QUERY).get('stage') ?? 'approval';

function settings() {
  const { AMQP_URL: _b, MEMCACHED_SERVERS: _c, ...env } = process.env;
  return loadSettings({
    env: {
      ...env,
      NODE_ENV: 'production',
      DATABASE_URL: benchDbUrl(DB_NAME),
      SECRET_KEY: 'bench-secret-key-0123456789',
      ORBIS_PUBLIC_URL: 'http://127.0.0.1',
      LOG_LEVEL: 'silent',
    },
    // The limit counts every request (in the in-process cache, as without memcached) but never refuses one here.
    overrides: { api: { requestsPerMinute: 1_000_000 } },
  });
}

async function serveOrbis() {
  const s = settings();
  const ctx = await createContext(s, { log: createLogger(s) });
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  process.send!({ url: server.url });
}

/** The same statement the API's list runs for the view (a manager reads every card), rows sent as JSON. */
async function serveBare() {
  const pool = new pg.Pool({ connectionString: benchDbUrl(DB_NAME), max: 10 });
  const sql = `select ${COLUMNS} from ${FROM} where c.type = $1 and c.deleted_at is null and c.stage = $2 order by c.updated_at desc, c.id desc limit 50`;
  const app = express();
  app.get('/list', async (_req, res) => {
    const { rows } = await pool.query({ name: 'list', text: sql, values: ['purchase_request', STAGE] });
    res.json({ items: rows });
  });
  const server = await listen(app, '127.0.0.1', 0);
  process.send!({ url: server.url });
}

const running = new Set<ChildProcess>();

async function start(role: 'orbis' | 'bare'): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(import.meta.filename, ['--serve', role], { stdio: 'inherit' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  return { child, url };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  bad: number;
  cpuMs: number;
}

const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];

async function measure(url: string, server: ChildProcess, headers: Record<string, string>, seconds: number): Promise<Measured> {
  const script = path.join(os.tmpdir(), `orbis-api-bench-${process.pid}.lua`);
  fs.writeFileSync(
    script,
    `${Object.entries(headers)
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join('\n')}
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status) if status ~= 200 then bad = bad + 1 end end
function done() local b = 0 for _, t in ipairs(threads) do b = b + t:get("bad") end io.write("BAD " .. b .. "\\n") end
`,
  );
  const before = cpuSeconds(server.pid!);
  const out = await new Promise<string>((resolve, reject) => {
    const wrk = spawn('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url]);
    let text = '';
    wrk.stdout.on('data', (d) => (text += d));
    wrk.stderr.on('data', (d) => (text += d));
    wrk.on('error', reject);
    wrk.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const cpu = cpuSeconds(server.pid!) - before;
  fs.rmSync(script, { force: true });
  const total = Number(/(\d+) requests in/.exec(out)![1]);
  const lat = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out)!;
    return ms(m[1], m[2]);
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: lat('50'),
    p99: lat('99'),
    total,
    bad: Number(/BAD (\d+)/.exec(out)![1]) + (sock ? sock.slice(1).reduce((a, n) => a + Number(n), 0) : 0),
    cpuMs: (cpu * 1000) / Math.max(1, total),
  };
}

async function main() {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) return process.argv[i + 1] === 'orbis' ? serveOrbis() : serveBare();
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('this benchmark needs wrk: apt-get install wrk', { cause: err });
  }
  console.log(
    `# ${os.cpus().length} cores, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await createBenchDatabase(DB_NAME);
  try {
    const s = settings();
    const ctx = await createContext(s, { log: createLogger(s) });
    await ctx.services.users.ensureRole('manager');
    const manager = await ctx.services.users.create({
      email: 'manager@example.com',
      password: PASSWORD,
      roles: ['manager'],
      displayName: 'Maria Manager',
    });
    const operators: number[] = [];
    for (let n = 1; n <= 20; n++) {
      await ctx.services.users.ensureRole('operator');
      operators.push(
        (
          await ctx.services.users.create({
            email: `op${n}@example.com`,
            password: PASSWORD,
            roles: ['operator'],
            displayName: `Operator ${n}`,
          })
        ).id,
      );
    }
    const approvers: number[] = [];
    for (let n = 1; n <= 5; n++) {
      await ctx.services.users.ensureRole('approver');
      approvers.push(
        (
          await ctx.services.users.create({
            email: `ap${n}@example.com`,
            password: PASSWORD,
            roles: ['approver'],
            displayName: `Approver ${n}`,
          })
        ).id,
      );
    }
    await ctx.db.exec(LOAD_CARDS, [CARDS, [...operators, manager.id], operators, approvers]);
    await ctx.db.exec(`insert into card_counters (type, last_number) values ('purchase_request', $1)`, [CARDS]);
    await ctx.db.exec('vacuum analyze cards');
    const { token } = await ctx.services.tokens.create(manager.id, { name: 'bench', scope: 'read', expiresDays: null }, null);
    await ctx.close();

    const bare = await start('bare');
    await measure(`${bare.url}/list`, bare.child, {}, 2);
    const bareM = await measure(`${bare.url}/list`, bare.child, {}, SECONDS);
    await stop(bare.child);
    const orbis = await start('orbis');
    const url = `${orbis.url}/api/v1/cards/purchase_request?${LIST_QUERY}`;
    const check = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = (await check.json()) as { items: unknown[] };
    if (check.status !== 200 || body.items.length !== 50)
      throw new Error(`the API answered ${check.status} with ${body.items?.length} items`);
    await measure(url, orbis.child, { authorization: `Bearer ${token}` }, 2);
    const orbisM = await measure(url, orbis.child, { authorization: `Bearer ${token}` }, SECONDS);
    await stop(orbis.child);

    const fmt = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
    const row = (name: string, m: Measured) =>
      `| ${name} | ${m.rps.toFixed(0)} | ${fmt(m.p50)} ms | ${fmt(m.p99)} ms | ${m.cpuMs.toFixed(2)} ms | ${m.total} | ${m.bad} |`;
    console.log(
      `\n| one process each, ${CONNECTIONS} connections, ${SECONDS} s, ?${LIST_QUERY} | requests/s | p50 | p99 | server CPU / request | requests | failed |`,
    );
    console.log('|---|---|---|---|---|---|---|');
    console.log(row('bare Express + pg, the same statement, rows as JSON', bareM));
    console.log(row('Orbis GET /api/v1/cards/purchase_request (bearer token)', orbisM));
    console.log(`\nOrbis API / bare: ${((orbisM.rps / bareM.rps) * 100).toFixed(0)}% (target ≥ 70%)`);
    if (orbisM.bad || bareM.bad) console.log('WARNING: some requests failed; the numbers above are not valid');
  } finally {
    await Promise.all([...running].map(stop));
    if (!process.env.BENCH_KEEP_DB) await dropBenchDatabase(DB_NAME);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
