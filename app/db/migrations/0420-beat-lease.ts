// The beat leader's lease (app/beat/leader.ts): beat_status('leader') gains
// the leadership epoch and the backend pid of the leader's lock session.
//
// Why: a frozen leader (SIGSTOP, a VM paused, a process stuck in swap) keeps
// its advisory-lock connection open, so the lock alone never passes to the
// standby. With the lease, a standby that sees the heartbeat stale ends
// exactly the session recorded here (never a newer leader's) and takes over
// with epoch + 1; every slot insert checks the epoch in its transaction, so
// a leader that wakes up after losing the lease cannot fire a slot.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`alter table beat_status add column epoch bigint not null default 0, add column pid integer`);
}

export async function down({ sql }: MigrationContext) {
  await sql(`alter table beat_status drop column pid, drop column epoch`);
}
