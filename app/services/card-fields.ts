// Turning what a form sent into a card's typed `data`, field by field, with
// a reason next to every field that cannot be accepted; each field's type
// (app/fields/) reads its own value. Checks that need the database (users,
// references) are done by the card service.
import type { FieldValue } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import { msg, type Text } from '#app/i18n/message';
import type { CardType, FieldDef } from '#app/services/card-types';

export type { FieldValue } from '#app/fields/field-type';
export type FormInput = Record<string, unknown>;

export const TITLE_MAX = 300;

function text(v: unknown): string {
  if (Array.isArray(v)) v = v[v.length - 1];
  return typeof v === 'string' ? v : v == null ? '' : String(v);
}

/** One field: the stored value, or the reason it cannot be stored. */
export function parseField(field: FieldDef, raw: unknown, timeZone: string): { value: FieldValue } | { error: Text } {
  const type = fieldType(field);
  const r = type.parseForm(field, text(raw).trim(), { timeZone });
  if ('error' in r) return r;
  const stored = type.toStored(r.value);
  return stored === r.value ? r : { value: stored };
}

export interface ParsedForm {
  title: string;
  data: Record<string, FieldValue>;
  errors: Record<string, Text>;
}

/** Every declared field of `type` (fields that hold files excepted) plus the title. */
export function parseCardForm(type: CardType, input: FormInput, timeZone: string): ParsedForm {
  const errors: Record<string, Text> = {};
  const title = text(input.title).trim();
  if (!title) errors.title = msg('fields.errors.required');
  else if (title.length > TITLE_MAX) errors.title = msg('fields.errors.atMostChars', { max: TITLE_MAX, length: title.length });
  else if (/[\r\n]/.test(title)) errors.title = msg('fields.errors.oneLine');
  const data: Record<string, FieldValue> = {};
  for (const field of type.fields) {
    if (fieldType(field).holdsFiles) continue;
    const r = parseField(field, input[field.name], timeZone);
    if ('error' in r) errors[field.name] = r.error;
    else data[field.name] = r.value;
  }
  return { title, data, errors };
}

/**
 * What a reader typed, in their language's notation ("1 234,50" from a
 * Russian operator), as the card service reads it ("1234.50"); fields whose
 * type has no such notation are unchanged.
 */
export function inputFromLocale<T extends Record<string, unknown>>(fields: readonly FieldDef[], input: T, locale: string): T {
  if (!input) return input;
  let out: Record<string, unknown> | null = null;
  for (const f of fields) {
    const v = input[f.name];
    if (typeof v !== 'string') continue;
    const plain = fieldType(f).localInput(f, v, locale);
    if (plain !== v) (out ??= { ...input })[f.name] = plain;
  }
  return (out ?? input) as T;
}

/** What a form input shows for a stored value (times in the reader's zone, decimals with their separator). */
export function formValue(field: FieldDef, value: unknown, reader: { locale: string; timeZone: string }): string {
  const type = fieldType(field);
  return type.formValue(field, type.fromStored(value), reader);
}
