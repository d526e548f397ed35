// datetime: an instant, stored in UTC (ISO 8601), typed and shown in the
// reader's time zone; exported with that zone's offset; the list filters it
// by days in the reader's zone.
import { msg } from '#app/i18n/message';
import { z } from 'zod';
import type { FieldDef, FieldType, FieldValue, Reader } from '#app/fields/field-type';
import { asTyped, defineFieldType, empty, noCheck, sameValue, storedAs } from '#app/fields/shared';
import { formatDateTime } from '#app/services/date-format';
import { isoWithOffset, parseDate, utcToZonedInput, zonedToUtc } from '#app/services/time';

const parse = (def: FieldDef, s: string, q: { timeZone: string }) => {
  if (s === '') return empty(def);
  const d = zonedToUtc(s, q.timeZone);
  return d ? { value: d.toISOString() } : { error: msg('fields.errors.notDateTime', { value: JSON.stringify(s) }) };
};
const shown = (_def: FieldDef, v: FieldValue, _maps: unknown, reader: Reader) => formatDateTime(String(v), reader.timeZone, reader.locale);
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const datetimeField: FieldType = defineFieldType({
  name: 'datetime',
  yaml: { options: {}, check: noCheck, checkTypes: noCheck },
  holdsFiles: false,
  link: null,
  parseForm: parse,
  localInput: asTyped,
  // The export's "2026-12-05T21:46:00+01:00"; a time without an offset is in the importing user's zone.
  parseImport: (def, s, q) => {
    if (!WITH_OFFSET.test(s)) return parse(def, s, q);
    const d = new Date(s);
    return Number.isNaN(d.getTime())
      ? { error: msg('fields.errors.notDateTime', { value: JSON.stringify(s) }) }
      : { value: d.toISOString() };
  },
  fromStored: storedAs('string'),
  toStored: sameValue,
  control: () => ({ name: 'input', inputType: 'datetime-local' }),
  formValue: (_def, v, reader) => (v == null ? '' : utcToZonedInput(String(v), reader.timeZone)),
  display: shown,
  listCell: shown,
  historyText: shown,
  sortSql: (expr) => `lower(${expr})`,
  filter: {
    params: ['_from', '_to'],
    where(def, suffix, value, expr, q) {
      const day = parseDate(value);
      if (!day) return { problem: msg('cards.problems.notDate', { field: def.label, fieldName: def.name, value }) };
      const start = zonedToUtc(`${day}T00:00`, q.timeZone)!;
      // To the end of the day: before the next one's start.
      return suffix === '_to'
        ? { sql: `${expr} < ${q.bind(new Date(start.getTime() + 86_400_000).toISOString())}` }
        : { sql: `${expr} >= ${q.bind(start.toISOString())}` };
    },
    control: () => ({ name: 'range', inputType: 'date' }),
  },
  searchText: null,
  csvValue: (_def, v, c) => (v == null || v === '' ? '' : isoWithOffset(String(v), c.timeZone)),
  api: {
    schema: () => z.iso.datetime({ offset: true }),
    // The API's reader is in UTC: the instant as UTC wall-clock time (to the second).
    formText: (_def, v) => (v == null ? '' : new Date(String(v)).toISOString().slice(0, 19)),
  },
});
