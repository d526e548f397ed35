// How card values read to a person: labels of select options, names of
// users, numbers of referenced cards, times in the viewer's zone — never raw
// ids. The CSV export writes plain values instead (app/services/card-export.ts).
import nunjucks from 'nunjucks';
import type { Request } from 'express';
import type { Database } from '#app/db/connection';
import type { DisplayMaps, FieldValue, Reader } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import type { Translate } from '#app/i18n/i18n';
import type { ListedCard } from '#app/services/cards';
import type { CardType, FieldDef } from '#app/services/card-types';
import type { SessionUser } from '#app/services/users';
import { escapeHtml, formatDateTime } from '#app/web/render';

export type { DisplayMaps, Reader } from '#app/fields/field-type';
export { decimalInput, decimalSeparator, decimalText } from '#app/fields/decimal';

/** Names of the users and cards that `cards` refer to in their fields (the fields whose type links to one). */
export async function displayMaps(db: Database, type: CardType, cards: ListedCard[]): Promise<DisplayMaps> {
  const userIds = new Set<number>();
  const cardIds = new Set<number>();
  for (const f of type.fields) {
    const ft = fieldType(f);
    if (!ft.link) continue;
    const ids = ft.link === 'user' ? userIds : cardIds;
    for (const c of cards) {
      const v = ft.fromStored(c.data[f.name]);
      if (typeof v === 'number') ids.add(v);
    }
  }
  const [users, refs] = await Promise.all([
    userIds.size
      ? db.rows<{ id: number; display_name: string }>('select id, display_name from users where id = any($1::bigint[])', [[...userIds]])
      : [],
    cardIds.size
      ? db.rows<{ id: number; number: string; title: string; type: string }>(
          'select id, number, title, type from cards where id = any($1::bigint[])',
          [[...cardIds]],
        )
      : [],
  ]);
  return {
    users: new Map(users.map((u) => [u.id, u.display_name])),
    cards: new Map(refs.map((r) => [r.id, { number: r.number, title: r.title, type: r.type }])),
  };
}

/** A field's value as a person reads it on the card page ('' for no value). */
export function fieldText(field: FieldDef, value: unknown, maps: DisplayMaps, reader: Reader): string {
  if (value == null || value === '') return '';
  return fieldType(field).display(field, value as FieldValue, maps, reader);
}

/** A list cell for a column (a common column or a field). */
export function columnText(type: CardType, column: string, card: ListedCard, maps: DisplayMaps, reader: Reader): string {
  switch (column) {
    case 'number':
      return card.number;
    case 'title':
      return card.title;
    case 'stage':
      return type.stageMap.get(card.stage)?.label ?? card.stage;
    case 'assignee':
      return card.assignee_name ?? '';
    case 'owner':
      return card.owner_name ?? '';
    case 'due_at':
    case 'created_at':
    case 'updated_at':
      return formatDateTime(card[column], reader.timeZone, reader.locale);
  }
  const f = type.fieldMap.get(column);
  if (!f) return '';
  const value = card.data[column];
  if (value == null || value === '') return '';
  const cell = fieldType(f).listCell;
  return cell ? cell(f, value, maps, reader) : '';
}

/**
 * The list page's table rows, one line of HTML per card: number and title link
 * to the card, the stage is a badge (grey once final), every other column is
 * text. Built here, every value escaped as autoescape would, instead of by a
 * nunjucks loop: the loop's per-iteration bookkeeping (eight loop variables,
 * a frame, lookups) over 50 × 8 cells was most of the page's render time
 * (docs/benchmarks.md, "Card list page").
 */
export function listRowsHtml(
  type: CardType,
  cards: ListedCard[],
  maps: DisplayMaps,
  reader: Reader,
  /** With it, each row starts with a checkbox of the list's bulk form, labelled by this ("Select PR-000012"). */
  selectLabel?: (number: string) => string,
): nunjucks.runtime.SafeString {
  const shows = type.columns.map((c) => (c === 'number' || c === 'title' ? 'link' : c === 'stage' ? 'stage' : 'text'));
  const open = type.columns.map((c) => (c === 'title' ? '<td class="wrap">' : '<td>'));
  let html = '';
  for (const card of cards) {
    const href = `/cards/${type.name}/${card.id}`;
    html += '<tr>';
    if (selectLabel)
      html += `<td class="bulk-select"><input class="form-check-input" type="checkbox" name="ids" value="${card.id}" form="bulk-form" aria-label="${escapeHtml(selectLabel(card.number))}" data-bulk-row></td>`;
    for (let i = 0; i < type.columns.length; i++) {
      const text = escapeHtml(columnText(type, type.columns[i], card, maps, reader));
      html += open[i];
      if (shows[i] === 'link') html += `<a href="${href}">${text}</a>`;
      else if (shows[i] === 'stage') {
        const badge = type.stageMap.get(card.stage)?.final ? 'text-bg-secondary' : 'text-bg-primary';
        html += `<span class="badge rounded-pill ${badge}" data-testid="stage">${text}</span>`;
      } else html += text;
      html += '</td>';
    }
    html += '</tr>\n';
  }
  return new nunjucks.runtime.SafeString(html);
}

// i18n-keys: cards.columns.*
/** A column's heading: a common column's word in the reader's language, else the field's label. */
export function columnLabel(type: CardType, column: string, t: Translate): string {
  const f = type.fieldMap.get(column);
  return f ? f.label : t(`cards.columns.${column}`);
}

/** Who reads the page: the request's language and the user's time zone. */
export function readerOf(req: Request, user: SessionUser): Reader {
  return { t: req.t, locale: req.locale, timeZone: user.timeZone };
}
