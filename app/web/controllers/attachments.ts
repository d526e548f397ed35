// Attachments: the upload (multipart field `files`), the card's media as
// JSON (the page polls it while images are processed), the card page's
// gallery panel, and GET /media/:id/:variant.
import type { NextFunction, Response } from 'express';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import { fieldType } from '#app/fields/registry';
import type { Card } from '#app/services/cards';
import type { CardType } from '#app/services/card-types';
import type { Translate } from '#app/i18n/i18n';
import { localize, msg } from '#app/i18n/message';
import { typeIn } from '#app/services/card-type-labels';
import { NotFoundError } from '#app/services/errors';
import { formatWallClock } from '#app/services/date-format';
import { MediaService, type Media } from '#app/services/media';
import { originalRel, thumbRel, type ThumbFormat, type ThumbWidth } from '#app/services/media-files';
import { can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';
import { receiveFiles } from '#app/web/upload';
import { flash } from '#app/web/flash';
import { id, matching, signedIn, STRICT_ID } from '#app/web/handler';
import type { CardPanelLoader } from '#app/web/controllers/cards';

// Strict shapes: anything else (../, %2e%2e, absolute paths, odd widths) is a 404 before any lookup.
export const VARIANT = /^(?:original|(160|640|1600)\.(webp|jpg))$/;
const FIELD = /^[a-z][a-z0-9_]{0,62}$/;
const TYPES: Record<ThumbFormat, string> = { webp: 'image/webp', jpg: 'image/jpeg' };

const CARD = { type: 'text', id: id(msg('cards.errors.noCard'), STRICT_ID) } as const;
// The file first: a bad media id is "no such file" whatever the card's id.
const CARD_FILE = { mediaId: id(msg('attachments.errors.noFile'), STRICT_ID), ...CARD } as const;
const FILE = { id: id(msg('attachments.errors.noSuchFile'), STRICT_ID), variant: matching(VARIANT, msg('attachments.errors.noSuchFile')) };

/** The JSON shape of one media row (the gallery script renders from it), for a reader (their zone and language). */
export function mediaView(m: Media, timeZone: string, t: Translate) {
  const image = MediaService.isImage(m.type);
  const ready = m.state === 'ready' && image;
  const v = `?v=${m.thumbs_version}`;
  return {
    id: m.id,
    field: m.field,
    name: m.original_name,
    type: m.type,
    size: Number(m.size),
    state: m.state,
    // Why it failed in the reader's language; a row failed before the key was kept has only the English text.
    error: m.error_message ? localize(t, m.error_message) : m.error,
    width: m.width,
    height: m.height,
    color: m.dominant_color,
    image,
    thumb: ready ? `/media/${m.id}/640.webp${v}` : null,
    full: ready ? `/media/${m.id}/1600.webp${v}` : null,
    original: `/media/${m.id}/original`,
    // The camera's wall clock (EXIF has no zone), in the one date style.
    takenAt: formatWallClock(m.metadata?.takenAt) || null,
    camera: m.metadata?.camera ?? null,
    gps: m.metadata?.gps ?? null,
    timeZone,
  };
}

function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Sends one file of a media row the caller may read (checked by the caller):
 * `variant` is the match of VARIANT ("original", or a width and format).
 * The page (/media/:id/:variant) and the API share it.
 */
export async function sendMedia(
  res: Response,
  next: NextFunction,
  m: Media,
  variant: RegExpExecArray,
  media: MediaService,
  settings: Pick<Settings, 'env'>,
): Promise<void> {
  let rel: string;
  if (variant[1]) {
    if (m.state !== 'ready' || !MediaService.isImage(m.type) || !m.thumbs_version)
      throw new NotFoundError(msg('attachments.errors.noThumbnails'));
    const format = variant[2] as ThumbFormat;
    rel = thumbRel(m.sha256, m.thumbs_version, Number(variant[1]) as ThumbWidth, format);
    res.setHeader('Content-Type', TYPES[format]);
    res.setHeader(
      'Content-Disposition',
      contentDisposition('inline', `${m.original_name.replace(/\.[^.]*$/, '')}-${variant[1]}.${format}`),
    );
  } else {
    // An original is never shown inline: it was not re-encoded by us (EXIF, GPS, hostile bytes), so it is downloaded.
    rel = originalRel(m.sha256);
    res.setHeader('Content-Type', m.type);
    res.setHeader('Content-Disposition', contentDisposition('attachment', m.original_name));
  }
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // Content-addressed: a URL's bytes never change (thumbnail URLs carry ?v=<recipe version>).
  res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  if (settings.env === 'production') {
    res.setHeader('X-Accel-Redirect', `/lib/media/${rel}`);
    res.end();
    return;
  }
  res.sendFile(media.files.abs(rel), { dotfiles: 'deny', cacheControl: false, lastModified: false }, (err) => {
    if (err && !res.headersSent) next(new NotFoundError(msg('attachments.errors.missing')));
  });
}

export interface AttachmentsDeps extends Pick<Services, 'media' | 'cards'> {
  /** media.maxUploadMB for the page; env: production hands files to nginx (X-Accel-Redirect). */
  settings: Pick<Settings, 'media' | 'env'>;
}

export function attachmentsController({ media, cards, settings }: AttachmentsDeps) {
  async function panelData(user: SessionUser, type: CardType, card: Card, locale: string, t: Translate) {
    const [rows, faces] = await Promise.all([media.forCard(card.id), media.faces.forCard(card.id)]);
    const fields = typeIn(type, locale)
      .fields.filter((f) => fieldType(f).holdsFiles)
      .map((f) => ({ name: f.name, label: f.label }));
    return {
      attachments: {
        // Recognition (issue 21): each photo's faces state and count, for the tile and the viewer.
        // A photo that failed shows its own reason (in the reader's language), not the faces' echo of it.
        items: rows.map((m) => ({
          ...mediaView(m, user.timeZone, t),
          faces: m.state === 'failed' ? null : (faces.get(Number(m.id)) ?? null),
        })),
        fields,
        canUpload: !card.deleted_at && can(user, type, 'update', card),
        removeUrl: `/cards/${type.name}/${card.id}/attachments/`,
        uploadUrl: `/cards/${type.name}/${card.id}/attachments`,
        pollUrl: `/cards/${type.name}/${card.id}/attachments.json`,
        maxMB: settings.media.maxUploadMB,
      },
    };
  }

  return {
    /** The card page's panel. */
    panel: ((req, user, type, card) => panelData(user, type, card, req.locale, req.t)) satisfies CardPanelLoader,

    upload: signedIn(CARD, async (req, res, { user, params }) => {
      const field = typeof req.query.field === 'string' && req.query.field !== '' ? req.query.field : null;
      if (field !== null && !FIELD.test(field)) throw new NotFoundError(msg('attachments.errors.noField'));
      // Permission first: nobody without the right to edit the card gets a byte onto the disk.
      const card = await media.uploadTarget(user, params.type, params.id, field);
      const received = await receiveFiles(req, media.files, media.maxBytes);
      const rows = await media.attach(user, card, field, received);
      if (req.accepts(['html', 'json']) === 'json' || req.xhr) {
        return res.status(201).json({ media: rows.map((m) => mediaView(m, user.timeZone, req.t)) });
      }
      flash(req, req.t('attachments.attached', { count: rows.length }));
      res.redirect(303, `/cards/${card.type}/${card.id}#attachments`);
    }),

    /** POST /cards/:type/:id/attachments/:mediaId/delete — JSON for the page's script, a redirect otherwise. */
    remove: signedIn(CARD_FILE, async (req, res, { user, params }) => {
      const removed = await media.remove(user, params.type, params.id, params.mediaId);
      if (req.accepts(['html', 'json']) === 'json' || req.xhr) return res.json({ removed: removed.id });
      flash(req, req.t('attachments.removedFile', { name: removed.original_name }));
      res.redirect(303, `/cards/${params.type}/${removed.card_id}#attachments`);
    }),

    poll: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await cards.getForUser(user, params.type, params.id, { includeDeleted: true });
      const type = cards.typeFor(user, card.type);
      const data = await panelData(user, type, card, req.locale, req.t);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ media: data.attachments.items });
    }),

    serve: signedIn(FILE, async (_req, res, { user, params: { id, variant } }, next) => {
      await sendMedia(res, next, await media.getForUser(user, id), variant, media, settings);
    }),
  };
}
