// Notifications: per user, in-app (bell, /notifications) and by mail.
//
// What MUST hold, and why:
// - A notice is written by ONE statement that also checks its recipient:
//   active (never a disabled user) and, for a notice about a card, allowed to
//   read that card (the card types' read permissions, passed in as data), so
//   a sweep of 100,000 overdue tasks checks them all in the database.
// - `key` is unique: writing the same notice twice writes it once.
// - Mail is never sent from here. A notice the user wants by mail is marked
//   `pending` and, in the same statement, a `notifications.mail` job keyed by
//   user and gather window is inserted (the outbox: it commits with the
//   notice). That job sends each notice alone, or all of them as one digest
//   when the user got more than `digestAfter` within `burstMinutes`.
// - SMS likewise: a notice of a kind the user wants also by SMS (and who has
//   a phone number, on an installation with a gateway) gets a pending
//   notification_sms row and a `notifications.sms` job keyed by user and gather window
//   is inserted in the same statement (app/services/notice-sms.ts sends it).
import type { Settings } from '#app/config';
import { prepared, type Database, type Transaction } from '#app/db/connection';
import type { CardTypes } from '#app/services/card-types';
import { msg, type Message } from '#app/i18n/message';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { canReadCardSql, readPermissionsJson } from '#app/services/read-rights';

export { canReadCardSql, readPermissions, readPermissionsJson } from '#app/services/read-rights';

// The English labels (the catalogs hold every language's: notifications.kinds.*, notifications.channels.*).
export const NOTICE_KINDS = {
  'task.due_soon': 'A task is due soon',
  'task.overdue': 'A task of mine is overdue',
  'task.escalated': 'A task on my card is overdue for long',
  'task.assigned': 'A task was assigned to me',
  reminder: 'A reminder I set',
  'card.mentioned': 'Someone mentioned me in a comment',
  'card.commented': 'A comment on a card I watch',
  'card.assigned': 'A card was assigned to me',
  'card.unassigned': 'A card of mine was assigned to someone else',
  'card.stage_changed': 'A card I watch changed stage',
  'card.waiting': 'A card waits for my action (I may take its next step)',
  'card.attachment_added': 'Files were added to a card I watch',
} as const;
export type NoticeKind = keyof typeof NOTICE_KINDS;
export const CHANNELS = {
  app: 'In the app only',
  mail: 'In the app and by mail',
  digest: 'In the app and in a daily digest mail',
} as const;
export type Channel = keyof typeof CHANNELS;
/** Without a saved preference a kind goes by mail. */
export const DEFAULT_CHANNEL: Channel = 'mail';

export interface Notification {
  id: number;
  user_id: number;
  kind: string;
  title: string;
  body: string;
  /** {key, params} rendered in the reader's language (app/services/notice-text.ts); null on older rows. */
  message: Message | null;
  url: string | null;
  card_id: number | null;
  task_id: number | null;
  created_at: Date;
  read_at: Date | null;
}

/** The bell's count stops here: the badge shows "99+", and a user with a huge backlog costs no more than that. */
export const UNREAD_COUNT_CAP = 100;

/** The bell's count for the user id given as a SQL expression (the session store reads it with the session). */
export function unreadCountSql(userExpr: string): string {
  return `(select count(*)::int from (select 1 from notifications where user_id = ${userExpr} and read_at is null limit ${UNREAD_COUNT_CAP}) x)`;
}

const UNREAD_COUNT = prepared(`select ${unreadCountSql('$1')} as n`);

export class NotificationService {
  constructor(
    private readonly db: Database,
    private readonly types: CardTypes,
    private readonly settings: Settings['notifications'],
    /** An SMS gateway is configured: SMS may be chosen and sent. */
    readonly smsEnabled = false,
  ) {}

  private get perms(): string {
    return readPermissionsJson(this.types);
  }

