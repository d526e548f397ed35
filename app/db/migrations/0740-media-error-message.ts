// Why an image could not be processed, in no language yet: `error_message` =
// {key, params} (a catalog key under attachments.failed.* and its
// parameters). The card page and its gallery script render it in the
// READER's language; `error` keeps the English text written with it (logs,
// the CLI); rows that failed before this migration have no message and are
// shown by that text.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table media add column error_message jsonb');
}

export async function down({ sql }: MigrationContext) {
  await sql('alter table media drop column error_message');
}
