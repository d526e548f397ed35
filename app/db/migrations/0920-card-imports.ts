// CSV imports from the import page (/cards/:type/import): each upload, its
// mapping, its job and its result; and the mapping last used per card type,
// offered to the next import of that type.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table card_imports (
      id bigserial primary key,
      card_type text not null,
      user_id bigint not null references users (id) on delete cascade,
      file_name text not null,
      file_path text,
      file_size bigint not null,
      state text not null default 'uploaded',
      mapping jsonb,
      all_or_nothing boolean not null default false,
      job_id bigint,
      total_rows integer not null default 0,
      done_line integer not null default 0,
      created_cards integer not null default 0,
      refused jsonb not null default '[]',
      refused_rows integer not null default 0,
      error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      constraint card_imports_state_check check (state in ('uploaded', 'queued', 'running', 'done', 'failed'))
    )`);
  await sql('create index card_imports_user_idx on card_imports (user_id, created_at desc)');
  await sql(`
    create table card_import_mappings (
      card_type text primary key,
      mapping jsonb not null,
      updated_by bigint references users (id) on delete set null,
      updated_at timestamptz not null default now()
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table card_import_mappings');
  await sql('drop table card_imports');
}
