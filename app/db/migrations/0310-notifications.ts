// Notifications: per user, in-app (bell, list) and by mail, with per-kind
// preferences.
//
// What MUST hold:
// - A notice is written once: `key` is unique (e.g. task.overdue:TASK:USER).
// - The bell's unread count is one index-only lookup: a partial index on the
//   unread notices of a user.
// - mail_state says what mail still owes the notice: none (in-app only),
//   pending (the mail dispatcher will send it alone or in a burst digest),
//   daily (the daily digest takes it), sent, digested.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table notifications (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      kind text not null,
      key text not null,
      title text not null,
      body text not null default '',
      url text,
      card_id bigint references cards (id) on delete cascade,
      task_id bigint references tasks (id) on delete cascade,
      created_at timestamptz not null default now(),
      read_at timestamptz,
      mail_state text not null default 'none' check (mail_state in ('none', 'pending', 'daily', 'sent', 'digested')),
      mailed_at timestamptz
    )`);
  await sql('create unique index notifications_key on notifications (key)');
  await sql('create index notifications_user_created_idx on notifications (user_id, created_at desc)');
  await sql('create index notifications_unread_idx on notifications (user_id) where read_at is null');
  await sql("create index notifications_mail_pending_idx on notifications (user_id, id) where mail_state in ('pending', 'daily')");
  await sql('create index notifications_mailed_idx on notifications (user_id, mailed_at) where mailed_at is not null');
  await sql(`
    create table notification_preferences (
      user_id bigint not null references users (id) on delete cascade,
      kind text not null,
      channel text not null check (channel in ('app', 'mail', 'digest')),
      primary key (user_id, kind)
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table notification_preferences');
  await sql('drop table notifications');
}
