// A notice never outlives its task or card. Since migration 0330 this is
// done by statement-level triggers (not per-notice foreign keys, which cost
// the sweep ≈ 5 µs per notice): deleting tasks deletes their notices, and
// deleting a card deletes its notices and, through the tasks' cascade, the
// notices of its tasks. Other notices stay.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { insertTask } from '#test/support/tasks';

async function noticeTitles(ctx: AppContext): Promise<string[]> {
  return (await ctx.db.rows<{ title: string }>('select title from notifications order by title')).map((r) => r.title);
}

describe('notices deleted with their task or card', () => {
  it('deletes the notices of deleted tasks and cards, and only those', async () => {
    const { ctx } = await testContext();
    const olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'] });
    const keep = await makePurchase(ctx, olga, { title: 'Kept card' });
    const gone = await makePurchase(ctx, olga, { title: 'Deleted card' });
    const past = new Date(Date.now() - 60_000);
    const alone = await insertTask(ctx, { title: 'alone', assigneeId: olga.id, dueAt: past });
    const other = await insertTask(ctx, { title: 'other', assigneeId: olga.id, dueAt: past });
    await insertTask(ctx, { title: 'on kept', assigneeId: olga.id, dueAt: past, cardId: keep.id });
    await insertTask(ctx, { title: 'on deleted', assigneeId: olga.id, dueAt: past, cardId: gone.id });
    assert.equal((await ctx.services.tasks.sweep(new Date())).notices, 4);
    await ctx.services.notifications.notify({
      userId: olga.id,
      kind: 'reminder',
      key: 'r:card',
      title: 'Reminder: deleted card',
      cardId: gone.id,
    });
    await ctx.services.notifications.notify({
      userId: olga.id,
      kind: 'reminder',
      key: 'r:keep',
      title: 'Reminder: kept card',
      cardId: keep.id,
    });

    // Two tasks in one statement: one trigger run deletes both tasks' notices.
    await ctx.db.exec('delete from tasks where id = any($1::bigint[])', [[alone, other]]);
    assert.deepEqual(await noticeTitles(ctx), ['Overdue: on deleted', 'Overdue: on kept', 'Reminder: deleted card', 'Reminder: kept card']);
    // A card: its own notices, and those of its tasks (deleted by the tasks' foreign key cascade).
    await ctx.db.exec('delete from cards where id = $1', [gone.id]);
    assert.deepEqual(await noticeTitles(ctx), ['Overdue: on kept', 'Reminder: kept card']);
  });
});
