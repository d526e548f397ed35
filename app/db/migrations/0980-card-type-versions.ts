// Card types in the database, versioned (issue 17 item 3): every saved change
// of a type is a new row; the type in use is its latest version. A type's
// definition is its YAML document as JSON (`json`, not `jsonb`: the keys keep
// their order, so an export reads as it was written). conf/cardtypes/ is
// imported on first start (source 'file', with the file's hash, so a changed
// file is taken again only while nobody edited the type in the browser since).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table card_type_versions (
      id bigserial primary key,
      card_type text not null,
      version integer not null check (version > 0),
      definition json not null,
      source text not null check (source in ('file', 'browser', 'import', 'restore')),
      file_hash text,
      comment text not null default '',
      author_id bigint references users (id) on delete set null,
      created_at timestamptz not null default now(),
      unique (card_type, version)
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table card_type_versions');
}
