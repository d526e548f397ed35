// Single sign-on (issue 16): which account of an OpenID provider (its issuer
// and the account's stable `sub`) is which Orbis user. Made when a user first
// signs in through the provider; from then on the link, not the email,
// finds the user. A user with a link is an "SSO user" (the setting
// auth.oidc.passwordForSsoUsers may refuse them the password form).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table user_identities (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      issuer text not null,
      subject text not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz not null default now(),
      unique (issuer, subject)
    )`);
  await sql('create index user_identities_user_id_idx on user_identities (user_id)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table user_identities');
}
