// Media: one row per attached file (the card's attachments area, or one of
// its `images` fields). The bytes live content-addressed under MEDIA_ROOT by
// sha256, so two rows with the same hash share one file on disk; housekeeping
// deletes a file only when no row names its hash any more.
//
// state: queued → processing → ready | failed (error says why, shown on the
// card). thumbs_version is the version of the thumbnail recipe the stored
// thumbnails were made with; housekeeping regenerates older ones.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table media (
      id bigserial primary key,
      card_id bigint not null references cards (id) on delete cascade,
      field text,
      original_name text not null,
      type text not null,
      size bigint not null check (size > 0),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      width integer,
      height integer,
      state text not null default 'queued' check (state in ('queued', 'processing', 'ready', 'failed')),
      error text,
      metadata jsonb not null default '{}',
      dominant_color text,
      thumbs_version integer not null default 0,
      created_by bigint references users (id) on delete set null,
      created_at timestamptz not null default now()
    )`);
  await sql('create index media_card_idx on media (card_id, id)');
  await sql('create index media_sha256_idx on media (sha256)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table media');
}
