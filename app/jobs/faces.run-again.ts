// faces.run_again: recognition once more on one attachment, one card, one
// card type or everything (/admin/recognition), with the current
// thresholds: an images.faces job per image attachment that has its
// thumbnails, keyed by this run (a second run of the same request makes no
// second job). Progress: attachments enqueued of those in scope.
import { defineJob } from '#app/jobs/define';
import { enqueueFaces } from '#app/services/faces-enqueue';

export interface FacesRunAgainPayload {
  scope: 'media' | 'card' | 'type' | 'all';
  id?: number;
  type?: string;
  /** Distinguishes runs (the job keys of its images.faces jobs). */
  run: number;
}

const WHERE: Record<FacesRunAgainPayload['scope'], string> = {
  media: 'm.id = $1',
  card: 'm.card_id = $1',
  type: 'c.type = $1',
  all: 'true',
};

export const job = defineJob({
  kind: 'faces.run_again',
  queue: 'default',
  attempts: 3,
  uses: ['db', 'jobs'],
  handler:
    ({ db, jobs }) =>
    async ({ scope, id, type, run }: FacesRunAgainPayload, job) => {
      const where = WHERE[scope];
      if (!where || !Number.isSafeInteger(run)) throw new Error(`malformed payload: scope ${String(scope)}, run ${String(run)}`);
      const rows = await db.rows<{ id: number; type: string }>(
        `select m.id, c.type from media m join cards c on c.id = m.card_id
          where m.state = 'ready' and m.width is not null and c.deleted_at is null and ${where} order by m.id`,
        scope === 'all' ? [] : [scope === 'type' ? type : id],
      );
      let enqueued = 0;
      for (const [i, m] of rows.entries()) {
        if (await enqueueFaces(db, jobs, null, { cardType: m.type, mediaId: Number(m.id), run })) enqueued++;
        if (i % 50 === 49) await job.progress(i + 1, rows.length);
      }
      await job.progress(rows.length, rows.length);
      return { enqueued, inScope: rows.length };
    },
});