  /**
   * Writes notices from `candidates`, a SELECT yielding (user_id, kind, key,
   * title, body, message, url, card_id, task_id), after the data-modifying CTEs
   * `ctes` (e.g. the sweep's UPDATE … RETURNING), all in one statement.
   * `params` are the candidates' parameters ($1…); this adds its own after.
   * `countCte` names a CTE whose rows are counted too (the sweep's marked tasks).
   */
  async write(
    ctes: string,
    candidates: string,
    params: unknown[],
    t?: Transaction | null,
    countCte?: string,
    /** An expression over the CTEs whose value comes back as `collected` (the sweep's newly overdue tasks). */
    collect?: string,
  ): Promise<{ notices: number; mailJobs: number; counted: number; collected?: unknown }> {
    const n = params.length;
    const gather = this.settings.gatherSeconds;
    const sql = `with ${ctes ? `${ctes},` : ''}
      cand as (${candidates}),
      ins as (
        insert into notifications (user_id, kind, key, title, body, message, url, card_id, task_id, mail_state)
        select cand.user_id, cand.kind, cand.key, cand.title, cand.body, cand.message, cand.url, cand.card_id, cand.task_id,
               case coalesce(p.channel, '${DEFAULT_CHANNEL}') when 'mail' then 'pending' when 'digest' then 'daily' else 'none' end
          from cand
          join users u on u.id = cand.user_id and u.is_active
          left join cards c on c.id = cand.card_id
          left join notification_preferences p on p.user_id = cand.user_id and p.kind = cand.kind
         where cand.card_id is null or ${canReadCardSql(`$${n + 1}`)}
        on conflict (key) do nothing
        returning id, user_id, kind, mail_state),
      sms_rows as (
        insert into notification_sms (notification_id, user_id)
        select ins.id, ins.user_id from ins
          join users u on u.id = ins.user_id and u.phone is not null
          join notification_preferences p on p.user_id = ins.user_id and p.kind = ins.kind and p.sms
         where ${this.smsEnabled}
        returning user_id),
      mail_users as (select distinct user_id from ins where mail_state = 'pending'),
      window_end as (select to_timestamp((floor(extract(epoch from now()) / ${gather}) + 1) * ${gather}) as at),
      mail_jobs as (
        insert into jobs (kind, queue, payload, key, max_attempts, run_after)
        select 'notifications.mail', 'default', jsonb_build_object('userId', m.user_id),
               'notify-mail:' || m.user_id || ':' || extract(epoch from w.at)::bigint, 5, w.at
          from mail_users m cross join window_end w
        on conflict (key) where key is not null do nothing
        returning id),
      sms_jobs as (
        insert into jobs (kind, queue, payload, key, max_attempts, run_after)
        select 'notifications.sms', 'default', jsonb_build_object('userId', s.user_id),
               'notify-sms:' || s.user_id || ':' || extract(epoch from w.at)::bigint, 5, w.at
          from (select distinct user_id from sms_rows) s cross join window_end w
        on conflict (key) where key is not null do nothing
        returning id)
      select (select count(*) from ins)::int as notices, (select count(*) from mail_jobs)::int as "mailJobs",
             ${countCte ? `(select count(*) from ${countCte})::int` : '0'} as counted, (select count(*) from sms_jobs)::int as "smsJobs"${collect ? `, ${collect} as collected` : ''}`;
    const [row] = await this.db.rows<{ notices: number; mailJobs: number; counted: number; collected?: unknown }>(
      sql,
      [...params, this.perms],
      t,
    );
    return row;
  }

  /** One notice to one user (a reminder, an assignment). */
  async notify(
    n: {
      userId: number;
      kind: NoticeKind;
      key: string;
      title: string;
      body?: string;
      message?: Message | null;
      url?: string | null;
      cardId?: number | null;
      taskId?: number | null;
    },
    t?: Transaction | null,
  ): Promise<boolean> {
    const r = await this.write(
      '',
      'select $1::bigint as user_id, $2::text as kind, $3::text as key, $4::text as title, $5::text as body, $9::jsonb as message, $6::text as url, $7::bigint as card_id, $8::bigint as task_id',
      [
        n.userId,
        n.kind,
        n.key,
        n.title,
        n.body ?? '',
        n.url ?? null,
        n.cardId ?? null,
        n.taskId ?? null,
        n.message ? JSON.stringify(n.message) : null,
      ],
      t,
    );
    return r.notices === 1;
  }

