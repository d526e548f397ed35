// The import log of `./manage.ts import-folder`: which file (by path relative
// to the folder, and by hash) became which media row. A second run skips
// hashes already imported and reports logged paths whose file has vanished.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table media_imports (
      id bigserial primary key,
      folder text not null,
      path text not null,
      sha256 text not null,
      media_id bigint references media (id) on delete set null,
      imported_at timestamptz not null default now(),
      vanished_at timestamptz
    )`);
  await sql('create unique index media_imports_folder_sha_idx on media_imports (folder, sha256)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table media_imports');
}
