// Helpers for task tests: tasks written straight into the table (a due time
// in the past cannot be typed into the form), and notices read back.
import type { AppContext } from '#app/context';

export async function insertTask(
  ctx: AppContext,
  t: { title: string; assigneeId: number; dueAt: Date; cardId?: number | null; createdBy?: number | null },
): Promise<number> {
  const [{ id }] = await ctx.db.rows<{ id: number }>(
    'insert into tasks (title, assignee_id, due_at, card_id, created_by) values ($1, $2, $3, $4, $5) returning id',
    [t.title, t.assigneeId, t.dueAt, t.cardId ?? null, t.createdBy ?? null],
  );
  return id;
}

/** Notices per (user, kind, task), to assert "exactly once". */
export async function noticeCounts(ctx: AppContext, kind: string): Promise<Array<{ user_id: number; task_id: number | null; n: number }>> {
  return ctx.db.rows(
    `select user_id, task_id, count(*)::int as n from notifications where kind = $1 group by user_id, task_id order by task_id, user_id`,
    [kind],
  );
}
