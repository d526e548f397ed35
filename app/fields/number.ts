// number: a whole number (up to 15 digits), `min`/`max` bounds. decimal
// (app/fields/decimal.ts) shares the bounds and differs in notation.
import { msg } from '#app/i18n/message';
import type { FieldDef, FieldType, Parsed } from '#app/fields/field-type';
import {
  asText,
  asTyped,
  checkMinMax,
  defineFieldType,
  empty,
  minMax,
  noCheck,
  sameValue,
  storedAs,
  numberSchema,
  plainText,
} from '#app/fields/shared';

/** A number typed with a dot as decimal separator: `shape` its digits, `message` when it does not match. */
export function parseNumber(def: FieldDef, s: string, shape: RegExp, message: string): Parsed {
  if (s === '') return empty(def);
  const normalized = s.replace(/\s/g, '');
  if (!shape.test(normalized)) return { error: msg(message) };
  const n = Number(normalized);
  if (def.min !== undefined && n < def.min) return { error: msg('fields.errors.atLeast', { min: def.min }) };
  if (def.max !== undefined && n > def.max) return { error: msg('fields.errors.atMost', { max: def.max }) };
  return { value: n };
}

const WHOLE = /^-?\d{1,15}$/;

export const numberField: FieldType = defineFieldType({
  name: 'number',
  yaml: { options: minMax, check: checkMinMax, checkTypes: noCheck },
  holdsFiles: false,
  link: null,
  parseForm: (def, s) => parseNumber(def, s, WHOLE, 'fields.errors.wholeNumber'),
  localInput: asTyped,
  parseImport: (def, s) => parseNumber(def, s, WHOLE, 'fields.errors.wholeNumber'),
  fromStored: storedAs('number'),
  toStored: sameValue,
  control: () => ({ name: 'input', inputType: 'text', inputMode: 'decimal' }),
  formValue: (_def, v) => (v == null ? '' : String(v)),
  display: asText,
  listCell: asText,
  historyText: asText,
  sortSql: (expr) => `${expr}::numeric`,
  filter: null,
  searchText: null,
  csvValue: (_def, v) => (v == null || v === '' ? '' : String(Number(v))),
  api: { schema: (def) => numberSchema(def, true), formText: plainText },
});
