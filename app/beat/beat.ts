// The beat: puts the schedule's jobs on the queue at their slots. Built by a
// factory with an injectable clock and an explicit tick(), so tests drive it
// through simulated minutes without waiting; in production start() wakes it
// just after each minute boundary.
//
// What MUST hold, and why:
// - A slot fires once, ever: in ONE transaction the (name, slot) row goes
//   into beat_runs (on conflict do nothing) and, only if it went in, the job
//   is enqueued with the key `beat:NAME:SLOT`. Restarts, two leaders for a
//   moment, clocks that jump either way: the primary key decides.
// - Slots are enqueued oldest first, each in its own transaction, so the
//   latest recorded slot of an entry always marks how far it got.
// - A first run ever fires only the current slot (no flood of history); a
//   clock behind the latest recorded slot fires nothing.
// - Only the leader (app/beat/leader.ts) enqueues and writes the heartbeat
//   row beat_status('leader') that /admin/system reads.
// - The beat only enqueues; it never does the work.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Cron } from '#app/beat/cron';
import { createLeaderLock, type LeaderLock } from '#app/beat/leader';
import { compileSchedule, MAX_CATCH_UP, SCHEDULE, type ScheduleEntry } from '#app/beat/schedule';
import type { AppContext } from '#app/context';

const MINUTE = 60_000;

export interface BeatOptions {
  schedule?: readonly ScheduleEntry[];
  /** The clock that decides which slots are due (tests inject one). */
  now?: () => Date;
  /** This beat's name in beat_status.holder. */
  id?: string;
  /** The lock (tests may pass their own); default: the advisory lock on ctx's database. */
  lock?: LeaderLock;
  /** The production timer wakes this long after each minute boundary. */
  offsetMs?: number;
  /** The most slots one entry with catchUp 'all' enqueues in one tick. */
  maxCatchUp?: number;
}

export interface Fired {
  name: string;
  slot: Date;
  jobId: number;
}

export interface TickResult {
  leader: boolean;
  fired: Fired[];
  /** Entries that failed this tick (retried next tick). */
  errors: Array<{ name: string; error: string }>;
}

export interface Beat {
  readonly id: string;
  readonly isLeader: boolean;
  /** One pass: take or confirm leadership, heartbeat, enqueue due slots. */
  tick(): Promise<TickResult>;
  /** Ticks now, then just after every minute boundary until stop(). */
  start(): Promise<TickResult>;
  /** Stops the timer, waits for a running tick, releases the lock. */
  stop(): Promise<void>;
}

/** Due slots of one entry, oldest first: after `last` (exclusive), up to `now`, the latest `cap`. */
export function dueSlots(cron: Cron, now: Date, last: Date | null, cap: number): { slots: Date[]; more: boolean } {
  const latest = cron.prev(now);
  if (!latest) return { slots: [], more: false };
  if (!last) return { slots: [latest], more: false }; // a first run: only the current slot
  const slots: Date[] = [];
  let more = false;
  if (latest > last) {
    for (const s of cron.backFrom(latest)) {
      if (s <= last) break;
      if (slots.length === cap) {
        more = true;
        break;
      }
      slots.push(s);
    }
  }
  return { slots: slots.reverse(), more };
}

export function createBeat(ctx: AppContext, options: BeatOptions = {}): Beat {
  const compiled = compileSchedule(options.schedule ?? SCHEDULE);
  const now = options.now ?? (() => new Date());
  const id = options.id ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const lock = options.lock ?? createLeaderLock(ctx.db, ctx.log);
  const offsetMs = options.offsetMs ?? 1000;
  const maxCatchUp = options.maxCatchUp ?? MAX_CATCH_UP;
  const log = ctx.log.child({ beat: id });
  const { db } = ctx;

  let ticking: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function fireSlot(entry: ScheduleEntry, slot: Date): Promise<number | null> {
    const iso = slot.toISOString();
    return db.transaction(async (t) => {
      const claimed = await db.rows('insert into beat_runs (name, slot) values ($1, $2::timestamptz) on conflict do nothing returning name', [entry.name, iso], t);
      if (!claimed.length) return null; // another beat (or an earlier life of this one) fired it
      const job = await ctx.services.jobs.enqueue(entry.kind, entry.payload, { transaction: t, key: `beat:${entry.name}:${iso}` });
      await db.exec('update beat_runs set job_id = $3 where name = $1 and slot = $2::timestamptz', [entry.name, iso, job.id], t);
      return job.id;
    });
  }

  async function runEntry(entry: ScheduleEntry, cron: Cron, at: Date): Promise<Fired[]> {
    const [{ last }] = await db.rows<{ last: Date | null }>('select max(slot) as last from beat_runs where name = $1', [entry.name]);
    const cap = entry.catchUp === 'once' ? 1 : maxCatchUp;
    const { slots, more } = dueSlots(cron, at, last, cap);
    if (more && entry.catchUp === 'all') log.warn({ entry: entry.name, cap }, 'beat: more missed slots than the catch-up cap; the oldest are skipped');
    const fired: Fired[] = [];
    for (const slot of slots) {
      const jobId = await fireSlot(entry, slot);
      if (jobId !== null) fired.push({ name: entry.name, slot, jobId });
    }
    return fired;
  }

  async function tickOnce(): Promise<TickResult> {
    const at = now();
    const wasLeader = lock.held;
    if (!(await lock.acquire())) {
      if (wasLeader) log.warn('beat: no longer leading; standing by');
      return { leader: false, fired: [], errors: [] };
    }
    const result: TickResult = { leader: true, fired: [], errors: [] };
    try {
      await db.exec(
        `insert into beat_status (name, holder, heartbeat_at) values ('leader', $1, now())
         on conflict (name) do update set holder = excluded.holder, heartbeat_at = excluded.heartbeat_at`,
        [id],
      );
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'beat: writing the heartbeat failed');
    }
    for (const { entry, cron } of compiled) {
      try {
        result.fired.push(...(await runEntry(entry, cron, at)));
      } catch (err) {
        // One entry's failure does not hold back the others; its slots stay
        // due and are fired on a later tick.
        result.errors.push({ name: entry.name, error: (err as Error).message });
        log.error({ entry: entry.name, error: (err as Error).message }, 'beat: enqueueing failed; retrying next tick');
      }
    }
    for (const f of result.fired) log.info({ entry: f.name, slot: f.slot.toISOString(), jobId: f.jobId }, 'beat: enqueued');
    return result;
  }

  function tick(): Promise<TickResult> {
    // Ticks never overlap: a slow one delays the next, it does not race it.
    const next = ticking.then(tickOnce, tickOnce);
    ticking = next.catch(() => undefined);
    return next;
  }

  function arm(): void {
    if (stopped) return;
    const wait = MINUTE - (Date.now() % MINUTE) + offsetMs;
    timer = setTimeout(() => {
      tick()
        .catch((err: Error) => log.error({ error: err.message }, 'beat: tick failed'))
        .finally(arm);
    }, wait);
  }

  return {
    id,
    get isLeader() {
      return lock.held;
    },
    tick,
    async start() {
      const first = await tick();
      if (!first.leader) log.info('beat: another beat leads; standing by');
      arm();
      return first;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await ticking;
      await lock.release();
    },
  };
}
