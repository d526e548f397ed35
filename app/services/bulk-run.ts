// One bulk run done card by card (app/services/bulk-work.ts starts it; the
// `cards.bulk` job or the request runs it).
//
// What MUST hold, and why:
// - Each card's step is its own savepoint in a transaction of a few cards:
//   its row in bulk_run_cards ('done') is inserted first, then the change goes
//   through the card or watcher service in that same transaction. The change and the mark commit
//   together or not at all, so a run taken again (a job retried after a
//   crash, or run twice) finds the mark and skips the card: each change
//   reaches the card's history, its notices and webhooks exactly once. The
//   mark's primary key also makes a second attempt running at the same time
//   wait for the first and then skip.
// - A refusal (the service's own reason: may not change it, no such
//   transition from its stage, fields the transition needs) rolls the step
//   back and is recorded with the reason; the other cards go on. Anything
//   else is a fault: it is thrown (the job is retried, the done cards kept).
import type { Database, Transaction } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import type { CardService } from '#app/services/cards';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { readSessionUser } from '#app/services/session-user';
import type { SessionUser } from '#app/services/users';
import type { WatcherService } from '#app/services/watchers';

export type BulkAction = 'assign' | 'transition' | 'watch' | 'delete';

export interface BulkParams {
  assignee?: number | null;
  transition?: string;
  watchers?: number[];
}

export type RunProgress = (done: number, total: number) => Promise<void>;

interface RunDeps {
  db: Database;
  cards: CardService;
  watchers: WatcherService;
  /** Cards in flight at once (each holds a connection of the pool while it runs). */
  concurrency: number;
}

/** Progress is written at most this often (each write is a statement). */
const PROGRESS_EVERY_MS = 250;
/** Cards per transaction (each with its savepoint). */
const CHUNK = 25;
/** A step that lost a deadlock or serialization race is tried again this many times. */
const RACE_RETRIES = 3;

/** The reason a service refused a card, or null when the error is a fault. */
export function refusalOf(err: unknown, fieldLabel: (name: string) => string): Text | null {
  if (err instanceof ValidationError) {
    const fields = Object.entries(err.fieldTexts);
    if (!fields.length) return err.text;
    return msg('bulk.reasons.withFields', {
      reason: err.text,
      fields: fields.map(([name, reason]) => msg('bulk.reasons.field', { field: fieldLabel(name), reason })),
    });
  }
  if (err instanceof NotFoundError || err instanceof ForbiddenError || err instanceof ConflictError) return err.text;
  return null;
}

function isRace(err: unknown): boolean {
  const code = (err as { code?: string; original?: { code?: string } })?.code ?? (err as { original?: { code?: string } })?.original?.code;
  return code === '40P01' || code === '40001';
}

