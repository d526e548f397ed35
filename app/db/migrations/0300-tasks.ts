// Tasks: an operator's to-do with a deadline, on a card or on its own.
//
// What MUST hold:
// - The deadline sweep finds its work through partial indexes that hold only
//   the open tasks still waiting for a notice, so a sweep over a million open
//   tasks reads the few that are due, never the whole table.
// - The *_notified_at / escalated_at columns are the sweep's state: each is
//   set once, by the UPDATE that also writes the notice (exactly once).
// - One automatic task per (card, stage entry): auto_key is unique.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table tasks (
      id bigserial primary key,
      title text not null check (length(title) between 1 and 300),
      description text not null default '',
      card_id bigint references cards (id) on delete cascade,
      assignee_id bigint not null references users (id),
      created_by bigint references users (id),
      due_at timestamptz not null,
      status text not null default 'open' check (status in ('open', 'done', 'cancelled')),
      auto_key text,
      overdue_at timestamptz,
      due_soon_notified_at timestamptz,
      overdue_notified_at timestamptz,
      escalated_at timestamptz,
      closed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await sql('create unique index tasks_auto_key on tasks (auto_key) where auto_key is not null');
  // "My tasks" and the card page.
  await sql("create index tasks_assignee_due_idx on tasks (assignee_id, due_at) where status = 'open'");
  await sql('create index tasks_card_idx on tasks (card_id) where card_id is not null');
  // The sweep: newly overdue, due soon, to escalate.
  await sql("create index tasks_overdue_pending_idx on tasks (due_at) where status = 'open' and overdue_notified_at is null");
  await sql(
    "create index tasks_due_soon_pending_idx on tasks (due_at) where status = 'open' and due_soon_notified_at is null and overdue_notified_at is null",
  );
  await sql(
    "create index tasks_escalation_pending_idx on tasks (due_at) where status = 'open' and overdue_notified_at is not null and escalated_at is null",
  );
  // The dashboard chart: tasks of a user overdue at some time in the last 30 days.
  await sql('create index tasks_assignee_overdue_idx on tasks (assignee_id, due_at) where overdue_at is not null');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table tasks');
}
