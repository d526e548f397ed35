// Each user's language (locales/*.json). Null: they chose none, so the
// browser's Accept-Language decides, else the installation's i18n.defaultLocale.
// No check constraint: a language that stops shipping falls back, it does not
// make the row invalid.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table users add column locale text');
}

export async function down({ sql }: MigrationContext) {
  await sql('alter table users drop column locale');
}
