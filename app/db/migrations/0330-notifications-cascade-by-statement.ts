// Notices about a task or a card go when it goes — by one statement-level
// trigger per DELETE instead of per-row foreign-key checks on every notice.
//
// Why: the deadline sweep writes up to 20,000 notices per statement, and the
// foreign keys notifications.task_id → tasks and .card_id → cards fired an RI
// trigger per notice (a SELECT … FOR KEY SHARE on the task row the same
// statement had just updated, and on the card): ≈ 5.3 µs each, ≈ 1.07 s of a
// 7.5 s sweep of 100,000 notices on cards (EXPLAIN ANALYZE, docs/benchmarks.md).
//
// What MUST still hold:
// - A notice never outlives its task or card: deleting tasks or cards
//   deletes their notices in the same transaction (the AFTER … FOR EACH
//   STATEMENT triggers below; a card's cascade to its tasks fires the tasks
//   trigger too). One pass over notifications per DELETE statement, where
//   the foreign key's ON DELETE CASCADE made one lookup per deleted row
//   (notifications has no task_id/card_id index; none is added, because
//   every index costs each notice insert and deletes are rare: the app only
//   soft-deletes cards).
// - A notice never names a missing task or card when written: every writer
//   takes the task or card from a row it reads in the same statement; the
//   sweep's task rows are locked by its UPDATE, so a concurrent DELETE waits
//   for the sweep to commit and its trigger (a new snapshot per statement
//   under READ COMMITTED) then sees the new notices. notifications.user_id
//   keeps its foreign key: nothing locks the user row.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table notifications drop constraint notifications_task_id_fkey');
  await sql('alter table notifications drop constraint notifications_card_id_fkey');
  await sql(`create function notifications_delete_for_tasks() returns trigger language plpgsql as $$
    begin
      delete from notifications n using gone g where n.task_id = g.id;
      return null;
    end $$`);
  await sql(`create function notifications_delete_for_cards() returns trigger language plpgsql as $$
    begin
      delete from notifications n using gone g where n.card_id = g.id;
      return null;
    end $$`);
  await sql(
    'create trigger tasks_delete_notifications after delete on tasks referencing old table as gone for each statement execute function notifications_delete_for_tasks()',
  );
  await sql(
    'create trigger cards_delete_notifications after delete on cards referencing old table as gone for each statement execute function notifications_delete_for_cards()',
  );
}

export async function down({ sql }: MigrationContext) {
  await sql('drop trigger cards_delete_notifications on cards');
  await sql('drop trigger tasks_delete_notifications on tasks');
  await sql('drop function notifications_delete_for_cards()');
  await sql('drop function notifications_delete_for_tasks()');
  // Orphans cannot exist while the triggers ran; the check below would refuse them anyway.
  await sql(
    'alter table notifications add constraint notifications_task_id_fkey foreign key (task_id) references tasks (id) on delete cascade',
  );
  await sql(
    'alter table notifications add constraint notifications_card_id_fkey foreign key (card_id) references cards (id) on delete cascade',
  );
}
