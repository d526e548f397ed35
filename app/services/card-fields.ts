// Turning what a form sent into a card's typed `data`, field by field, with
// a reason next to every field that cannot be accepted. Checks that need the
// database (users, references) are done by the card service.
import { msg, type Text } from '#app/i18n/message';
import type { CardType, FieldDef } from '#app/services/card-types';
import { parseDate, utcToZonedInput, zonedToUtc } from '#app/services/time';

export type FieldValue = string | number | boolean | null;
export type FormInput = Record<string, unknown>;

export const TITLE_MAX = 300;
const TEXT_MAX = 20_000;
const STRING_MAX = 500;

function text(v: unknown): string {
  if (Array.isArray(v)) v = v[v.length - 1];
  return typeof v === 'string' ? v : v == null ? '' : String(v);
}

/** One field: the stored value, or the reason it cannot be stored. */
export function parseField(field: FieldDef, raw: unknown, timeZone: string): { value: FieldValue } | { error: Text } {
  const s = text(raw).trim();
  if (field.type === 'boolean') return { value: ['on', 'true', '1', 'yes'].includes(s.toLowerCase()) };
  if (field.type === 'images') return { value: null };
  if (s === '') return field.required ? { error: msg('fields.errors.required') } : { value: null };
  switch (field.type) {
    case 'string':
    case 'text': {
      const max = field.max ?? (field.type === 'string' ? STRING_MAX : TEXT_MAX);
      if (s.length > max) return { error: msg('fields.errors.atMostChars', { max, length: s.length }) };
      if (field.min !== undefined && s.length < field.min) return { error: msg('fields.errors.atLeastChars', { min: field.min }) };
      // The help line says the format: it is the error (the page shows it in the reader's language).
      if (field.pattern && !new RegExp(field.pattern).test(s)) return { error: field.help ?? msg('fields.errors.format') };
      if (field.type === 'string' && /[\r\n]/.test(s)) return { error: msg('fields.errors.oneLine') };
      return { value: s };
    }
    case 'number':
    case 'decimal': {
      const normalized = s.replace(/\s/g, '');
      const ok = field.type === 'number' ? /^-?\d{1,15}$/.test(normalized) : /^-?\d{1,13}(\.\d{1,4})?$/.test(normalized);
      if (!ok) return { error: msg(field.type === 'number' ? 'fields.errors.wholeNumber' : 'fields.errors.decimal') };
      const n = Number(normalized);
      if (field.min !== undefined && n < field.min) return { error: msg('fields.errors.atLeast', { min: field.min }) };
      if (field.max !== undefined && n > field.max) return { error: msg('fields.errors.atMost', { max: field.max }) };
      return { value: n };
    }
    case 'date': {
      const d = parseDate(s);
      return d ? { value: d } : { error: msg('fields.errors.notDate', { value: JSON.stringify(s) }) };
    }
    case 'datetime': {
      const d = zonedToUtc(s, timeZone);
      return d ? { value: d.toISOString() } : { error: msg('fields.errors.notDateTime', { value: JSON.stringify(s) }) };
    }
    case 'select':
      return field.options!.some((o) => o.value === s) ? { value: s } : { error: msg('fields.errors.notChoice', { value: JSON.stringify(s) }) };
    case 'user':
    case 'reference': {
      if (!/^\d{1,15}$/.test(s)) return { error: msg(field.type === 'user' ? 'fields.errors.chooseUser' : 'fields.errors.chooseCard') };
      return { value: Number(s) };
    }
  }
}

export interface ParsedForm {
  title: string;
  data: Record<string, FieldValue>;
  errors: Record<string, Text>;
}

/** Every declared field of `type` (images excepted) plus the title. */
export function parseCardForm(type: CardType, input: FormInput, timeZone: string): ParsedForm {
  const errors: Record<string, Text> = {};
  const title = text(input.title).trim();
  if (!title) errors.title = msg('fields.errors.required');
  else if (title.length > TITLE_MAX) errors.title = msg('fields.errors.atMostChars', { max: TITLE_MAX, length: title.length });
  else if (/[\r\n]/.test(title)) errors.title = msg('fields.errors.oneLine');
  const data: Record<string, FieldValue> = {};
  for (const field of type.fields) {
    if (field.type === 'images') continue;
    const r = parseField(field, input[field.name], timeZone);
    if ('error' in r) errors[field.name] = r.error;
    else data[field.name] = r.value;
  }
  return { title, data, errors };
}

/** What a form input shows for a stored value (datetime in the user's zone). */
export function formValue(field: FieldDef, value: unknown, timeZone: string): string {
  if (value == null) return '';
  if (field.type === 'datetime') return utcToZonedInput(String(value), timeZone);
  return String(value);
}
