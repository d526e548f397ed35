// Reminders: "remind me at …" on a task or a card, delivered once by the
// reminders.deliver job (state-based: delivered_at is null and due).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table reminders (
      id bigserial primary key,
      user_id bigint not null references users (id) on delete cascade,
      task_id bigint references tasks (id) on delete cascade,
      card_id bigint references cards (id) on delete cascade,
      remind_at timestamptz not null,
      note text not null default '',
      delivered_at timestamptz,
      cancelled_at timestamptz,
      created_at timestamptz not null default now(),
      check (task_id is not null or card_id is not null)
    )`);
  await sql('create index reminders_due_idx on reminders (remind_at) where delivered_at is null and cancelled_at is null');
  await sql('create index reminders_user_idx on reminders (user_id, remind_at desc)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table reminders');
}
