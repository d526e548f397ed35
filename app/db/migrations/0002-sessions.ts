// Web sessions live in PostgreSQL: they survive restarts and every web
// process sees the same ones. user_id lets an admin end a user's sessions.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table sessions (
      sid text primary key,
      user_id bigint references users (id) on delete cascade,
      data jsonb not null,
      expires_at timestamptz not null
    )`);
  await sql('create index sessions_expires_at_idx on sessions (expires_at)');
  await sql('create index sessions_user_id_idx on sessions (user_id) where user_id is not null');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table sessions');
}
