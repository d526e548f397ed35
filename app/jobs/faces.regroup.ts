// faces.regroup: groups every face again with the current match distance
// (after the distance changed on /admin/recognition, or asked for there).
// Named people and confirmed faces stay where an operator put them.
// Idempotent: a second run computes the same groups.
import { defineJob, type NoPayload } from '#app/jobs/define';
import { regroupAll } from '#app/services/face-groups';
import { readRecognitionSettings } from '#app/services/recognition-settings';

export const job = defineJob({
  kind: 'faces.regroup',
  queue: 'default',
  attempts: 3,
  uses: ['db'],
  handler:
    ({ db }) =>
    async (_payload: NoPayload, job) => {
      const { matchDistance } = await readRecognitionSettings(db);
      const grouped = await regroupAll(db, matchDistance, (done, total) => job.progress(done, total));
      return { grouped, matchDistance };
    },
});
