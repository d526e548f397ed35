// How card values read to a person: labels of select options, names of
// users, numbers of referenced cards, times in the viewer's zone — never raw
// ids. The CSV export writes plain values instead (app/services/card-export.ts).
import nunjucks from 'nunjucks';
import type { Database } from '#app/db/connection';
import type { Translate } from '#app/i18n/i18n';
import type { ListedCard } from '#app/services/cards';
import type { CardType, FieldDef } from '#app/services/card-types';
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

/** Who reads a value: their language (words, number and date formats) and time zone. */
export interface Reader {
  t: Translate;
  locale: string;
  timeZone: string;
}

// One formatter per language (building one costs ~0.1 ms; a list formats hundreds).
const moneyFormats = new Map<string, Intl.NumberFormat>();
const inputFormats = new Map<string, Intl.NumberFormat>();

function cached(map: Map<string, Intl.NumberFormat>, locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let f = map.get(locale);
  if (!f) map.set(locale, (f = new Intl.NumberFormat(locale, options)));
  return f;
}

/** A decimal as a page shows it in `locale`: "1,234.50" in English, "1 234,50" in Russian. */
export function decimalText(value: number, locale: string): string {
  return cached(moneyFormats, locale, { minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(value);
}

/** The decimal separator of `locale` ("." or ","). */
export function decimalSeparator(locale: string): string {
  return cached(inputFormats, locale, { useGrouping: false, maximumFractionDigits: 4 }).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
}

/**
 * A stored decimal ("1234.5") as a form input shows it to a reader of
 * `locale` ("1234,5" in Russian): no grouping, so what is shown is what the
 * form accepts back.
 */
export function decimalInput(value: string, locale: string): string {
  const sep = decimalSeparator(locale);
  return sep === '.' ? value : value.replace('.', sep);
}

/**
 * What a reader typed in the decimal fields of a form, with the decimal
 * separator of their language turned into the dot the card service reads
 * ("1 234,50" from a Russian operator is 1234.50); other fields unchanged.
 */
export function decimalsFromInput<T extends Record<string, unknown>>(fields: readonly FieldDef[], input: T, locale: string): T {
  const sep = decimalSeparator(locale);
  if (sep === '.' || !input) return input;
  const out: Record<string, unknown> = { ...input };
  for (const f of fields) {
    const v = out[f.name];
    if (f.type === 'decimal' && typeof v === 'string' && v.includes(sep) && !v.includes('.')) out[f.name] = v.replace(sep, '.');
  }
  return out as T;
}

export function fieldText(field: FieldDef, value: unknown, maps: DisplayMaps, reader: Reader): string {
  if (value == null || value === '') return '';
  const { t, locale, timeZone } = reader;
  switch (field.type) {
    case 'boolean':
      return value ? t('fields.yes') : t('fields.no');
    case 'select':
      return field.options!.find((o) => o.value === value)?.label ?? String(value);
    case 'user':
      return maps.users.get(value as number) ?? t('fields.unknownUser', { id: value });
    case 'reference': {
      const ref = maps.cards.get(value as number);
      return ref ? `${ref.number} · ${ref.title}` : t('fields.unknownCard', { id: value });
    }
    case 'decimal':
      return decimalText(Number(value), locale);
    case 'date':
      return formatDate(String(value), timeZone, locale);
    case 'datetime':
      return formatDateTime(String(value), timeZone, locale);
    default:
      return String(value);
  }
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
  return f ? fieldText(f, card.data[column], maps, reader) : '';
}

/**
 * The list page's table rows, one line of HTML per card: number and title link
 * to the card, the stage is a badge (grey once final), every other column is
 * text. Built here, every value escaped as autoescape would, instead of by a
 * nunjucks loop: the loop's per-iteration bookkeeping (eight loop variables,
 * a frame, lookups) over 50 × 8 cells was most of the page's render time
 * (docs/benchmarks.md, "Card list page").
 */
export function listRowsHtml(type: CardType, cards: ListedCard[], maps: DisplayMaps, reader: Reader): nunjucks.runtime.SafeString {
  const shows = type.columns.map((c) => (c === 'number' || c === 'title' ? 'link' : c === 'stage' ? 'stage' : 'text'));
  const open = type.columns.map((c) => (c === 'title' ? '<td class="wrap">' : '<td>'));
  let html = '';
  for (const card of cards) {
    const href = `/cards/${type.name}/${card.id}`;
    html += '<tr>';
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
