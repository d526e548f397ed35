// Mail of notifications: the dispatcher (`notifications.mail`, one job per
// user and gather window), the daily digest (`notifications.daily_digest`)
// and the sender (`mail.send`, SMTP through nodemailer, retried by the
// engine; without SMTP the mail is written to the log).
//
// What MUST hold, and why:
// - A notice's mail is decided once: the dispatcher locks the user's pending
//   notices (FOR UPDATE SKIP LOCKED), marks them sent/digested and enqueues
//   the mail.send job(s) in the SAME transaction, keyed by the notices they
//   carry. A crashed dispatcher leaves them pending; a re-run finds none.
// - Bursts are throttled: when the user's pending notices plus those mailed
//   in the last `burstMinutes` exceed `digestAfter`, all pending notices go
//   into ONE digest mail instead of one mail each.
// - A disabled user gets no mail: their pending notices are dropped from mail.
// - A mail about a card threads (RFC 5322): its own Message-ID
//   (<orbis.CARD.nID.random@DOMAIN>), and References / In-Reply-To naming the
//   card's thread root (<orbis.card.CARD@DOMAIN>), with the card number in
//   the subject ([PR-000123]): a reply lands on the card (mail-import.ts).
//   Every mail Orbis sends says it is automatic (Auto-Submitted:
//   auto-generated, X-Orbis-Mail) and carries an Orbis Message-ID, so Orbis
//   never imports its own mail and auto-responders do not answer it.
// - Mail is in the RECIPIENT's language (users.locale, else i18n.defaultLocale:
//   there is no browser here) with times in their zone; links are absolute.
import crypto from 'node:crypto';
import nodemailer from 'nodemailer';
import { projectRoot, type Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import { createI18n, type I18n, type Translate } from '#app/i18n/i18n';
import type { Jobs } from '#app/jobs/index';
import { noticeText } from '#app/services/notice-text';
import { cardThreadId, mailDomain, outgoingMessageId } from '#app/services/mail-message';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Set for a mail about a card (its thread); else one is made at sending. */
  messageId?: string;
  references?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** SMTP when settings.mail.url is set, else one log line per mail. */
export function createMailer(settings: Pick<Settings, 'mail' | 'server'>, log: Logger): Mailer {
  const domain = mailDomain(settings);
  if (!settings.mail.url) {
    return {
      async send(m) {
        log.info({ mail: { to: m.to, subject: m.subject, text: m.text } }, 'mail (no SMTP configured): written to the log');
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(settings.mail.url);
  return {
    async send(m) {
      await transport.sendMail({
        from: settings.mail.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        messageId: m.messageId ?? `<orbis.mail.${crypto.randomBytes(9).toString('hex')}@${domain}>`,
        ...(m.references ? { references: m.references, inReplyTo: m.references } : {}),
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Orbis-Mail': '1' },
      });
    },
    close() {
      transport.close();
    },
  };
}

interface Pending {
  id: number;
  title: string;
  body: string;
  message: unknown;
  url: string | null;
  card_id: number | null;
  card_number: string | null;
}

interface Recipient {
  email: string;
  is_active: boolean;
  locale: string | null;
  time_zone: string;
}

/** The recipient's words: their language's `t`, and each notice rendered for them. */
interface Reader {
  t: Translate;
  text(p: Pending): { title: string; body: string };
}

const RECIPIENT = 'select email, is_active, locale, time_zone from users where id = $1';
const PENDING_COLUMNS = `id, title, body, message, url, card_id, (select c.number from cards c where c.id = notifications.card_id) as card_number`;

export interface DispatchResult {
  mails: number;
  notices: number;
  digest: boolean;
}

export class NoticeMail {
  private readonly i18n: I18n;

  constructor(
    private readonly db: Database,
    private readonly jobs: Jobs,
    private readonly settings: Pick<Settings, 'notifications' | 'server' | 'i18n' | 'mail'>,
  ) {
    this.i18n = createI18n(projectRoot, settings.i18n.defaultLocale);
    this.domain = mailDomain(settings);
  }

  private readonly domain: string;

  /** A notice's mail: about a card, it names the card in the subject and joins the card's thread. */
  private noticeMessage(to: string, reader: Reader, p: Pending): MailMessage {
    const { title, body } = reader.text(p);
    const subject = reader.t('mail.subject', { title });
    const text = `${title}\n${body}${this.link(p.url)}\n`;
    if (!p.card_id || !p.card_number) return { to, subject, text };
    const cardId = Number(p.card_id);
    return {
      to,
      subject: `[${p.card_number}] ${subject}`,
      text,
      messageId: outgoingMessageId(this.domain, cardId, `n${p.id}`),
      references: cardThreadId(this.domain, cardId),
    };
  }

  private reader(user: Recipient): Reader {
    const locale = this.i18n.resolve(user.locale);
    const t = this.i18n.t(locale);
    return { t, text: (p) => noticeText(p, t, locale, user.time_zone) };
  }

  /** A digest's lines: "• title — body" and the link, one notice per paragraph. */
  private lines(reader: Reader, rows: Pending[]): string {
    return rows
      .map((p) => {
        const { title, body } = reader.text(p);
        return `• ${title}${body ? ` — ${body}` : ''}${this.link(p.url)}`;
      })
      .join('\n\n');
  }

  private link(url: string | null): string {
    return url ? `\n${(this.settings.server.publicUrl ?? '').replace(/\/$/, '')}${url}` : '';
  }

  /** Sends the user's pending notices: one mail each, or one digest in a burst. */
  async dispatch(userId: number): Promise<DispatchResult> {
    const { digestAfter, burstMinutes } = this.settings.notifications;
    return this.db.transaction(async (t) => {
      const [user] = await this.db.rows<Recipient>(RECIPIENT, [userId], t);
      const pending = await this.db.rows<Pending>(
        `select ${PENDING_COLUMNS} from notifications where user_id = $1 and mail_state = 'pending' order by id for update skip locked`,
        [userId],
        t,
      );
      if (!pending.length) return { mails: 0, notices: 0, digest: false };
      const ids = pending.map((p) => p.id);
      if (!user?.is_active) {
        await this.db.exec(`update notifications set mail_state = 'none' where id = any($1::bigint[])`, [ids], t);
        return { mails: 0, notices: 0, digest: false };
      }
      const [{ recent }] = await this.db.rows<{ recent: number }>(
        `select count(*)::int as recent from notifications where user_id = $1 and mailed_at > now() - make_interval(mins => $2)`,
        [userId, burstMinutes],
        t,
      );
      const digest = pending.length + recent > digestAfter;
      const reader = this.reader(user);
      if (digest) {
        await this.db.exec(`update notifications set mail_state = 'digested', mailed_at = now() where id = any($1::bigint[])`, [ids], t);
        const count = pending.length;
        await this.jobs.enqueue(
          'mail.send',
          {
            to: user.email,
            subject: reader.t('mail.digestSubject', { count }),
            text: `${reader.t('mail.digestIntro', { count })}\n\n${this.lines(reader, pending)}\n`,
          },
          { transaction: t, key: `mail:digest:${userId}:${ids[0]}-${ids[ids.length - 1]}` },
        );
        return { mails: 1, notices: pending.length, digest: true };
      }
      await this.db.exec(`update notifications set mail_state = 'sent', mailed_at = now() where id = any($1::bigint[])`, [ids], t);
      for (const p of pending)
        await this.jobs.enqueue('mail.send', this.noticeMessage(user.email, reader, p), {
          transaction: t,
          key: `mail:notification:${p.id}`,
        });
      return { mails: pending.length, notices: pending.length, digest: false };
    });
  }

  /** The daily digest: one mail per active user with notices kept for it. */
  async dailyDigest(): Promise<{ users: number; notices: number }> {
    const users = await this.db.rows<{ user_id: number }>(`select distinct user_id from notifications where mail_state = 'daily'`);
    let notices = 0;
    for (const { user_id } of users) {
      notices += await this.db.transaction(async (t) => {
        const [user] = await this.db.rows<Recipient>(RECIPIENT, [user_id], t);
        const rows = await this.db.rows<Pending>(
          `select ${PENDING_COLUMNS} from notifications where user_id = $1 and mail_state = 'daily' order by id for update skip locked`,
          [user_id],
          t,
        );
        if (!rows.length) return 0;
        const ids = rows.map((r) => r.id);
        if (!user?.is_active) {
          await this.db.exec(`update notifications set mail_state = 'none' where id = any($1::bigint[])`, [ids], t);
          return 0;
        }
        await this.db.exec(`update notifications set mail_state = 'digested', mailed_at = now() where id = any($1::bigint[])`, [ids], t);
        const reader = this.reader(user);
        await this.jobs.enqueue(
          'mail.send',
          { to: user.email, subject: reader.t('mail.dailySubject', { n: rows.length }), text: `${this.lines(reader, rows)}\n` },
          { transaction: t, key: `mail:daily:${user_id}:${ids[0]}-${ids[ids.length - 1]}` },
        );
        return rows.length;
      });
    }
    return { users: users.length, notices };
  }
}
