// Media: files attached to cards. Receiving the bytes (multipart) is the
// web layer's job; this service decides, for files already received into
// MEDIA_ROOT/tmp with their hash: accepted or refused (with the reason),
// and stores the accepted ones — media rows and their `images.process` jobs
// in one transaction, the bytes moved to their content address.
//
// What MUST hold: a refused upload leaves nothing behind (every temp file
// removed, no row); a request with one refused file stores none of its files,
// so the user retries knowing exactly what happened.
import fs from 'node:fs';
import type { Settings } from '#app/config';
import type { Database, Transaction } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import type { Jobs } from '#app/jobs/index';
import type { Card, CardService } from '#app/services/cards';
import { msg, type Message } from '#app/i18n/message';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { ACCEPTED, detectFile, RefusedFileError, type Detected } from '#app/services/images';
import { MediaFiles, originalRel, THUMBS_VERSION } from '#app/services/media-files';
import { recordAttachments } from '#app/services/audit';
import { enqueueFaces } from '#app/services/faces-enqueue';
import { FacesService } from '#app/services/faces';
import { PeopleService } from '#app/services/people';
import { enqueueCardEvent } from '#app/services/card-notices';
import type { PhotoMetadata } from '#app/services/exif';
import { can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

export type MediaState = 'queued' | 'processing' | 'ready' | 'failed';

export interface Media {
  id: number;
  card_id: number;
  field: string | null;
  original_name: string;
  type: string;
  size: number;
  sha256: string;
  width: number | null;
  height: number | null;
  state: MediaState;
  /** Why it failed, in English (logs, the CLI; rows of before 0740 have only this). */
  error: string | null;
  /** Why it failed, for the reader's language (attachments.failed.*). */
  error_message: Message | null;
  metadata: PhotoMetadata;
  dominant_color: string | null;
  thumbs_version: number;
  created_by: number | null;
  created_at: Date;
}

/** A file the web layer received into MEDIA_ROOT/tmp. */
export interface ReceivedFile {
  tempFile: string;
  name: string;
  size: number;
  sha256: string;
  /** Cut at the size limit while receiving. */
  truncated: boolean;
}

/** A file name fit to show and to put in a Content-Disposition: no paths, no control characters. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .trim()
    .slice(0, 200);
  return clean || 'file';
}

export function processJobKey(mediaId: number, version: number): string {
  return `images.process:${mediaId}:v${version}`;
}

export class MediaService {
  readonly files: MediaFiles;
  /** The faces found on image attachments (issue 21): state, crops, people. */
  readonly faces: FacesService;
  readonly people: PeopleService;

  constructor(
    private readonly db: Database,
    private readonly jobs: Jobs,
    private readonly cards: CardService,
    readonly settings: Settings,
  ) {
    this.files = new MediaFiles(settings.mediaRoot);
    this.faces = new FacesService(db);
    this.people = new PeopleService(db, cards);
  }

  get maxBytes(): number {
    return this.settings.media.maxUploadMB * 1024 * 1024;
  }

  /** The card files may be attached to (called before any byte is received): 404 unreadable, 403 not editable, 400 unknown field. */
  async uploadTarget(user: SessionUser, typeName: string, cardId: number, field: string | null): Promise<Card> {
    const card = await this.cards.getForUser(user, typeName, cardId);
    const type = this.cards.typeFor(user, card.type);
    if (!can(user, type, 'update', card)) throw new ForbiddenError(msg('attachments.errors.mayNotAdd'));
    if (field !== null && !(type.fieldMap.has(field) && fieldType(type.fieldMap.get(field)!).holdsFiles))
      throw new ValidationError(msg('attachments.errors.noField'), { field: msg('attachments.errors.noFieldNamed', { field }) });
    return card;
  }

  /** Removes temp files (a refused or aborted upload). */
  async discard(received: readonly ReceivedFile[]): Promise<void> {
    await Promise.all(received.map((f) => fs.promises.rm(f.tempFile, { force: true })));
  }

  /**
   * Accepts every received file or none: a refused file throws a
   * ValidationError naming each refused file with its reason, after every
   * temp file was removed.
   */
  async attach(user: SessionUser, card: Card, field: string | null, received: readonly ReceivedFile[]): Promise<Media[]> {
    try {
      if (!received.length)
        throw new ValidationError(msg('attachments.upload.chooseFile'), { files: msg('attachments.upload.noFileSent') });
      const errors: Record<string, Message> = {};
      const detected: { f: ReceivedFile; name: string; d: Detected }[] = [];
      for (const f of received) {
        const name = cleanName(f.name);
        try {
          if (f.truncated) throw new RefusedFileError(msg('attachments.refused.tooLarge', { mb: this.settings.media.maxUploadMB }));
          detected.push({ f, name, d: await detectFile(f.tempFile, f.size, this.settings.media.maxPixels) });
        } catch (err) {
          if (!(err instanceof RefusedFileError)) throw err;
          errors[name] = msg('attachments.refused.file', { name, reason: err.text });
        }
      }
      if (Object.keys(errors).length) {
        throw new ValidationError(
          msg('attachments.refused.summary', { count: Object.keys(errors).length, reasons: Object.values(errors) }),
          errors,
        );
      }
      const stored: string[] = [];
      try {
        return await this.db.transaction(async (t) => {
          const out: Media[] = [];
          for (const { f, name, d } of detected) out.push(await this.store(t, card, field, user.id, { ...f, name }, d, stored));
          await this.recordAdded(t, card, user.id, out);
          return out;
        });
      } catch (err) {
        await this.forgetStored(stored);
        throw err;
      }
    } finally {
      await this.discard(received);
    }
  }

  /**
   * Inside the caller's transaction: the media row, its `images.process` job
   * (when it is an image) and the bytes moved from the temp file to their
   * content address. A hash this call stored is pushed on `stored`: when the
   * transaction rolls back, pass it to forgetStored().
   */
  async store(
    t: Transaction,
    card: Card,
    field: string | null,
    userId: number,
    f: ReceivedFile,
    d: Detected,
    stored: string[],
  ): Promise<Media> {
    const images = d.decoder !== 'none';
    const [row] = await this.db.rows<Media>(
      `insert into media (card_id, field, original_name, type, size, sha256, width, height, state, created_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning *`,
      [card.id, field, cleanName(f.name), d.mime, f.size, f.sha256, d.width, d.height, images ? 'queued' : 'ready', userId],
      t,
    );
    if (images) {
      const thumbs = await this.jobs.enqueue(
        'images.process',
        { mediaId: row.id, thumbsVersion: THUMBS_VERSION },
        { transaction: t, key: processJobKey(row.id, THUMBS_VERSION) },
      );
      // Faces are found on the thumbnails job's 1600 px rendition: after it, failed with it.
      await enqueueFaces(this.db, this.jobs, t, { cardType: card.type, mediaId: row.id, dependsOn: [thumbs.id] });
    }
    if (await this.files.storeOriginal(f.tempFile, f.sha256)) stored.push(f.sha256);
    return row;
  }

  /** Inside the caller's transaction: the card's history entry for files just added (one for all of them), and the watchers' notice. */
  async recordAdded(t: Transaction, card: Pick<Card, 'id'>, userId: number, rows: readonly Media[]): Promise<void> {
    if (!rows.length) return;
    const at = new Date(rows[0].created_at).toISOString();
    await recordAttachments(this.jobs, t, {
      cardId: card.id,
      kind: 'attached',
      userId,
      at,
      mediaIds: rows.map((m) => Number(m.id)),
      names: rows.map((m) => m.original_name),
    });
    // Watchers hear of the files (one notice per upload, keyed like the history entry).
    const first = Math.min(...rows.map((m) => Number(m.id)));
    const files = rows.map((m) => m.original_name);
    await enqueueCardEvent(this.jobs, t, { event: 'attachment_added', cardId: card.id, actorId: userId, ref: `m${first}`, files });
  }

  /**
   * Removes a file from a card (who may edit the card may remove its files):
   * the row goes, with its history entry's job, in one transaction; the bytes
   * stay until housekeeping finds no row naming them (another card may share them).
   */
  async remove(user: SessionUser, typeName: string, cardId: number, mediaId: number): Promise<Media> {
    const card = await this.cards.getForUser(user, typeName, cardId);
    const type = this.cards.typeFor(user, card.type);
    if (!can(user, type, 'update', card)) throw new ForbiddenError(msg('attachments.errors.mayNotRemove'));
    return this.db.transaction(async (t) => {
      const [row] = await this.db.rows<Media & { removed_at: Date }>(
        'delete from media where id = $1 and card_id = $2 returning *, now() as removed_at',
        [mediaId, card.id],
        t,
      );
      if (!row) throw new NotFoundError(msg('attachments.errors.noFile'));
      const at = new Date(row.removed_at).toISOString();
      await recordAttachments(this.jobs, t, {
        cardId: card.id,
        kind: 'detached',
        userId: user.id,
        at,
        mediaIds: [Number(row.id)],
        names: [row.original_name],
      });
      return row;
    });
  }

  /** After a rollback: originals stored by it that no row names are deleted. */
  async forgetStored(stored: readonly string[]): Promise<void> {
    for (const sha of stored) {
      const [{ n }] = await this.db.rows<{ n: number }>('select count(*)::int as n from media where sha256 = $1', [sha]);
      if (!n) await fs.promises.rm(this.files.abs(originalRel(sha)), { force: true });
    }
  }

  /** A card's media, oldest first (the gallery and its live state). */
  forCard(cardId: number): Promise<Media[]> {
    return this.db.rows<Media>('select * from media where card_id = $1 order by id', [cardId]);
  }

  /** A media row the user may read (through its card), else 404. */
  async getForUser(user: SessionUser, id: number): Promise<Media> {
    const [row] = await this.db.rows<Media & { card_type: string }>(
      'select m.*, c.type as card_type from media m join cards c on c.id = m.card_id where m.id = $1',
      [id],
    );
    if (!row) throw new NotFoundError(msg('attachments.errors.noFileHere'));
    try {
      await this.cards.getForUser(user, row.card_type, row.card_id);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(msg('attachments.errors.noFileHere'));
      throw err;
    }
    return row;
  }

  get(id: number): Promise<Media | null> {
    return this.db.rows<Media>('select * from media where id = $1', [id]).then((r) => r[0] ?? null);
  }

  /** Whether a type gets thumbnails. */
  static isImage(mime: string): boolean {
    return (ACCEPTED[mime]?.decoder ?? 'none') !== 'none';
  }
}
