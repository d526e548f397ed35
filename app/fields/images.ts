// images: files attached to the card under this field's name (the media
// table), not a value in its data: uploaded on the card page, never typed in
// the form, never a column, a sort or a filter. The CSV lists the media ids.
import type { FieldType } from '#app/fields/field-type';
import { asTyped, defineFieldType, noCheck } from '#app/fields/shared';

export const imagesField: FieldType = defineFieldType({
  name: 'images',
  yaml: { options: {}, check: noCheck, checkTypes: noCheck },
  holdsFiles: true,
  link: null,
  parseForm: () => ({ value: null }),
  localInput: asTyped,
  parseImport: () => ({ value: null }),
  fromStored: () => null,
  toStored: () => null,
  control: () => null,
  formValue: () => '',
  display: (_def, v) => String(v),
  listCell: null,
  historyText: (_def, _v, _maps, reader) => reader.t('history.files', { count: 1 }),
  sortSql: () => null,
  filter: null,
  searchText: null,
  csvValue: (def, _v, c) => (c.refs.media.get(`${c.card.id}:${def.name}`) ?? []).join(' '),
  api: null,
});
