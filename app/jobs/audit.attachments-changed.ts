// audit.attachments_changed (queue `audit`): one card_history row for files
// added to a card (one upload: their names) or one file removed from it.
//
// What MUST hold: idempotent. The row is keyed by (card_id, event), the event
// naming the first media id of the upload or the removed one, so a second run
// of the same job inserts nothing.
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { attachmentsEvent } from '#app/services/audit';

/** Files added to a card (one upload) or one removed: a history entry without a card version. */
export interface AttachmentsChangedPayload {
  cardId: number;
  kind: 'attached' | 'detached';
  userId: number | null;
  at: string;
  mediaIds: number[];
  names: string[];
}

export const job = defineJob({
  kind: 'audit.attachments_changed',
  queue: 'audit',
  attempts: 10,
  uses: ['db'],
  handler:
    ({ db }) =>
    async (payload: AttachmentsChangedPayload, job) => {
      if (
        !Number.isSafeInteger(payload.cardId) ||
        !payload.mediaIds?.length ||
        !Array.isArray(payload.names) ||
        Number.isNaN(Date.parse(payload.at))
      ) {
        throw new PermanentJobError('malformed audit payload: cardId, mediaIds, names and at are required');
      }
      const changes = [
        payload.kind === 'attached' ? { field: 'files', old: null, new: payload.names } : { field: 'files', old: payload.names, new: null },
      ];
      const rows = await db.rows<{ id: number }>(
        `insert into card_history (card_id, version, event, at, user_id, kind, changes, job_id)
         select $1, null, $2, $3, $4, $5, $6, $7 where exists (select 1 from cards where id = $1)
         on conflict (card_id, event) where event is not null do nothing returning id`,
        [payload.cardId, attachmentsEvent(payload), payload.at, payload.userId ?? null, payload.kind, JSON.stringify(changes), job.id],
      );
      return { recorded: rows.length === 1 };
    },
});
