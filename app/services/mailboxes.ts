// Mailboxes Orbis reads: define, change, remove, list with their state, and
// the mail each has refused (its reason and raw bytes). The reading itself
// is app/services/mail-poll.ts; one message's import is mail-import.ts.
//
// What MUST hold, and why:
// - The password is sealed (secret-box, bound to the mailbox's row) and never
//   shown back: an edit with an empty password keeps the stored one.
// - A mailbox names a card type, an owner who may create its cards, and a
//   mapping whose fields exist and hold no files; every required field of the
//   type is filled by the mapping or a fixed value, so a mail is not refused
//   for what the admin could have said once.
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import { msg, type Text } from '#app/i18n/message';
import type { CardService } from '#app/services/cards';
import { parseCardForm } from '#app/services/card-fields';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { can } from '#app/services/permissions';
import type { SecretBox } from '#app/services/secret-box';
import type { MailboxInput, MailboxRow, MailboxSummary, RefusedMail } from '#app/services/mailbox-input';
import { PROCESSED } from '#app/services/mailbox-input';
import type { UserService, SessionUser } from '#app/services/users';

export * from '#app/services/mailbox-input';

const SUMMARY = `m.id, m.name, m.host, m.port, m.tls, m.username, m.folder, m.processed, m.move_to, m.card_type, m.mapping, m.defaults,
  m.allowed_senders, m.max_mb, m.owner_id, m.enabled, m.state, m.last_error, m.failures, m.last_poll_at, m.last_ok_at, m.next_poll_at,
  m.polling_until, m.progress_done, m.progress_total, m.uid_validity, m.last_uid, u.email as owner_email,
  (select count(*)::int from mail_messages x where x.mailbox_id = m.id and x.state = 'imported') as imported,
  (select count(*)::int from mail_messages x where x.mailbox_id = m.id and x.state = 'refused') as refused,
  (select count(*)::int from mail_messages x where x.mailbox_id = m.id and x.state = 'ignored') as ignored`;

