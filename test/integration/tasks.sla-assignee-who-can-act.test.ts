// A stage's SLA task goes to someone who can act on the card in that stage:
// the approval stage's task to the approver the card names, the ordering
// stage's to the least-loaded active manager — not to the requester who
// moved the card. The stage's `task_assignee` rule can say
// otherwise. Real roles, users and cards from the shipped card types.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import YAML from 'yaml';
import type { AppContext } from '#app/context';
import { CardTypeError, parseCardType } from '#app/services/card-types';
import type { SessionUser } from '#app/services/users';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { insertTask } from '#test/support/tasks';

async function autoTask(ctx: AppContext, cardId: number): Promise<{ id: number; assignee: string; title: string }> {
  const rows = await ctx.db.rows<{ id: number; assignee: string; title: string }>(
    `select t.id, u.email as assignee, t.title from tasks t join users u on u.id = t.assignee_id where t.card_id = $1 and t.auto_key is not null and t.status = 'open'`,
    [cardId],
  );
  assert.equal(rows.length, 1, `one open automatic task on card ${cardId}`);
  return rows[0];
}

describe('the task of a stage SLA', () => {
  let ctx: AppContext;
  let olga: SessionUser;
  let anton: SessionUser;
  let maria: SessionUser;
  let nina: SessionUser;

  before(async () => {
    ({ ctx } = await testContext());
    olga = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    anton = await sessionUserFor(ctx, 'anton@example.com', { roles: ['approver'], name: 'Anton Approver' });
    maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    nina = await sessionUserFor(ctx, 'nina@example.com', { roles: ['manager'], name: 'Nina Manager' });
  });

  it('in the approval stage goes to the approver the card names, who is told and can act on it', async () => {
    const card = await makePurchase(ctx, olga, { title: 'Laptops', approver: String(anton.id), assignee: String(olga.id) });
    await ctx.services.cards.transition(olga, 'purchase_request', card.id, 'submit');
    const task = await autoTask(ctx, card.id);
    assert.equal(task.assignee, 'anton@example.com');
    assert.match(task.title, /^Waiting for approval: PR-\d+ Laptops$/);
    const notices = await ctx.db.rows<{ kind: string; url: string }>('select kind, url from notifications where user_id = $1', [anton.id]);
    assert.deepEqual(notices, [{ kind: 'task.assigned', url: `/tasks/${task.id}` }]);
    assert.equal((await ctx.services.tasks.getForUser(anton, task.id)).id, task.id, 'the approver sees the task');
    assert.deepEqual(
      await ctx.db.rows('select count(*)::int as n from notifications where user_id = $1', [olga.id]),
      [{ n: 0 }],
      'the requester hears of nothing she did herself',
    );
  });

  it('in the ordering stage goes to the least-loaded active manager, the only role that may order', async () => {
    // Maria has two open tasks of her own; Mike has none but is disabled; Nina has none.
    for (const title of ['one', 'two']) await insertTask(ctx, { title, assigneeId: maria.id, dueAt: new Date(Date.now() + 86_400_000) });
    const mike = await sessionUserFor(ctx, 'mike@example.com', { roles: ['manager'] });
    await ctx.services.users.setActive(mike.id, false);
    const card = await makePurchase(ctx, olga, { title: 'Monitors', approver: String(anton.id), assignee: String(olga.id) });
    await ctx.services.cards.transition(olga, 'purchase_request', card.id, 'submit');
    await ctx.services.cards.transition(anton, 'purchase_request', card.id, 'approve');
    assert.equal((await autoTask(ctx, card.id)).assignee, 'nina@example.com');
    // Nina now holds that task and two more, Maria two: the next card's task is Maria's.
    for (const title of ['three', 'four']) await insertTask(ctx, { title, assigneeId: nina.id, dueAt: new Date(Date.now() + 86_400_000) });
    const next = await makePurchase(ctx, olga, { title: 'Docks', approver: String(anton.id), assignee: String(olga.id) });
    await ctx.services.cards.transition(olga, 'purchase_request', next.id, 'submit');
    await ctx.services.cards.transition(anton, 'purchase_request', next.id, 'approve');
    assert.equal((await autoTask(ctx, next.id)).assignee, 'maria@example.com');
  });

  it('stays with an assignee who may act (a complaint’s operator starts it)', async () => {
    const complaint = await ctx.services.cards.create(olga, 'complaint', {
      title: 'Broken lid',
      customer: 'Tom Becker',
      channel: 'phone',
      severity: 'low',
      details: 'The lid snapped.',
      assignee: String(olga.id),
    });
    assert.equal((await autoTask(ctx, complaint.id)).assignee, 'olga@example.com');
  });

  it('follows the stage’s task_assignee rule: assignee keeps the old way', async () => {
    const stage = ctx.services.cards.types.get('purchase_request')!.stageMap.get('approval')!;
    stage.taskAssignee = 'assignee';
    try {
      const card = await makePurchase(ctx, olga, { title: 'Desks', approver: String(anton.id), assignee: String(olga.id) });
      await ctx.services.cards.transition(olga, 'purchase_request', card.id, 'submit');
      assert.equal((await autoTask(ctx, card.id)).assignee, 'olga@example.com');
    } finally {
      stage.taskAssignee = 'actor';
    }
  });

  it('refuses an unknown task_assignee rule, naming the stage', () => {
    const yaml = `
name: inspection
label: Inspection
prefix: IN
fields: []
process:
  stages: [{ name: open, label: Open, sla: P1D, task_assignee: boss }, { name: done, label: Done, final: true }]
  transitions: [{ name: finish, label: Finish, from: [open], to: done, roles: [lead] }]
permissions:
  lead: { read: all, transition: all }
`;
    assert.throws(
      () => parseCardType('inspection.yaml', YAML.parse(yaml)),
      (err: Error) =>
        err instanceof CardTypeError &&
        err.message === 'inspection.yaml: card type inspection: stage open: task_assignee "boss" is not one of actor, assignee, owner',
    );
    assert.equal(
      parseCardType('inspection.yaml', YAML.parse(yaml.replace(', task_assignee: boss', ''))).stageMap.get('open')!.taskAssignee,
      'actor',
      'actor by default',
    );
  });
});
