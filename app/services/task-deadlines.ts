// The deadline sweep: newly overdue tasks, tasks due soon and tasks overdue
// past the escalation time, each noticed exactly once.
//
// What MUST hold, and why:
// - The sweep is state-based and notices exactly once: ONE statement marks a
//   batch of tasks (UPDATE … WHERE <not yet noticed> … RETURNING, rows taken
//   with FOR UPDATE SKIP LOCKED so concurrent sweeps split the work) and
//   writes their notices. The marker and the notices commit together; a
//   second sweep, concurrent or later, finds the tasks already marked.
// - Each part of the sweep is driven by a partial index (migration 0300), so
//   a million open tasks cost what the few due ones cost. The batch's ids
//   are handed to the UPDATE as an array (`t.id = any (array(…))`): with
//   `t.id in (subquery)` the planner hash-joined a batch of 20,000 against a
//   sequential scan of all open tasks (≈ 440 ms of a 2.1 s batch at a
//   million tasks); the array makes it one primary-key index scan.
// - The UPDATE cannot be HOT: overdue_notified_at (and the other state
//   columns) are in the partial indexes' predicates, which is what keeps
//   those indexes holding only the pending tasks. Each marked task costs a
//   new heap tuple plus entries in the indexes whose predicate it still
//   meets (pkey, assignee/due, escalation pending, assignee/overdue).
// - task.overdue (webhooks) is sent once per task, the first time it is
//   overdue: when a subscriber wants it, each overdue batch is one
//   transaction — the marking statement also returns the tasks whose
//   `overdue_at` was still empty (the statement's snapshot: the row before
//   its update), and the subscriber writes their deliveries before the
//   commit. Marks and deliveries commit together, so a second sweep (later
//   or concurrent, SKIP LOCKED) finds nothing left to send. A task given to
//   another assignee is noticed again but is not newly overdue: no event.
import type { Settings } from '#app/config';
import type { Database, Transaction } from '#app/db/connection';
import type { NotificationService } from '#app/services/notifications';

export interface SweepResult {
  overdue: number;
  dueSoon: number;
  escalated: number;
  notices: number;
}

/** A task the sweep found overdue for the first time (task.overdue). */
export interface OverdueTask {
  id: number;
  title: string;
  due_at: string;
  assignee_id: number;
  card_id: number | null;
  card_number: string | null;
  card_type: string | null;
}

/** Hears of newly overdue tasks in the transaction that marked them (the webhooks). */
export interface OverdueHook {
  /** Whether to pay for the transaction and the tasks' rows at all (most installations have no such webhook). */
  wanted(): Promise<boolean>;
  emit(t: Transaction, tasks: OverdueTask[]): Promise<unknown>;
}

/** Tasks per overdue batch when a subscriber hears of them (see sweepDeadlines). */
const HOOKED_BATCH = 2_000;

/** An instant as the ISO string a notice's message keeps (rendered in the reader's zone). */
const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/**
 * The deadline sweep at `now`: newly overdue tasks → their assignee; due
 * within the lead time → their assignee; overdue past the escalation time
 * → the card's owner (or, without a card, the task's creator), unless that
 * is the assignee. Batches of `batch` tasks (HOOKED_BATCH at most for the
 * overdue ones when a subscriber hears of them), each batch one transaction.
 */
