// Card history of attachments: files added to a card and removed from it are
// entries of its history, though they change no card version.
//
// What MUST hold:
// - Such a row has no version (null) and an `event` key ("media:attached:12",
//   "media:detached:12"), unique per card, so the worker's insert stays
//   idempotent under at-least-once delivery, as it is for versions.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table card_history alter column version drop not null');
  await sql('alter table card_history add column event text');
  await sql('alter table card_history drop constraint card_history_kind_check');
  await sql(`alter table card_history add constraint card_history_kind_check
    check (kind in ('created', 'updated', 'transitioned', 'deleted', 'restored', 'attached', 'detached'))`);
  await sql(`alter table card_history add constraint card_history_version_or_event check ((version is null) <> (event is null))`);
  await sql('create unique index card_history_card_event_key on card_history (card_id, event) where event is not null');
}

export async function down({ sql }: MigrationContext) {
  await sql(`delete from card_history where event is not null`);
  await sql('drop index card_history_card_event_key');
  await sql('alter table card_history drop constraint card_history_version_or_event');
  await sql('alter table card_history drop constraint card_history_kind_check');
  await sql(
    `alter table card_history add constraint card_history_kind_check check (kind in ('created', 'updated', 'transitioned', 'deleted', 'restored'))`,
  );
  await sql('alter table card_history drop column event');
  await sql('alter table card_history alter column version set not null');
}
