// One received mail into Orbis: a new card of the mailbox's type (subject →
// title, the mapping for sender and body, its attachments through the
// upload checks), or — when it answers a card — a comment on that card; or a
// refusal with the reason and the raw bytes kept for /admin/mail.
//
// What MUST hold, and why:
// - Once, whatever happens: the claim (the mail_messages row, unique by
//   Message-ID) is inserted in the SAME transaction as the card or comment and
//   its attachments. Two fetches racing: one insert waits for the other and
//   then finds the key taken. A worker killed before COMMIT: nothing of it
//   stays, and the next fetch imports the mail once.
// - Attachments pass the checks of an upload (detectFile: type, size,
//   pixels); the stored name is cleanName()'s (no path part), and the bytes
//   go to their content address inside MEDIA_ROOT — never to a path a mail
//   names. A refused attachment refuses the mail (unless "import anyway").
// - Nothing half-written: a refusal writes one row and one file named by its
//   hash; temp files are always removed; originals stored by a rolled-back
//   transaction are forgotten.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import { inEnglish, msg, type Message } from '#app/i18n/message';
import type { Card, CardService } from '#app/services/cards';
import type { CardType } from '#app/services/card-types';
import { TITLE_MAX } from '#app/services/card-fields';
import type { CommentService } from '#app/services/comments';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { detectFile, RefusedFileError, type Detected } from '#app/services/images';
import { readMail, senderAllowed, UnreadableMailError, type ReadMail } from '#app/services/mail-message';
import type { MailboxRow, MailboxService } from '#app/services/mailboxes';
import { cleanName, type Media, type MediaService, type ReceivedFile } from '#app/services/media';
import { canRead } from '#app/services/permissions';
import type { SessionUser, UserService } from '#app/services/users';

export type ImportOutcome =
  | { kind: 'imported'; key: string; card: string; comment: boolean }
  | { kind: 'refused'; key: string; reason: string }
  | { kind: 'ignored'; key: string; reason: string }
  | { kind: 'seen'; key: string };

/** A refusal: the reason for the reader's language. */
class Refused extends Error {
  constructor(readonly text: Message) {
    super(inEnglish(text));
  }
}

const MAX_FILES = 50;

