// The faces of an attachment: GET /media/:id/faces (JSON: the recognition
// state and each face's box, score and person) and a face's crop,
// GET /media/:id/faces/:faceId.webp. Both only for a reader of the card,
// checked through the attachment (MediaService.getForUser) as for its thumbnails.
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { NotFoundError } from '#app/services/errors';
import { id, matching, signedIn, STRICT_ID } from '#app/web/handler';

const FILE = { id: id(msg('attachments.errors.noSuchFile'), STRICT_ID) };
const CROP = { ...FILE, face: matching(/^([1-9]\d{0,14})\.webp$/, msg('attachments.errors.noSuchFile')) };

export function facesController({ media }: Pick<Services, 'media'>) {
  return {
    json: signedIn(FILE, async (_req, res, { user, params }) => {
      const m = await media.getForUser(user, params.id);
      const view = await media.faces.forMedia(m.id);
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        state: view.state,
        ...(view.error ? { error: view.error } : {}),
        ...(view.size ? { size: view.size } : {}),
        ...(view.recognised === false ? { recognised: false } : {}),
        faces: view.faces.map((f) => ({
          id: f.id,
          box: f.box,
          score: f.score,
          crop: `/media/${m.id}/faces/${f.id}.webp`,
          ...(f.person ? { person: f.person } : {}),
        })),
      });
    }),

    crop: signedIn(CROP, async (_req, res, { user, params }) => {
      const m = await media.getForUser(user, params.id);
      const found = await media.faces.crop(Number(params.face[1]));
      if (!found || found.mediaId !== Number(m.id)) throw new NotFoundError(msg('attachments.errors.noSuchFile'));
      res.setHeader('Content-Type', 'image/webp');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      // A crop changes when the photo is recognised again (same face id is never reused): private, short.
      res.setHeader('Cache-Control', 'private, max-age=300');
      res.end(found.crop);
    }),
  };
}
