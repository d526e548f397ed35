// Saved views of a card list or board: a name for a query string (filters,
// sort, columns), personal, or shared with everyone holding a role.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table saved_views (
      id bigserial primary key,
      card_type text not null,
      name text not null,
      query text not null,
      owner_id bigint not null references users (id) on delete cascade,
      role text,
      created_at timestamptz not null default now()
    )`);
  await sql('create unique index saved_views_owner_name_key on saved_views (owner_id, card_type, lower(name))');
  await sql('create index saved_views_type_role_idx on saved_views (card_type, role)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table saved_views');
}
