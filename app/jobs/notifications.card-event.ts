// notifications.card_event: the notices of one thing that happened on a card
// (a mention, a comment, an assignment, a stage change, files added), written
// to the people who should hear of it. Enqueued in the change's transaction;
// see app/services/card-notices.ts for what must hold.
import { defineJob } from '#app/jobs/define';
import type { CardEventPayload } from '#app/services/card-notices';

export const job = defineJob({
  kind: 'notifications.card_event',
  queue: 'default',
  attempts: 5,
  uses: ['cardNotices'],
  handler:
    ({ cardNotices }) =>
    async (payload: CardEventPayload) =>
      cardNotices.deliver(payload),
});
