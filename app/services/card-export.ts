// The CSV export of cards: plain values a program can read back (a later
// import must round-trip this file), one column per common column and per
// declared field, named by its field name.
//
// The format (docs/operations.md, "CSV export"):
// - UTF-8 with a byte-order mark (Excel on Windows reads a file without one
//   as the local code page and garbles "Müller"; csv parsers skip it), CRLF,
//   RFC 4180 quoting (a cell with a comma, quote or line break is quoted,
//   quotes doubled).
// - Header: number, title, stage, assignee, owner, due_at, created_at,
//   updated_at, then the type's field names in their declared order.
// - Values: numbers with a dot and no grouping; dates YYYY-MM-DD; times ISO
//   8601 with the offset of the exporting user's zone; booleans true/false;
//   a select's option value; a stage's name; a user's email; a referenced
//   card's number; an images field's media ids, space-separated.
// - A text cell starting with = + - @ tab or CR (or with quotes before one)
//   gets one more leading ' so a spreadsheet never runs it as a formula; an
//   import removes exactly one ' from a cell that matches /^'+[=+\-@\t\r]/.
//
// What MUST hold: the value of a field type is turned into text in ONE place,
// its type's `csvValue` (app/fields/<type>.ts).
import type { Database } from '#app/db/connection';
import type { ExportContext, ExportRefs, FieldValue } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import type { Card } from '#app/services/cards';
import { everyField, type CardType } from '#app/services/card-types';
import { isoWithOffset } from '#app/services/time';
import { csvText } from '#app/fields/shared';

export { csvText } from '#app/fields/shared';
export type { ExportContext, ExportRefs } from '#app/fields/field-type';

export const EXPORT_COMMON = ['number', 'title', 'stage', 'assignee', 'owner', 'due_at', 'created_at', 'updated_at'] as const;

/** The header row's names. */
export function exportHeader(type: CardType): string[] {
  return [...EXPORT_COMMON, ...everyField(type).map((f) => f.name)];
}

/** One card's cells, in exportHeader's order. */
export function exportRow(type: CardType, card: Card, refs: ExportRefs, timeZone: string): string[] {
  const c: ExportContext = { refs, timeZone, card };
  const email = (id: number | null) => (id == null ? '' : (refs.emails.get(id) ?? ''));
  return [
    card.number,
    csvText(card.title),
    card.stage,
    email(card.assignee_id),
    email(card.owner_id),
    isoWithOffset(card.due_at, timeZone),
    isoWithOffset(card.created_at, timeZone),
    isoWithOffset(card.updated_at, timeZone),
    ...everyField(type).map((f) => fieldType(f).csvValue(f, (card.data[f.name] ?? null) as FieldValue, c)),
  ];
}

/** Emails, card numbers and media ids that a batch of cards refers to (three queries at most). */
export async function exportRefs(db: Database, type: CardType, cards: Card[]): Promise<ExportRefs> {
  const userIds = new Set<number>();
  const cardIds = new Set<number>();
  const linked = everyField(type).filter((f) => fieldType(f).link !== null);
  for (const card of cards) {
    if (card.assignee_id != null) userIds.add(Number(card.assignee_id));
    userIds.add(Number(card.owner_id));
    for (const f of linked) {
      const v = fieldType(f).fromStored(card.data[f.name]);
      if (typeof v === 'number') (fieldType(f).link === 'user' ? userIds : cardIds).add(v);
    }
  }
  const imageFields = everyField(type)
    .filter((f) => fieldType(f).holdsFiles)
    .map((f) => f.name);
  const [users, refs, media] = await Promise.all([
    userIds.size ? db.rows<{ id: number; email: string }>('select id, email from users where id = any($1::bigint[])', [[...userIds]]) : [],
    cardIds.size
      ? db.rows<{ id: number; number: string }>('select id, number from cards where id = any($1::bigint[])', [[...cardIds]])
      : [],
    imageFields.length && cards.length
      ? db.rows<{ card_id: number; field: string; ids: number[] }>(
          'select card_id, field, array_agg(id order by id) as ids from media where card_id = any($1::bigint[]) and field = any($2::text[]) group by card_id, field',
          [cards.map((c) => c.id), imageFields],
        )
      : [],
  ]);
  return {
    emails: new Map(users.map((u) => [Number(u.id), u.email])),
    numbers: new Map(refs.map((r) => [Number(r.id), r.number])),
    media: new Map(media.map((m) => [`${m.card_id}:${m.field}`, m.ids.map(Number)])),
  };
}

/** One RFC 4180 cell. */
export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line (CRLF included). */
export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The BOM that opens the file (see the top for why). */
export const CSV_BOM = '\ufeff';
