// date: a calendar day, stored "YYYY-MM-DD"; the list filters it by a from/to pair of days.
import { msg } from '#app/i18n/message';
import { z } from 'zod';
import type { FieldDef, FieldType, FieldValue, Reader } from '#app/fields/field-type';
import { asText, asTyped, defineFieldType, empty, noCheck, sameValue, storedAs, plainText } from '#app/fields/shared';
import { formatDate } from '#app/services/date-format';
import { parseDate } from '#app/services/time';

const parse = (def: FieldDef, s: string) => {
  if (s === '') return empty(def);
  const d = parseDate(s);
  return d ? { value: d } : { error: msg('fields.errors.notDate', { value: JSON.stringify(s) }) };
};
const shown = (_def: FieldDef, v: FieldValue, _maps: unknown, reader: Reader) => formatDate(String(v), reader.timeZone, reader.locale);

export const dateField: FieldType = defineFieldType({
  name: 'date',
  yaml: { options: {}, check: noCheck, checkTypes: noCheck },
  holdsFiles: false,
  link: null,
  parseForm: parse,
  localInput: asTyped,
  parseImport: parse,
  fromStored: storedAs('string'),
  toStored: sameValue,
  control: () => ({ name: 'input', inputType: 'date' }),
  formValue: (_def, v) => (v == null ? '' : String(v)),
  display: shown,
  listCell: shown,
  historyText: shown,
  sortSql: (expr) => `lower(${expr})`,
  filter: {
    params: ['_from', '_to'],
    where(def, suffix, value, expr, q) {
      const day = parseDate(value);
      if (!day) return { problem: msg('cards.problems.notDate', { field: def.label, fieldName: def.name, value }) };
      return { sql: `${expr} ${suffix === '_to' ? '<=' : '>='} ${q.bind(day)}` };
    },
    control: () => ({ name: 'range', inputType: 'date' }),
  },
  searchText: null,
  csvValue: (def, v) => (v == null || v === '' ? '' : asText(def, v)),
  api: { schema: () => z.iso.date(), formText: plainText },
});
