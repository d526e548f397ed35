// Cards: common columns, the declared fields in `data`, a full-text vector
// maintained by the service, and indexes for list pages at 100k+ cards.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table card_counters (
      type text primary key,
      last_number bigint not null default 0
    )`);
  await sql(`
    create table cards (
      id bigserial primary key,
      type text not null,
      number text not null,
      title text not null,
      stage text not null,
      assignee_id bigint references users (id),
      owner_id bigint not null references users (id),
      due_at timestamptz,
      version integer not null default 1,
      data jsonb not null default '{}',
      search tsvector not null default ''::tsvector,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz
    )`);
  await sql('create unique index cards_type_number_key on cards (type, number)');
  // List pages: the default sort, per stage, per assignee, per owner.
  await sql('create index cards_type_updated_idx on cards (type, updated_at desc, id desc) where deleted_at is null');
  await sql('create index cards_type_stage_updated_idx on cards (type, stage, updated_at desc, id desc) where deleted_at is null');
  await sql('create index cards_type_assignee_idx on cards (type, assignee_id, updated_at desc) where deleted_at is null');
  await sql('create index cards_type_owner_idx on cards (type, owner_id, updated_at desc) where deleted_at is null');
  await sql('create index cards_due_at_idx on cards (due_at) where deleted_at is null and due_at is not null');
  await sql('create index cards_search_idx on cards using gin (search)');
  await sql('create index cards_data_idx on cards using gin (data jsonb_path_ops)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table cards');
  await sql('drop table card_counters');
}
