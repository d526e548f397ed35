// Card history: one row per card change (create, edit, transition, delete,
// restore) with its field-level diffs, written by the `audit` worker from the
// job the card service enqueued in the change's own transaction.
//
// What MUST hold:
// - One row per card version: unique (card_id, version) makes the worker's
//   insert idempotent, so a re-run after a crash never doubles a row.
// - `at` is when the change happened (from the job's payload), not when the
//   worker ran; the retention job deletes by `at` — keep the name.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table card_history (
      id bigserial primary key,
      card_id bigint not null references cards (id) on delete cascade,
      version integer not null,
      at timestamptz not null,
      user_id bigint references users (id),
      kind text not null check (kind in ('created', 'updated', 'transitioned', 'deleted', 'restored')),
      transition text,
      from_stage text,
      to_stage text,
      changes jsonb not null default '[]' check (jsonb_typeof(changes) = 'array'),
      job_id bigint,
      recorded_at timestamptz not null default clock_timestamp()
    )`);
  await sql('create unique index card_history_card_version_key on card_history (card_id, version)');
  // The card page's timeline, newest first.
  await sql('create index card_history_card_at_idx on card_history (card_id, at desc)');
  // Retention deletes by age.
  await sql('create index card_history_at_idx on card_history (at)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table card_history');
}
