// What a mailbox is made of: the admin's input (from the form, or the
// `imap://` URL of ./manage.ts mail add), the stored row, and what the admin
// pages list (app/services/mailboxes.ts uses them).
import { msg, type Message } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';

export type Processed = 'flag' | 'move' | 'delete';
export const PROCESSED: readonly Processed[] = ['flag', 'move', 'delete'];
export type MapTo = 'sender' | 'body';

export interface MailboxInput {
  name: string;
  host: string;
  port: number;
  tls: boolean;
  username: string;
  /** Empty on an edit: keep the stored one. */
  password: string;
  folder: string;
  processed: Processed;
  move_to: string;
  card_type: string;
  mapping: Record<string, MapTo>;
  defaults: Record<string, string>;
  allowed_senders: string[];
  max_mb: number;
  /** The owner's email; empty: the first active superuser. */
  owner: string;
}

export interface MailboxRow {
  id: number;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  username: string;
  password_sealed: string;
  folder: string;
  processed: Processed;
  move_to: string | null;
  card_type: string;
  mapping: Record<string, MapTo>;
  defaults: Record<string, string>;
  allowed_senders: string[];
  max_mb: number;
  owner_id: number | null;
  enabled: boolean;
  state: 'new' | 'ok' | 'failing';
  last_error: string | null;
  failures: number;
  last_poll_at: Date | null;
  last_ok_at: Date | null;
  next_poll_at: Date | null;
  polling_until: Date | null;
  progress_done: number | null;
  progress_total: number | null;
  uid_validity: number | null;
  last_uid: number;
}

export interface MailboxSummary extends Omit<MailboxRow, 'password_sealed'> {
  owner_email: string | null;
  imported: number;
  refused: number;
  ignored: number;
}

export interface RefusedMail {
  id: number;
  mailbox_id: number;
  mailbox: string;
  message_id: string;
  subject: string;
  sender: string;
  size: number;
  reason: string;
  reason_message: Message | null;
  raw_sha256: string | null;
  created_at: Date;
}

/** `imap://USER:PASSWORD@HOST:PORT/FOLDER` (imaps:// for TLS) as the parts of a mailbox; throws ValidationError. */
export function parseMailboxUrl(raw: string): Pick<MailboxInput, 'host' | 'port' | 'tls' | 'username' | 'password' | 'folder'> {
  let u: URL | null = null;
  try {
    u = new URL(raw);
  } catch {
    /* below */
  }
  if (!u || !['imap:', 'imaps:'].includes(u.protocol) || !u.hostname || !u.username)
    throw new ValidationError(msg('mailin.errors.url'), { url: msg('mailin.errors.url') });
  const tls = u.protocol === 'imaps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : tls ? 993 : 143,
    tls,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    folder: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX',
  };
}
