// tasks.deadlines (the beat, every minute): the deadline sweep — newly
// overdue, due soon and escalated tasks, each noticed once. State-based: it
// handles every task due by now that was not yet noticed, so running it ten
// times or after an hour of downtime gives the same notices, once each (and
// one run after downtime catches up: catch-up `once`).
import { defineJob, type NoPayload } from '#app/jobs/define';

export const job = defineJob({
  kind: 'tasks.deadlines',
  queue: 'default',
  attempts: 3,
  schedule: { cron: '* * * * *', catchUp: 'once' },
  uses: ['tasks'],
  handler:
    ({ tasks }) =>
    async (_payload: NoPayload, job) => {
      const result = await tasks.sweep(tasks.clock());
      if (result.overdue || result.dueSoon || result.escalated) job.log.info(result, 'deadline sweep');
      return result;
    },
});
