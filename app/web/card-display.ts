// How card values read to a person: labels of select options, names of
// users, numbers of referenced cards, times in the viewer's zone — never raw
// ids. The CSV export writes plain values instead (app/services/card-export.ts).
import nunjucks from 'nunjucks';
import type { Database } from '#app/db/connection';
import type { ListedCard } from '#app/services/cards';
import type { CardType, FieldDef } from '#app/services/card-types';
import { COMMON_COLUMNS } from '#app/services/card-types';
import { escapeHtml, formatDate, formatDateTime } from '#app/web/render';

export interface DisplayMaps {
  users: Map<number, string>;
  cards: Map<number, { number: string; title: string; type: string }>;
}

/** Names of the users and cards that `cards` refer to in their fields. */
export async function displayMaps(db: Database, type: CardType, cards: ListedCard[]): Promise<DisplayMaps> {
  const userIds = new Set<number>();
  const cardIds = new Set<number>();
  for (const c of cards) {
    for (const f of type.fields) {
      const v = c.data[f.name];
      if (typeof v !== 'number') continue;
      if (f.type === 'user') userIds.add(v);
      if (f.type === 'reference') cardIds.add(v);
    }
  }
  const [users, refs] = await Promise.all([
    userIds.size ? db.rows<{ id: number; display_name: string }>('select id, display_name from users where id = any($1::bigint[])', [[...userIds]]) : [],
    cardIds.size ? db.rows<{ id: number; number: string; title: string; type: string }>('select id, number, title, type from cards where id = any($1::bigint[])', [[...cardIds]]) : [],
  ]);
  return {
    users: new Map(users.map((u) => [u.id, u.display_name])),
    cards: new Map(refs.map((r) => [r.id, { number: r.number, title: r.title, type: r.type }])),
  };
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });

export function fieldText(field: FieldDef, value: unknown, maps: DisplayMaps, timeZone: string): string {
  if (value == null || value === '') return '';
  switch (field.type) {
    case 'boolean':
      return value ? 'Yes' : 'No';
    case 'select':
      return field.options!.find((o) => o.value === value)?.label ?? String(value);
    case 'user':
      return maps.users.get(value as number) ?? `(user ${value})`;
    case 'reference': {
      const ref = maps.cards.get(value as number);
      return ref ? `${ref.number} · ${ref.title}` : `(card ${value})`;
    }
    case 'decimal':
      return money.format(Number(value));
    case 'date':
      return formatDate(String(value), timeZone);
    case 'datetime':
      return formatDateTime(String(value), timeZone);
    default:
      return String(value);
  }
}

/** A list cell for a column (a common column or a field). */
export function columnText(type: CardType, column: string, card: ListedCard, maps: DisplayMaps, timeZone: string): string {
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
      return formatDateTime(card[column], timeZone);
  }
  const f = type.fieldMap.get(column);
  return f ? fieldText(f, card.data[column], maps, timeZone) : '';
}

/**
 * The list page's table rows, one line of HTML per card: number and title link
 * to the card, the stage is a badge (grey once final), every other column is
 * text. Built here, every value escaped as autoescape would, instead of by a
 * nunjucks loop: the loop's per-iteration bookkeeping (eight loop variables,
 * a frame, lookups) over 50 × 8 cells was most of the page's render time
 * (docs/benchmarks.md, "Card list page").
 */
export function listRowsHtml(type: CardType, cards: ListedCard[], maps: DisplayMaps, timeZone: string): nunjucks.runtime.SafeString {
  const shows = type.columns.map((c) => (c === 'number' || c === 'title' ? 'link' : c === 'stage' ? 'stage' : 'text'));
  const open = type.columns.map((c) => (c === 'title' ? '<td class="wrap">' : '<td>'));
  let html = '';
  for (const card of cards) {
    const href = `/cards/${type.name}/${card.id}`;
    html += '<tr>';
    for (let i = 0; i < type.columns.length; i++) {
      const text = escapeHtml(columnText(type, type.columns[i], card, maps, timeZone));
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

export function columnLabel(type: CardType, column: string): string {
  return COMMON_COLUMNS[column] ?? type.fieldMap.get(column)?.label ?? column;
}
