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
import nodemailer from 'nodemailer';
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { JobQueue } from '#app/queue/jobs';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** SMTP when settings.mail.url is set, else one log line per mail. */
export function createMailer(settings: Pick<Settings, 'mail'>, log: Logger): Mailer {
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
      await transport.sendMail({ from: settings.mail.from, to: m.to, subject: m.subject, text: m.text });
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
  url: string | null;
}

export interface DispatchResult {
  mails: number;
  notices: number;
  digest: boolean;
}

export class NoticeMail {
  constructor(
    private readonly db: Database,
    private readonly jobs: JobQueue,
    private readonly settings: Pick<Settings, 'notifications' | 'server'>,
  ) {}

  private link(url: string | null): string {
    return url ? `\n${(this.settings.server.publicUrl ?? '').replace(/\/$/, '')}${url}` : '';
  }

  /** Sends the user's pending notices: one mail each, or one digest in a burst. */
  async dispatch(userId: number): Promise<DispatchResult> {
    const { digestAfter, burstMinutes } = this.settings.notifications;
    return this.db.transaction(async (t) => {
      const [user] = await this.db.rows<{ email: string; is_active: boolean }>('select email, is_active from users where id = $1', [userId], t);
      const pending = await this.db.rows<Pending>(
        `select id, title, body, url from notifications where user_id = $1 and mail_state = 'pending' order by id for update skip locked`,
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
      if (digest) {
        await this.db.exec(`update notifications set mail_state = 'digested', mailed_at = now() where id = any($1::bigint[])`, [ids], t);
        const text = pending.map((p) => `• ${p.title}${p.body ? ` — ${p.body}` : ''}${this.link(p.url)}`).join('\n\n');
        await this.jobs.enqueue(
          'mail.send',
          { to: user.email, subject: `Orbis: ${pending.length} new notifications`, text: `You have ${pending.length} new notifications:\n\n${text}\n` },
          { transaction: t, key: `mail:digest:${userId}:${ids[0]}-${ids[ids.length - 1]}` },
        );
        return { mails: 1, notices: pending.length, digest: true };
      }
      await this.db.exec(`update notifications set mail_state = 'sent', mailed_at = now() where id = any($1::bigint[])`, [ids], t);
      for (const p of pending) {
        await this.jobs.enqueue('mail.send', { to: user.email, subject: `Orbis: ${p.title}`, text: `${p.title}\n${p.body}${this.link(p.url)}\n` }, { transaction: t, key: `mail:notification:${p.id}` });
      }
      return { mails: pending.length, notices: pending.length, digest: false };
    });
  }

  /** The daily digest: one mail per active user with notices kept for it. */
  async dailyDigest(): Promise<{ users: number; notices: number }> {
    const users = await this.db.rows<{ user_id: number }>(`select distinct user_id from notifications where mail_state = 'daily'`);
    let notices = 0;
    for (const { user_id } of users) {
      notices += await this.db.transaction(async (t) => {
        const [user] = await this.db.rows<{ email: string; is_active: boolean }>('select email, is_active from users where id = $1', [user_id], t);
        const rows = await this.db.rows<Pending>(`select id, title, body, url from notifications where user_id = $1 and mail_state = 'daily' order by id for update skip locked`, [user_id], t);
        if (!rows.length) return 0;
        const ids = rows.map((r) => r.id);
        if (!user?.is_active) {
          await this.db.exec(`update notifications set mail_state = 'none' where id = any($1::bigint[])`, [ids], t);
          return 0;
        }
        await this.db.exec(`update notifications set mail_state = 'digested', mailed_at = now() where id = any($1::bigint[])`, [ids], t);
        const text = rows.map((p) => `• ${p.title}${p.body ? ` — ${p.body}` : ''}${this.link(p.url)}`).join('\n\n');
        await this.jobs.enqueue('mail.send', { to: user.email, subject: `Orbis: your daily digest (${rows.length})`, text: `${text}\n` }, { transaction: t, key: `mail:daily:${user_id}:${ids[0]}-${ids[ids.length - 1]}` });
        return rows.length;
      });
    }
    return { users: users.length, notices };
  }
}
