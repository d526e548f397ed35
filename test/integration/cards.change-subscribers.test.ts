// The subscribers declared in app/services/subscribers.ts are what runs: a
// card change writes, in its own transaction, the history job and the SLA
// task; a user change drops the card pages' assignee choices at once. A
// subscriber left out of a list makes its case fail here.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('change subscribers', () => {
  let ctx: AppContext;
  let olga: SessionUser;
  let anton: SessionUser;

  before(async () => {
    ({ ctx } = await testContext());
    olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'] });
    anton = await sessionUserFor(ctx, 'anton@example.com', { roles: ['approver'] });
  });

  it('a card change writes its history job and its SLA task in the change’s transaction', async () => {
    const card = await makePurchase(ctx, olga, { approver: String(anton.id), assignee: String(olga.id) });
    const moved = await ctx.services.cards.transition(olga, 'purchase_request', card.id, 'submit');
    const [row] = await ctx.db.rows<{ tx: string }>('select xmin::text as tx from cards where id = $1', [card.id]);
    const jobs = await ctx.db.rows<{ kind: string; created_at: Date }>('select kind, created_at from jobs where key = $1', [
      `audit:card:${card.id}:v${moved.version}`,
    ]);
    assert.deepEqual(
      jobs.map((j) => j.kind),
      ['audit.card_changed'],
      'the history job of the transition',
    );
    const tasks = await ctx.db.rows<{ tx: string; created_at: Date }>(
      'select xmin::text as tx, created_at from tasks where auto_key = $1',
      [`auto:card:${card.id}:v${moved.version}`],
    );
    assert.equal(tasks.length, 1, 'the approval stage’s SLA task');
    // One transaction: the task row was written by the card's, and the job's now() is the task's.
    assert.equal(tasks[0].tx, row.tx);
    assert.equal(jobs[0].created_at.getTime(), tasks[0].created_at.getTime());
  });

  it('a card change that rolls back leaves neither', async () => {
    const card = await makePurchase(ctx, olga, { approver: String(anton.id), assignee: String(olga.id) });
    // A subscriber added after the declared ones fails: the whole change rolls back.
    const fail = new Error('refused after the subscribers ran');
    let armed = true;
    ctx.services.cards.onChange(async () => {
      if (armed) throw fail;
    });
    try {
      await assert.rejects(ctx.services.cards.transition(olga, 'purchase_request', card.id, 'submit'), fail);
    } finally {
      armed = false;
    }
    assert.deepEqual(await ctx.db.rows('select stage from cards where id = $1', [card.id]), [{ stage: card.stage }]);
    assert.deepEqual(await ctx.db.rows(`select id from jobs where key = $1`, [`audit:card:${card.id}:v${card.version + 1}`]), []);
    assert.deepEqual(await ctx.db.rows('select id from tasks where card_id = $1', [card.id]), []);
  });

  it('a user change drops the kept assignee choices at once', async () => {
    const before = await ctx.services.cards.userChoices();
    assert.ok(!before.some((u) => u.name === 'Nina New'));
    await ctx.services.users.create({ email: 'nina@example.com', displayName: 'Nina New', password: 'a long enough passphrase 42' });
    const after = await ctx.services.cards.userChoices();
    assert.ok(
      after.some((u) => u.name === 'Nina New'),
      'the new user is a choice within the 10 s the choices are kept',
    );
  });
});
