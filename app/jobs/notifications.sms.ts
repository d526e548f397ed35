// notifications.sms: sends one user's pending notices as one SMS, at most one
// per sms.minutesBetween (within it, the job puts itself on the queue for the
// moment the interval ends). One job per user and gather window. See
// app/services/notice-sms.ts for what must hold.
import { defineJob } from '#app/jobs/define';

export const job = defineJob({
  kind: 'notifications.sms',
  queue: 'default',
  attempts: 5,
  uses: ['noticeSms'],
  handler:
    ({ noticeSms }) =>
    async ({ userId }: { userId: number }) => {
      const r = await noticeSms.dispatch(userId);
      return { ...r, deferredUntil: r.deferredUntil?.toISOString() ?? null };
    },
});
