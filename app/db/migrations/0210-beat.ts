// The beat's memory (docs/architecture.md, "Beat"): one row per (schedule entry, slot)
// ever enqueued, so a slot fires once across restarts, failovers and clock
// jumps (the primary key is the guard, not the leader lock); and the leader's
// heartbeat, read by /admin/system ("beat silent for N minutes").
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table beat_runs (
      name text not null,
      slot timestamptz not null,
      enqueued_at timestamptz not null default now(),
      job_id bigint,
      primary key (name, slot)
    )`);
  // Contract with /admin/system: select holder, heartbeat_at from beat_status where name = 'leader'.
  await sql(`
    create table beat_status (
      name text primary key,
      holder text not null,
      heartbeat_at timestamptz not null
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table beat_status');
  await sql('drop table beat_runs');
}
