// cardtypes.move_stages: the cards of stages a new version of their type
// removed go where the administrator said (app/services/card-type-moves.ts),
// with progress for /admin/jobs and the designer's page. Taken again, it
// moves only what is still to move.
import { defineJob } from '#app/jobs/define';
import type { MovePayload } from '#app/services/card-type-moves';

export const job = defineJob({
  kind: 'cardtypes.move_stages',
  queue: 'default',
  attempts: 5,
  uses: ['cardTypeStore'],
  handler:
    ({ cardTypeStore }) =>
    async (payload: MovePayload, job) =>
      cardTypeStore.moveCards(payload, (done, total) => job.progress(done, total)),
});
