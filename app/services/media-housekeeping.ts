// Media housekeeping (`./manage.ts housekeeping`, and nightly by the beat):
// 1. thumbnails made by an older recipe (thumbs_version < THUMBS_VERSION)
//    are made again;
// 2. files no media row names are deleted: an original whose hash no row
//    has, a thumbnail whose (hash, version) no row has, a temp file older
//    than a day (an upload that died mid-way).
// What MUST hold: a file some row still names is never deleted (the check
// is made per file against the database, just before deleting it).
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { Handler } from '#app/queue/kind';
import { MediaService } from '#app/services/media';
import { THUMBS_VERSION } from '#app/services/media-files';

export interface HousekeepingHooks {
  /** Called with the amount of work of a phase, then once per item. */
  phase?(name: string, total: number): void;
  tick?(): void;
}

export interface HousekeepingResult {
  regenerated: number;
  failed: number;
  deletedFiles: number;
  freedBytes: number;
}

const TEMP_MAX_AGE_MS = 24 * 3600 * 1000;
/** Files younger than this are never deleted as unreferenced (see below). */
export const FRESH_FILE_MS = 3600 * 1000;
const THUMB = /^thumbs\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})-v(\d+)-\d+\.(?:webp|jpg)$/;
const ORIGINAL = /^originals\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

/** What housekeeping uses: the database and the media files. */
export interface HousekeepingDeps {
  db: Database;
  media: Pick<MediaService, 'files'>;
}

export async function mediaHousekeeping(
  { db, media }: HousekeepingDeps,
  regenerate: (mediaId: number) => Promise<boolean>,
  hooks: HousekeepingHooks = {},
): Promise<HousekeepingResult> {
  const result: HousekeepingResult = { regenerated: 0, failed: 0, deletedFiles: 0, freedBytes: 0 };
  const old = await db.rows<{ id: number; type: string }>(
    "select id, type from media where thumbs_version < $1 and state in ('ready', 'queued') order by id",
    [THUMBS_VERSION],
  );
  const images = old.filter((m) => MediaService.isImage(m.type));
  hooks.phase?.('thumbnails', images.length);
  for (const m of images) {
    if (await regenerate(m.id)) result.regenerated++;
    else result.failed++;
    hooks.tick?.();
  }

  const files = media.files;
  const all: string[] = [];
  for await (const rel of files.walk()) all.push(rel);
  hooks.phase?.('files', all.length);
  for (const rel of all) {
    hooks.tick?.();
    const o = ORIGINAL.exec(rel);
    const t = THUMB.exec(rel);
    let keep: boolean;
    if (o) keep = (await db.rows('select 1 from media where sha256 = $1 limit 1', [o[1]])).length > 0;
    else if (t)
      keep = (await db.rows('select 1 from media where sha256 = $1 and thumbs_version = $2 limit 1', [t[1], Number(t[2])])).length > 0;
    else keep = !rel.endsWith('.part'); // a stray half-written thumbnail goes; anything unknown is left alone
    if (keep) continue;
    const abs = files.abs(rel);
    // A file written in the last hour may belong to work not yet committed:
    // an upload's transaction, or a worker that writes new thumbnails before
    // it records their version. Leave it to the next run.
    const st = await fs.promises.stat(abs).catch(() => null);
    if (!st || Date.now() - st.mtimeMs < FRESH_FILE_MS) continue;
    const size = st.size;
    await fs.promises.rm(abs, { force: true });
    result.deletedFiles++;
    result.freedBytes += size;
  }
  const tmp = files.abs('tmp');
  for (const name of fs.existsSync(tmp) ? await fs.promises.readdir(tmp) : []) {
    const abs = path.join(tmp, name);
    const st = await fs.promises.stat(abs).catch(() => null);
    if (!st || Date.now() - st.mtimeMs < TEMP_MAX_AGE_MS) continue;
    await fs.promises.rm(abs, { force: true, recursive: true });
    result.deletedFiles++;
    result.freedBytes += st.size;
  }
  return result;
}

/** Regenerates one media row's thumbnails through the images.process handler, inline. */
export function inlineRegenerate(log: Logger, handler: Handler<{ mediaId: number; thumbsVersion: number }>) {
  return async (mediaId: number) => {
    try {
      await handler(
        { mediaId, thumbsVersion: THUMBS_VERSION },
        {
          id: 0,
          kind: 'images.process',
          attempt: 1,
          maxAttempts: 1,
          requestId: null,
          log,
          signal: new AbortController().signal,
          progress: async () => {},
        },
      );
      return true;
    } catch (err) {
      log.warn({ err, mediaId }, 'thumbnail regeneration failed');
      return false;
    }
  };
}
