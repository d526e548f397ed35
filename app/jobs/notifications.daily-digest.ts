// notifications.daily_digest (the beat, daily at 07:00 UTC): mails the daily
// digest to users who chose it for some kinds.
import { defineJob, type NoPayload } from '#app/jobs/define';

export const job = defineJob({
  kind: 'notifications.daily_digest',
  queue: 'default',
  attempts: 3,
  schedule: { cron: '0 7 * * *', catchUp: 'once' },
  uses: ['noticeMail'],
  handler:
    ({ noticeMail }) =>
    async (_payload: NoPayload) =>
      noticeMail.dailyDigest(),
});
