// search.rebuild: every card's search vector in the language of the setting
// search.language, in batches, with progress on /admin/jobs. Idempotent: a
// second run rebuilds the same vectors again.
import type { AppContext } from '#app/context';
import type { Handler } from '#app/queue/worker';

export function searchRebuild(ctx: AppContext): Handler<'search.rebuild'> {
  return async ({ language, generation }, job) => {
    const cards = await ctx.services.search.rebuild(language, generation, (done, total) => job.progress(done, total));
    return { cards, language };
  };
}