export class MailImport {
  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly comments: CommentService,
    private readonly media: MediaService,
    private readonly mailboxes: MailboxService,
    private readonly users: UserService,
    /** The installation's mail domain (its own Message-IDs end in it). */
    readonly domain: string,
  ) {}

  /** The state a Message-ID already has, if any. */
  async seen(key: string): Promise<{ state: string; server_done: boolean; id: number } | null> {
    const [row] = await this.db.rows<{ state: string; server_done: boolean; id: number }>(
      'select id, state, server_done from mail_messages where message_id = $1',
      [key],
    );
    return row ?? null;
  }

  /** Keeps the raw bytes under MEDIA_ROOT/mail (named by their hash); returns the hash. */
  private async keepRaw(raw: Buffer): Promise<string> {
    const sha = crypto.createHash('sha256').update(raw).digest('hex');
    const target = this.mailboxes.rawPath(sha);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    if (!fs.existsSync(target)) {
      const tmp = `${target}.${crypto.randomBytes(6).toString('hex')}.part`;
      await fs.promises.writeFile(tmp, raw);
      await fs.promises.rename(tmp, target);
    }
    return sha;
  }

  /** Records a mail refused with `reason` (its raw bytes kept when given); a key already recorded is left as it is. */
  async refuse(
    box: Pick<MailboxRow, 'id'>,
    key: string,
    info: { uid?: number | null; subject: string; sender: string; size: number },
    reason: Message,
    raw: Buffer | null,
  ): Promise<ImportOutcome> {
    const sha = raw ? await this.keepRaw(raw) : null;
    await this.db.exec(
      `insert into mail_messages (mailbox_id, message_id, uid, state, reason, reason_message, subject, sender, size, raw_sha256)
       values ($1, $2, $3, 'refused', $4, $5, $6, $7, $8, $9) on conflict (message_id) do nothing`,
      [box.id, key, info.uid ?? null, inEnglish(reason), JSON.stringify(reason), info.subject.slice(0, 500), info.sender, info.size, sha],
    );
    return { kind: 'refused', key, reason: inEnglish(reason) };
  }

  /**
   * Handles one raw mail of a mailbox. `force` ("import anyway" on a refused
   * mail): the sender rule is not asked, refused attachments are left out,
   * and a reply to a card that is gone becomes a new card.
   */
  async handle(box: MailboxRow, raw: Buffer, uid: number | null, force = false): Promise<ImportOutcome> {
    let mail: ReadMail;
    try {
      mail = await readMail(raw, { domain: this.domain, prefixes: this.cards.types.all.map((t) => t.prefix) });
    } catch (err) {
      if (!(err instanceof UnreadableMailError)) throw err;
      const key = `<sha256.${crypto.createHash('sha256').update(raw).digest('hex')}@unreadable>`;
      return this.refuse(box, key, { uid, subject: '', sender: '', size: raw.length }, err.text, raw);
    }
    const info = { uid, subject: mail.subject, sender: mail.from, size: raw.length };
    if (mail.ignore && !force) {
      // One statement for what a mail bomb is made of: a key seen before inserts nothing.
      const [row] = await this.db.rows(
        `insert into mail_messages (mailbox_id, message_id, uid, state, reason, subject, sender, size, handled_at)
         values ($1, $2, $3, 'ignored', $4, $5, $6, $7, now()) on conflict (message_id) do nothing returning id`,
        [box.id, mail.key, uid, mail.ignore, mail.subject.slice(0, 500), mail.from, raw.length],
      );
      return row ? { kind: 'ignored', key: mail.key, reason: mail.ignore } : { kind: 'seen', key: mail.key };
    }
    const before = await this.seen(mail.key);
    if (before && !(force && before.state === 'refused')) return { kind: 'seen', key: mail.key };
    const received: { f: ReceivedFile; d: Detected }[] = [];
    try {
      if (!force && !senderAllowed(mail.from, box.allowed_senders)) throw new Refused(msg('mailin.reasons.sender', { sender: mail.from }));
      const owner = box.owner_id ? await this.users.sessionUser(Number(box.owner_id)) : null;
      if (!owner) throw new Refused(msg('mailin.reasons.noOwner'));
      const type = this.cards.types.get(box.card_type);
      if (!type) throw new Refused(msg('mailin.reasons.noType', { type: box.card_type }));
      if (mail.files.length > MAX_FILES)
        throw new Refused(msg('mailin.reasons.tooManyFiles', { count: mail.files.length, max: MAX_FILES }));
      for (const file of mail.files) {
        const f = await this.receive(file.name, file.content);
        try {
          if (f.size > this.media.maxBytes)
            throw new RefusedFileError(msg('attachments.refused.tooLarge', { mb: this.media.settings.media.maxUploadMB }));
          received.push({ f, d: await detectFile(f.tempFile, f.size, this.media.settings.media.maxPixels) });
        } catch (err) {
          await fs.promises.rm(f.tempFile, { force: true });
          if (!(err instanceof RefusedFileError)) throw err;
          if (!force) throw new Refused(msg('mailin.reasons.attachment', { name: cleanName(f.name), reason: err.text }));
        }
      }
      const target = await this.replyTarget(mail, owner, force);
      const stored: string[] = [];
      try {
        const done = await this.db.transaction(async (t) => {
          // The claim first: a second handler of the same mail waits here, then finds it taken.
          const [claim] = force
            ? await this.db.rows<{ id: number }>(
                `update mail_messages set state = 'imported', reason = null, reason_message = null, handled_at = now()
                  where message_id = $1 and state = 'refused' returning id`,
                [mail.key],
                t,
              )
            : await this.db.rows<{ id: number }>(
                `insert into mail_messages (mailbox_id, message_id, uid, state, subject, sender, size, handled_at)
                 values ($1, $2, $3, 'imported', $4, $5, $6, now()) on conflict (message_id) do nothing returning id`,
                [box.id, mail.key, uid, mail.subject.slice(0, 500), mail.from, raw.length],
                t,
              );
          if (!claim) return null;
          let card: Card;
          let commentId: number | null = null;
          if (target) {
            card = target.card;
            commentId = await this.comments.addFromMail(t, target.author, card, target.body, target.author.id !== owner.id);
          } else {
            card = await this.cards.create(owner, type.name, this.input(type, mail, box), { transaction: t, source: `mail:${box.name}` });
          }
          const rows: Media[] = [];
          for (const { f, d } of received) rows.push(await this.media.store(t, card, null, owner.id, f, d, stored));
          await this.media.recordAdded(t, card, owner.id, rows);
          await this.db.exec('update mail_messages set card_id = $2, comment_id = $3 where id = $1', [claim.id, card.id, commentId], t);
          return { card: card.number, comment: commentId !== null };
        });
        return done ? { kind: 'imported', key: mail.key, ...done } : { kind: 'seen', key: mail.key };
      } catch (err) {
        await this.media.forgetStored(stored);
        if (err instanceof ValidationError)
          throw new Refused(msg('mailin.reasons.invalid', { reason: err.fieldTexts[Object.keys(err.fieldTexts)[0]] ?? err.text }));
        // The owner may no longer make cards of the type (or read the card): this mail is refused, the next ones go on.
        if (err instanceof ForbiddenError || err instanceof NotFoundError)
          throw new Refused(msg('mailin.reasons.invalid', { reason: err.text }));
        throw err;
      }
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      if (force) throw new ValidationError(err.text);
      return this.refuse(box, mail.key, info, err.text, raw);
    } finally {
      await Promise.all(received.map(({ f }) => fs.promises.rm(f.tempFile, { force: true })));
    }
  }

  /** "Import anyway" of a refused mail, from its kept bytes; a ValidationError says why it cannot be. */
  async importRefused(id: number): Promise<ImportOutcome> {
    const refused = await this.mailboxes.refusedOne(id);
    const raw = await this.mailboxes.raw(id);
    if (!raw || !refused.raw_sha256 || refused.size > raw.length) throw new ValidationError(msg('mailin.errors.notKept'));
    const box = await this.mailboxes.row(refused.mailbox_id);
    if (!box) throw new ValidationError(msg('mailin.errors.notFound'));
    const o = await this.handle(box, raw, null, true);
    if (o.kind === 'refused') throw new ValidationError(msg('mailin.errors.stillRefused', { reason: o.reason }));
    return o;
  }

  /** An attachment's bytes into MEDIA_ROOT/tmp with its hash, named by cleanName() when stored. */
  private async receive(name: string, content: Buffer): Promise<ReceivedFile> {
    const tempFile = await this.media.files.tempPath();
    await fs.promises.writeFile(tempFile, content, { flag: 'wx' });
    return { tempFile, name, size: content.length, sha256: crypto.createHash('sha256').update(content).digest('hex'), truncated: false };
  }

  /** The new card's form input: subject → title, the mapping, the fixed values. */
  private input(type: CardType, mail: ReadMail, box: MailboxRow): Record<string, string> {
    const input: Record<string, string> = { ...box.defaults, title: cut(mail.subject || `(${mail.from})`, TITLE_MAX) };
    for (const [field, from] of Object.entries(box.mapping)) {
      const def = type.fieldMap.get(field);
      if (!def) continue;
      const max = def.max ?? (fieldType(def).name === 'text' ? 20_000 : 500);
      if (from === 'body') input[field] = cut(mail.text, max);
      else input[field] = cut(mail.fromName ? `${mail.fromName} <${mail.from}>` : mail.from, max);
    }
    return input;
  }

  /** The card a reply lands on, its author (the sender when a user who may read it, else the owner) and the comment's text. */
  private async replyTarget(
    mail: ReadMail,
    owner: SessionUser,
    force: boolean,
  ): Promise<{ card: Card; author: SessionUser; body: string } | null> {
    if (!mail.replyTo) return null;
    const [row] =
      'number' in mail.replyTo
        ? await this.db.rows<{ id: number; type: string }>('select id, type from cards where number = $1 and deleted_at is null', [
            mail.replyTo.number,
          ])
        : await this.db.rows<{ id: number; type: string }>('select id, type from cards where id = $1 and deleted_at is null', [
            mail.replyTo.cardId,
          ]);
    if (!row) {
      if (force) return null;
      const name = 'number' in mail.replyTo ? mail.replyTo.number : `#${mail.replyTo.cardId}`;
      throw new Refused(msg('mailin.reasons.noCard', { number: name }));
    }
    let card: Card;
    try {
      card = await this.cards.getForUser(owner, row.type, Number(row.id));
    } catch (err) {
      // A card the mailbox's owner may not read is, for this mailbox, no card: refused, never a stuck poll.
      if (!(err instanceof NotFoundError || err instanceof ForbiddenError)) throw err;
      if (force) return null;
      throw new Refused(
        msg('mailin.reasons.noCard', { number: 'number' in mail.replyTo ? mail.replyTo.number : `#${mail.replyTo.cardId}` }),
      );
    }
    const [user] = await this.db.rows<{ id: number }>('select id from users where lower(email) = $1 and is_active', [mail.from]);
    const sender = user ? await this.users.sessionUser(Number(user.id)) : null;
    const type = this.cards.types.get(card.type)!;
    const text = stripQuote(mail.text) || mail.subject;
    if (sender && canRead(sender, type, card)) return { card, author: sender, body: text };
    return { card, author: owner, body: `✉ ${mail.fromName ? `${mail.fromName} <${mail.from}>` : mail.from}:\n\n${text}` };
  }
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The reply without the quoted mail under it ("On … wrote:" and the `>` lines after it). */
export function stripQuote(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex(
    (l, i) =>
      /^(On .+ wrote:|.+ (написал|пишет)\(?а?\)?:)$/.test(l.trim()) && lines.slice(i + 1).every((x) => !x.trim() || x.startsWith('>')),
  );
  const kept = at >= 0 ? lines.slice(0, at) : lines;
  while (kept.length && (kept[kept.length - 1].startsWith('>') || !kept[kept.length - 1].trim())) kept.pop();
  return kept.join('\n').trim();
}
