// Enqueues an attachment's images.faces job in the caller's transaction,
// depending on its thumbnails job, unless recognition is off for the card's
// type; the attachment's recognition state starts `waiting`.
import type { Database, Transaction } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import { readRecognitionSettings } from '#app/services/recognition-settings';

export function facesJobKey(mediaId: number, run = 0): string {
  return run ? `images.faces:${mediaId}:r${run}` : `images.faces:${mediaId}`;
}

/** Returns the job's id, or null when recognition is off for the type. `run` > 0 makes a fresh key ("run again"). */
export async function enqueueFaces(
  db: Database,
  jobs: Jobs,
  t: Transaction | null,
  o: { cardType: string; mediaId: number; dependsOn?: readonly number[]; run?: number },
): Promise<number | null> {
  const settings = await readRecognitionSettings(db, t);
  if (settings.offTypes.includes(o.cardType)) return null;
  const j = await jobs.enqueue(
    'images.faces',
    { mediaId: o.mediaId },
    { transaction: t, key: facesJobKey(o.mediaId, o.run), dependsOn: o.dependsOn },
  );
  await db.exec(
    `insert into media_faces (media_id, state, job_id) values ($1, 'waiting', $2)
     on conflict (media_id) do update set state = 'waiting', error = null, job_id = $2, updated_at = now()`,
    [o.mediaId, j.id],
    t,
  );
  return j.id;
}
