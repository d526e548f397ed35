// One received mail, read and judged before anything is written: its key
// (the Message-ID), who sent it, its words, its attachments, whether it is
// Orbis's own or an automatic mail (never imported), and which card it
// answers. No IMAP and no database here (app/services/mail-import.ts).
//
// What MUST hold, and why:
// - The key is the Message-ID as sent (angle brackets kept), so the same mail
//   fetched twice, from two folders or after a uidvalidity change, has one key;
//   a mail without one is keyed by the hash of its bytes.
// - Text reaching the database holds no NUL (PostgreSQL refuses it in text).
// - Encoded-word subjects in any charset iconv-lite knows (KOI8-R,
//   Windows-1251…) are decoded by mailparser (libmime), not by hand.
// - Orbis's own mail is recognised by its Message-ID domain or its
//   X-Orbis-Mail header; automatic mail by Auto-Submitted (RFC 3834),
//   X-Autoreply, Precedence bulk/junk/list, a delivery report
//   (multipart/report, RFC 3464), a null Return-Path or a MAILER-DAEMON sender.
import crypto from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment } from 'mailparser';
import { msg, type Message } from '#app/i18n/message';

export interface MailFile {
  name: string;
  content: Buffer;
}

export interface ReadMail {
  key: string;
  subject: string;
  /** The sender's address, lower-cased ('' when none). */
  from: string;
  fromName: string;
  text: string;
  files: MailFile[];
  /** Why this mail is not imported at all (Orbis's own, automatic), or null. */
  ignore: string | null;
  /** The card number the subject names ([PR-000123]), or the card id an Orbis Message-ID in References names. */
  replyTo: { number: string } | { cardId: number } | null;
}

/** A mail that cannot be read (broken MIME, no sender). */
export class UnreadableMailError extends Error {
  override name = 'UnreadableMailError';
  constructor(readonly text: Message) {
    super(text.key);
  }
}

const NUL = /\u0000/g;

/** The right-hand side of Orbis's Message-IDs: the public URL's host, else the sender address's domain. */
export function mailDomain(settings: { server: { publicUrl: string | null }; mail: { from: string } }): string {
  if (settings.server.publicUrl) {
    try {
      return new URL(settings.server.publicUrl).hostname.replace(/^\[|\]$/g, '') || 'orbis.invalid';
    } catch {
      /* below */
    }
  }
  return /@([A-Za-z0-9.-]+)/.exec(settings.mail.from)?.[1] ?? 'orbis.invalid';
}

/** The Message-ID of a mail Orbis sends about a card; `domain` is the installation's mail domain. */
export function outgoingMessageId(domain: string, cardId: number, ref: string): string {
  return `<orbis.${cardId}.${ref.replace(/[^A-Za-z0-9.-]/g, '-')}.${crypto.randomBytes(6).toString('hex')}@${domain}>`;
}

/** The thread root every mail about a card references. */
export function cardThreadId(domain: string, cardId: number): string {
  return `<orbis.card.${cardId}@${domain}>`;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string; name: string } {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  for (const o of list) for (const v of o.value) if (v.address) return { address: v.address.toLowerCase(), name: v.name ?? '' };
  return { address: '', name: '' };
}

function header(h: Map<string, unknown>, name: string): string {
  const v = h.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
}

function whyIgnored(h: Map<string, unknown>, messageId: string, from: string, domain: string): string | null {
  const id = messageId.toLowerCase();
  if (id.startsWith('<orbis.') && id.endsWith(`@${domain.toLowerCase()}>`)) return "Orbis's own mail (its Message-ID domain)";
  if (h.has('x-orbis-mail')) return "Orbis's own mail (X-Orbis-Mail)";
  const auto = header(h, 'auto-submitted').trim().toLowerCase();
  if (auto && auto !== 'no') return `an automatic mail (Auto-Submitted: ${auto})`;
  if (h.has('x-autoreply') || h.has('x-autorespond')) return 'an automatic reply (X-Autoreply)';
  const precedence = header(h, 'precedence').trim().toLowerCase();
  if (['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `a bulk or automatic mail (Precedence: ${precedence})`;
  const type = header(h, 'content-type').toLowerCase();
  if (type.startsWith('multipart/report')) return 'a delivery report (bounce)';
  if (/^(mailer-daemon|postmaster)@/.test(from)) return `a delivery report (from ${from})`;
  if (header(h, 'return-path').replace(/\s/g, '') === '<>') return 'a delivery report (empty Return-Path)';
  return null;
}

function replyTarget(subject: string, references: string[], prefixes: readonly string[], domain: string): ReadMail['replyTo'] {
  for (const m of subject.matchAll(/\[([A-Z]{1,6})-(\d{6,})\]/g)) if (prefixes.includes(m[1])) return { number: `${m[1]}-${m[2]}` };
  const own = new RegExp(`^<orbis\\.(?:card\\.)?(\\d+)(?:\\.[^@]*)?@${domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}>$`, 'i');
  for (const r of references) {
    const m = own.exec(r.trim());
    if (m) return { cardId: Number(m[1]) };
  }
  return null;
}

/** Reads a raw mail; throws UnreadableMailError when it cannot be made sense of. */
export async function readMail(raw: Buffer, options: { domain: string; prefixes: readonly string[] }): Promise<ReadMail> {
  let parsed;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (err) {
    throw new UnreadableMailError(msg('mailin.reasons.malformed', { why: String((err as Error).message).slice(0, 200) }));
  }
  const h = parsed.headers as Map<string, unknown>;
  if (!h.size || !h.has('from')) throw new UnreadableMailError(msg('mailin.reasons.noSender'));
  const { address: from, name: fromName } = firstAddress(parsed.from);
  if (!from) throw new UnreadableMailError(msg('mailin.reasons.noSender'));
  const messageId = (parsed.messageId ?? '').replace(NUL, '').trim().slice(0, 500);
  const key = messageId || `<sha256.${crypto.createHash('sha256').update(raw).digest('hex')}@no-message-id>`;
  const subject = (parsed.subject ?? '').replace(NUL, '').replace(/\s+/g, ' ').trim();
  const refs = [parsed.inReplyTo ?? '', ...(Array.isArray(parsed.references) ? parsed.references : [parsed.references ?? ''])].filter(
    Boolean,
  );
  const files = parsed.attachments
    .filter((a: Attachment) => a.contentDisposition !== 'inline' || !a.related)
    .map((a: Attachment, i: number) => ({ name: (a.filename ?? `attachment-${i + 1}`).replace(NUL, ''), content: a.content }));
  return {
    key,
    subject,
    from,
    fromName: fromName.replace(NUL, ''),
    text: (parsed.text ?? '').replace(NUL, '').replace(/\r\n?/g, '\n').trim(),
    files,
    ignore: whyIgnored(h, messageId, from, options.domain),
    replyTo: replyTarget(subject, refs, options.prefixes, options.domain),
  };
}

/** Whether `from` passes a mailbox's rule: an address, `@domain` or `domain` per entry; an empty rule lets anyone in. */
export function senderAllowed(from: string, rule: readonly string[]): boolean {
  if (!rule.length) return true;
  const domain = from.split('@')[1] ?? '';
  return rule.some((r) => {
    const e = r.trim().toLowerCase();
    return e.includes('@') && !e.startsWith('@') ? e === from : e.replace(/^@/, '') === domain;
  });
}
