// select: one of the `options` the YAML lists (a value and a label, per
// language); stored by value, shown by label, found by both.
import { msg } from '#app/i18n/message';
import { z } from 'zod';
import type { FieldDef, FieldOption, FieldType, FieldValue } from '#app/fields/field-type';
import { asText, asTyped, defineFieldType, empty, noCheck, sameValue, storedAs, plainText } from '#app/fields/shared';

const parse = (def: FieldDef, s: string) => {
  if (s === '') return empty(def);
  return def.options!.some((o) => o.value === s) ? { value: s } : { error: msg('fields.errors.notChoice', { value: JSON.stringify(s) }) };
};
const label = (def: FieldDef, v: FieldValue) => def.options!.find((o) => o.value === v)?.label ?? String(v);

export const selectField: FieldType = defineFieldType({
  name: 'select',
  yaml: {
    options: {
      options(def, raw, { fail, texts }) {
        if (!Array.isArray(raw) || !raw.length) fail('a select field needs options');
        def.options = (raw as unknown[]).map((o) => {
          if (typeof o === 'string') return { value: o, label: o };
          if (typeof o !== 'object' || o === null || typeof (o as FieldOption).value !== 'string' || !(o as FieldOption).value)
            fail('each option needs a value (and a label)');
          const opt = o as { value: string; label?: unknown };
          const option: FieldOption = { value: opt.value, label: '' };
          option.label = texts(option, opt.label ?? opt.value, `option ${opt.value}`);
          return option;
        });
        if (new Set(def.options.map((o) => o.value)).size !== def.options.length) fail('option values must be unique');
      },
    },
    check(def, fail) {
      if (!def.options) fail('a select field needs options');
    },
    checkTypes: noCheck,
  },
  holdsFiles: false,
  link: null,
  parseForm: parse,
  localInput: asTyped,
  parseImport: parse,
  fromStored: storedAs('string'),
  toStored: sameValue,
  control: (def) => ({ name: 'select', options: def.options! }),
  formValue: (_def, v) => (v == null ? '' : String(v)),
  display: label,
  listCell: label,
  historyText: label,
  sortSql: (expr) => `lower(${expr})`,
  filter: {
    params: [''],
    where(def, _suffix, value, _expr, q) {
      if (!def.options!.some((o) => o.value === value))
        return { problem: msg('cards.problems.unknownChoice', { field: def.label, fieldName: def.name, value }) };
      return { sql: `c.data @> ${q.bind(JSON.stringify({ [def.name]: value }))}::jsonb` };
    },
    control: (def) => ({ name: 'choice', options: def.options! }),
  },
  searchText: (def, v) => `${v} ${def.options!.find((o) => o.value === v)?.label ?? ''}`,
  csvValue: (def, v) => (v == null || v === '' ? '' : asText(def, v)),
  api: { schema: (def) => z.enum(def.options!.map((o) => o.value) as [string, ...string[]]), formText: plainText },
});
