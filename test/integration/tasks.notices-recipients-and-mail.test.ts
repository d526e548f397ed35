// Who gets notices and mail: a reminder fires at its time (once); a disabled
// user and a user who may not read the card get nothing; a burst of 50
// notices to one user becomes ONE digest mail on a real SMTP server (a sink
// started by the test), while a lone notice is mailed on its own; the task
// form keeps its input and names the field on bad input; the bell counts
// unread notices and opening one marks it read and follows its link.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import { startTestApp, testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';
import { startSmtpSink } from '#test/support/smtp-sink';
import { insertTask, noticeCounts } from '#test/support/tasks';

const MINUTE = 60_000;

async function notices(ctx: AppContext, userId: number): Promise<number> {
  const [{ n }] = await ctx.db.rows<{ n: number }>('select count(*)::int as n from notifications where user_id = $1', [userId]);
  return n;
}

describe('task notices: recipients and mail', () => {
  it('fires a reminder at its time, once', async () => {
    const { ctx } = await testContext();
    const ann = await sessionUserFor(ctx, 'ann@example.com');
    const task = await insertTask(ctx, {
      title: 'call back',
      assigneeId: ann.id,
      dueAt: new Date(Date.now() + 86_400_000),
      createdBy: ann.id,
    });
    const t0 = new Date('2030-01-07T08:00:00Z');
    const r = await ctx.services.reminders.create(ann, { task: String(task), remind_at: '2030-01-07T08:05' }, t0);
    assert.equal(r.remind_at.toISOString(), '2030-01-07T08:05:00.000Z', 'typed in the user zone (UTC)');
    assert.deepEqual(
      await ctx.services.reminders.deliver(new Date(t0.getTime() + 4 * MINUTE + 59_000)),
      { delivered: 0, notices: 0 },
      'not before its time',
    );
    assert.deepEqual(await ctx.services.reminders.deliver(new Date(t0.getTime() + 5 * MINUTE)), { delivered: 1, notices: 1 });
    for (let i = 0; i < 3; i++)
      assert.equal((await ctx.services.reminders.deliver(new Date(t0.getTime() + (6 + i) * MINUTE))).delivered, 0);
    const rows = await ctx.db.rows<{ title: string; url: string }>(
      `select title, url from notifications where user_id = $1 and kind = 'reminder'`,
      [ann.id],
    );
    assert.deepEqual(rows, [{ title: 'Reminder: call back', url: `/tasks/${task}` }]);
    // Snoozed, it fires again at the new time, once.
    await ctx.services.reminders.snooze(ann, r.id, { quick: 'hour' }, new Date(t0.getTime() + 6 * MINUTE));
    assert.equal((await ctx.services.reminders.deliver(new Date(t0.getTime() + 66 * MINUTE))).notices, 1);
    assert.equal(await notices(ctx, ann.id), 2);
  });

  it('never notifies a disabled user, nor a user who may not read the card', async () => {
    const { ctx } = await testContext();
    const owner = await sessionUserFor(ctx, 'owner@example.com', { roles: ['operator'] });
    const outsider = await sessionUserFor(ctx, 'outsider@example.com', { roles: ['operator'] }); // purchase requests: read own only
    const gone = await sessionUserFor(ctx, 'gone@example.com', { roles: ['manager'] });
    const card = await makePurchase(ctx, owner);
    const past = new Date(Date.now() - MINUTE);
    const outsiderTask = await insertTask(ctx, { title: 'not yours', assigneeId: outsider.id, dueAt: past, cardId: card.id });
    const ownerTask = await insertTask(ctx, { title: 'yours', assigneeId: owner.id, dueAt: past, cardId: card.id });
    await insertTask(ctx, { title: 'disabled', assigneeId: gone.id, dueAt: past, cardId: card.id });
    await insertTask(ctx, { title: 'disabled, no card', assigneeId: gone.id, dueAt: past });
    await ctx.db.exec('insert into reminders (user_id, card_id, remind_at) values ($1, $2, $3)', [gone.id, card.id, past]);
    await ctx.services.users.setActive(gone.id, false);

    const r = await ctx.services.tasks.sweep(new Date());
    assert.equal(r.overdue, 4, 'every overdue task is marked (its notice decided once)');
    assert.equal((await ctx.services.reminders.deliver(new Date())).notices, 0);
    assert.deepEqual(await noticeCounts(ctx, 'task.overdue'), [{ user_id: owner.id, task_id: ownerTask, n: 1 }]);
    assert.equal(await notices(ctx, outsider.id), 0, 'cannot read the card');
    assert.equal(await notices(ctx, gone.id), 0, 'disabled');
    assert.equal((await ctx.services.tasks.sweep(new Date())).overdue, 0);
    void outsiderTask;
  });

  it('shows a reminder without its card once the user may no longer read the card', async () => {
    const app = await startTestApp();
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'] }); // purchase requests: read own only
    const other = await sessionUserFor(app.ctx, 'other@example.com', { roles: ['operator'] });
    const card = await makePurchase(app.ctx, olga, { title: 'Secret chairs' });
    const task = await insertTask(app.ctx, {
      title: 'Call the secret supplier',
      assigneeId: olga.id,
      dueAt: new Date(Date.now() + 86_400_000),
      cardId: card.id,
    });
    await app.ctx.services.reminders.create(olga, { card: String(card.id), remind_at: '2030-01-07T08:05', note: 'my own note' });
    await app.ctx.services.reminders.create(olga, { task: String(task), remind_at: '2030-01-08T08:05' });
    const c = app.client();
    await c.login('olga@example.com', 'correct horse battery');
    const mine = await c.get('/reminders');
    assert.match(mine.text, /Secret chairs/);
    assert.match(mine.text, /Call the secret supplier/);

    // The card goes to someone else, and the task with it: Olga's own scope no longer covers it.
    await app.ctx.db.exec('update cards set owner_id = $2, assignee_id = null where id = $1', [card.id, other.id]);
    await app.ctx.db.exec('update tasks set assignee_id = $2 where id = $1', [task, other.id]);
    const after = await c.get('/reminders');
    assert.equal(after.status, 200);
    assert.doesNotMatch(after.text, /Secret chairs|Call the secret supplier|PR-\d{6}/);
    assert.match(after.text, /my own note/, 'her note is still hers');
    assert.equal([...after.text.matchAll(/data-testid="reminder-hidden"/g)].length, 2);
  });

  it('tells a user a task was assigned to them — by someone else, on creation and on reassignment', async () => {
    const { ctx } = await testContext();
    const maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['manager'] });
    const card = await makePurchase(ctx, maria);
    const assigned = (userId: number) =>
      ctx.db.rows<{ title: string; body: string; url: string; task_id: number }>(
        `select title, body, url, task_id from notifications where user_id = $1 and kind = 'task.assigned' order by id`,
        [userId],
      );

    await ctx.services.tasks.create(maria, { title: 'Mine', assignee: String(maria.id), due_at: '2030-01-07T08:00' });
    assert.deepEqual(await assigned(maria.id), [], 'no notice for assigning oneself');
    const task = await ctx.services.tasks.create(maria, {
      title: 'Check the quote',
      assignee: String(olga.id),
      due_at: '2030-01-07T08:00',
      card: String(card.id),
    });
    assert.deepEqual(await assigned(olga.id), [
      {
        title: 'Task for you: Check the quote',
        body: `Maria Manager assigned it to you on ${card.number}.`,
        url: `/tasks/${task.id}`,
        task_id: task.id,
      },
    ]);

    await ctx.services.tasks.reassign(maria, task.id, String(maria.id));
    assert.deepEqual(await assigned(maria.id), [], 'taking it herself: no notice');
    await ctx.services.tasks.reassign(maria, task.id, String(olga.id));
    const olgas = await assigned(olga.id);
    assert.equal(olgas.length, 2, 'assigned to her again: a second notice');
    await ctx.services.tasks.reassign(maria, task.id, String(olga.id));
    assert.equal((await assigned(olga.id)).length, 2, 'the same assignee again: nothing new');
  });

  it('turns a burst of 50 notices into one digest mail; a lone notice is mailed alone', async () => {
    const sink = await startSmtpSink();
    const { ctx } = await testContext(
      { SMTP_URL: sink.url },
      { jobs: { ...FAST_JOBS, concurrency: 4 }, notifications: { gatherSeconds: 1, digestAfter: 5, burstMinutes: 15 } },
    );
    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    const busy = await sessionUserFor(ctx, 'busy@example.com');
    const calm = await sessionUserFor(ctx, 'calm@example.com');
    const past = new Date(Date.now() - MINUTE);
    for (let i = 0; i < 50; i++) await insertTask(ctx, { title: `burst ${i}`, assigneeId: busy.id, dueAt: past });
    await insertTask(ctx, { title: 'the only one', assigneeId: calm.id, dueAt: past });
    const r = await ctx.services.tasks.sweep(new Date());
    assert.equal(r.notices, 51);

    await eventually(() => sink.mails.length >= 2, 20_000, 'two mails');
    await new Promise((res) => setTimeout(res, 2500)); // nothing more comes
    const toBusy = sink.mails.filter((m) => m.to.includes('busy@example.com'));
    const toCalm = sink.mails.filter((m) => m.to.includes('calm@example.com'));
    assert.equal(toBusy.length, 1, 'one digest for the burst');
    assert.match(toBusy[0].subject, /50 new notifications/);
    assert.equal((toBusy[0].data.match(/Overdue: burst/g) ?? []).length, 50);
    assert.equal(toCalm.length, 1);
    assert.match(toCalm[0].subject, /Overdue: the only one/);
    const states = await ctx.db.rows<{ mail_state: string; n: number }>(
      'select mail_state, count(*)::int as n from notifications group by 1 order by 1',
    );
    assert.deepEqual(states, [
      { mail_state: 'digested', n: 50 },
      { mail_state: 'sent', n: 1 },
    ]);
  });

  it('keeps the task form input and names the field on an impossible date or an unknown assignee', async () => {
    const app = await startTestApp();
    await sessionUserFor(app.ctx, 'ann@example.com');
    const c = app.client();
    await c.login('ann@example.com', 'correct horse battery');
    const bad = await c.post(
      '/tasks',
      { title: 'Check <invoice>', assignee: '999999', due_at: '2030-02-30T10:00' },
      { from: '/tasks/new' },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /no active user with this id/);
    assert.match(bad.text, /&quot;2030-02-30T10:00&quot; is not a real date and time/);
    assert.match(bad.text, /value="Check &lt;invoice&gt;"/, 'the title is kept, escaped');
    assert.match(bad.text, /name="due_at" value="2030-02-30T10:00"/);
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from tasks');
    assert.equal(n, 0, 'nothing written');
  });

  it('shows the unread count on the bell; opening a notice marks it read and follows its link', async () => {
    const app = await startTestApp();
    const ann = await sessionUserFor(app.ctx, 'ann@example.com');
    const task = await insertTask(app.ctx, { title: 'late', assigneeId: ann.id, dueAt: new Date(Date.now() - MINUTE), createdBy: ann.id });
    await app.ctx.services.tasks.sweep(new Date());
    const c = app.client();
    await c.login('ann@example.com', 'correct horse battery');
    assert.match((await c.get('/')).text, /data-testid="bell-count">1</);
    const list = await c.get('/notifications');
    const id = /data-testid="notification-(\d+)"/.exec(list.text)![1];
    const open = await c.post(`/notifications/${id}/open`, {}, { from: '/notifications' });
    assert.equal(open.status, 303);
    assert.equal(open.location, `/tasks/${task}`);
    assert.doesNotMatch((await c.get('/')).text, /bell-count/);
    // Someone else's notice is not theirs to open.
    const bob = await sessionUserFor(app.ctx, 'bob@example.com');
    const c2 = app.client();
    await c2.login('bob@example.com', 'correct horse battery');
    assert.equal((await c2.post(`/notifications/${id}/open`, {}, { from: '/notifications' })).status, 404);
    void bob;
  });

  it('renders every task, reminder and notification page (templates render: errors are hidden in production)', async () => {
    const app = await startTestApp();
    const ann = await sessionUserFor(app.ctx, 'ann@example.com', { roles: ['manager'] });
    const card = await makePurchase(app.ctx, ann);
    const task = await insertTask(app.ctx, {
      title: 'on the card',
      assigneeId: ann.id,
      dueAt: new Date(Date.now() - MINUTE),
      cardId: card.id,
      createdBy: ann.id,
    });
    await app.ctx.services.tasks.sweep(new Date());
    await app.ctx.services.reminders.create(ann, { card: String(card.id), quick: 'tomorrow' });
    const c = app.client();
    await c.login('ann@example.com', 'correct horse battery');
    for (const path of [
      '/',
      '/tasks',
      '/tasks?status=all&scope=created&q=card',
      `/tasks/new?card=${card.id}`,
      `/tasks/${task}`,
      '/reminders',
      '/notifications',
      '/notifications?filter=unread',
      '/notifications/preferences',
      `/cards/purchase_request/${card.id}`,
    ]) {
      const page = await c.get(path);
      assert.equal(page.status, 200, path);
    }
    assert.match((await c.get('/')).text, /data-testid="overdue-chart"/);
    assert.match((await c.get(`/cards/purchase_request/${card.id}`)).text, /on the card/);
  });
});
