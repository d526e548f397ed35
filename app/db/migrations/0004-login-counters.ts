// Login throttling by counters instead of failure rows: an attempt reserves
// its place with one upsert per attempt (count + 1, returned), so parallel
// guesses are serialised on the counter's row and never all pass a check that
// ran before any of them was recorded (services/throttle).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table login_counters (
      scope text not null,
      key text not null,
      count integer not null,
      window_start timestamptz not null default now(),
      primary key (scope, key)
    )`);
  await sql('create index login_counters_window_start_idx on login_counters (window_start)');
  // Its failures were only ever a throttle's memory of the last minutes.
  await sql('drop table login_failures');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table login_counters');
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
