// Request logs: one row per HTTP request, written in bulk by the `requestlog`
// consumer (the one kind of background work without job rows: see
// app/services/request-log.ts). The retention job deletes by `at`: keep the
// table name and that column.
//
// No foreign key on user_id: purging a user must never wait on (or be
// blocked by) millions of log rows; the admin page shows the bare id then.
//
// Indexes follow the filters of /admin/requests, every one sorted newest
// first and cut by LIMIT:
// - (at desc): the default listing, the time range, and the path filter.
//   `path ilike '%q%'` walks this index newest first and stops after one
//   page of matches, so it is fast whenever matches are not rare; a rare
//   path over a huge range is narrowed by from/to. A trigram index would
//   need the pg_trgm extension (superuser to install) and would slow every
//   bulk insert; not worth it for an admin filter.
// - (user_id, at desc): one user's requests.
// - (at desc) where status >= 500: server errors, the rare rows most looked for.
//   Other statuses and classes (4xx) are common enough for the at index.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table request_logs (
      id bigserial primary key,
      at timestamptz not null,
      method text not null,
      path text not null,
      status smallint not null,
      duration_ms real not null,
      user_id bigint,
      ip inet,
      request_id text,
      user_agent text
    )`);
  await sql('create index request_logs_at_idx on request_logs (at desc)');
  await sql('create index request_logs_user_at_idx on request_logs (user_id, at desc) where user_id is not null');
  await sql('create index request_logs_errors_at_idx on request_logs (at desc) where status >= 500');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table request_logs');
}