export async function runBulk(deps: RunDeps, runId: number, progress?: RunProgress): Promise<{ done: number; refused: number }> {
  const { db, cards, watchers } = deps;
  const [run] = await db.rows<{ user_id: number; card_type: string; action: BulkAction; params: BulkParams; card_ids: number[] }>(
    'select user_id, card_type, action, params, card_ids from bulk_runs where id = $1',
    [runId],
  );
  if (!run) return { done: 0, refused: 0 };
  const marked = new Set(
    (await db.rows<{ card_id: number }>('select card_id from bulk_run_cards where run_id = $1', [runId])).map((r) => r.card_id),
  );
  const todo = run.card_ids.map(Number).filter((id) => !marked.has(id));
  const total = run.card_ids.length;
  let finished = marked.size;
  let lastProgress = 0;
  const report = async (force = false) => {
    if (!progress || (!force && performance.now() - lastProgress < PROGRESS_EVERY_MS)) return;
    lastProgress = performance.now();
    await progress(finished, total);
  };
  await report(true);

  const user = await readSessionUser(db, run.user_id);
  const others: SessionUser[] = [];
  for (const id of run.params.watchers ?? []) {
    const u = await readSessionUser(db, id);
    if (u) others.push(u);
  }
  const type = cards.types.get(run.card_type);
  const fieldLabel = (name: string) => (name === 'assignee' ? name : (type?.fieldMap.get(name)?.label ?? name));

  const change = (id: number, t: Transaction): Promise<unknown> => {
    const u = user!;
    if (run.action === 'assign') return cards.assign(u, run.card_type, id, run.params.assignee ?? null, { transaction: t });
    if (run.action === 'transition') return cards.transition(u, run.card_type, id, run.params.transition!, {}, { transaction: t });
    if (run.action === 'delete') return cards.remove(u, run.card_type, id, { transaction: t });
    return watchers.addOthers(u, run.card_type, id, others, t);
  };
  const refuse = async (refusals: [number, Text][], t?: Transaction): Promise<void> => {
    if (!refusals.length) return;
    await db.exec(
      `insert into bulk_run_cards (run_id, card_id, outcome, reason) select $1, unnest($2::bigint[]), 'refused', unnest($3::jsonb[])
       on conflict do nothing`,
      [runId, refusals.map(([id]) => id), refusals.map(([, reason]) => JSON.stringify(reason))],
      t,
    );
  };

  // One transaction per chunk of cards, a savepoint per card: a card's mark
  // and its change still commit together (or not at all), a refused card's
  // step is rolled back to its savepoint alone, and the chunk pays one commit
  // and one publish of its jobs instead of one per card. A refusal is thrown
  // by the services before they change anything or call the change hooks,
  // so no job of a rolled-back step is left to publish.
  const chunk = async (ids: number[]): Promise<void> => {
    // The maker gone (disabled, deleted) or a watcher gone since: refused, nothing changed.
    if (!user) return refuse(ids.map((id) => [id, msg('bulk.reasons.makerInactive')]));
    if (run.action === 'watch' && others.length < (run.params.watchers ?? []).length)
      return refuse(ids.map((id) => [id, msg('bulk.errors.unknownUser')]));
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction(async (t) => {
          const refusals: [number, Text][] = [];
          for (const id of ids) {
            await db.exec('savepoint bulk_card', [], t);
            try {
              const claimed = await db.rows(
                `insert into bulk_run_cards (run_id, card_id, outcome) values ($1, $2, 'done') on conflict do nothing returning card_id`,
                [runId, id],
                t,
              );
              if (claimed.length) await change(id, t);
              await db.exec('release savepoint bulk_card', [], t);
            } catch (err) {
              const reason = refusalOf(err, fieldLabel);
              if (!reason) throw err;
              await db.exec('rollback to savepoint bulk_card', [], t);
              refusals.push([id, reason]);
            }
          }
          await refuse(refusals, t);
        });
      } catch (err) {
        // A deadlock or serialization failure rolled the whole chunk back (its marks too): take it again.
        if (isRace(err) && attempt < RACE_RETRIES) continue;
        throw err;
      }
    }
  };

  // A few chunks at a time: each step is mostly waiting on PostgreSQL.
  // A fault stops every lane; the run is taken again from its marks.
  let next = 0;
  let fault: { err: unknown } | null = null;
  const lane = async () => {
    while (!fault && next < todo.length) {
      const ids = todo.slice(next, next + CHUNK);
      next += ids.length;
      try {
        await chunk(ids);
        finished += ids.length;
        await report();
      } catch (err) {
        fault ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, lane));
  if (fault) throw (fault as { err: unknown }).err;
  await report(true);
  await db.exec('update bulk_runs set finished_at = now() where id = $1 and finished_at is null', [runId]);
  const [counts] = await db.rows<{ done: number; refused: number }>(
    `select count(*) filter (where outcome = 'done')::int as done, count(*) filter (where outcome = 'refused')::int as refused
       from bulk_run_cards where run_id = $1`,
    [runId],
  );
  return counts;
}
