// housekeeping.media (the beat, nightly at 03:45 UTC): old-recipe thumbnails
// are remade by enqueueing images.process jobs on the images queue (keyed by
// media id and version: a second run adds nothing), then unreferenced files
// are deleted (app/services/media-housekeeping.ts).
import { defineJob, type NoPayload } from '#app/jobs/define';
import { processJobKey } from '#app/services/media';
import { THUMBS_VERSION } from '#app/services/media-files';
import { mediaHousekeeping } from '#app/services/media-housekeeping';

export const job = defineJob({
  kind: 'housekeeping.media',
  queue: 'default',
  attempts: 3,
  schedule: { cron: '45 3 * * *', catchUp: 'once' },
  uses: ['db', 'media', 'jobs'],
  handler:
    ({ db, media, jobs }) =>
    async (_payload: NoPayload) => {
      const enqueue = async (mediaId: number) => {
        await jobs.enqueue('images.process', { mediaId, thumbsVersion: THUMBS_VERSION }, { key: processJobKey(mediaId, THUMBS_VERSION) });
        return true;
      };
      return mediaHousekeeping({ db, media }, enqueue);
    },
});
