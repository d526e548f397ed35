// Talk on a card: comments (with the bodies an edit or a delete replaced),
// and watchers (who hears of the card's changes).
//
// What MUST hold:
// - A comment is never lost by an edit or a delete: the replaced body goes to
//   card_comment_revisions first, and a deleted comment keeps its row
//   (deleted_at set, body emptied) so the timeline says "deleted".
// - One watcher row per (card, user). `watching` false remembers an explicit
//   "unwatch": the automatic watch of an owner or assignee inserts with
//   ON CONFLICT DO NOTHING, so it never overrides a person's choice; taking a
//   card over (becoming its assignee) watches it again.
// - Existing cards start with their owner and assignee watching.
import type { MigrationContext } from '#app/db/migrate';

export async function up({ sql }: MigrationContext) {
  await sql(`
    create table card_comments (
      id bigserial primary key,
      card_id bigint not null references cards (id) on delete cascade,
      user_id bigint not null references users (id),
      body text not null,
      created_at timestamptz not null default now(),
      edited_at timestamptz,
      deleted_at timestamptz
    )`);
  // The card page's timeline, newest first.
  await sql('create index card_comments_card_created_idx on card_comments (card_id, created_at desc, id desc)');
  await sql(`
    create table card_comment_revisions (
      id bigserial primary key,
      comment_id bigint not null references card_comments (id) on delete cascade,
      body text not null,
      replaced_at timestamptz not null default now(),
      replaced_by bigint references users (id),
      action text not null check (action in ('edited', 'deleted'))
    )`);
  await sql('create index card_comment_revisions_comment_idx on card_comment_revisions (comment_id, replaced_at)');
  await sql(`
    create table card_watchers (
      card_id bigint not null references cards (id) on delete cascade,
      user_id bigint not null references users (id) on delete cascade,
      watching boolean not null default true,
      since timestamptz not null default now(),
      primary key (card_id, user_id)
    )`);
  // "Cards I watch" and a user's rows when they are removed.
  await sql('create index card_watchers_user_idx on card_watchers (user_id) where watching');
  await sql(`
    insert into card_watchers (card_id, user_id)
    select id, owner_id from cards
    union select id, assignee_id from cards where assignee_id is not null
    on conflict do nothing`);
}

export async function down({ sql }: MigrationContext) {
  await sql('drop table card_watchers');
  await sql('drop table card_comment_revisions');
  await sql('drop table card_comments');
}
