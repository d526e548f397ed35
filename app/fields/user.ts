// user: a person, stored by id; `role` limits who may be chosen. Pages show
// the name, the CSV the email; a save checks the user exists and is active.
import { msg } from '#app/i18n/message';
import { z } from 'zod';
import type { FieldDef, FieldType, FieldValue, Reader, DisplayMaps } from '#app/fields/field-type';
import { asTyped, defineFieldType, empty, noCheck, sameValue, storedAs, plainText } from '#app/fields/shared';

const shown = (_def: FieldDef, v: FieldValue, maps: DisplayMaps, reader: Reader) =>
  maps.users.get(v as number) ?? reader.t('fields.unknownUser', { id: v });

export const userField: FieldType = defineFieldType({
  name: 'user',
  yaml: {
    options: {
      role(def, raw, { fail }) {
        if (typeof raw !== 'string' || !raw.trim()) fail('role must be a non-empty string');
        def.role = (raw as string).trim();
      },
    },
    check: noCheck,
    checkTypes: noCheck,
  },
  holdsFiles: false,
  link: 'user',
  parseForm: (def, s) => (s === '' ? empty(def) : /^\d{1,15}$/.test(s) ? { value: Number(s) } : { error: msg('fields.errors.chooseUser') }),
  localInput: asTyped,
  // The export writes the email.
  parseImport: (def, s) => (s === '' ? empty(def) : { lookup: 'user', key: s.toLowerCase() }),
  fromStored: storedAs('number'),
  toStored: sameValue,
  control: () => ({ name: 'pick' }),
  formValue: (_def, v) => (v == null ? '' : String(v)),
  display: shown,
  listCell: shown,
  historyText: (def, v, maps, reader) => (maps.users.has(v as number) ? shown(def, v, maps, reader) : reader.t('history.removedUser')),
  sortSql: (expr) => `${expr}::bigint`,
  filter: null,
  searchText: null,
  csvValue: (_def, v, c) => (v == null ? '' : (c.refs.emails.get(v as number) ?? '')),
  api: { schema: () => z.number().int().positive(), formText: plainText },
});
