// notifications.mail: mails one user's pending notices (alone, or as one
// digest in a burst), one job per user and gather window. See
// app/services/notice-mail.ts for what must hold.
import { defineJob } from '#app/jobs/define';

export const job = defineJob({
  kind: 'notifications.mail',
  queue: 'default',
  attempts: 5,
  uses: ['noticeMail'],
  handler:
    ({ noticeMail }) =>
    async ({ userId }: { userId: number }) =>
      noticeMail.dispatch(userId),
});
