// A notice in no language yet: `message` = {key, params} (a catalog key under
// notifications.notice.* and its parameters; instants as ISO strings). The
// bell list, the notifications page and the mails render it in the READER's
// language and time zone. `title`/`body` keep the English text written with
// it (logs, older readers); rows written before this migration have no
// message and are shown by that text.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table notifications add column message jsonb');
}

export async function down({ sql }: MigrationContext) {
  await sql('alter table notifications drop column message');
}