  /** The bell: unread notices, counted up to UNREAD_COUNT_CAP on the unread partial index. */
  async unreadCount(userId: number): Promise<number> {
    const [{ n }] = await this.db.rows<{ n: number }>(UNREAD_COUNT, [userId]);
    return n;
  }

  async list(
    userId: number,
    options: { unread?: boolean; page?: number; pageSize?: number } = {},
  ): Promise<{ rows: Notification[]; page: number; more: boolean }> {
    const size = options.pageSize ?? 50;
    const page = Math.max(1, Math.min(1000, options.page ?? 1));
    const rows = await this.db.rows<Notification>(
      `select id, user_id, kind, title, body, message, url, card_id, task_id, created_at, read_at from notifications
        where user_id = $1 ${options.unread ? 'and read_at is null' : ''} order by created_at desc, id desc limit $2 offset $3`,
      [userId, size + 1, (page - 1) * size],
    );
    return { rows: rows.slice(0, size), page, more: rows.length > size };
  }

  /** Marks one of the user's notices read; returns it (its link). Someone else's is not found. */
  async markRead(userId: number, id: number): Promise<Notification> {
    const [row] = await this.db.rows<Notification>(
      `update notifications set read_at = coalesce(read_at, now()) where id = $1 and user_id = $2
       returning id, user_id, kind, title, body, message, url, card_id, task_id, created_at, read_at`,
      [id, userId],
    );
    if (!row) throw new NotFoundError(msg('notifications.errors.notFound'));
    return row;
  }

  async markAllRead(userId: number): Promise<number> {
    return this.db.exec('update notifications set read_at = now() where user_id = $1 and read_at is null', [userId]);
  }

  async preferences(userId: number): Promise<Record<NoticeKind, Channel>> {
    return (await this.choices(userId)).channels;
  }

  /** Where the user's SMS go (E.164), or null. */
  async phoneOf(userId: number): Promise<string | null> {
    const [row] = await this.db.rows<{ phone: string | null }>('select phone from users where id = $1', [userId]);
    return row?.phone ?? null;
  }

  /** The channel of each kind, and the kinds also sent by SMS. */
  async choices(userId: number): Promise<{ channels: Record<NoticeKind, Channel>; sms: Record<NoticeKind, boolean> }> {
    const rows = await this.db.rows<{ kind: string; channel: Channel; sms: boolean }>(
      'select kind, channel, sms from notification_preferences where user_id = $1',
      [userId],
    );
    const channels = {} as Record<NoticeKind, Channel>;
    const sms = {} as Record<NoticeKind, boolean>;
    for (const k of Object.keys(NOTICE_KINDS) as NoticeKind[]) {
      const row = rows.find((r) => r.kind === k);
      channels[k] = row?.channel ?? DEFAULT_CHANNEL;
      sms[k] = row?.sms ?? false;
    }
    return { channels, sms };
  }

  /**
   * Saves a channel per kind and, where an SMS gateway is configured, whether
   * the kind also goes by SMS (the form's `sms:KIND` checkbox, "on"); an
   * unknown channel is a field error, nothing is saved.
   */
  async setPreferences(userId: number, input: Record<string, unknown>): Promise<void> {
    const errors: Record<string, Message> = {};
    const chosen: Array<[string, string]> = [];
    for (const k of Object.keys(NOTICE_KINDS)) {
      const v = typeof input[k] === 'string' ? (input[k] as string) : DEFAULT_CHANNEL;
      if (!(v in CHANNELS)) errors[k] = msg('notifications.errors.channel', { choices: Object.keys(CHANNELS).join(', ') });
      else chosen.push([k, v]);
    }
    if (Object.keys(errors).length) throw new ValidationError(msg('notifications.errors.preferences'), errors);
    const sms = chosen.map(([k]) => this.smsEnabled && input[`sms:${k}`] === 'on');
    await this.db.exec(
      `insert into notification_preferences (user_id, kind, channel, sms)
       select $1, k, c, s from unnest($2::text[], $3::text[], $4::boolean[]) as x(k, c, s)
       on conflict (user_id, kind) do update set channel = excluded.channel,
         sms = case when $5 then excluded.sms else notification_preferences.sms end`,
      [userId, chosen.map((c) => c[0]), chosen.map((c) => c[1]), sms, this.smsEnabled],
    );
  }
}
