// search.rebuild: every card's search vector in the language of the setting
// search.language (it changed), in batches, with progress on /admin/jobs.
// Idempotent: a second run rebuilds the same vectors again.
import { defineJob } from '#app/jobs/define';

export const job = defineJob({
  kind: 'search.rebuild',
  queue: 'default',
  attempts: 5,
  uses: ['search'],
  handler:
    ({ search }) =>
    async ({ language, generation }: { language: 'simple' | 'english' | 'russian'; generation: number }, job) => {
      const cards = await search.rebuild(language, generation, (done, total) => job.progress(done, total));
      return { cards, language };
    },
});
