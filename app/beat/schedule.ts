// Every periodic job of Orbis, as data (STYLE.md #5): its name (the key of
// its runs in beat_runs — renaming an entry starts it afresh), the job kind
// it enqueues, when (cron, UTC, five fields) and what to do about slots
// missed while no beat ran:
//   once — enqueue only the latest missed slot (work that looks at "now",
//          like a sweep: running it ten times in a row helps nobody);
//   all  — enqueue every missed slot, oldest first, up to MAX_CATCH_UP
//          (work that belongs to its slot, like a report of that hour).
// The beat only enqueues; the workers do the work (app/workers/).
import { parseCron, type Cron } from '#app/beat/cron';
import type { JobKind, JobPayloads } from '#app/queue/registry';

export type CatchUp = 'once' | 'all';

export type ScheduleEntry = {
  [K in JobKind]: { name: string; kind: K; cron: string; catchUp: CatchUp; payload: JobPayloads[K] };
}[JobKind];

/** The most slots one entry enqueues in one tick (the latest ones; older ones are skipped and logged). */
export const MAX_CATCH_UP = 1000;

export const SCHEDULE: readonly ScheduleEntry[] = [
  { name: 'jobs.sweep', kind: 'jobs.sweep', cron: '* * * * *', catchUp: 'once', payload: {} },
  { name: 'housekeeping.retention', kind: 'housekeeping.retention', cron: '15 3 * * *', catchUp: 'once', payload: {} },
  { name: 'housekeeping.media', kind: 'housekeeping.media', cron: '45 3 * * *', catchUp: 'once', payload: {} },
  // State-based: each run handles everything due by now, so one run after downtime catches up.
  { name: 'tasks.deadlines', kind: 'tasks.deadlines', cron: '* * * * *', catchUp: 'once', payload: {} },
  { name: 'reminders.deliver', kind: 'reminders.deliver', cron: '* * * * *', catchUp: 'once', payload: {} },
  { name: 'notifications.daily_digest', kind: 'notifications.daily_digest', cron: '0 7 * * *', catchUp: 'once', payload: {} },
];

export interface CompiledEntry {
  entry: ScheduleEntry;
  cron: Cron;
}

/** Parses every cron and checks names; throws one line naming the entry. */
export function compileSchedule(schedule: readonly ScheduleEntry[]): CompiledEntry[] {
  const seen = new Set<string>();
  return schedule.map((entry) => {
    if (!/^[a-z0-9_.:-]{1,100}$/.test(entry.name)) throw new Error(`schedule entry "${entry.name}": the name may hold only a-z 0-9 _ . : -`);
    if (seen.has(entry.name)) throw new Error(`schedule entry "${entry.name}" appears twice`);
    seen.add(entry.name);
    if (entry.catchUp !== 'once' && entry.catchUp !== 'all') throw new Error(`schedule entry "${entry.name}": catchUp must be once or all`);
    let cron: Cron;
    try {
      cron = parseCron(entry.cron);
    } catch (err) {
      throw new Error(`schedule entry "${entry.name}": ${(err as Error).message}`, { cause: err });
    }
    if (!cron.prev(new Date(Date.UTC(2100, 0, 1)))) throw new Error(`schedule entry "${entry.name}": cron "${entry.cron}" never fires`);
    return { entry, cron };
  });
}
