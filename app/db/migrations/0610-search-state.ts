// Which text search configuration the cards' `search` vectors were built
// with (until now always `simple`), and the rebuild under way, if any
// (app/services/search.ts). One row; `generation` keys each rebuild job.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table search_state (
      id int primary key check (id = 1),
      language text not null,
      building text,
      generation int not null default 0
    )`);
  await sql(`insert into search_state (id, language) values (1, 'simple')`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table search_state');
}
