// Bulk work on a card list: one run per request (the action, its parameters
// and the card ids it covers, frozen when it was asked for), and one row per
// card it finished — done or refused with the reason. A card's row is written
// in the transaction of its change, so a run taken again (a retried job)
// skips the cards it already did: each change reaches history once.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table bulk_runs (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      card_type text not null,
      action text not null,
      params jsonb not null default '{}',
      card_ids bigint[] not null,
      job_id bigint,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`);
  await sql('create index bulk_runs_user_idx on bulk_runs (user_id, created_at)');
  await sql(`
    create table bulk_run_cards (
      run_id bigint not null references bulk_runs (id) on delete cascade,
      card_id bigint not null,
      outcome text not null,
      reason jsonb,
      at timestamptz not null default now(),
      primary key (run_id, card_id)
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table bulk_run_cards');
  await sql('drop table bulk_runs');
}
