// What live pages cost the web: N open card pages, each polling its card's
// mark every second as lib/static/js/live.js does (GET /cards/:type/:id/live.json)
// and fetching the card page again when the mark moved, against
// `./manage.ts serve -w 2` in production mode (RabbitMQ, memcached, the
// request log on) — while someone comments on one of the cards every 2 s
// through the same server (so ~N/10 pages fetch themselves again each time).
// The web processes' CPU (utime + stime from /proc, the primary's children)
// over the period, per open page per second. A run with no pages gives the
// processes' own floor at the same change rate.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres AMQP_URL=amqp://guest:guest@127.0.0.1:5672 \
//     MEMCACHED_SERVERS=127.0.0.1:11211 npx tsx test/bench/live-updates.bench.ts
//
// Env: BENCH_PAGES (0,50,200: the runs), BENCH_SECONDS (30), BENCH_CHANGE_MS (2000; 0: no changes, polls only).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '#app/config';
import { createContext } from '#app/context';
import { createLogger } from '#app/log';
import type { Card } from '#app/services/cards';
import { createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';
import { TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { ROOT } from '#test/support/cli';

const DB = 'orbis_bench_live';
const RUNS = (process.env.BENCH_PAGES ?? '0,50,200').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CHANGE_MS = Number(process.env.BENCH_CHANGE_MS ?? 2000);
const CARDS = 10;
const USERS = 10;
const PASSWORD = 'correct horse battery';
/** /proc counts CPU in clock ticks of USER_HZ = 100 on Linux: 10 ms each. */
const TICK_MS = 10;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** CPU (ms) of the processes whose parent is `pid`: the web processes of serve's primary. */
function childrenCpuMs(pid: number): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== pid) continue;
    total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  }
  return total;
}

async function main() {
  console.log(
    `# ${os.cpus().length} cores, Node ${process.version}; load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; ${new Date().toISOString()}`,
  );
  const url = await createBenchDatabase(DB);
  const settings = loadSettings({ env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'test', LOG_LEVEL: 'warn' } });
  const ctx = await createContext(settings, { log: createLogger(settings) });
  const users = [];
  for (let i = 0; i < USERS; i++)
    users.push(await sessionUserFor(ctx, `reader${i}@example.com`, { roles: ['manager'], name: `Reader ${i}` }));
  const cards: Card[] = [];
  for (let i = 0; i < CARDS; i++) cards.push(await makePurchase(ctx, users[0], { title: `Desk ${i}` }));
  await ctx.close();

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serve = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'manage.ts'), 'serve', '-p', String(port), '-w', '2', '--max-requests', '0'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: url,
        NODE_ENV: 'production',
        SECRET_KEY: 'bench-secret-key-bench-secret-key-0123456789',
        ORBIS_PUBLIC_URL: base,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  serve.stderr.on('data', (d: Buffer) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
    serve.stdout.on('data', (d: Buffer) => {
      if (/is serving on/.test(d.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
    serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
  try {
    const signedIn: TestClient[] = [];
    for (let i = 0; i < USERS; i++) {
      const c = new TestClient(base);
      const r = await c.login(`reader${i}@example.com`, PASSWORD);
      if (r.status !== 303) throw new Error(`sign-in ${r.status}: ${r.text.slice(0, 200)}`);
      signedIn.push(c);
    }
    const writer = signedIn[0];
    const cardPath = (i: number) => `/cards/purchase_request/${cards[i % CARDS].id}`;
    const commentToken = await writer.csrf(cardPath(0));

    console.log('| open pages | seconds | polls | page fetches | web CPU, ms | CPU per page per second, ms | load (1 min) |');
    console.log('|---:|---:|---:|---:|---:|---:|---:|');
    for (const N of RUNS) {
      let polls = 0;
      let fetches = 0;
      let failures = 0;
      const stopAt = Date.now() + SECONDS * 1000;
      const pages = Array.from({ length: N }, (_, i) => {
        const client = new TestClient(base);
        for (const [k, v] of signedIn[i % USERS].cookies) client.cookies.set(k, v);
        return { client, path: cardPath(i), mark: undefined as string | null | undefined };
      });
      // Each page's own second, spread evenly, as open tabs would be.
      const loops = pages.map(async (p, i) => {
        await new Promise((r) => setTimeout(r, (1000 * i) / Math.max(1, N)));
        let next = Date.now();
        while (Date.now() < stopAt) {
          const r = await p.client.get(`${p.path}/live.json`, { accept: 'application/json' });
          polls++;
          if (r.status !== 200) failures++;
          else {
            // As live.js: the first answer is where the page starts; a later mark that moved fetches the page.
            const { mark } = JSON.parse(r.text) as { mark: string | null };
            if (p.mark === undefined) p.mark = mark;
            else if (mark && mark !== p.mark) {
              p.mark = mark;
              await p.client.get(p.path);
              fetches++;
            }
          }
          next += 1000;
          await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now())));
        }
      });
      let n = 0;
      const changes = (async () => {
        while (CHANGE_MS > 0 && Date.now() < stopAt) {
          await new Promise((r) => setTimeout(r, Math.min(CHANGE_MS, stopAt - Date.now())));
          if (Date.now() >= stopAt) break;
          const r = await writer.post(`${cardPath(n++)}/comments`, { body: `change ${n}`, _csrf: commentToken });
          if (r.status !== 303) failures++;
        }
      })();
      // Measured from the second second on: every page has started by then.
      await new Promise((r) => setTimeout(r, 1000));
      const cpu0 = childrenCpuMs(serve.pid!);
      const t0 = Date.now();
      await Promise.all([...loops, changes, new Promise((r) => setTimeout(r, Math.max(0, stopAt - Date.now())))]);
      const ms = childrenCpuMs(serve.pid!) - cpu0;
      const secs = (Date.now() - t0) / 1000;
      const perPage = N ? ms / N / secs : NaN;
      console.log(
        `| ${N} | ${secs.toFixed(1)} | ${polls} | ${fetches} | ${ms.toFixed(0)} | ${N ? perPage.toFixed(3) : '— (floor)'} | ${os.loadavg()[0].toFixed(2)} |`,
      );
      if (failures) console.log(`#   ${failures} failed requests`);
    }
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => serve.once('exit', r));
    await dropBenchDatabase(DB);
  }
}

await main();
