// string: one line of text (at most 500 characters unless `max` says), an
// optional `pattern` whose field `help` is the message when it does not match.
// text (app/fields/text.ts) is the same with line breaks and a wide box.
import { z } from 'zod';
import { msg } from '#app/i18n/message';
import type { FieldDef, FieldType, FormControl, Parsed } from '#app/fields/field-type';
import {
  asText,
  asTyped,
  checkMinMax,
  csvText,
  defineFieldType,
  empty,
  fromCsvText,
  minMax,
  noCheck,
  patternOption,
  plainText,
  sameValue,
  storedAs,
} from '#app/fields/shared';

/** A string or text type: `maxDefault` characters unless the YAML's max says, one line or several. */
export function textual(name: string, maxDefault: number, oneLine: boolean, control: FormControl): FieldType {
  const parseForm = (def: FieldDef, s: string): Parsed => {
    if (s === '') return empty(def);
    const max = def.max ?? maxDefault;
    if (s.length > max) return { error: msg('fields.errors.atMostChars', { max, length: s.length }) };
    if (def.min !== undefined && s.length < def.min) return { error: msg('fields.errors.atLeastChars', { min: def.min }) };
    // The help line says the format: it is the error (the page shows it in the reader's language).
    if (def.pattern && !new RegExp(def.pattern).test(s)) return { error: def.help ?? msg('fields.errors.format') };
    if (oneLine && /[\r\n]/.test(s)) return { error: msg('fields.errors.oneLine') };
    return { value: s };
  };
  return defineFieldType({
    name,
    yaml: { options: { ...minMax, pattern: patternOption }, check: checkMinMax, checkTypes: noCheck },
    holdsFiles: false,
    link: null,
    parseForm,
    localInput: asTyped,
    parseImport: (def, cell) => parseForm(def, fromCsvText(cell).trim()),
    fromStored: storedAs('string'),
    toStored: sameValue,
    control: () => control,
    formValue: (_def, v) => (v == null ? '' : String(v)),
    display: asText,
    listCell: asText,
    historyText: asText,
    sortSql: (expr) => `lower(${expr})`,
    filter: null,
    searchText: asText,
    csvValue: (_def, v) => (v == null || v === '' ? '' : csvText(String(v))),
    api: {
      schema: (def) => {
        let schema = z.string().max(def.max ?? maxDefault);
        if (def.min !== undefined) schema = schema.min(def.min);
        return def.pattern ? schema.regex(new RegExp(def.pattern)) : schema;
      },
      formText: plainText,
    },
  });
}

export const stringField = textual('string', 500, true, { name: 'input', inputType: 'text' });
