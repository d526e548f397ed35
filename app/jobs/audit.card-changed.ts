// audit.card_changed (queue `audit`): one card_history row of field-level
// diffs for one card change, enqueued in the change's transaction
// (app/services/audit.ts, auditHistory, a card change subscriber).
//
// What MUST hold: idempotent. The row is keyed by (card_id, version), so a
// second run of the same job (a redelivery after a crash between the insert
// and the job's completion) inserts nothing.
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { cardChanges } from '#app/services/audit';
import { anyField } from '#app/services/card-types';

export interface CardChangedPayload {
  cardId: number;
  type: string;
  kind: 'created' | 'updated' | 'transitioned' | 'deleted' | 'restored';
  userId: number;
  at: string;
  version: number;
  transition?: string;
  /** A new card's origin ("import:orders.csv"). */
  source?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

export const job = defineJob({
  kind: 'audit.card_changed',
  queue: 'audit',
  attempts: 10,
  uses: ['db', 'cards', 'cardTypeStore'],
  handler:
    ({ db, cards, cardTypeStore }) =>
    async (payload: CardChangedPayload, job) => {
      if (
        !Number.isSafeInteger(payload.cardId) ||
        !Number.isSafeInteger(payload.version) ||
        !payload.after ||
        Number.isNaN(Date.parse(payload.at))
      ) {
        throw new PermanentJobError('malformed audit payload: cardId, version, at and after are required');
      }
      let type = cards.types.get(payload.type) ?? null;
      // A field this process does not know yet: a version saved a moment ago that its listener has not brought; read it now.
      // (A value under no field: a dropped field holds none, by the safety rules.)
      const data = (payload.after.data ?? {}) as Record<string, unknown>;
      const known = type;
      if (known && Object.entries(data).some(([k, v]) => v != null && v !== '' && !anyField(known, k))) {
        await cardTypeStore.load();
        type = cards.types.get(payload.type) ?? null;
      }
      const changes = cardChanges(type, payload);
      const transitioned = payload.kind === 'transitioned';
      // `where exists`: a card removed for good since then has no history to keep.
      const rows = await db.rows<{ id: number }>(
        `insert into card_history (card_id, version, at, user_id, kind, transition, from_stage, to_stage, changes, job_id, source)
         select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 where exists (select 1 from cards where id = $1)
         on conflict (card_id, version) do nothing returning id`,
        [
          payload.cardId,
          payload.version,
          payload.at,
          payload.userId ?? null,
          payload.kind,
          payload.transition ?? null,
          transitioned ? (payload.before?.stage ?? null) : null,
          transitioned ? (payload.after.stage ?? null) : null,
          JSON.stringify(changes),
          job.id,
          payload.source ?? null,
        ],
      );
      return { recorded: rows.length === 1, changes: changes.length };
    },
});
