// jobs.sweep (the beat, every minute): recovery that does not depend on any
// one worker — re-queue jobs of dead workers, publish jobs the broker never
// confirmed.
import { defineJob, type NoPayload } from '#app/jobs/define';
import { sweep } from '#app/queue/sweep';

export const job = defineJob({
  kind: 'jobs.sweep',
  queue: 'default',
  attempts: 1,
  schedule: { cron: '* * * * *', catchUp: 'once' },
  uses: ['jobStore', 'publisher', 'settings'],
  handler:
    ({ jobStore, publisher, settings }) =>
    async (_payload: NoPayload, job) => {
      const result = await sweep(jobStore, publisher, settings.jobs);
      if (result.requeued || result.published) job.log.info(result, 'sweep: recovered jobs');
      return result;
    },
});
