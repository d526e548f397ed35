// /api/v1/cards/{type}/{number}/attachments (list; upload: multipart field
// `files`, ?field= an images field) and /api/v1/attachments/{id}/{variant}
// (download: the original, or a thumbnail once made). The same checks and
// services as the card page's (app/web/controllers/attachments.ts): who may
// read the card sees its files, who may edit it adds files, nothing reaches
// the disk before that is known.
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { normalNumber } from '#app/services/card-pick';
import { NotFoundError } from '#app/services/errors';
import { MediaService, type Media } from '#app/services/media';
import { api } from '#app/web/api/auth';
import { queryOf } from '#app/web/api/input';
import { AttachmentQuery } from '#app/web/api/schemas';
import { sendMedia, VARIANT } from '#app/web/controllers/attachments';
import { id, matching, STRICT_ID } from '#app/web/handler';
import { receiveFiles } from '#app/web/upload';

const numbered = (raw: string) => {
  const n = normalNumber(raw);
  if (!n) throw new NotFoundError(msg('cards.errors.noCard'));
  return n;
};
const CARD = { type: 'text', number: numbered } as const;
const FILE = { id: id(msg('attachments.errors.noSuchFile'), STRICT_ID), variant: matching(VARIANT, msg('attachments.errors.noSuchFile')) };

/** One media row as the API answers it (the `Attachment` schema). */
export function attachmentJson(m: Media) {
  const ready = m.state === 'ready' && MediaService.isImage(m.type) && Boolean(m.thumbs_version);
  const url = (variant: string) => `/api/v1/attachments/${m.id}/${variant}`;
  return {
    id: Number(m.id),
    field: m.field,
    name: m.original_name,
    type: m.type,
    size: Number(m.size),
    state: m.state,
    error: m.error,
    width: m.width,
    height: m.height,
    image: MediaService.isImage(m.type),
    created_at: new Date(m.created_at).toISOString(),
    original_url: url('original'),
    thumbnails: ready ? { '160': url('160.webp'), '640': url('640.webp'), '1600': url('1600.webp') } : null,
  };
}

export interface ApiAttachmentsDeps extends Pick<Services, 'media' | 'cards'> {
  settings: Pick<Settings, 'env'>;
}

export function apiAttachmentsController({ media, cards, settings }: ApiAttachmentsDeps) {
  return {
    list: api(CARD, async (_req, res, { caller: { user }, params }) => {
      const card = await cards.getByNumber(user, params.type, params.number);
      res.json({ items: (await media.forCard(card.id)).map(attachmentJson) });
    }),

    upload: api(CARD, async (req, res, { caller: { user }, params }) => {
      const { field } = queryOf(req, AttachmentQuery);
      const found = await cards.getByNumber(user, params.type, params.number);
      // Permission first: nobody without the right to edit the card gets a byte onto the disk.
      const card = await media.uploadTarget(user, params.type, found.id, field ?? null);
      const received = await receiveFiles(req, media.files, media.maxBytes);
      const rows = await media.attach(user, card, field ?? null, received);
      res.status(201).json({ items: rows.map(attachmentJson) });
    }),

    download: api(FILE, async (_req, res, { caller: { user }, params }, next) => {
      await sendMedia(res, next, await media.getForUser(user, params.id), params.variant, media, settings);
    }),
  };
}
