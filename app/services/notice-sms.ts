// SMS of notifications: the dispatcher (`notifications.sms`, one job per user
// and gather window) and the sender (`sms.send`, through the gateway,
// retried by the engine with backoff).
//
// What MUST hold, and why:
// - At most one SMS per user per sms.minutesBetween: the dispatcher locks
//   the user's sms_throttle row, so two dispatchers of one user take turns;
//   within the interval it sends nothing and puts itself on the queue again
//   for the moment the interval ends. Notices arriving meanwhile stay pending
//   and all go out then as ONE SMS ("… and 3 more updates").
// - A notice's SMS is decided once: its notification_sms row is marked sent and the
//   sms.send job enqueued in the SAME transaction (keyed by the notices it
//   carries); a crashed dispatcher leaves them pending, a re-run finds none.
// - Never to a disabled user, a user without a number, or about a card the
//   user may no longer read (checked again here: an SMS may wait minutes):
//   those notices are dropped from SMS (notification_sms.state dropped).
// - The text is in the RECIPIENT's language, at most sms.maxLength
//   characters: cut at a word, the link (absolute) kept whole.
import { projectRoot, type Settings } from '#app/config';
import type { Database, Transaction } from '#app/db/connection';
import { createI18n, type I18n } from '#app/i18n/i18n';
import type { Jobs } from '#app/jobs/index';
import type { CardTypes } from '#app/services/card-types';
import { noticeText } from '#app/services/notice-text';
import { canReadCardSql, readPermissions } from '#app/services/notifications';

interface Pending {
  id: number;
  title: string;
  body: string;
  message: unknown;
  url: string | null;
  readable: boolean;
}

interface Recipient {
  phone: string | null;
  is_active: boolean;
  locale: string | null;
  time_zone: string;
}

export interface SmsDispatch {
  /** SMS enqueued (0 or 1). */
  sms: number;
  /** Notices it carries. */
  notices: number;
  /** Notices dropped (disabled user, no number, card no longer readable). */
  dropped: number;
  /** Set when the user had an SMS within sms.minutesBetween: when the next may go. */
  deferredUntil: Date | null;
}

/** Cuts `text` so that `text…` + ' ' + `tail` fits `max` characters, at a word where there is one; `tail` is kept whole. */
export function fitSms(text: string, tail: string, max: number): string {
  const chars = (s: string) => Array.from(s);
  const sep = tail ? ' ' : '';
  const whole = chars(text);
  if (whole.length + sep.length + chars(tail).length <= max) return `${text}${sep}${tail}`;
  const room = max - chars(tail).length - sep.length - 1; // 1: the ellipsis
  if (room <= 0) return tail || whole.slice(0, max).join('');
  const cut = whole.slice(0, room + 1).join('');
  // The last space within room + 1 (a word that ends exactly at room is kept).
  const space = cut.lastIndexOf(' ');
  const head = space > room / 3 ? cut.slice(0, space) : whole.slice(0, room).join('');
  return `${head.replace(/[\s,.;:—–-]+$/u, '')}…${sep}${tail}`;
}

export class NoticeSms {
  private readonly i18n: I18n;
  private readonly perms: string;

  constructor(
    private readonly db: Database,
    private readonly jobs: Jobs,
    types: CardTypes,
    private readonly settings: Pick<Settings, 'sms' | 'server' | 'i18n'>,
  ) {
    this.i18n = createI18n(projectRoot, settings.i18n.defaultLocale);
    this.perms = JSON.stringify(readPermissions(types));
  }

  private link(url: string | null): string {
    return url ? `${(this.settings.server.publicUrl ?? '').replace(/\/$/, '')}${url}` : '';
  }

  /** The SMS text of `rows` (oldest first) for `user`: the newest notice, "and N more updates", a link. */
  text(user: Recipient, rows: Pending[]): string {
    const locale = this.i18n.resolve(user.locale);
    const t = this.i18n.t(locale);
    const last = rows[rows.length - 1];
    const { title, body } = noticeText(last, t, locale, user.time_zone);
    const more = rows.length - 1;
    const urls = new Set(rows.map((r) => r.url));
    const url = urls.size === 1 ? last.url : '/notifications';
    const head = more ? `${title} ${t('sms.more', { count: more })}` : body ? `${title}: ${body}` : title;
    return fitSms(head.replace(/\s+/g, ' ').trim(), this.link(url), this.settings.sms.maxLength);
  }

  /** Sends the user's pending notices as one SMS, unless one went within sms.minutesBetween (then later). */
  async dispatch(userId: number, now = new Date()): Promise<SmsDispatch> {
    const none: SmsDispatch = { sms: 0, notices: 0, dropped: 0, deferredUntil: null };
    return this.db.transaction(async (t) => {
      await this.db.exec(
        `insert into sms_throttle (user_id, sent_at) select id, 'epoch' from users where id = $1 on conflict do nothing`,
        [userId],
        t,
      );
      const [throttle] = await this.db.rows<{ sent_at: Date }>(
        'select sent_at from sms_throttle where user_id = $1 for update',
        [userId],
        t,
      );
      const [user] = await this.db.rows<Recipient>('select phone, is_active, locale, time_zone from users where id = $1', [userId], t);
      // Only notification_sms rows are locked: the notices themselves are the mail dispatcher's to lock.
      const pending = await this.db.rows<Pending>(
        `select n.id, n.title, n.body, n.message, n.url, (n.card_id is null or ${canReadCardSql('$2')}) as readable
           from notification_sms s join notifications n on n.id = s.notification_id
           join users u on u.id = n.user_id left join cards c on c.id = n.card_id
          where s.user_id = $1 and s.state = 'pending' order by n.id for update of s`,
        [userId, this.perms],
        t,
      );
      if (!pending.length || !throttle) return none;
      const gone = user?.is_active && user.phone && this.settings.sms.gateway ? pending.filter((p) => !p.readable) : pending;
      if (gone.length) await this.drop(gone, t);
      const rows = pending.filter((p) => !gone.includes(p));
      if (!rows.length) return { ...none, dropped: gone.length };
      const next = new Date(throttle.sent_at.getTime() + this.settings.sms.minutesBetween * 60_000);
      if (next > now) {
        // Within the interval: the same job kind again, when it ends (one per user and moment: the key).
        await this.jobs.enqueue(
          'notifications.sms',
          { userId },
          { transaction: t, runAfter: next, key: `notify-sms:${userId}:after:${next.getTime()}` },
        );
        return { ...none, dropped: gone.length, deferredUntil: next };
      }
      const ids = rows.map((p) => p.id);
      await this.db.exec(
        `update notification_sms set state = 'sent', sent_at = $2 where notification_id = any($1::bigint[])`,
        [ids, now],
        t,
      );
      await this.db.exec('update sms_throttle set sent_at = $2 where user_id = $1', [userId, now], t);
      await this.jobs.enqueue(
        'sms.send',
        { to: user!.phone!, text: this.text(user!, rows) },
        { transaction: t, key: `sms:${userId}:${ids[0]}-${ids[ids.length - 1]}` },
      );
      return { sms: 1, notices: rows.length, dropped: gone.length, deferredUntil: null };
    });
  }

  private async drop(rows: Pending[], t: Transaction): Promise<void> {
    await this.db.exec(
      `update notification_sms set state = 'dropped' where notification_id = any($1::bigint[])`,
      [rows.map((r) => r.id)],
      t,
    );
  }
}
