// boolean: a checkbox; never set reads false (as the form shows it).
import { msg } from '#app/i18n/message';
import { z } from 'zod';
import type { FieldDef, FieldType, FieldValue, Reader } from '#app/fields/field-type';
import { asTyped, defineFieldType, noCheck, sameValue, storedAs } from '#app/fields/shared';

const parse = (_def: FieldDef, s: string) => ({ value: ['on', 'true', '1', 'yes'].includes(s.toLowerCase()) });
const shown = (_def: FieldDef, v: FieldValue, _maps: unknown, reader: Reader) => (v ? reader.t('fields.yes') : reader.t('fields.no'));

export const booleanField: FieldType = defineFieldType({
  name: 'boolean',
  yaml: { options: {}, check: noCheck, checkTypes: noCheck },
  holdsFiles: false,
  link: null,
  parseForm: parse,
  localInput: asTyped,
  parseImport: parse,
  fromStored: storedAs('boolean'),
  toStored: sameValue,
  control: () => ({ name: 'checkbox' }),
  formValue: (_def, v) => (v ? 'on' : ''),
  display: shown,
  listCell: shown,
  historyText: shown,
  sortSql: (expr) => `${expr}::boolean`,
  filter: {
    params: [''],
    where(def, _suffix, value, _expr, q) {
      const on = `c.data @> ${q.bind(JSON.stringify({ [def.name]: true }))}::jsonb`;
      return { sql: value === '1' || value === 'true' ? on : `not (${on})` };
    },
    control: () => ({
      name: 'choice',
      options: [
        { value: '1', label: msg('cards.list.yes') },
        { value: '0', label: msg('cards.list.no') },
      ],
    }),
  },
  searchText: null,
  csvValue: (_def, v) => (v ? 'true' : 'false'),
  api: { schema: () => z.boolean(), formText: (_def, v) => (v === true ? 'true' : '') },
});
