// SMS out: a phone number per user, "also by SMS" per user and kind, what SMS
// still owes each notice, and when each user last got one (the rate limit).
//
// What MUST hold:
// - notification_sms holds a row per notice that goes by SMS, with what the
//   SMS dispatcher still owes it: pending (the next SMS of its user carries
//   it), sent, dropped (the user was disabled, lost the card or the number).
//   A table apart, not a column of notifications: the SMS dispatcher locks
//   and updates its own rows, never the notices the mail dispatcher locks
//   (FOR UPDATE SKIP LOCKED there would pass over a notice being sent by SMS).
// - sms_throttle holds one row per user who was ever sent an SMS: the
//   dispatcher locks it, so two dispatchers of one user never both send.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table users add column phone text');
  await sql('alter table notification_preferences add column sms boolean not null default false');
  await sql(`
    create table notification_sms (
      notification_id bigint primary key references notifications (id) on delete cascade,
      user_id bigint not null references users (id) on delete cascade,
      state text not null default 'pending' check (state in ('pending', 'sent', 'dropped')),
      sent_at timestamptz
    )`);
  await sql("create index notification_sms_pending_idx on notification_sms (user_id, notification_id) where state = 'pending'");
  await sql(`
    create table sms_throttle (
      user_id bigint primary key references users (id) on delete cascade,
      sent_at timestamptz not null
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table sms_throttle');
  await sql('drop table notification_sms');
  await sql('alter table notification_preferences drop column sms');
  await sql('alter table users drop column phone');
}
