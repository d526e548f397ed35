// What error reports cost a process's start: startErrorReports without a DSN
// (nothing loaded) and with one (the SDK imported and initialised), each in
// a fresh process, side by side. The DSN points at a closed port: nothing is
// sent, only the start is timed.
//   npx tsx test/bench/error-report-start.bench.ts [runs]
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const runs = Number(process.argv[2] ?? 5);
const child = `
  const { loadSettings } = await import('#app/config');
  const { startErrorReports } = await import('#app/services/error-report');
  const s = loadSettings({ env: { NODE_ENV: 'test', SENTRY_DSN: process.env.BENCH_DSN ?? '' } });
  const t0 = performance.now();
  const r = await startErrorReports(s, 'web');
  console.log(performance.now() - t0);
  await r.close();`;

function once(dsn: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
    env: { ...process.env, BENCH_DSN: dsn },
  });
  return Number(out.toString().trim().split('\n').pop());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const off: number[] = [];
const on: number[] = [];
const before = os.loadavg();
for (let i = 0; i < runs; i++) {
  off.push(once(''));
  on.push(once('http://key@127.0.0.1:9/1'));
}
console.log(
  JSON.stringify({
    runs,
    offMedianMs: Math.round(median(off) * 10) / 10,
    onMedianMs: Math.round(median(on)),
    onRangeMs: [Math.round(Math.min(...on)), Math.round(Math.max(...on))],
    loadBefore: before.map((l) => l.toFixed(1)),
    loadAfter: os.loadavg().map((l) => l.toFixed(1)),
    at: new Date().toISOString(),
  }),
);
