// cards.bulk: a bulk action over more cards than a request does (the list's
// bulk form, app/services/bulk-work.ts), with progress for its result page
// and /admin/jobs. Taken again (a retry, a second run), it skips the cards
// already done or refused: each card's step is marked in the transaction of
// its change (app/services/bulk-run.ts).
import { defineJob } from '#app/jobs/define';

export const job = defineJob({
  kind: 'cards.bulk',
  queue: 'default',
  attempts: 5,
  uses: ['bulkWork'],
  handler:
    ({ bulkWork }) =>
    async ({ runId }: { runId: number }, job) =>
      bulkWork.run(runId, (done, total) => job.progress(done, total)),
});
