// Card list page and card saves at 100,000 cards, side by side with the bare
// stack (Express + nunjucks rendering the same 50 rows from memory).
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/cards-list.bench.ts
//
// Order: create the database orbis_bench_cards and migrate it, load 100k
// cards with one INSERT … generate_series (rows shaped as the card service
// writes them: data jsonb, search vector, counters), then start each server
// in its own child process (same Node flags), one at a time, warm up,
// measure with wrk (Debian's `wrk`: a C load generator, so the two cores go
// to the servers and PostgreSQL rather than to a JavaScript client), print
// the tables with each server's CPU time per request (summed over its
// process tree, from /proc; PostgreSQL's, RabbitMQ's and memcached's not
// counted), drop the database.
//
// With AMQP_URL set, the same list page is also measured as production
// serves it: `manage.ts serve -w N` (node:cluster, DESIGN.md's web (prod)),
// N = the cores, beside the bare page in N processes under node:cluster.
//
// Each list measurement runs BENCH_SECONDS (30): wrk opens its 50
// connections when it starts, and a busy single-threaded server accepts them
// over about a second, so their first requests wait up to ~1 s; in a
// 10-second run those ~50 requests were up to half of the slowest 1% (docs/
// benchmarks.md, "2026-11-25, second session").
// Env: BENCH_SECONDS (30), BENCH_SAVE_SECONDS (10), BENCH_LIST_QUERY
// (stage=approval&sort=-updated_at), BENCH_KEEP_DB (keep the database),
// BENCH_QUICK=1 (5 s lists, 3 s saves: a smoke run).
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import nunjucks from 'nunjucks';
import pg from 'pg';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import { parseListQuery } from '#app/services/card-list';
import { loadSettings, projectRoot } from '#app/config';
import { createI18n } from '#app/i18n/i18n';
import { columnLabel, columnText, displayMaps } from '#app/web/card-display';
import { createApp } from '#app/web/app';
import { escapeHtml } from '#app/web/render';
import { listen } from '#app/web/server';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { LOAD_CARDS, PASSWORD, signIn } from '#test/bench/bench-cards';

/** English: what these rows and labels read as for the default reader. */
const english = createI18n(projectRoot, 'en').t('en');

// BENCH_DB: another name, so two checkouts can measure on one server at once.
const DB_NAME = process.env.BENCH_DB ?? 'orbis_bench_cards';
// BENCH_ORBIS_ONLY=1: only the Orbis list page and saves (an A/B of two
// commits, where the bare pages do not change); BENCH_CONNECTIONS: fewer
// connections on a machine too busy to answer 50 within wrk's 2-s timeout.
const ORBIS_ONLY = process.env.BENCH_ORBIS_ONLY === '1';
const LIST_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SAVE_CONNECTIONS = Math.min(20, LIST_CONNECTIONS);
const CARDS = 100_000;
const quick = process.env.BENCH_QUICK === '1'; // a smoke run: short, small, numbers not to quote
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 5 : 30));
// Saves: 10 s as in every earlier row (throughput only; each save is the next card's first).
const SAVE_SECONDS = Number(process.env.BENCH_SAVE_SECONDS ?? (quick ? 3 : 10));
const LIST_QUERY = process.env.BENCH_LIST_QUERY ?? 'stage=approval&sort=-updated_at';

// Production settings: templates cached, no pretty logging, as served for real.
function benchEnv(): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: benchDbUrl(DB_NAME),
    SECRET_KEY: 'bench-secret-key-0123456789',
    ORBIS_PUBLIC_URL: 'http://127.0.0.1',
    LOG_LEVEL: 'silent',
  };
}

// The one-process rows use the in-process queue and cache whatever AMQP_URL
// and MEMCACHED_SERVERS say, and start no workers (jobs wait in the queue),
// as every earlier row of docs/benchmarks.md did; the production layout
// (startServe) uses both servers.
function benchSettings() {
  const { AMQP_URL: _broker, MEMCACHED_SERVERS: _cache, ...env } = process.env;
  return loadSettings({ env: { ...env, ...benchEnv() } });
}

// ---------------------------------------------------------------- children

/** Child: the Orbis app on the bench database. */
async function serveOrbis() {
  const settings = benchSettings();
  const ctx = await createContext(settings, { log: createLogger(settings) });
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  process.send!({ url: server.url });
}

