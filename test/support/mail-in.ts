// A world for mail-in tests: a real dovecot with a mailbox user, an Orbis
// context on a fresh database with its own MEDIA_ROOT, a superuser owning
// the imported cards, a manager, and a mailbox of complaints bound to the
// dovecot user. Mails are composed by nodemailer's MailComposer (real MIME).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { AppContext } from '#app/context';
import type { MailboxInput } from '#app/services/mailboxes';
import type { SessionUser } from '#app/services/users';
import { testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { startDovecot, type Dovecot } from '#test/support/dovecot';

export const MAILBOX_USER = 'complaints';
export const MAILBOX_PASSWORD = 'p@ss w/rd#1'; // no colon: it separates a passwd-file's fields

export interface MailWorld {
  ctx: AppContext;
  dovecot: Dovecot;
  mediaRoot: string;
  root: SessionUser;
  maria: SessionUser;
  mailboxId: number;
}

export function mailboxInput(dovecot: Dovecot, overrides: Partial<MailboxInput> = {}): MailboxInput {
  return {
    name: 'complaints',
    host: dovecot.host,
    port: dovecot.port,
    tls: false,
    username: MAILBOX_USER,
    password: MAILBOX_PASSWORD,
    folder: 'INBOX',
    processed: 'flag',
    move_to: '',
    card_type: 'complaint',
    mapping: { customer: 'sender', details: 'body' },
    defaults: { channel: 'email', severity: 'medium' },
    allowed_senders: [],
    max_mb: 25,
    owner: '',
    ...overrides,
  };
}

export async function mailWorld(
  options: { env?: Record<string, string>; overrides?: Record<string, unknown>; mailbox?: Partial<MailboxInput> } = {},
): Promise<MailWorld> {
  const dovecot = await startDovecot({ [MAILBOX_USER]: MAILBOX_PASSWORD, other: 'other-pass' });
  const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-mail-media-'));
  onCleanup(() => fs.rmSync(mediaRoot, { recursive: true, force: true }));
  const { ctx } = await testContext({ MEDIA_ROOT: mediaRoot, ...options.env }, options.overrides);
  const root = await sessionUserFor(ctx, 'root@example.com', { superuser: true, name: 'Root' });
  const maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
  const mailboxId = await ctx.services.mailboxes.create(mailboxInput(dovecot, options.mailbox));
  return { ctx, dovecot, mediaRoot, root, maria, mailboxId };
}

/** A mail as bytes (headers given in `headers` are added as they are). */
export async function compose(options: Mail.Options & { messageId?: string }): Promise<Buffer> {
  return new MailComposer({ from: 'Anna Petrova <anna@customer.example>', to: 'complaints@orbis.example', ...options }).compile().build();
}

/** The complaints of the test database, oldest first. */
export async function complaints(ctx: AppContext): Promise<{ id: number; number: string; title: string; data: Record<string, unknown> }[]> {
  return ctx.db.rows(`select id, number, title, data from cards where type = 'complaint' and deleted_at is null order by id`);
}

/** A small valid PNG (1×1). */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
