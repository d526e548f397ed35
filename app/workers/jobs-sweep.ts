// jobs.sweep: recovery that does not depend on any one worker (scheduled by
// the beat every minute): re-queue jobs of dead workers, publish jobs the
// broker never confirmed.
import type { AppContext } from '#app/context';
import { sweep } from '#app/queue/sweep';
import type { Handler } from '#app/queue/worker';

export function jobsSweep(ctx: AppContext): Handler<'jobs.sweep'> {
  return async (_payload, job) => {
    const result = await sweep(ctx.jobStore, ctx.publisher, ctx.settings.jobs);
    if (result.requeued || result.published) job.log.info(result, 'sweep: recovered jobs');
    return result;
  };
}
