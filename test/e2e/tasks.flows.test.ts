// Tasks as an operator lives them in a real browser: a task created from a
// card's tasks panel (its due time typed in the operator's own time zone,
// already past), the deadline sweep run as the beat runs it (a
// tasks.deadlines job taken by a worker), the overdue task on the card, on
// /tasks and on the dashboard, the bell's count, the notice opened (it lands
// on the task and the count goes down), then a reminder set with a quick
// choice and one typed as a time, delivered by reminders.deliver jobs when
// the reminders' clock reaches them, and shown by the bell.
// HTTP-level details are pinned in test/integration/tasks.*; here the pages
// must work when a browser fills and submits them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { AppContext } from '#app/context';
import type { JobKind } from '#app/jobs/index';
import { startWorkers } from '#app/worker/start';
import { utcToZonedInput } from '#app/services/time';
import { formatDateTime } from '#app/web/render';
import { startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

const PASSWORD = 'correct horse battery';
const ZONE = 'Europe/Berlin';
const MINUTE = 60_000;

/** Enqueues a beat job and waits until a worker has run it; returns its result. */
async function runJob(ctx: AppContext, kind: JobKind): Promise<Record<string, number>> {
  const { id } = await ctx.services.jobs.enqueue(kind, {});
  const done = await eventually(
    async () => {
      const [row] = await ctx.db.rows<{ state: string; result: Record<string, number> | null; error: string | null }>(
        'select state, result, error from jobs where id = $1',
        [id],
      );
      return row && (row.state === 'done' || row.state === 'failed') ? row : null;
    },
    15_000,
    `${kind} job ${id} finished`,
  );
  assert.equal(done.state, 'done', `${kind} failed: ${done.error}`);
  return done.result!;
}

async function bellCount(page: Page): Promise<number> {
  assert.equal(await page.locator('[data-testid=bell]').count(), 1, 'the bell is in the layout');
  const badge = page.locator('[data-testid=bell-count]');
  return (await badge.count()) ? Number(await badge.innerText()) : 0;
}

async function submit(page: Page, click: () => Promise<unknown>): Promise<number> {
  const [response] = await Promise.all([page.waitForNavigation(), click()]);
  assert.ok(response, 'the form led to a page');
  return response.status();
}

describe('tasks in a real browser', () => {
  it('creates a task on a card, sees it overdue and notified, opens the notice, sets and receives reminders', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp({}, { jobs: { ...FAST_JOBS, concurrency: 2 } });
    const ctx = app.ctx;
    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    const olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    await ctx.db.exec('update users set time_zone = $2 where id = $1', [olga.id, ZONE]);
    const card = await makePurchase(ctx, olga, { title: 'Standing desks' });

    const page = await newPage(browser, app.url);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on(
      'response',
      (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && problems.push(`${r.status()} ${new URL(r.url()).pathname}`),
    );
    await signIn(page, 'olga@example.com', PASSWORD);
    assert.equal(await bellCount(page), 0, 'nothing to tell yet');

    // 1. From the card's tasks panel: the form knows the card; the due time is typed in Berlin time, 20 minutes ago.
    const cardUrl = `/cards/purchase_request/${card.id}`;
    await page.goto(cardUrl);
    assert.equal(
      await page
        .locator('[data-testid=card-tasks]')
        .innerText()
        .then((s) => s.includes('No tasks on this card.')),
      true,
    );
    await Promise.all([page.waitForURL(`**/tasks/new?card=${card.id}`), page.click('[data-testid=add-task]')]);
    await screenshot(page, 'tasks-form');
    assert.match(await page.locator('main').innerText(), new RegExp(card.number));
    const due = new Date(Math.floor((Date.now() - 20 * MINUTE) / MINUTE) * MINUTE);
    await page.fill('input[name=title]', 'Call the supplier about delivery');
    await page.fill('input[name=due_at]', utcToZonedInput(due, ZONE));
    assert.equal(await submit(page, () => page.click('main button[type=submit]')), 200);
    assert.equal(new URL(page.url()).pathname, cardUrl, 'back on the card');
    assert.equal(await page.locator('main .alert, body .alert').first().innerText(), 'Task “Call the supplier about delivery” created.');
    const [task] = await ctx.db.rows<{ id: number; due_at: Date; card_id: number; assignee_id: number }>(
      'select id, due_at, card_id, assignee_id from tasks',
    );
    assert.equal(task.due_at.getTime(), due.getTime(), 'the typed Berlin time is stored as that instant');
    assert.deepEqual([Number(task.card_id), Number(task.assignee_id)], [card.id, olga.id]);
    const row = page.locator(`[data-testid=card-tasks] [data-testid=task-${task.id}]`);
    assert.match(await row.innerText(), /Call the supplier about delivery\s+overdue/);
    assert.match(await row.innerText(), new RegExp(formatDateTime(due, ZONE)), 'due time shown in Berlin time');
    assert.equal(await row.locator('td').count(), 3, 'title, assignee, due: the card’s own number is not repeated');
    assert.equal(await bellCount(page), 0, 'no notice before the sweep');
    await screenshot(page, 'tasks-card-panel-overdue');

    // 2. The sweep, as the beat runs it: one notice, and a second sweep adds none.
    assert.deepEqual(await runJob(ctx, 'tasks.deadlines'), { overdue: 1, dueSoon: 0, escalated: 0, notices: 1 });
    assert.equal((await runJob(ctx, 'tasks.deadlines')).notices, 0);
    await page.reload();
    assert.equal(await bellCount(page), 1);
    await page.goto('/tasks');
    const overdueGroup = page.locator('[data-testid=tasks-overdue]');
    assert.match(await overdueGroup.innerText(), /Call the supplier about delivery/);
    assert.equal(
      await page
        .locator('[data-testid=tasks-upcoming]')
        .innerText()
        .then((s) => s.includes('Call the supplier')),
      false,
    );
    await screenshot(page, 'tasks-list');
    await page.goto('/');
    assert.match(await page.locator('[data-testid=dashboard-overdue]').innerText(), /Call the supplier about delivery/);
    const todayBar = page.locator('[data-testid=overdue-chart] rect').last();
    assert.equal(await page.locator('[data-testid=overdue-chart] rect').count(), 30);
    assert.match((await todayBar.locator('title').textContent()) ?? '', /: 1$/, 'today’s bar counts the overdue task');
    assert.ok(Number(await todayBar.getAttribute('height')) > 0);
    await screenshot(page, 'tasks-dashboard');

    // 3. The bell leads to the notice; opening it lands on the task and the count goes down.
    await Promise.all([page.waitForURL('**/notifications'), page.click('[data-testid=bell]')]);
    const [notice] = await ctx.db.rows<{ id: number }>(`select id from notifications where kind = 'task.overdue' and user_id = $1`, [
      olga.id,
    ]);
    const item = page.locator(`[data-testid=notification-${notice.id}]`);
    assert.match(await item.innerText(), /new\s*Overdue: Call the supplier about delivery/);
    assert.match(await item.innerText(), new RegExp(`It was due ${formatDateTime(due, ZONE)} \\(${ZONE}\\)`));
    await screenshot(page, 'tasks-notifications');
    await Promise.all([page.waitForURL(`**/tasks/${task.id}`), item.click()]);
    assert.equal(
      await page
        .locator('[data-testid=task-title]')
        .innerText()
        .then((s) => s.startsWith('Call the supplier about delivery')),
      true,
    );
    assert.equal(await page.locator('[data-testid=task-overdue]').innerText(), 'overdue');
    assert.equal(await bellCount(page), 0, 'the opened notice is read');
    await screenshot(page, 'tasks-view-opened');

    // 4. A quick reminder ("In 1 hour") on the task, delivered when the reminders' clock passes it, once.
    await submit(page, () => page.click('[data-testid=reminder-form] button[value=hour]'));
    assert.match(
      await page.locator('main .alert, body .alert').first().innerText(),
      /^Reminder set for \d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\.$/,
    );
    const reminders = page.locator('[data-testid=reminders]');
    assert.match(await reminders.innerText(), /pending/);
    await screenshot(page, 'tasks-reminder-set');
    const [quick] = await ctx.db.rows<{ remind_at: Date }>('select remind_at from reminders where task_id = $1', [task.id]);
    assert.ok(Math.abs(quick.remind_at.getTime() - (Date.now() + 60 * MINUTE)) < 2 * MINUTE, 'in one hour');
    ctx.services.reminders.clock = () => new Date(quick.remind_at.getTime() - MINUTE);
    assert.equal((await runJob(ctx, 'reminders.deliver')).delivered, 0, 'not before its time');
    ctx.services.reminders.clock = () => new Date(quick.remind_at.getTime() + MINUTE);
    assert.deepEqual(await runJob(ctx, 'reminders.deliver'), { delivered: 1, notices: 1 });
    assert.equal((await runJob(ctx, 'reminders.deliver')).delivered, 0, 'delivered once');
    await page.reload();
    assert.equal(await bellCount(page), 1);
    assert.match(await reminders.innerText(), /delivered/);
    assert.equal(
      await reminders.locator('button:text-is("Snooze")').count(),
      1,
      'a delivered reminder offers a snooze, not a second "Remind me"',
    );
    await screenshot(page, 'tasks-reminder-delivered');

    // 5. A reminder typed as a time (Berlin) on the card's panel.
    await page.goto(cardUrl);
    const at = new Date(Math.floor((Date.now() + 3 * 60 * MINUTE) / MINUTE) * MINUTE);
    const cardForm = page.locator('[data-testid=card-tasks] [data-testid=reminder-form]').first();
    await cardForm.locator('input[name=remind_at]').fill(utcToZonedInput(at, ZONE));
    await submit(page, () => cardForm.locator('button:text-is("Remind me")').click());
    await screenshot(page, 'tasks-card-reminder-set');
    assert.equal(await page.locator('main .alert, body .alert').first().innerText(), `Reminder set for ${formatDateTime(at, ZONE)}.`);
    const [typed] = await ctx.db.rows<{ remind_at: Date }>('select remind_at from reminders where card_id = $1', [card.id]);
    assert.equal(typed.remind_at.getTime(), at.getTime());
    ctx.services.reminders.clock = () => new Date(at.getTime() + MINUTE);
    assert.deepEqual(await runJob(ctx, 'reminders.deliver'), { delivered: 1, notices: 1 });
    await page.reload();
    assert.equal(await bellCount(page), 2);
    await screenshot(page, 'tasks-card-reminder-delivered');
    await Promise.all([page.waitForURL('**/notifications'), page.click('[data-testid=bell]')]);
    const texts = await page.locator('[data-testid=notifications] button').allInnerTexts();
    assert.equal(texts.length, 3);
    assert.match(
      texts.filter((s) => s.startsWith('new')).join('\n'),
      new RegExp(
        `Reminder: Call the supplier about delivery[\\s\\S]*Reminder: ${card.number} Standing desks|Reminder: ${card.number} Standing desks[\\s\\S]*Reminder: Call the supplier about delivery`,
      ),
    );
    await screenshot(page, 'tasks-notifications-reminders');
    await submit(page, () => page.click('button:text-is("Mark all read")'));
    assert.equal(await bellCount(page), 0);
    assert.deepEqual(problems, [], 'no page failed to load');
  });
});
