// Webhook deliveries: an event key, so that one event reaches one webhook
// once (task.overdue of a task, attachment.processed of a file in a final
// state) even when what sends it runs twice; and the index the retention
// job deletes old finished deliveries by (retention.webhookDeliveryDays).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql('alter table webhook_deliveries add column event_key text');
  await sql(
    'create unique index webhook_deliveries_event_key_idx on webhook_deliveries (webhook_id, event_key) where event_key is not null',
  );
  await sql('create index webhook_deliveries_finished_idx on webhook_deliveries (finished_at) where finished_at is not null');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop index webhook_deliveries_finished_idx');
  await sql('drop index webhook_deliveries_event_key_idx');
  await sql('alter table webhook_deliveries drop column event_key');
}