export class MailboxService {
  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly users: UserService,
    readonly box: SecretBox,
    private readonly settings: Pick<Settings, 'mediaRoot'>,
  ) {}

  /** Where refused mail's raw bytes are kept (under the media folder; the name is a hash). */
  rawPath(sha: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error('not a sha256');
    return path.join(this.settings.mediaRoot, 'mail', sha.slice(0, 2), `${sha}.eml`);
  }

  private async check(input: MailboxInput, id: number | null): Promise<{ ownerId: number }> {
    const errors: Record<string, Text> = {};
    if (!/^[\p{L}\p{N}._-]{1,60}$/u.test(input.name)) errors.name = msg('mailin.errors.name');
    else {
      const [dup] = await this.db.rows('select 1 from mailboxes where name = $1 and id <> $2', [input.name, id ?? 0]);
      if (dup) errors.name = msg('mailin.errors.nameTaken', { name: input.name });
    }
    if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(input.host)) errors.host = msg('mailin.errors.host');
    if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) errors.port = msg('mailin.errors.port');
    if (!input.username.trim()) errors.username = msg('mailin.errors.username');
    if (id === null && !input.password) errors.password = msg('mailin.errors.password');
    if (!input.folder.trim() || input.folder.length > 200) errors.folder = msg('mailin.errors.folder');
    if (!PROCESSED.includes(input.processed)) errors.processed = msg('mailin.errors.processed');
    if (input.processed === 'move' && !input.move_to.trim()) errors.move_to = msg('mailin.errors.moveTo');
    if (!Number.isInteger(input.max_mb) || input.max_mb < 1 || input.max_mb > 200) errors.max_mb = msg('mailin.errors.maxMb');
    let ownerId = 0;
    const type = this.cards.types.get(input.card_type);
    if (!type) errors.card_type = msg('mailin.errors.cardType');
    else {
      for (const [field, to] of Object.entries(input.mapping)) {
        const f = type.fieldMap.get(field);
        if (!f || fieldType(f).holdsFiles || !['sender', 'body'].includes(to))
          errors.mapping = msg('mailin.errors.mapping', { field, type: type.name });
      }
      for (const field of Object.keys(input.defaults))
        if (!type.fieldMap.has(field) || field in input.mapping) errors.defaults = msg('mailin.errors.defaultField', { field });
      const missing = type.fields
        .filter((f) => f.required && !fieldType(f).holdsFiles && !(f.name in input.mapping) && !(input.defaults[f.name] ?? '').trim())
        .map((f) => f.name);
      if (missing.length) errors.defaults = msg('mailin.errors.missing', { fields: missing.join(', ') });
      const owner = await this.owner(input.owner);
      if (!owner) errors.owner = msg(input.owner ? 'mailin.errors.noOwner' : 'mailin.errors.noSuperuser', { email: input.owner });
      else if (!can(owner, type, 'create')) errors.owner = msg('mailin.errors.ownerMayNot', { email: owner.email });
      else {
        ownerId = owner.id;
        if (!errors.defaults) {
          const parsed = parseCardForm(type, { ...input.defaults, title: 'check' }, owner.timeZone);
          const wrong = Object.entries(parsed.errors).filter(([k]) => k in input.defaults);
          if (wrong.length) errors.defaults = msg('mailin.errors.defaultValue', { field: wrong[0][0], reason: wrong[0][1] });
        }
      }
    }
    if (Object.keys(errors).length) throw new ValidationError(msg('mailin.errors.invalid'), errors);
    return { ownerId };
  }

  /** The user an email names (active), or the first active superuser. */
  async owner(email: string): Promise<SessionUser | null> {
    const [row] = email
      ? await this.db.rows<{ id: number }>('select id from users where lower(email) = lower($1) and is_active', [email])
      : await this.db.rows<{ id: number }>('select id from users where is_superuser and is_active order by id limit 1');
    return row ? this.users.sessionUser(Number(row.id)) : null;
  }

  async create(input: MailboxInput): Promise<number> {
    const { ownerId } = await this.check(input, null);
    return this.db.transaction(async (t) => {
      const [row] = await this.db.rows<{ id: number }>(
        `insert into mailboxes (name, host, port, tls, username, password_sealed, folder, processed, move_to, card_type, mapping,
           defaults, allowed_senders, max_mb, owner_id)
         values ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, $11, $12, $13, $14) returning id`,
        [...this.columns(input), ownerId],
        t,
      );
      const id = Number(row.id);
      await this.db.exec(
        'update mailboxes set password_sealed = $2 where id = $1',
        [id, this.box.seal(input.password, `mailbox:${id}`)],
        t,
      );
      return id;
    });
  }

  async update(id: number, input: MailboxInput): Promise<void> {
    await this.get(id);
    const { ownerId } = await this.check(input, id);
    await this.db.transaction(async (t) => {
      await this.db.exec(
        `update mailboxes set name = $1, host = $2, port = $3, tls = $4, username = $5, folder = $6, processed = $7, move_to = $8,
           card_type = $9, mapping = $10, defaults = $11, allowed_senders = $12, max_mb = $13, owner_id = $14,
           state = 'new', failures = 0, next_poll_at = null, last_error = null
         where id = $15`,
        [...this.columns(input), ownerId, id],
        t,
      );
      if (input.password)
        await this.db.exec(
          'update mailboxes set password_sealed = $2 where id = $1',
          [id, this.box.seal(input.password, `mailbox:${id}`)],
          t,
        );
    });
  }

  private columns(i: MailboxInput): unknown[] {
    return [
      i.name,
      i.host,
      i.port,
      i.tls,
      i.username.trim(),
      i.folder.trim(),
      i.processed,
      i.processed === 'move' ? i.move_to.trim() : null,
      i.card_type,
      JSON.stringify(i.mapping),
      JSON.stringify(i.defaults),
      i.allowed_senders.map((s) => s.trim().toLowerCase()).filter(Boolean),
      i.max_mb,
    ];
  }

  async remove(id: number): Promise<void> {
    if (!(await this.db.exec('delete from mailboxes where id = $1', [id]))) throw new NotFoundError(msg('mailin.errors.notFound'));
  }

  async list(): Promise<MailboxSummary[]> {
    return this.db.rows<MailboxSummary>(`select ${SUMMARY} from mailboxes m left join users u on u.id = m.owner_id order by m.name`);
  }

  async get(id: number): Promise<MailboxSummary> {
    const [row] = await this.db.rows<MailboxSummary>(
      `select ${SUMMARY} from mailboxes m left join users u on u.id = m.owner_id where m.id = $1`,
      [id],
    );
    if (!row) throw new NotFoundError(msg('mailin.errors.notFound'));
    return row;
  }

  async byName(name: string): Promise<MailboxSummary | null> {
    const [row] = await this.db.rows<{ id: number }>('select id from mailboxes where name = $1', [name]);
    return row ? this.get(Number(row.id)) : null;
  }

  /** The row with its sealed password (for the poll). */
  async row(id: number): Promise<MailboxRow | null> {
    const [row] = await this.db.rows<MailboxRow>('select * from mailboxes where id = $1', [id]);
    return row ?? null;
  }

  /** The password, opened. */
  password(row: Pick<MailboxRow, 'id' | 'password_sealed'>): string {
    return this.box.open(row.password_sealed, `mailbox:${row.id}`);
  }

  /** Refused mail, newest first. */
  async refused(limit = 100, id: number | null = null): Promise<RefusedMail[]> {
    return this.db.rows<RefusedMail>(
      `select x.id, x.mailbox_id, m.name as mailbox, x.message_id, x.subject, x.sender, x.size, x.reason, x.reason_message, x.raw_sha256,
              x.created_at
         from mail_messages x join mailboxes m on m.id = x.mailbox_id
        where x.state = 'refused' and ($2::bigint is null or x.id = $2) order by x.id desc limit $1`,
      [limit, id],
    );
  }

  async refusedOne(id: number): Promise<RefusedMail> {
    const [row] = await this.refused(1, id);
    if (!row) throw new NotFoundError(msg('mailin.errors.noRefused'));
    return row;
  }

  /** The raw bytes of a refused mail, or null when they were not kept (too large to download). */
  async raw(id: number): Promise<Buffer | null> {
    const row = await this.refusedOne(id);
    if (!row.raw_sha256) return null;
    return fs.promises.readFile(this.rawPath(row.raw_sha256)).catch(() => null);
  }

  /** Discards a refused mail: it stays on the server (never deleted unless imported), its row says so, its kept bytes go. */
  async discard(id: number): Promise<void> {
    const [row] = await this.db.rows<{ raw_sha256: string | null }>(
      `update mail_messages set state = 'discarded', handled_at = now() where id = $1 and state = 'refused' returning raw_sha256`,
      [id],
    );
    if (!row) throw new NotFoundError(msg('mailin.errors.noRefused'));
    if (row.raw_sha256) {
      const [{ n }] = await this.db.rows<{ n: number }>(
        `select count(*)::int as n from mail_messages where raw_sha256 = $1 and state = 'refused'`,
        [row.raw_sha256],
      );
      if (!n) await fs.promises.rm(this.rawPath(row.raw_sha256), { force: true });
    }
  }
}
