// Every date a page shows reads the same way for its user: "05 Dec 2026,
// 21:46" for a time, "05 Dec 2026" for a date alone, in the user's zone
// (app/services/date-format.ts). Before, a date field showed "2026-12-24",
// an EXIF time "2024-05-06 14:03:22", a reminder's flash and a notice's body
// "2026-12-05 21:46". Pages are fetched as their user sees them and the
// visible text (tags, attributes and scripts removed) is searched for any
// other way of writing a date.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { formatDate, formatDateTime } from '#app/services/date-format';
import { startTestApp } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { eventually } from '#test/support/queue';
import { insertTask } from '#test/support/tasks';

const ZONE = 'America/New_York';
const ONE_STYLE = /\b\d{2} [A-Z][a-z]{2} \d{4}(, \d{2}:\d{2})?\b/g;
// Any other way of writing a date or a time of day.
const OTHER = [
  /\d{4}-\d{2}-\d{2}/,
  /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/,
  /\b\d{1,2}:\d{2}(:\d{2})? ?(AM|PM|am|pm)\b/,
  /\bT\d{2}:\d{2}/,
  /\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b/,
];

function visibleText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('dates on pages', () => {
  it('are written in one style per user on every page that shows them', async () => {
    const app = await startTestApp();
    const runner = await startWorkers(app.ctx, { queues: ['audit', 'default'] });
    onCleanup(() => runner.stop(2000));
    const manager = await sessionUserFor(app.ctx, 'mia@example.com', { roles: ['manager'], superuser: true, name: 'Mia Manager' });
    await app.ctx.db.exec('update users set time_zone = $2 where id = $1', [manager.id, ZONE]);
    const card = await makePurchase(app.ctx, manager, { title: 'Chairs', needed_by: '2026-12-24' });
    const due = new Date(Date.now() - 3 * 3600_000);
    await insertTask(app.ctx, { title: 'Call the supplier', assigneeId: manager.id, dueAt: due, cardId: card.id, createdBy: manager.id });
    await app.ctx.services.tasks.sweep(new Date());
    await eventually(
      async () => ((await app.ctx.db.rows('select 1 from card_history where card_id = $1', [card.id])).length ? true : null),
      10_000,
      'the history row',
    );

    const c = app.client();
    assert.equal((await c.login('mia@example.com', 'correct horse battery')).status, 303);
    const reminder = await c.post(
      '/reminders',
      { card: String(card.id), remind_at: '2027-01-15T09:30', back: `/cards/purchase_request/${card.id}` },
      { from: `/cards/purchase_request/${card.id}` },
    );
    assert.equal(reminder.status, 303, 'the reminder was set');

    const pages = [
      '/',
      `/cards/purchase_request/${card.id}`,
      '/cards/purchase_request',
      '/tasks',
      '/reminders',
      '/notifications',
      '/admin/jobs',
      '/admin/users',
      '/admin/requests',
      '/admin/system',
    ];
    const seen: Record<string, string[]> = {};
    for (const path of pages) {
      const res = await c.get(path);
      assert.equal(res.status, 200, path);
      const text = visibleText(res.text);
      for (const other of OTHER) assert.doesNotMatch(text, other, `${path} writes a date another way`);
      seen[path] = text.match(ONE_STYLE) ?? [];
    }
    const cardPage = seen[`/cards/purchase_request/${card.id}`];
    assert.ok(cardPage.includes(formatDate('2026-12-24', ZONE)), 'the date field, as a date alone');
    assert.ok(cardPage.includes(formatDateTime(card.created_at, ZONE)), 'created, in the user’s zone');
    assert.ok(seen['/tasks'].includes(formatDateTime(due, ZONE)));
    assert.ok(seen['/notifications'].includes(formatDateTime(due, ZONE)), 'the overdue notice’s body');
    assert.ok(seen['/reminders'].includes('15 Jan 2027, 09:30'));
    assert.ok(seen['/admin/jobs'].length > 0, 'job times');
    assert.ok(seen['/admin/users'].length > 0, 'last sign-in');
  });
});
