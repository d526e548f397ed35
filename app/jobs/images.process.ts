// images.process (queue `images`): thumbnails (160/640/1600 px wide, WebP
// and JPEG), EXIF metadata and the dominant colour of one media row.
//
// What MUST hold:
// - a file that cannot be read (corrupt, truncated, over the limits) marks
//   its media `failed` with the reason (a catalog key and its parameters,
//   `error_message`, shown in the reader's language; `error` in English) and
//   fails the job at once
//   (PermanentJobError): retrying the same bytes cannot help. Only other
//   errors (a full disk, a lost database connection) are retried, and the
//   last attempt marks the media failed too, so no row stays "processing".
// - idempotent: thumbnails are written atomically to content-addressed
//   names, so a re-run rewrites identical files; the same bytes already
//   processed by another row are not processed again.
// - formats sharp cannot read go through ImageMagick (explicit coder, limits)
//   into a temporary PNG, removed afterwards whatever happens.
// - attachment.processed (webhooks) once per file that ends `ready` or
//   `failed`: each final state is set by `settle`, in a transaction that
//   locks the row, reads its state before and sends the event only when the
//   state changed — a second run (a redelivery, a retry that raced a slow
//   attempt) finds it already set and sends nothing. Thumbnails made again
//   for a file already ready (housekeeping) send nothing either.
import fs from 'node:fs';
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { inEnglish, msg, type Message } from '#app/i18n/message';
import { ACCEPTED, magickToPng, renderThumbnails, UnreadableImageError, type Rendered } from '#app/services/images';
import { originalRel, thumbRel } from '#app/services/media-files';
import type { Media } from '#app/services/media';

export interface ImagesProcessPayload {
  mediaId: number;
  thumbsVersion: number;
}

// The handler is also run inline by `./manage.ts housekeeping`.
export const job = defineJob({
  kind: 'images.process',
  queue: 'images',
  attempts: 4,
  uses: ['db', 'media', 'settings', 'webhooks'],
  handler: ({ db, media, settings, webhooks }) => {
    const maxPixels = settings.media.maxPixels;

    /** Sets a final state (`set`, its parameters from $2) where `where` holds; attachment.processed when it changed. */
    async function settle(id: number, set: string, params: unknown[], where = 'true'): Promise<void> {
      await db.transaction(async (t) => {
        const [r] = await db.rows<Media & { before: string }>(
          `with old as (select id, state from media where id = $1 for update)
           update media m set ${set} from old where m.id = old.id and ${where} returning m.*, old.state as before`,
          [id, ...params],
          t,
        );
        if (r && r.state !== r.before && (r.state === 'ready' || r.state === 'failed')) await webhooks.attachmentProcessed(t, r);
      });
    }

    async function render(row: Media): Promise<Rendered> {
      const kind = ACCEPTED[row.type];
      if (!kind || kind.decoder === 'none') throw new UnreadableImageError(msg('attachments.failed.noThumbnails', { type: row.type }));
      const original = media.files.abs(originalRel(row.sha256));
      if (kind.decoder === 'sharp') {
        try {
          return await renderThumbnails(original, maxPixels);
        } catch (err) {
          // A TIFF sharp cannot read (some compressions, odd first pages) gets a second chance.
          if (!(err instanceof UnreadableImageError) || !kind.coder) throw err;
        }
      }
      const png = await media.files.tempPath('.png');
      try {
        await magickToPng(original, kind.coder!, png, maxPixels);
        return await renderThumbnails(png, maxPixels);
      } finally {
        await fs.promises.rm(png, { force: true });
      }
    }

    return async ({ mediaId, thumbsVersion }: ImagesProcessPayload, job) => {
      if (!Number.isSafeInteger(mediaId) || !Number.isSafeInteger(thumbsVersion))
        throw new PermanentJobError('malformed payload: mediaId and thumbsVersion are required');
      const row = await media.get(mediaId);
      if (!row) return { skipped: 'the media row is gone (its card was removed)' };
      if (row.state === 'ready' && row.thumbs_version >= thumbsVersion) return { skipped: 'already processed' };

      // The same bytes were processed for another row: reuse its facts (the thumbnails are shared files).
      const [twin] = await db.rows<Media>(
        "select * from media where sha256 = $1 and id <> $2 and state = 'ready' and thumbs_version >= $3 and width is not null order by id limit 1",
        [row.sha256, row.id, thumbsVersion],
      );
      if (twin) {
        await settle(
          row.id,
          "state = 'ready', error = null, error_message = null, width = $2, height = $3, metadata = $4, dominant_color = $5, thumbs_version = $6",
          [twin.width, twin.height, JSON.stringify(twin.metadata), twin.dominant_color, thumbsVersion],
        );
        return { reused: twin.id };
      }

      // `processing` at the start means an earlier attempt died mid-render (a
      // transient error sets the row back to `queued`). A file that took the
      // worker down again is refused, so the card shows why instead of
      // "processing" forever once the sweeper gives up on the job.
      if (row.state === 'processing' && job.attempt >= 3) {
        const reason = msg('attachments.failed.workerStopped');
        await settle(
          row.id,
          "state = 'failed', error = $2, error_message = $3",
          [inEnglish(reason), JSON.stringify(reason)],
          "old.state = 'processing'",
        );
        throw new PermanentJobError(inEnglish(reason));
      }
      await db.exec("update media set state = 'processing' where id = $1 and state <> 'ready'", [row.id]);
      const started = Date.now();
      let rendered: Rendered;
      try {
        rendered = await render(row);
        for (const t of rendered.thumbs) await media.files.writeAtomic(thumbRel(row.sha256, thumbsVersion, t.width, t.format), t.data);
      } catch (err) {
        const message = (err as Error).message;
        const permanent = err instanceof UnreadableImageError;
        // A row already ready keeps serving its older thumbnails; otherwise the card shows why.
        if (permanent || job.attempt >= job.maxAttempts) {
          const reason: Message =
            err instanceof UnreadableImageError ? err.text : msg('attachments.failed.error', { why: message.slice(0, 300) });
          await settle(row.id, "state = case when old.state = 'ready' then 'ready' else 'failed' end, error = $2, error_message = $3", [
            message.slice(0, 500),
            JSON.stringify(reason),
          ]);
        } else {
          await db.exec("update media set state = 'queued' where id = $1 and state = 'processing'", [row.id]);
        }
        if (permanent) throw new PermanentJobError(message);
        throw err;
      }
      await settle(
        row.id,
        "state = 'ready', error = null, error_message = null, width = $2, height = $3, metadata = $4, dominant_color = $5, thumbs_version = $6",
        [rendered.width, rendered.height, JSON.stringify(rendered.metadata), rendered.dominant, thumbsVersion],
      );
      return { width: rendered.width, height: rendered.height, thumbs: rendered.thumbs.length, ms: Date.now() - started };
    };
  },
});
