// Second factors (issue 16): one TOTP secret per user, sealed with the
// installation's secret key (app/services/secret-box.ts), and the user's
// single-use recovery codes, kept as keyed hashes. `confirmed_at` is null
// while an enrolment waits for its first code; `last_step` is the TOTP time
// step last accepted, so a code cannot be used twice (a replay within its
// 30-second window included).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table user_totp (
      user_id bigint primary key references users (id) on delete cascade,
      secret text not null,
      confirmed_at timestamptz,
      last_step bigint,
      created_at timestamptz not null default now()
    )`);
  await sql(`
    create table user_recovery_codes (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      code_hash text not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      unique (user_id, code_hash)
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table user_recovery_codes');
  await sql('drop table user_totp');
}
