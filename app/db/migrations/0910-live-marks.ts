// Live pages: every committed change to a card, its comments, files, history,
// tasks or watchers is announced on the PostgreSQL channel `orbis_live`, so
// each web process (app/services/live.ts, one LISTEN connection) knows which
// cards and types changed without a query per open page.
//
// What MUST hold, and why:
// - Statement-level triggers with transition tables: a bulk change of 10,000
//   cards is one notice per type, not 10,000 (ids listed up to 400, beyond
//   that "the type changed").
// - The mark is a sequence value, the same in every process that hears it
//   (notices reach every listener in commit order), so a page polling one
//   process after another sees the same mark for the same state.
// - NOTIFY is sent at commit: a rolled-back change announces nothing.
// - Who may poll is announced too: a session ended, a user changed (disabled,
//   renamed) or their roles changed, and every process forgets the signed-in
//   users it answered polls for without reading the session (live.ts).
import type { MigrationContext } from '#app/db/migrate';

const CHILDREN = [
  ['card_comments', ['insert', 'update', 'delete']],
  ['media', ['insert', 'update', 'delete']],
  ['card_history', ['insert', 'update']],
  ['tasks', ['insert', 'update', 'delete']],
  ['card_watchers', ['insert', 'update', 'delete']],
] as const;

const WHO = [
  ['sessions', ['delete']],
  ['users', ['update', 'delete']],
  ['user_roles', ['insert', 'update', 'delete']],
] as const;

export async function up({ sql }: MigrationContext) {
  await sql('create sequence live_marks');
  await sql(`create function live_who_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('orbis_live', json_build_object('s', tg_table_schema, 'who', true)::text);
      return null;
    end $$`);
  for (const [name, events] of WHO)
    for (const event of events)
      await sql(`create trigger live_${name}_${event} after ${event} on ${name} for each statement execute function live_who_changed()`);
  // $ids: the changed cards of one type; the payload stays far below NOTIFY's 8,000 bytes.
  const notify = `
    m := nextval(format('%I.live_marks', tg_table_schema));
    for r in select %TYPE% as type, array_agg(distinct %ID%) as ids from changed %JOIN% group by 1 loop
      perform pg_notify('orbis_live', json_build_object('s', tg_table_schema, 't', r.type, 'm', m::text,
        'c', case when cardinality(r.ids) <= 400 then r.ids end)::text);
    end loop;
    return null;`;
  const fn = (name: string, type: string, id: string, join: string) =>
    sql(`create function ${name}() returns trigger language plpgsql as $$
      declare r record; m bigint;
      begin ${notify.replace('%TYPE%', type).replace('%ID%', id).replace('%JOIN%', join)}
      end $$`);
  await fn('live_cards_changed', 'changed.type', 'changed.id', '');
  await fn('live_card_parts_changed', 'c.type', 'c.id', 'join cards c on c.id = changed.card_id');
  for (const event of ['insert', 'update', 'delete']) {
    const table = event === 'delete' ? 'old' : 'new';
    await sql(`create trigger live_cards_${event} after ${event} on cards referencing ${table} table as changed
               for each statement execute function live_cards_changed()`);
  }
  for (const [name, events] of CHILDREN)
    for (const event of events) {
      const table = event === 'delete' ? 'old' : 'new';
      await sql(`create trigger live_${name}_${event} after ${event} on ${name} referencing ${table} table as changed
                 for each statement execute function live_card_parts_changed()`);
    }
}

export async function down({ sql }: MigrationContext) {
  for (const [name, events] of WHO) for (const event of events) await sql(`drop trigger live_${name}_${event} on ${name}`);
  await sql('drop function live_who_changed()');
  for (const event of ['insert', 'update', 'delete']) await sql(`drop trigger live_cards_${event} on cards`);
  for (const [name, events] of CHILDREN) for (const event of events) await sql(`drop trigger live_${name}_${event} on ${name}`);
  await sql('drop function live_cards_changed()');
  await sql('drop function live_card_parts_changed()');
  await sql('drop sequence live_marks');
}