interface BareRows {
  columns: string[];
  rows: { id: number; cells: string[]; stage: string }[];
}

// The ceiling: the list page's table, same rows, columns, links and stage
// badges, rendered by nunjucks (autoescape on) from memory.
const BARE_TEMPLATE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Purchase requests</title>
<link rel="stylesheet" href="/lib/static/vendor/bootstrap/css/bootstrap.min.css"></head><body><main class="container-xxl">
<h1 class="h3">Purchase requests</h1><span>{{ total }} cards</span>
<table class="table table-hover align-middle mb-0"><thead><tr>{% for c in columns %}<th scope="col"><a href="?sort={{ c }}">{{ c }}</a></th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>{% for cell in row.cells %}{% set col = loop.index0 %}<td>{% if col < 2 %}<a href="/cards/purchase_request/{{ row.id }}">{{ cell }}</a>{% elif col == 2 %}<span class="badge rounded-pill text-bg-primary">{{ cell }}</span>{% else %}{{ cell }}{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></main></body></html>`;

// The same page with the rows built in code, as Orbis builds its list rows
// since 2026-11-25 (listRowsHtml): every cell escaped, one string per page,
// per request. Not the target's reference (that is the nunjucks loop above);
// measured beside it so the report shows how much of Orbis's ratio comes
// from building rows without nunjucks' loop, which the bare page could do too.
const BARE_BUILT_TEMPLATE =
  BARE_TEMPLATE.slice(0, BARE_TEMPLATE.indexOf('{% for row in rows %}')) +
  '{{ rowsHtml }}' +
  BARE_TEMPLATE.slice(BARE_TEMPLATE.indexOf('</tbody>'));

function bareRowsHtml(data: BareRows): nunjucks.runtime.SafeString {
  let html = '';
  for (const row of data.rows) {
    html += '<tr>';
    for (let col = 0; col < row.cells.length; col++) {
      const text = escapeHtml(row.cells[col]);
      html += '<td>';
      if (col < 2) html += `<a href="/cards/purchase_request/${row.id}">${text}</a>`;
      else if (col === 2) html += `<span class="badge rounded-pill text-bg-primary">${text}</span>`;
      else html += text;
      html += '</td>';
    }
    html += '</tr>\n';
  }
  return new nunjucks.runtime.SafeString(html);
}

/**
 * Child: bare Express + nunjucks; the rows arrive in BENCH_BARE_ROWS (in the
 * environment, not a message: one sent to a cluster worker before its module
 * listened was lost). With `processes` > 1 it is a node:cluster primary
 * starting that many workers, which share one port, as `manage.ts serve`
 * runs Orbis.
 */
async function serveBare(processes: number) {
  const data = JSON.parse(process.env.BENCH_BARE_ROWS!) as BareRows;
  if (cluster.isPrimary && processes > 1) {
    cluster.setupPrimary({ args: ['--serve', 'bare', String(processes)] });
    const urls = await Promise.all(
      Array.from({ length: processes }, () => {
        const worker = cluster.fork();
        return new Promise<string>((resolve, reject) => {
          worker.once('message', (m) => resolve((m as { url: string }).url));
          worker.once('exit', (code) => reject(new Error(`a bare cluster worker exited with ${code}`)));
        });
      }),
    );
    process.send!({ url: urls[0] });
    return;
  }
  const env = new nunjucks.Environment(null, { autoescape: true });
  const template = nunjucks.compile(BARE_TEMPLATE, env);
  const built = nunjucks.compile(BARE_BUILT_TEMPLATE, env);
  const app = express();
  app.get('/list', (_req, res) => {
    res.type('html').send(template.render({ total: CARDS, ...data }));
  });
  app.get('/list-built', (_req, res) => {
    res.type('html').send(built.render({ total: CARDS, columns: data.columns, rowsHtml: bareRowsHtml(data) }));
  });
  // Port 0 under node:cluster: the workers share one port the primary picks.
  const server = await listen(app, '127.0.0.1', 0);
  process.send!({ url: server.url });
}

// Every server process started, from the moment it is spawned, so that the
// parent's `finally` stops it even if it never came up.
const running = new Set<ChildProcess>();
const START_TIMEOUT_MS = 120_000;

/** Resolves when `ready` does; rejects if the child exits first or takes longer than START_TIMEOUT_MS. */
function started<T>(child: ChildProcess, name: string, ready: (resolve: (value: T) => void) => void): Promise<T> {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}`));
    });
    ready((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Stops a server (SIGTERM: Orbis finishes its requests; a cluster primary takes its workers with it) and waits for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Starts `role` in a child process (same tsx loader) and returns its URL. */
async function startChild(role: 'orbis' | 'bare', rows?: BareRows, processes = 1): Promise<{ child: ChildProcess; url: string }> {
  const env = rows ? { ...process.env, BENCH_BARE_ROWS: JSON.stringify(rows) } : process.env;
  const child = fork(import.meta.filename, ['--serve', role, String(processes)], { stdio: 'inherit', env });
  const url = await started<string>(child, `the ${role} server`, (resolve) =>
    child.once('message', (m) => resolve((m as { url: string }).url)),
  );
  return { child, url };
}

// ---------------------------------------------------------------- parent

async function loadData() {
  const settings = benchSettings();
  const ctx = await createContext(settings, { log: createLogger(settings) });
  const make = async (email: string, roles: string[], name: string) => {
    for (const r of roles) await ctx.services.users.ensureRole(r);
    return ctx.services.users.create({ email, password: PASSWORD, roles, displayName: name });
  };
  const manager = await make('manager@example.com', ['manager'], 'Maria Manager');
  const operators = [];
  for (let i = 1; i <= 20; i++) operators.push((await make(`operator${i}@example.com`, ['operator'], `Operator ${i}`)).id);
  const approvers = [];
  for (let i = 1; i <= 5; i++) approvers.push((await make(`approver${i}@example.com`, ['approver'], `Approver ${i}`)).id);
  const started = Date.now();
  await ctx.db.exec(LOAD_CARDS, [CARDS, [...operators, manager.id], operators, approvers]);
  await ctx.db.exec(`insert into card_counters (type, last_number) values ('purchase_request', $1)`, [CARDS]);
  // A live table is vacuumed and analysed by autovacuum; do it now rather than mid-run.
  await ctx.db.exec('vacuum analyze cards');
  console.log(`# loaded ${CARDS} cards in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // The same 50 rows the Orbis page shows, as the page formats them, for the bare server.
  const user = (await ctx.services.users.sessionUser(manager.id))!;
  const type = ctx.services.cards.types.get('purchase_request')!;
  const q = parseListQuery(type, Object.fromEntries(new URLSearchParams(LIST_QUERY)));
  const result = await ctx.services.cards.list(user, type.name, q);
  const maps = await displayMaps(ctx.db, type, result.rows);
  const bare: BareRows = {
    columns: type.columns.map((c) => columnLabel(type, c, english)),
    rows: result.rows.map((card) => ({
      id: card.id,
      stage: card.stage,
      cells: type.columns.map((c) => columnText(type, c, card, maps, { t: english, locale: 'en', timeZone: user.timeZone })),
    })),
  };
  const ids = (await ctx.db.rows<{ id: number }>(`select id from cards where type = 'purchase_request' order by id`)).map((r) => r.id);
  await ctx.close();
  return { bare, ids, total: result.total };
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  bad: number;
  /** CPU time of the server process per request, ms (user + system, from /proc). */
  cpuMs: number;
}

interface Load {
  url: string;
  connections: number;
  headers?: Record<string, string>;
  expectStatus: number;
  /** Lua for wrk's request(): a POST per request (saves). */
  request?: string;
}

/** CPU seconds a process and its descendants have used so far (utime + stime, from /proc). */
function cpuSeconds(pid: number): number {
  const stats = new Map<number, { ppid: number; cpu: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const fields = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    stats.set(Number(entry), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / 100 }); // clock ticks, 100 a second on Linux
  }
  let total = 0;
  const pending = [pid];
  while (pending.length) {
    const p = pending.pop()!;
    total += stats.get(p)?.cpu ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) pending.push(child);
  }
  return total;
}

const ms = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];

/**
 * One wrk run (one thread: the counter in the saves' Lua stays unique). The
 * Lua counts responses whose status is not the expected one.
 */
async function measure(load: Load, server: ChildProcess, seconds = SECONDS): Promise<Measured> {
  const script = path.join(os.tmpdir(), `orbis-bench-${process.pid}.lua`);
  fs.writeFileSync(
    script,
    `${Object.entries(load.headers ?? {})
      .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
      .join('\n')}
bad = 0
${load.request ?? ''}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status) if status ~= ${load.expectStatus} then bad = bad + 1 end end
function done() local b = 0 for _, t in ipairs(threads) do b = b + t:get("bad") end io.write("BAD " .. b .. "\\n") end
`,
  );
  const before = cpuSeconds(server.pid!);
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${load.connections}`, `-d${seconds}s`, '--latency', '-s', script, load.url]);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const cpu = cpuSeconds(server.pid!) - before;
  fs.rmSync(script, { force: true });
  if (!/BAD (\d+)/.test(out)) throw new Error(`unexpected wrk output:\n${out}`);
  const total = Number(/(\d+) requests in/.exec(out)![1]);
  const lat = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`no ${p}th percentile in wrk's output:\n${out}`);
    return ms(m[1], m[2]);
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = socketErrors ? socketErrors.slice(1).reduce((a, n) => a + Number(n), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: lat('50'),
    p99: lat('99'),
    total,
    bad: Number(/BAD (\d+)/.exec(out)![1]) + errors,
    cpuMs: (cpu * 1000) / Math.max(1, total),
  };
}

