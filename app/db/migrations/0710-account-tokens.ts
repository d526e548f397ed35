// Single-use links mailed to a person (issue 16 items 4 and 5): a password
// reset and an email change's confirmation. Only the token's SHA-256 is
// kept; a row is deleted when its token is used, replaced by a newer one or
// its user's password changes (app/services/account-tokens.ts).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table account_tokens (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      purpose text not null check (purpose in ('password_reset', 'email_change')),
      token_hash text not null unique,
      new_email text,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    )`);
  await sql('create index account_tokens_user_id_purpose_idx on account_tokens (user_id, purpose)');
  await sql('create index account_tokens_expires_at_idx on account_tokens (expires_at)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table account_tokens');
}
