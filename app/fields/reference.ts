// reference: another card, of the card type `to` names, stored by id. Pages
// show "number · title" (a link), the CSV the number; a save checks the
// user may read the card.
import { msg } from '#app/i18n/message';
import { z } from 'zod';
import type { FieldDef, FieldType, FieldValue, Reader, DisplayMaps } from '#app/fields/field-type';
import { asTyped, defineFieldType, empty, sameValue, storedAs, plainText } from '#app/fields/shared';

const shown = (_def: FieldDef, v: FieldValue, maps: DisplayMaps, reader: Reader) => {
  const ref = maps.cards.get(v as number);
  return ref ? `${ref.number} · ${ref.title}` : reader.t('fields.unknownCard', { id: v });
};

export const referenceField: FieldType = defineFieldType({
  name: 'reference',
  yaml: {
    options: {
      to(def, raw, { fail }) {
        if (typeof raw !== 'string' || !raw.trim()) fail('to must be a non-empty string');
        def.to = (raw as string).trim();
      },
    },
    check(def, fail) {
      if (def.to === undefined) fail('to must be a non-empty string');
    },
    checkTypes(def, typeNames, fail) {
      if (!typeNames.has(def.to!)) fail(`to: unknown card type ${JSON.stringify(def.to)}`);
    },
  },
  holdsFiles: false,
  link: 'card',
  parseForm: (def, s) => (s === '' ? empty(def) : /^\d{1,15}$/.test(s) ? { value: Number(s) } : { error: msg('fields.errors.chooseCard') }),
  localInput: asTyped,
  // The export writes the card's number.
  parseImport: (def, s) => (s === '' ? empty(def) : { lookup: 'card', key: s.toUpperCase() }),
  fromStored: storedAs('number'),
  toStored: sameValue,
  control: () => ({ name: 'pick' }),
  formValue: (_def, v) => (v == null ? '' : String(v)),
  display: shown,
  listCell: shown,
  historyText: (_def, v, maps, reader) => maps.cards.get(v as number)?.number ?? reader.t('history.removedCard'),
  sortSql: (expr) => `${expr}::bigint`,
  filter: null,
  searchText: null,
  csvValue: (_def, v, c) => (v == null ? '' : (c.refs.numbers.get(v as number) ?? '')),
  api: { schema: () => z.number().int().positive(), formText: plainText },
});
