// The beat's schedule, as data (STYLE.md #5): each entry is a job kind's
// `schedule` (app/jobs/<kind>.ts), so a periodic kind is one file. An entry
// has its name (the key of its runs in beat_runs — renaming an entry starts
// it afresh; the kind's name), the job kind it enqueues, when (cron, UTC,
// five fields) and what to do about slots missed while no beat ran:
//   once — enqueue only the latest missed slot (work that looks at "now",
//          like a sweep: running it ten times in a row helps nobody);
//   all  — enqueue every missed slot, oldest first, up to MAX_CATCH_UP
//          (work that belongs to its slot, like a report of that hour).
// The beat only enqueues; the workers run the kinds' handlers.
import { parseCron, type Cron } from '#app/beat/cron';

export type CatchUp = 'once' | 'all';

export interface ScheduleEntry {
  name: string;
  kind: string;
  cron: string;
  catchUp: CatchUp;
  payload: unknown;
}

/** The schedule of a list of job kinds: one entry per kind that has a `schedule`, named by the kind. */
export function scheduleOf(
  kinds: ReadonlyArray<{ kind: string; schedule?: { cron: string; catchUp: CatchUp; payload?: unknown } }>,
): ScheduleEntry[] {
  return kinds.flatMap(({ kind, schedule }) =>
    schedule ? [{ name: kind, kind, cron: schedule.cron, catchUp: schedule.catchUp, payload: schedule.payload ?? {} }] : [],
  );
}

/** The most slots one entry enqueues in one tick (the latest ones; older ones are skipped and logged). */
export const MAX_CATCH_UP = 1000;

export interface CompiledEntry {
  entry: ScheduleEntry;
  cron: Cron;
}

/** Parses every cron and checks names; throws one line naming the entry. */
export function compileSchedule(schedule: readonly ScheduleEntry[]): CompiledEntry[] {
  const seen = new Set<string>();
  return schedule.map((entry) => {
    if (!/^[a-z0-9_.:-]{1,100}$/.test(entry.name))
      throw new Error(`schedule entry "${entry.name}": the name may hold only a-z 0-9 _ . : -`);
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
