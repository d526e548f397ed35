// Mail in: the mailboxes Orbis reads (IMAP; the password sealed with the
// installation's key — Orbis must read it back to log in) and one row per
// message it has seen, keyed by its Message-ID.
//
// What MUST hold, and why:
// - A message is handled once: `mail_messages.message_id` is unique, and the
//   row is inserted (the claim) in the same transaction as the card or comment
//   it makes. A second fetch, or a retry after a worker died mid-message,
//   finds the row (or finds none, because the first transaction rolled back).
// - Refused mail keeps its reason and its raw bytes (a file under the media
//   folder named by `raw_sha256`) until an admin imports or discards it.
// - A mailbox's polling state (last poll, failures, the next try after a
//   failure, the lease of the poll running now) is on its row, so /admin/mail
//   and `./manage.ts check` read it from any process.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table mailboxes (
      id bigserial primary key,
      name text not null unique,
      host text not null,
      port integer not null check (port between 1 and 65535),
      tls boolean not null default false,
      username text not null,
      password_sealed text not null,
      folder text not null default 'INBOX',
      processed text not null default 'flag' check (processed in ('flag', 'move', 'delete')),
      move_to text,
      card_type text not null,
      mapping jsonb not null default '{}',
      defaults jsonb not null default '{}',
      allowed_senders text[] not null default '{}',
      max_mb integer not null default 25 check (max_mb between 1 and 200),
      owner_id bigint references users (id) on delete set null,
      enabled boolean not null default true,
      state text not null default 'new' check (state in ('new', 'ok', 'failing')),
      last_error text,
      failures integer not null default 0,
      last_poll_at timestamptz,
      last_ok_at timestamptz,
      next_poll_at timestamptz,
      polling_until timestamptz,
      progress_done integer,
      progress_total integer,
      uid_validity bigint,
      last_uid bigint not null default 0,
      created_at timestamptz not null default now()
    )`);
  await sql(`
    create table mail_messages (
      id bigserial primary key,
      mailbox_id bigint references mailboxes (id) on delete cascade,
      message_id text not null,
      uid bigint,
      state text not null check (state in ('imported', 'refused', 'ignored', 'discarded')),
      reason text,
      reason_message jsonb,
      subject text not null default '',
      sender text not null default '',
      size integer not null default 0,
      card_id bigint references cards (id) on delete set null,
      comment_id bigint references card_comments (id) on delete set null,
      raw_sha256 text,
      server_done boolean not null default false,
      created_at timestamptz not null default now(),
      handled_at timestamptz
    )`);
  await sql('create unique index mail_messages_message_id_key on mail_messages (message_id)');
  await sql('create index mail_messages_mailbox_state_idx on mail_messages (mailbox_id, state, id desc)');
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table mail_messages');
  await sql('drop table mailboxes');
}
