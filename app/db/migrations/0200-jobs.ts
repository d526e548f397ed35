// Jobs: the outbox and the record of every piece of background work at once
// (docs/architecture.md, "Data flow of background work"). A row is inserted in the same
// transaction as the change that asks for the work; its id is published to
// the broker after commit; a worker claims the row before running it.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table jobs (
      id bigserial primary key,
      kind text not null,
      queue text not null default 'default',
      payload jsonb not null default '{}',
      key text,
      state text not null default 'queued'
        check (state in ('waiting', 'queued', 'running', 'done', 'failed', 'cancelled')),
      attempts integer not null default 0,
      max_attempts integer not null default 5 check (max_attempts >= 1),
      run_after timestamptz not null default now(),
      depends_on bigint[] not null default '{}',
      progress_current integer,
      progress_total integer,
      result jsonb,
      error text,
      request_id text,
      published_at timestamptz,
      locked_by text,
      heartbeat_at timestamptz,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz not null default now()
    )`);
  // A key makes enqueueing idempotent: the same key is one job, ever.
  await sql('create unique index jobs_key_key on jobs (key) where key is not null');
  // The relay: queued jobs not yet confirmed by the broker, oldest due first.
  await sql(`create index jobs_unpublished_idx on jobs (run_after) where state = 'queued' and published_at is null`);
  // The sweeper: running jobs by heartbeat (a killed worker stops beating).
  await sql(`create index jobs_running_idx on jobs (heartbeat_at) where state = 'running'`);
  // Admin page and retention: by state and age.
  await sql('create index jobs_state_created_idx on jobs (state, created_at desc)');
  await sql('create index jobs_kind_created_idx on jobs (kind, created_at desc)');
  await sql(`create index jobs_finished_idx on jobs (finished_at) where state in ('done', 'failed', 'cancelled')`);
  // Dependants of a job, when it finishes.
  await sql('create index jobs_depends_on_idx on jobs using gin (depends_on) where cardinality(depends_on) > 0');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table jobs');
}
