// The beat: puts the schedule's jobs on the queue at their slots. Built by a
// factory with an injectable clock and an explicit tick(), so tests drive it
// through simulated minutes without waiting; in production start() hands the
// timer to node-schedule, which wakes it 1 s into every minute and then every
// beat.tickSeconds (the tick also renews the leader's lease).
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
// - Only the leader (app/beat/leader.ts) enqueues, and only under its epoch:
//   each slot's transaction first takes a share lock on the lease row with
//   this leadership's epoch, so a leader that was frozen while a standby
//   took over finds another epoch and fires nothing. The transaction may sit
//   idle at most a third of the lease: a leader frozen inside one has it
//   ended by the server before a standby takes over, so the takeover never
//   waits on it for long.
// - The lease renewal is the heartbeat beat_status('leader') that
//   /admin/system reads.
// - The beat only enqueues; it never does the work.
import crypto from 'node:crypto';
import os from 'node:os';
import schedule from 'node-schedule';
import type { Cron } from '#app/beat/cron';
import { createLeaderLock, type LeaderLock } from '#app/beat/leader';
import { compileSchedule, MAX_CATCH_UP, scheduleOf, type ScheduleEntry } from '#app/beat/schedule';
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { EnqueueOptions, Enqueued } from '#app/queue/jobs';

/** A slot's transaction found another leadership epoch: this beat no longer leads. */
class FencedOut extends Error {}

/** What the beat uses (a context has it all). */
export interface BeatDeps {
  db: Database;
  log: Logger;
  settings: { beat: Settings['beat'] };
  services: { jobs: { enqueue(kind: string, payload: unknown, options: EnqueueOptions): Promise<Enqueued> } };
  /** The job kinds; those with a `schedule` make the schedule. */
  jobDefinitions: Parameters<typeof scheduleOf>[0];
  /** Unexpected errors of a tick to the error collector (errorReport.dsn). */
  errors?: { capture(err: unknown): void };
}

export interface BeatOptions {
  /** Default: the schedule of deps.jobDefinitions. */
  schedule?: readonly ScheduleEntry[];
  /** The clock that decides which slots are due (tests inject one). */
  now?: () => Date;
  /** This beat's name in beat_status.holder. */
  id?: string;
  /** The lock (tests may pass their own); default: the advisory lock on ctx's database. */
  lock?: LeaderLock;
  /** The production timer's period (divides 60); default beat.tickSeconds. */
  tickSeconds?: number;
  /** A lease not renewed for this long is taken over; default beat.leaseSeconds. */
  leaseSeconds?: number;
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
  /** Ticks now, then 1 s into every minute and every tickSeconds after, until stop(). */
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

export function createBeat(ctx: BeatDeps, options: BeatOptions = {}): Beat {
  const compiled = compileSchedule(options.schedule ?? scheduleOf(ctx.jobDefinitions));
  const now = options.now ?? (() => new Date());
  const id = options.id ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const tickSeconds = options.tickSeconds ?? ctx.settings.beat.tickSeconds;
  const leaseSeconds = options.leaseSeconds ?? ctx.settings.beat.leaseSeconds;
  const lock = options.lock ?? createLeaderLock(ctx.db, ctx.log, { holder: id, leaseSeconds });
  const idleInTransactionMs = Math.min(5000, Math.floor((leaseSeconds * 1000) / 3));
  const maxCatchUp = options.maxCatchUp ?? MAX_CATCH_UP;
  const log = ctx.log.child({ beat: id });
  const { db } = ctx;

  let ticking: Promise<unknown> = Promise.resolve();
  let timer: schedule.Job | null = null;
  let busy = false;

  async function fireSlot(entry: ScheduleEntry, slot: Date, epoch: number): Promise<number | null> {
    const iso = slot.toISOString();
    return db.transaction(async (t) => {
      await db.rows(`select set_config('idle_in_transaction_session_timeout', $1, true)`, [String(idleInTransactionMs)], t);
      const fence = await db.rows(`select 1 from beat_status where name = 'leader' and epoch = $1 for share`, [epoch], t);
      if (!fence.length) throw new FencedOut(`another beat took over the lease (epoch ${epoch} is no longer current)`);
      const claimed = await db.rows(
        'insert into beat_runs (name, slot) values ($1, $2::timestamptz) on conflict do nothing returning name',
        [entry.name, iso],
        t,
      );
      if (!claimed.length) return null; // another beat (or an earlier life of this one) fired it
      const job = await ctx.services.jobs.enqueue(entry.kind, entry.payload, { transaction: t, key: `beat:${entry.name}:${iso}` });
      await db.exec('update beat_runs set job_id = $3 where name = $1 and slot = $2::timestamptz', [entry.name, iso, job.id], t);
      return job.id;
    });
  }

  async function runEntry(entry: ScheduleEntry, cron: Cron, at: Date, epoch: number): Promise<Fired[]> {
    const [{ last }] = await db.rows<{ last: Date | null }>('select max(slot) as last from beat_runs where name = $1', [entry.name]);
    const cap = entry.catchUp === 'once' ? 1 : maxCatchUp;
    const { slots, more } = dueSlots(cron, at, last, cap);
    if (more && entry.catchUp === 'all')
      log.warn({ entry: entry.name, cap }, 'beat: more missed slots than the catch-up cap; the oldest are skipped');
    const fired: Fired[] = [];
    for (const slot of slots) {
      const jobId = await fireSlot(entry, slot, epoch);
      if (jobId !== null) fired.push({ name: entry.name, slot, jobId });
    }
    return fired;
  }

  async function tickOnce(): Promise<TickResult> {
    const at = now();
    // (A leader that loses the lock here says so in leader.ts.)
    if (!(await lock.acquire())) return { leader: false, fired: [], errors: [] };
    const epoch = lock.epoch!;
    const result: TickResult = { leader: true, fired: [], errors: [] };
    for (const { entry, cron } of compiled) {
      try {
        result.fired.push(...(await runEntry(entry, cron, at, epoch)));
      } catch (err) {
        if (err instanceof FencedOut) {
          lock.lose(err.message);
          result.leader = false;
          break;
        }
        // One entry's failure does not hold back the others; its slots stay
        // due and are fired on a later tick.
        result.errors.push({ name: entry.name, error: (err as Error).message });
        log.error({ entry: entry.name, error: (err as Error).message }, 'beat: enqueueing failed; retrying next tick');
        ctx.errors?.capture(err);
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
    // 1 s into the minute (a new minute's slot is due), then every
    // tickSeconds. node-schedule computes the times with cron-parser in UTC.
    // After the process was frozen it fires the missed times at once: a
    // tick still running makes the others skip, so they never pile up.
    const seconds = Array.from({ length: 60 / tickSeconds }, (_, i) => 1 + i * tickSeconds)
      .map((s) => s % 60)
      .sort((a, b) => a - b);
    timer = schedule.scheduleJob({ rule: `${seconds.join(',')} * * * * *`, tz: 'Etc/UTC' }, () => {
      if (busy) return;
      busy = true;
      tick()
        .catch((err: Error) => {
          log.error({ error: err.message }, 'beat: tick failed');
          ctx.errors?.capture(err);
        })
        .finally(() => (busy = false));
    });
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
      timer?.cancel();
      timer = null;
      await ticking;
      await lock.release();
    },
  };
}
