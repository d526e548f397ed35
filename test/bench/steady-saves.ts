// Open-loop card saves (the audit-lag and webhook-latency benchmarks): `rate`
// edits a second for `seconds`, started on schedule whatever the earlier ones
// are doing, each on a card of the pool not being saved at that moment (a
// moment with every card busy is counted as skipped, not queued).
import os from 'node:os';

export interface PoolCard {
  id: number;
  version: number;
  busy: boolean;
  i: number;
}

export interface SteadySaves {
  committed: Array<{ cardId: number; version: number; at: number; saveMs: number }>;
  skipped: number;
  failed: number;
  elapsed: number;
  load0: number[];
  load1: number[];
}

/** Runs the saves; `save(card, n)` edits `card` (the n-th save) and resolves to its new version. */
export async function steadySaves(
  pool: PoolCard[],
  rate: number,
  seconds: number,
  save: (card: PoolCard, n: number) => Promise<{ version: number }>,
): Promise<SteadySaves> {
  const committed: SteadySaves['committed'] = [];
  let skipped = 0;
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  const total = rate * seconds;
  const load0 = os.loadavg();
  const t0 = performance.now();
  let next = 0;
  let free = 0;
  while (next < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    for (; next < due; next++) {
      let card: PoolCard | null = null;
      for (let k = 0; k < pool.length && !card; k++) {
        const c = pool[(free + k) % pool.length];
        if (!c.busy) card = c;
      }
      free = (free + 1) % pool.length;
      if (!card) {
        skipped++;
        continue;
      }
      const c = card;
      c.busy = true;
      const start = performance.now();
      const p = save(c, next)
        .then((saved) => {
          committed.push({ cardId: Number(c.id), version: saved.version, at: Date.now(), saveMs: performance.now() - start });
          c.version = saved.version;
        })
        .catch(() => {
          failed++;
        })
        .finally(() => {
          c.busy = false;
          inflight.delete(p);
        });
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  return { committed, skipped, failed, elapsed: (performance.now() - t0) / 1000, load0, load1: os.loadavg() };
}
