// faces.purge: recognition was turned off for some card types (faces are
// personal data): every face, crop and recognition state of their cards goes,
// and the unnamed groups left empty. Idempotent.
import { defineJob } from '#app/jobs/define';

export interface FacesPurgePayload {
  types: string[];
}

export const job = defineJob({
  kind: 'faces.purge',
  queue: 'default',
  attempts: 3,
  uses: ['media'],
  handler:
    ({ media }) =>
    async ({ types }: FacesPurgePayload) => {
      const faces = await media.faces.purgeTypes(Array.isArray(types) ? types.map(String) : []);
      return { faces, types };
    },
});
