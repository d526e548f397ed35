// Faces found on image attachments (issue 21), the people they are grouped
// into, each attachment's recognition state, the thresholds an
// administrator sets and the log of forgotten people.
// Faces hang on their media row and card (on delete cascade): removing an
// attachment or a card removes its faces and their crops (the crop is a
// column, so nothing is left on disk).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table people (
      id bigserial primary key,
      name text check (name is null or length(name) between 1 and 200),
      created_by bigint references users(id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
  await sql(`
    create table faces (
      id bigserial primary key,
      media_id bigint not null references media(id) on delete cascade,
      card_id bigint not null references cards(id) on delete cascade,
      idx int not null,
      box jsonb not null,
      score real not null,
      landmarks jsonb not null,
      descriptor real[] not null check (cardinality(descriptor) = 128),
      crop bytea not null,
      person_id bigint references people(id) on delete set null,
      -- suggested: put in the group by distance; confirmed / rejected by an operator.
      status text not null default 'suggested' check (status in ('suggested', 'confirmed', 'rejected')),
      created_at timestamptz not null default now(),
      unique (media_id, idx)
    )`);
  await sql('create index faces_person_idx on faces (person_id) where person_id is not null');
  await sql('create index faces_card_idx on faces (card_id)');
  await sql(`
    create table media_faces (
      media_id bigint primary key references media(id) on delete cascade,
      state text not null check (state in ('waiting', 'running', 'done', 'failed')),
      error text,
      faces int not null default 0,
      -- The size of the image the boxes are in (the ≤ 1600 px rendition).
      width int,
      height int,
      job_id bigint,
      updated_at timestamptz not null default now()
    )`);
  await sql(`
    create table recognition_settings (
      id int primary key check (id = 1),
      min_score real not null check (min_score > 0 and min_score < 1),
      min_size int not null check (min_size between 0 and 1600),
      match_distance real not null check (match_distance > 0 and match_distance < 2),
      off_types text[] not null default '{}',
      updated_by bigint references users(id) on delete set null,
      updated_at timestamptz not null default now()
    )`);
  // Each recognition worker process says it is there (and whether its models are loaded) every 30 s.
  await sql(`
    create table recognition_workers (
      id text primary key,
      model text not null,
      loaded_at timestamptz,
      seen_at timestamptz not null default now()
    )`);
  await sql(`
    create table recognition_events (
      id bigserial primary key,
      kind text not null,
      person_id bigint,
      person_name text,
      faces int not null default 0,
      user_id bigint references users(id) on delete set null,
      at timestamptz not null default now()
    )`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table recognition_events');
  await sql('drop table recognition_workers');
  await sql('drop table recognition_settings');
  await sql('drop table media_faces');
  await sql('drop table faces');
  await sql('drop table people');
}
