// An open-loop load generator: requests leave at a fixed rate, evenly spaced,
// whatever the answers do, and each latency counts from the moment the
// request was SCHEDULED to leave. A stall of the server (or of this process)
// therefore shows as latency for every request that should have gone out
// meanwhile, instead of as fewer requests (coordinated omission). The keep-
// alive agent opens as many sockets as the answers in flight need (up to a
// bound only a server that stopped answering reaches), so a slow
// answer never holds back the next send; free sockets are reused oldest
// first (fifo), which spreads the requests over every connection and so over
// every process of a node:cluster server, as many browsers would.
//
// Written here because the clients at hand are closed loops or burst per
// second: wrk waits for each connection's answer, and autocannon's
// `--overallRate` sends each second's requests at once (docs/benchmarks.md).
import http from 'node:http';
import type { Socket } from 'node:net';

export interface OpenLoopOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  /** Measured seconds, after the warm-up. */
  seconds: number;
  /** Seconds at the same rate before the measured part; scheduled then, not counted. */
  warmupSeconds?: number;
  headers?: Record<string, string>;
  /** Any other status counts as failed (200). */
  expectStatus?: number;
  /** An answer slower than this is "slow" (50 ms). */
  slowMs?: number;
  /** A request without an answer after this long is failed (30 s). */
  timeoutMs?: number;
  /**
   * Sockets open at most (1,000): a bound for a server that has stopped
   * answering, not a limit in a run that means anything — at 300/s it is
   * over 3 s of answers in flight. Past it, requests wait for a socket and
   * their wait counts (latency is from the scheduled send either way).
   */
  maxSockets?: number;
}

export interface Sample {
  /** Scheduled send, ms since the start. */
  at: number;
  /** Answer's end minus the scheduled send, ms. */
  latency: number;
  /** Actual send minus the scheduled send, ms: how late this generator was. */
  sendLag: number;
  /** HTTP status; 0 for an error or a timeout. */
  status: number;
  /** The error's code (or message) when there was no answer. */
  error?: string;
  warmup: boolean;
}

export interface SlowSecond {
  /** Second of the run (since the start, warm-up included) in which the slow requests were scheduled. */
  second: number;
  count: number;
  maxMs: number;
}

export interface OpenLoopResult {
  /** performance.now() at the start: sample `at` is relative to it. */
  startedAt: number;
  samples: Sample[];
  /** Measured requests (warm-up left out) and how many of them failed. */
  requests: number;
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Seconds holding slow answers, the warm-up's included (its seconds are < warmupSeconds). */
  slowSeconds: SlowSecond[];
  /** The generator's own lateness over all requests: p99 and max, ms. */
  sendLagP99: number;
  sendLagMax: number;
  /** Sockets opened over the run. */
  sockets: number;
  /** Failed measured requests by cause: `status 503`, `ECONNRESET`, `timeout`… */
  failures: Record<string, number>;
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const {
    url,
    rate,
    seconds,
    warmupSeconds = 0,
    headers = {},
    expectStatus = 200,
    slowMs = 50,
    timeoutMs = 30_000,
    maxSockets = 1000,
  } = options;
  const interval = 1000 / rate;
  const total = Math.round(rate * (warmupSeconds + seconds));
  const warmupCount = Math.round(rate * warmupSeconds);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
  const sockets = new Set<Socket>();
  const samples: Sample[] = new Array(total);
  let answered = 0;
  let next = 0;
  const start = performance.now();

  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      resolve(summarize(samples, start, expectStatus, slowMs, sockets.size));
    };
    const record = (k: number, sentAt: number, status: number, err?: Error) => {
      if (samples[k]) return; // an error after a timeout, or the reverse
      const scheduled = start + k * interval;
      samples[k] = {
        at: k * interval,
        latency: performance.now() - scheduled,
        sendLag: sentAt - scheduled,
        status,
        warmup: k < warmupCount,
      };
      if (err) samples[k].error = (err as NodeJS.ErrnoException).code ?? err.message;
      if (++answered === total) finish();
    };
    const send = (k: number) => {
      const sentAt = performance.now();
      const req = http.request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => record(k, sentAt, res.statusCode ?? 0));
        res.on('error', (err) => record(k, sentAt, 0, err));
      });
      req.on('socket', (s) => sockets.add(s));
      req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => record(k, sentAt, 0, err));
      req.end();
    };
    // Sends everything due, then sleeps until the next request is due; a late
    // wake-up sends the backlog at once (their latency still counts from
    // their scheduled time).
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) send(next++);
      if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    if (total === 0) finish();
    else tick();
  });
}

function summarize(samples: Sample[], startedAt: number, expectStatus: number, slowMs: number, sockets: number): OpenLoopResult {
  const measured = samples.filter((s) => !s.warmup);
  const failures: Record<string, number> = {};
  for (const s of measured) {
    if (s.status === expectStatus) continue;
    const cause = s.error ?? `status ${s.status}`;
    failures[cause] = (failures[cause] ?? 0) + 1;
  }
  const latencies = measured.map((s) => s.latency).sort((a, b) => a - b);
  const lags = samples.map((s) => s.sendLag).sort((a, b) => a - b);
  const bySecond = new Map<number, SlowSecond>();
  for (const s of samples) {
    if (s.latency <= slowMs) continue;
    const second = Math.floor(s.at / 1000);
    const entry = bySecond.get(second) ?? { second, count: 0, maxMs: 0 };
    entry.count++;
    entry.maxMs = Math.max(entry.maxMs, s.latency);
    bySecond.set(second, entry);
  }
  return {
    startedAt,
    samples,
    requests: measured.length,
    failed: measured.filter((s) => s.status !== expectStatus).length,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.length ? latencies[latencies.length - 1] : NaN,
    slowSeconds: [...bySecond.values()].sort((a, b) => a.second - b.second),
    sendLagP99: percentile(lags, 99),
    sendLagMax: lags.length ? lags[lags.length - 1] : NaN,
    sockets,
    failures,
  };
}

/** "3 (12, max 180 ms), 17 (4, max 61 ms)", seconds < warmupSeconds marked as warm-up. */
export function formatSlowSeconds(slow: SlowSecond[], warmupSeconds = 0): string {
  if (!slow.length) return 'none';
  return slow.map((s) => `${s.second}${s.second < warmupSeconds ? ' (warm-up)' : ''}: ${s.count}, max ${s.maxMs.toFixed(0)} ms`).join('; ');
}
