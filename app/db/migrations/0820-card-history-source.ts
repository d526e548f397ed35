// Where a card came from when it was not typed in: "import:<file name>" for a
// card created by a CSV import (app/services/card-import.ts); the history
// shows "Imported from <file>" for its first entry.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table card_history add column source text');
}

export async function down({ sql }: MigrationContext) {
  await sql('alter table card_history drop column source');
}
