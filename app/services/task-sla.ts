// Automatic tasks: a card entering a stage with an SLA gets a task for
// someone who can act in that stage, in the change's own transaction (a
// card change subscriber, app/services/subscribers.ts); leaving the stage
// cancels it. Created once per card version (auto_key), announced to the
// assignee unless they moved the card themselves.
import type { Database, Transaction } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import type { CardChange, ChangeHook } from '#app/services/cards';
import type { NotificationService } from '#app/services/notifications';
import { chooseSlaAssignee, stageLabelFor } from '#app/services/sla-assignee';

/** The card change subscriber of automatic tasks. */
export function slaTasks(db: Database, notifications: NotificationService): ChangeHook {
  return function slaTasks(change, t) {
    return onCardChange(db, notifications, change, t);
  };
}

async function onCardChange(db: Database, notifications: NotificationService, change: CardChange, t: Transaction): Promise<void> {
  if (change.kind !== 'created' && change.kind !== 'transitioned') return;
  const card = change.after;
  // Leaving a stage ends its automatic task: the SLA it tracked no longer applies.
  if (change.kind === 'transitioned') {
    await db.exec(
      `update tasks set status = 'cancelled', closed_at = now(), updated_at = now() where card_id = $1 and auto_key is not null and status = 'open'`,
      [card.id],
      t,
    );
  }
  const stage = change.type.stageMap.get(card.stage);
  if (!stage?.slaMs || !card.due_at) return;
  // Someone who can act in the stage (the stage's task_assignee rule).
  const assignee = await chooseSlaAssignee(db, change.type, card, t);
  // Stored text: in the assignee's language.
  const stageLabel = await stageLabelFor(db, stage, assignee, t);
  const title = `${stageLabel}: ${card.number} ${card.title}`.slice(0, 300);
  const [task] = await db.rows<{ id: number }>(
    `insert into tasks (title, card_id, assignee_id, created_by, due_at, auto_key)
     values ($1, $2, $3, $4, $5, $6) on conflict (auto_key) where auto_key is not null do nothing returning id`,
    [title, card.id, assignee, change.user.id, card.due_at, `auto:card:${card.id}:v${card.version}`],
    t,
  );
  // Work handed to someone else is announced, with the change (the person who moved the card knows).
  if (task && assignee !== change.user.id) {
    await notifications.notify(
      {
        userId: assignee,
        kind: 'task.assigned',
        key: `task.assigned:${task.id}:${assignee}:auto`,
        title: `Task for you: ${title}`,
        body: `${card.number} is waiting in ${stage.label}.`,
        message: msg('notifications.notice.autoAssigned', { task: title, card: card.number, stage: stageLabel }),
        url: `/tasks/${task.id}`,
        cardId: card.id,
        taskId: task.id,
      },
      t,
    );
  }
}
