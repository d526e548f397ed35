// images.faces (queue `recognition`): the faces of one image attachment —
// box, score, landmarks, descriptor and a 160 px WebP crop of each — found
// on the 1600 px rendition the thumbnails job made (EXIF-rotated), stored
// and grouped by person. Enqueued with the attachment, depending on its
// images.process job: a failed thumbnail fails this one with the cause.
//
// What MUST hold:
// - the models load once per worker process (app/services/face-engine.ts;
//   a worker of the recognition queue loads them at start, app/worker/start.ts);
// - idempotent: the faces of a run replace the attachment's earlier ones in
//   one transaction (FacesService.store), so a job run again after a worker
//   died mid-job stores its faces once;
// - an image the engine cannot read fails the job at once with the reason
//   (PermanentJobError), recorded on the attachment's recognition state;
//   an image too small to hold a face is done with 0 faces;
// - a card type recognition is off for (/admin/recognition) is skipped.
import fs from 'node:fs';
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { cropFace, detectIn, rendition, type Rendition } from '#app/services/face-engine';
import { UnreadableImageError } from '#app/services/images';
import { originalRel, thumbRel } from '#app/services/media-files';
import { readRecognitionSettings } from '#app/services/recognition-settings';

export interface ImagesFacesPayload {
  mediaId: number;
}

export const job = defineJob({
  kind: 'images.faces',
  queue: 'recognition',
  attempts: 3,
  timeoutSeconds: 300,
  uses: ['db', 'media', 'settings'],
  handler: ({ db, media, settings }) => {
    const faces = media.faces;

    /** The thumbnails job's 1600 px JPEG (already upright); the original when it is not there. */
    async function read(sha: string, version: number): Promise<Rendition> {
      const thumb = media.files.abs(thumbRel(sha, version, 1600, 'jpg'));
      const file = fs.existsSync(thumb) ? thumb : media.files.abs(originalRel(sha));
      return rendition(file, settings.media.maxPixels);
    }

    return async ({ mediaId }: ImagesFacesPayload, job) => {
      if (!Number.isSafeInteger(mediaId)) throw new PermanentJobError('malformed payload: mediaId is required');
      const [row] = await db.rows<{ sha256: string; state: string; thumbs_version: number; error: string | null; type: string }>(
        'select m.sha256, m.state, m.thumbs_version, m.error, c.type from media m join cards c on c.id = m.card_id where m.id = $1',
        [mediaId],
      );
      if (!row) return { skipped: 'the media row is gone' };
      const s = await readRecognitionSettings(db);
      if (s.offTypes.includes(row.type)) {
        await db.exec('delete from media_faces where media_id = $1', [mediaId]);
        return { skipped: `recognition is off for ${row.type}` };
      }
      if (row.state === 'failed') {
        const why = `the thumbnails failed: ${row.error ?? 'unknown'}`;
        await faces.setState(mediaId, 'failed', { error: why, jobId: job.id });
        throw new PermanentJobError(why);
      }
      await faces.setState(mediaId, 'running', { jobId: job.id });
      const t0 = performance.now();
      try {
        const r = await read(row.sha256, row.thumbs_version);
        const t1 = performance.now();
        const found = await detectIn(r, s);
        const t2 = performance.now();
        const stored = await Promise.all(found.faces.map(async (f) => ({ ...f, crop: await cropFace(r, f.box) })));
        const n = await faces.store(mediaId, stored, s.matchDistance, { w: r.width, h: r.height });
        const ms = {
          decode: Math.round(t1 - t0),
          detect: Math.round(found.ms.detect),
          describe: Math.round(found.ms.describe),
          store: Math.round(performance.now() - t2),
        };
        return { faces: n, ms };
      } catch (err) {
        const message = (err as Error).message.slice(0, 500);
        const permanent = err instanceof UnreadableImageError;
        if (permanent || job.attempt >= job.maxAttempts) await faces.setState(mediaId, 'failed', { error: message, jobId: job.id });
        else await faces.setState(mediaId, 'waiting', { jobId: job.id });
        if (permanent) throw new PermanentJobError(message);
        throw err;
      }
    };
  },
});
