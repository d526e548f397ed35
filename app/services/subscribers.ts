// Who hears of a change, declared in one place. The composition root
// (app/context.ts) hands each list to its source once; nothing else
// subscribes.
//
// A card change subscriber runs inside the change's transaction, in this
// order: what it writes commits or rolls back with the card. A user change
// subscriber runs after the user change committed and must not throw.
import type { Database } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import { auditHistory } from '#app/services/audit';
import { cardEventNotices } from '#app/services/card-notices';
import type { CardService, ChangeHook } from '#app/services/cards';
import type { NotificationService } from '#app/services/notifications';
import { slaTasks } from '#app/services/task-sla';
import type { UserService } from '#app/services/users';
import { autoWatch } from '#app/services/watchers';
import type { CommentService } from '#app/services/comments';
import type { TaskService } from '#app/services/tasks';
import { cardHook, commentHook, overdueHook } from '#app/services/webhook-events';
import type { WebhookService } from '#app/services/webhooks';

export interface SubscriberDeps {
  db: Database;
  jobs: Jobs;
  notifications: NotificationService;
  cards: CardService;
  comments: CommentService;
  webhooks: WebhookService;
  tasks: TaskService;
}

/** Every card change (created, updated, transitioned, deleted, restored). */
export function cardChangeSubscribers(d: SubscriberDeps): ChangeHook[] {
  return [
    // The history job (audit.card_changed), keyed by card and version.
    auditHistory(d.jobs),
    // A stage with an SLA gets its task; leaving the stage cancels it.
    slaTasks(d.db, d.notifications),
    // The creator, the owner and each new assignee watch the card.
    autoWatch(d.db),
    // Assigned / unassigned, and a stage change to the watchers (notifications.card_event jobs).
    cardEventNotices(d.jobs),
    // card.created, .updated, .transitioned, .deleted to the webhooks that asked (webhooks.deliver jobs).
    cardHook(d.webhooks),
  ];
}

/** A user created, enabled or disabled. */
export function userChangeSubscribers(d: SubscriberDeps): Array<() => void> {
  return [
    // The assignee choices a card page keeps (10 s per process) are dropped at once.
    function forgetUserChoices() {
      d.cards.forgetUserChoices();
    },
  ];
}

/** Hands the lists to the card and user services (once, by the composition root). */
export function subscribeAll(d: SubscriberDeps, users: UserService): void {
  for (const s of cardChangeSubscribers(d)) d.cards.onChange(s);
  for (const s of userChangeSubscribers(d)) users.onChange(s);
  // comment.created to the webhooks that asked.
  d.comments.onAdded(commentHook(d.webhooks));
  // task.overdue to the webhooks that asked (the deadline sweep, once per task).
  d.tasks.onOverdue(overdueHook(d.webhooks));
}
