// Outgoing webhooks: a subscription (a URL, the events, one card type or
// all, its signing secret sealed with the installation's key — Orbis must
// read it back to sign) and one row per delivery of one event to it (the
// request's body as sent, the last answer, the attempts; the job engine's
// job does the sending and the retries).
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table webhooks (
      id bigserial primary key,
      url text not null,
      card_type text,
      events text[] not null,
      secret_sealed text not null,
      enabled boolean not null default true,
      created_by bigint references users (id) on delete set null,
      created_at timestamptz not null default now()
    )`);
  await sql(`
    create table webhook_deliveries (
      id bigserial primary key,
      webhook_id bigint not null references webhooks (id) on delete cascade,
      event text not null,
      body text not null,
      state text not null default 'pending' check (state in ('pending', 'retrying', 'delivered', 'failed')),
      attempts integer not null default 0,
      response_status integer,
      response_body text,
      error text,
      job_id bigint,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`);
  await sql('create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, id desc)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table webhook_deliveries');
  await sql('drop table webhooks');
}