/** `manage.ts serve -w N` on the bench database, as production runs the web; resolves once every process listens. */
async function startServe(processes: number): Promise<{ child: ChildProcess; url: string }> {
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const manage = path.join(import.meta.dirname, '..', '..', 'manage.ts');
  const child = spawn(
    process.execPath,
    [...process.execArgv, manage, 'serve', '-h', '127.0.0.1', '-p', String(port), '-w', String(processes), '--max-requests', '0'],
    {
      env: { ...process.env, ...benchEnv() },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await started<void>(child, 'manage.ts serve', (resolve) =>
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Orbis is serving')) resolve();
    }),
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

async function main() {
  const serveIndex = process.argv.indexOf('--serve');
  if (serveIndex >= 0)
    return process.argv[serveIndex + 1] === 'orbis' ? serveOrbis() : serveBare(Number(process.argv[serveIndex + 2] ?? 1));

  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' });
  } catch (err) {
    // wrk -v prints its version and exits 1; only a missing binary is fatal.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('this benchmark needs wrk: apt-get install wrk', { cause: err });
  }
  console.log(
    `# ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await createBenchDatabase(DB_NAME);
  try {
    const { bare: bareRows, ids, total } = await loadData();
    console.log(`# list view ?${LIST_QUERY}: ${total} matching cards, ${bareRows.rows.length} shown`);
    // One server at a time, stopped before the next starts; every list view
    // before the saves, which change the rows the view shows.

    const unmeasured: Measured = { rps: NaN, p50: NaN, p99: NaN, total: 0, bad: 0, cpuMs: NaN };
    let bareList = unmeasured;
    let bareBuilt = unmeasured;
    if (!ORBIS_ONLY) {
      const bare = await startChild('bare', bareRows);
      const bareLoad: Load = { url: `${bare.url}/list`, connections: LIST_CONNECTIONS, expectStatus: 200 };
      await measure(bareLoad, bare.child, 2); // warm-up: JIT, template cache, pool, buffer cache
      bareList = await measure(bareLoad, bare.child);
      const builtLoad: Load = { ...bareLoad, url: `${bare.url}/list-built` };
      await measure(builtLoad, bare.child, 2);
      bareBuilt = await measure(builtLoad, bare.child);
      await stop(bare.child);
    }

    // Production layout: one process per core for both servers.
    const processes = os.cpus().length;
    let production: { bare: Measured; orbis: Measured } | null = null;
    if (process.env.AMQP_URL && !ORBIS_ONLY) {
      const served = await startServe(processes);
      const prodLoad: Load = {
        url: `${served.url}/cards/purchase_request?${LIST_QUERY}`,
        connections: 50,
        headers: { cookie: (await signIn(served.url, 'manager@example.com')).cookie },
        expectStatus: 200,
      };
      await measure(prodLoad, served.child, 2);
      const orbisProd = await measure(prodLoad, served.child);
      await stop(served.child);
      const bareCluster = await startChild('bare', bareRows, processes);
      const bareProdLoad: Load = { url: `${bareCluster.url}/list`, connections: 50, expectStatus: 200 };
      await measure(bareProdLoad, bareCluster.child, 2);
      production = { bare: await measure(bareProdLoad, bareCluster.child), orbis: orbisProd };
      await stop(bareCluster.child);
    }

    const orbis = await startChild('orbis');
    const { cookie, csrf } = await signIn(orbis.url, 'manager@example.com');
    const listLoad: Load = {
      url: `${orbis.url}/cards/purchase_request?${LIST_QUERY}`,
      connections: LIST_CONNECTIONS,
      headers: { cookie },
      expectStatus: 200,
    };
    await measure(listLoad, orbis.child, 2);
    const orbisList = await measure(listLoad, orbis.child);

    // Saves through the edit form, each request on the next card, so every
    // save is a card's first (version 1). The cards' ids are consecutive.
    if (ids.some((id, i) => id !== ids[0] + i)) throw new Error('card ids are not consecutive');
    const body = new URLSearchParams({
      _csrf: csrf,
      version: '1',
      title: 'Saved card',
      supplier: 'Bench Supplies',
      amount: '99.90',
      category: 'office',
      quantity: '3',
      cost_center: 'OP-123',
    });
    const saveLoad: Load = {
      url: orbis.url,
      connections: SAVE_CONNECTIONS,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      expectStatus: 303,
      request: `n = -1
function request()
  n = n + 1
  return wrk.format("POST", "/cards/purchase_request/" .. (${ids[0]} + n) .. "/edit", nil, ${JSON.stringify(body.toString())})
end`,
    };
    const saves = await measure(saveLoad, orbis.child, SAVE_SECONDS);
    await stop(orbis.child);
    const db = new pg.Client({ connectionString: benchDbUrl(DB_NAME) });
    await db.connect();
    const saved = Number((await db.query<{ n: string }>('select count(*) as n from cards where version > 1')).rows[0].n);
    await db.end();

    const fmt = (n: number) => `${n.toFixed(0)} ms`;
    const row = (name: string, m: Measured) =>
      `| ${name} | ${m.rps.toFixed(0)} | ${fmt(m.p50)} | ${fmt(m.p99)} | ${m.cpuMs.toFixed(2)} ms | ${m.total} | ${m.bad} |`;
    console.log(
      `\n| one process each | requests/s | p50 | p99 | server CPU / request | requests | failed |\n|---|---|---|---|---|---|---|`,
    );
    console.log(row('bare Express + nunjucks, 50 rows from memory', bareList));
    console.log(row('bare, the rows built in code as Orbis builds them (not the target)', bareBuilt));
    console.log(row(`Orbis /cards/purchase_request?${LIST_QUERY}`, orbisList));
    console.log(row(`Orbis card saves (POST …/edit, ${SAVE_CONNECTIONS} connections)`, saves));
    console.log(`# saves: ${saved} cards at version 2 for ${saves.total - saves.bad} answers 303`);
    const ratio = orbisList.rps / bareList.rps;
    console.log(
      `\nOrbis / bare throughput: ${(ratio * 100).toFixed(0)}% (target ≥ 60%); Orbis p99 ${fmt(orbisList.p99)} (target ≤ 50 ms); saves ${saves.rps.toFixed(0)}/s (target ≥ 500/s)`,
    );
    console.log(
      `Orbis / bare with its rows built the same way: ${((orbisList.rps / bareBuilt.rps) * 100).toFixed(0)}% (for comparison; the target is against the page above)`,
    );
    let invalid = orbisList.bad || bareList.bad || bareBuilt.bad || saves.bad || saved < saves.total - saves.bad;
    if (production) {
      console.log(
        `\n| ${processes} processes each (node:cluster) | requests/s | p50 | p99 | server CPU / request | requests | failed |\n|---|---|---|---|---|---|---|`,
      );
      console.log(row('bare Express + nunjucks, 50 rows from memory', production.bare));
      console.log(row(`Orbis \`manage.ts serve -w ${processes}\``, production.orbis));
      console.log(
        `\nProduction layout: Orbis / bare ${((production.orbis.rps / production.bare.rps) * 100).toFixed(0)}%; Orbis p99 ${fmt(production.orbis.p99)}`,
      );
      invalid ||= production.orbis.bad > 0 || production.bare.bad > 0;
    } else {
      console.log('\n# production layout (manage.ts serve) not measured: it needs AMQP_URL');
    }
    if (invalid) console.log('WARNING: some requests failed or had an unexpected status; the numbers above are not valid');
  } finally {
    await Promise.all([...running].map(stop));
    if (!process.env.BENCH_KEEP_DB) await dropBenchDatabase(DB_NAME);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
