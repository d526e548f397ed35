// What turns Orbis's own changes into webhook events: the card change
// subscriber (card.created, .updated, .transitioned, .deleted), the comment
// subscriber (comment.created) and the deadline sweep's (task.overdue), each
// emitting in the transaction of the change (app/services/subscribers.ts
// registers them). attachment.processed is sent by the image job itself.
import type { ChangeHook } from '#app/services/cards';
import type { CommentHook } from '#app/services/comments';
import type { OverdueHook } from '#app/services/task-deadlines';
import type { WebhookEvent } from '#app/services/webhook-types';
import type { WebhookService } from '#app/services/webhooks';

const CHANGE_EVENTS: Partial<Record<string, WebhookEvent>> = {
  created: 'card.created',
  updated: 'card.updated',
  transitioned: 'card.transitioned',
  deleted: 'card.deleted',
};

/** The card change subscriber: card.created, .updated, .transitioned, .deleted. */
export function cardHook(webhooks: WebhookService): ChangeHook {
  return async (change, t) => {
    const event = CHANGE_EVENTS[change.kind];
    if (!event) return;
    const c = change.after;
    const card = { id: Number(c.id), number: c.number, type: c.type, title: c.title, stage: c.stage, version: c.version };
    const extra = change.kind === 'transitioned' ? { transition: change.transition ?? null, from: change.before?.stage ?? null } : {};
    await webhooks.emit(t, event, c.type, { card, ...extra, user: { id: change.user.id } });
  };
}

/** The comment subscriber: comment.created. */
export function commentHook(webhooks: WebhookService): CommentHook {
  return async ({ card: c, commentId, userId }, t) => {
    const card = { id: Number(c.id), number: c.number, type: c.type };
    await webhooks.emit(t, 'comment.created', c.type, { card, comment: { id: commentId }, user: { id: userId } });
  };
}

/** The deadline sweep's subscriber: task.overdue, once for each task the first time it is overdue. */
export function overdueHook(webhooks: WebhookService): OverdueHook {
  return {
    wanted: () => webhooks.wants('task.overdue'),
    emit: (t, tasks) =>
      webhooks.emitMany(
        t,
        'task.overdue',
        tasks.map((k) => ({
          cardType: k.card_type,
          key: `task.overdue:${k.id}`,
          data: {
            task: {
              id: Number(k.id),
              title: k.title,
              status: 'open',
              due_at: k.due_at,
              assignee: { id: Number(k.assignee_id) },
              card: k.card_id === null ? null : { id: Number(k.card_id), number: k.card_number, type: k.card_type },
            },
          },
        })),
      ),
  };
}
