// cards.import: a CSV import started on the import page
// (app/services/card-import-runs.ts), as the user who uploaded it, with
// progress on the page and /admin/jobs. Safe to run again: it resumes after
// the last batch written and never imports a row twice. A reason retrying
// cannot change (the uploader lost the right), or the last attempt, ends the
// import as failed and removes its file.
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { CardImportError } from '#app/services/card-import';
import { ImportRunOverlap } from '#app/services/card-import-runs';

export interface CardImportPayload {
  importId: number;
}

export const job = defineJob({
  kind: 'cards.import',
  queue: 'default',
  attempts: 3,
  timeoutSeconds: 3600,
  uses: ['cardImports'],
  handler:
    ({ cardImports }) =>
    async ({ importId }: CardImportPayload, job) => {
      try {
        return await cardImports.run(importId, (done, total) => job.progress(done, total));
      } catch (err) {
        // Another copy of this job is importing the file: leave it to that one.
        if (err instanceof ImportRunOverlap) return { overlapped: true };
        const permanent = err instanceof CardImportError;
        if (permanent || job.attempt >= job.maxAttempts) await cardImports.fail(importId, (err as Error).message);
        throw permanent ? new PermanentJobError((err as Error).message) : err;
      }
    },
});
