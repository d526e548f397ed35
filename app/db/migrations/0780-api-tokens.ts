// Personal access tokens for the REST API (/api/v1): only a SHA-256 of the
// token is kept (the token is shown once, when it is made), with its first
// characters for recognition; `read` or `write`; an optional expiry; when it
// was last used; revoked rather than deleted, so the lists keep its record.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table api_tokens (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      name text not null,
      prefix text not null,
      token_hash text not null,
      scope text not null check (scope in ('read', 'write')),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      created_by bigint references users (id) on delete set null,
      created_at timestamptz not null default now()
    )`);
  await sql('create unique index api_tokens_hash_key on api_tokens (token_hash)');
  await sql('create index api_tokens_user_id_idx on api_tokens (user_id)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table api_tokens');
}