export async function sweepDeadlines(
  notifications: NotificationService,
  settings: Settings['tasks'],
  now: Date,
  batch = 20_000,
  overdue: { db: Database; hooks: readonly OverdueHook[] } | null = null,
): Promise<SweepResult> {
  const result: SweepResult = { overdue: 0, dueSoon: 0, escalated: 0, notices: 0 };
  const at = now.toISOString();
  const lead = settings.dueSoonMinutes;
  const escalate = settings.escalateAfterHours;
  // Each notice is written with its message (a catalog key and parameters, the due time as an
  // ISO instant), rendered in the reader's language and zone (app/services/notice-text.ts); the
  // English title/body written beside it use the style of formatDateTime() ("05 Dec 2026, 21:46").
  const hooks: OverdueHook[] = [];
  if (overdue) for (const h of overdue.hooks) if (await h.wanted()) hooks.push(h);
  // With a subscriber each overdue batch is one transaction holding its tasks' rows until the deliveries are
  // written (≈ 0.5 ms a task on 2 loaded cores): smaller batches, so a task's own change never waits long.
  const overdueBatch = hooks.length ? Math.min(batch, HOOKED_BATCH) : batch;
  const parts: Array<{ key: 'overdue' | 'dueSoon' | 'escalated'; ctes: string; cand: string; params: unknown[]; size: number }> = [
    {
      key: 'overdue',
      ctes: `marked as (
        update tasks t set overdue_notified_at = $1::timestamptz, overdue_at = coalesce(t.overdue_at, t.due_at), updated_at = now()
         where t.id = any (array(select id from tasks where status = 'open' and overdue_notified_at is null and due_at <= $1::timestamptz
                         order by due_at limit $2 for update skip locked))
           and t.status = 'open' and t.overdue_notified_at is null
        returning t.id, t.title, t.card_id, t.assignee_id as user_id, t.due_at)`,
      cand: `select m.user_id, 'task.overdue'::text as kind, 'task.overdue:' || m.id || ':' || m.user_id || ':' || extract(epoch from m.due_at)::bigint as key,
               'Overdue: ' || m.title as title, 'It was due ' || to_char(m.due_at at time zone u.time_zone, 'DD Mon YYYY, HH24:MI') || ' (' || u.time_zone || ')' as body,
               jsonb_build_object('key', 'notifications.notice.overdue', 'params', jsonb_build_object('task', m.title, 'dueAt', ${ISO('m.due_at')})) as message,
               '/tasks/' || m.id as url, m.card_id, m.id as task_id
          from marked m join users u on u.id = m.user_id`,
      params: [at, overdueBatch],
      size: overdueBatch,
    },
    {
      key: 'dueSoon',
      ctes: `marked as (
        update tasks t set due_soon_notified_at = $1::timestamptz, updated_at = now()
         where t.id = any (array(select id from tasks where status = 'open' and due_soon_notified_at is null and overdue_notified_at is null
                           and due_at > $1::timestamptz and due_at <= $1::timestamptz + make_interval(mins => $3)
                         order by due_at limit $2 for update skip locked))
           and t.status = 'open' and t.due_soon_notified_at is null
        returning t.id, t.title, t.card_id, t.assignee_id as user_id, t.due_at)`,
      cand: `select m.user_id, 'task.due_soon'::text as kind, 'task.due_soon:' || m.id || ':' || m.user_id || ':' || extract(epoch from m.due_at)::bigint as key,
               'Due soon: ' || m.title as title, 'Due ' || to_char(m.due_at at time zone u.time_zone, 'DD Mon YYYY, HH24:MI') || ' (' || u.time_zone || ')' as body,
               jsonb_build_object('key', 'notifications.notice.dueSoon', 'params', jsonb_build_object('task', m.title, 'dueAt', ${ISO('m.due_at')})) as message,
               '/tasks/' || m.id as url, m.card_id, m.id as task_id
          from marked m join users u on u.id = m.user_id`,
      params: [at, batch, lead],
      size: batch,
    },
    {
      key: 'escalated',
      ctes: `marked as (
        update tasks t set escalated_at = $1::timestamptz, updated_at = now()
         where t.id = any (array(select id from tasks where status = 'open' and overdue_notified_at is not null and escalated_at is null
                           and due_at <= $1::timestamptz - make_interval(hours => $3)
                         order by due_at limit $2 for update skip locked))
           and t.status = 'open' and t.escalated_at is null
        returning t.id, t.title, t.card_id, t.assignee_id, t.created_by, t.due_at),
      target as (
        select m.*, coalesce(c.owner_id, m.created_by) as user_id from marked m left join cards c on c.id = m.card_id)`,
      cand: `select g.user_id, 'task.escalated'::text as kind, 'task.escalated:' || g.id || ':' || g.user_id || ':' || extract(epoch from g.due_at)::bigint as key,
               'Still overdue: ' || g.title as title, 'Assigned to ' || ua.display_name || ', due ' || to_char(g.due_at at time zone u.time_zone, 'DD Mon YYYY, HH24:MI') || ' (' || u.time_zone || ')' as body,
               jsonb_build_object('key', 'notifications.notice.escalated', 'params', jsonb_build_object('task', g.title, 'assignee', ua.display_name, 'dueAt', ${ISO('g.due_at')})) as message,
               '/tasks/' || g.id as url, g.card_id, g.id as task_id
          from target g join users u on u.id = g.user_id join users ua on ua.id = g.assignee_id
         where g.user_id is not null and g.user_id <> g.assignee_id`,
      params: [at, batch, escalate],
      size: batch,
    },
  ];
  // The tasks of the batch whose overdue_at was empty before this statement (`o`: the statement's snapshot).
  const fresh = `(select coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'title', m.title, 'due_at', ${ISO('m.due_at')},
      'assignee_id', m.user_id, 'card_id', m.card_id, 'card_number', c.number, 'card_type', c.type) order by m.id), '[]'::jsonb)
     from marked m join tasks o on o.id = m.id left join cards c on c.id = m.card_id where o.overdue_at is null)`;
  for (const part of parts) {
    for (;;) {
      const marked =
        part.key === 'overdue' && hooks.length
          ? await overdue!.db.transaction(async (t) => {
              const r = await notifications.write(part.ctes, part.cand, part.params, t, 'marked', fresh);
              const tasks = r.collected as OverdueTask[];
              if (tasks.length) for (const h of hooks) await h.emit(t, tasks);
              return r;
            })
          : await notifications.write(part.ctes, part.cand, part.params, null, 'marked');
      result[part.key] += marked.counted;
      result.notices += marked.notices;
      if (marked.counted < part.size) break;
    }
  }
  return result;
}
