// Request logs: a batch written twice is stored once. A worker killed
// between its INSERT's commit and the broker's ack gets the batch again
// (122 doubled rows of 1,600 were seen); the consumer now inserts with
// ON CONFLICT DO NOTHING against this index.
//
// The key is (request_id, at): the request id names the request (nginx's
// $request_id in production) and `at` is the arrival time the web stamped,
// so a redelivered or replayed entry repeats both exactly. A client that
// sends its own X-Request-Id cannot erase its other requests with it: only
// one arriving in the very same millisecond would collide. Rows without a
// request id stay unconstrained (NULLs are distinct).
//
// Existing duplicates (the doubles this fixes) are deleted first, keeping
// the oldest row of each. On a large table both steps take time: the
// migration runs in one transaction (the migrator's rule), and CREATE INDEX
// then blocks only INSERTs — the request log consumer waits and its batches
// stay in the queue; the admin page keeps reading. docs/operations.md gives
// the measured duration.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    delete from request_logs r
     using (select id from (select id, row_number() over (partition by request_id, at order by id) as n
                              from request_logs where request_id is not null) d
             where d.n > 1) dup
     where r.id = dup.id`);
  await sql('create unique index request_logs_request_at_key on request_logs (request_id, at)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop index request_logs_request_at_key');
}
