// The sign-in audit (issue 16 item 8): one row per sign-in, sign-out and
// change to an account's credentials, roles or state, with the address and
// user agent it came from. Read by /admin/security (newest first, filtered by
// kind, user and time) and by a user's own /account; purged by age by the
// housekeeping.retention job (retention.authEventDays), which deletes by `at`.
// user_id survives the user's deletion as null; `email` keeps who it was (or
// the address typed at a failed sign-in). `ip` is text, not inet: an event
// must never fail to record because a proxy sent something odd.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table auth_events (
      id bigserial primary key,
      at timestamptz not null default now(),
      kind text not null,
      user_id bigint references users (id) on delete set null,
      email text,
      ip text,
      user_agent text,
      detail jsonb not null default '{}'
    )`);
  await sql('create index auth_events_at_idx on auth_events (at)');
  await sql('create index auth_events_user_id_at_idx on auth_events (user_id, at) where user_id is not null');
  await sql('create index auth_events_kind_at_idx on auth_events (kind, at)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table auth_events');
}
