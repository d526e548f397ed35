// reminders.deliver (the beat, every minute): every reminder whose time came
// and that was not delivered becomes one notification (state-based, once).
import { defineJob, type NoPayload } from '#app/jobs/define';

export const job = defineJob({
  kind: 'reminders.deliver',
  queue: 'default',
  attempts: 3,
  schedule: { cron: '* * * * *', catchUp: 'once' },
  uses: ['reminders'],
  handler:
    ({ reminders }) =>
    async (_payload: NoPayload) =>
      reminders.deliver(reminders.clock()),
});
