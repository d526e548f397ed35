// Failed logins, counted per account, per address and per trusted device to
// throttle guessing without locking the real user out (services/throttle).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table login_failures (
      id bigserial primary key,
      email text not null,
      ip text not null,
      device text,
      at timestamptz not null default now()
    )`);
  await sql('create index login_failures_email_at_idx on login_failures (email, at)');
  await sql('create index login_failures_ip_at_idx on login_failures (ip, at)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table login_failures');
}
