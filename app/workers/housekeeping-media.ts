// housekeeping.media (nightly, beat): old-recipe thumbnails are remade by
// enqueueing images.process jobs on the images queue (keyed by media id and
// version: a second run adds nothing), then unreferenced files are deleted.
import type { AppContext } from '#app/context';
import type { Handler } from '#app/queue/worker';
import { processJobKey } from '#app/services/media';
import { THUMBS_VERSION } from '#app/services/media-files';
import { mediaHousekeeping } from '#app/services/media-housekeeping';

export function housekeepingMedia(ctx: AppContext): Handler<'housekeeping.media'> {
  return async () => {
    const enqueue = async (mediaId: number) => {
      await ctx.services.jobs.enqueue('images.process', { mediaId, thumbsVersion: THUMBS_VERSION }, { key: processJobKey(mediaId, THUMBS_VERSION) });
      return true;
    };
    return mediaHousekeeping(ctx, enqueue);
  };
}
