// tasks.deadlines (the beat, every minute): the deadline sweep. State-based —
// it handles every task due by now that was not yet noticed, so running it
// ten times or after an hour of downtime gives the same notices, once each.
import type { AppContext } from '#app/context';
import type { Handler } from '#app/queue/worker';

export function tasksDeadlines(ctx: AppContext): Handler<'tasks.deadlines'> {
  return async (_payload, job) => {
    const result = await ctx.services.tasks.sweep(ctx.services.tasks.clock());
    if (result.overdue || result.dueSoon || result.escalated) job.log.info(result, 'deadline sweep');
    return result;
  };
}
