// decimal: up to 13 digits and 4 decimals (money), shown in the reader's
// notation ("1,234.50" in English, "1 234,50" in Russian) and typed with
// their decimal separator.
import type { FieldDef, FieldType, FieldValue, Reader } from '#app/fields/field-type';
import { parseNumber } from '#app/fields/number';
import { checkMinMax, defineFieldType, minMax, noCheck, sameValue, storedAs, numberSchema, plainText } from '#app/fields/shared';

const DECIMAL = /^-?\d{1,13}(\.\d{1,4})?$/;

// One formatter per language (building one costs ~0.1 ms; a list formats hundreds).
const moneyFormats = new Map<string, Intl.NumberFormat>();
const inputFormats = new Map<string, Intl.NumberFormat>();

function cached(map: Map<string, Intl.NumberFormat>, locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let f = map.get(locale);
  if (!f) map.set(locale, (f = new Intl.NumberFormat(locale, options)));
  return f;
}

/** A decimal as a page shows it in `locale`: "1,234.50" in English, "1 234,50" in Russian. */
export function decimalText(value: number, locale: string): string {
  return cached(moneyFormats, locale, { minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(value);
}

/** The decimal separator of `locale` ("." or ","). */
export function decimalSeparator(locale: string): string {
  return (
    cached(inputFormats, locale, { useGrouping: false, maximumFractionDigits: 4 })
      .formatToParts(1.5)
      .find((p) => p.type === 'decimal')?.value ?? '.'
  );
}

/** A stored decimal ("1234.5") as a form input shows it in `locale` ("1234,5" in Russian): no grouping, so what is shown is accepted back. */
export function decimalInput(value: string, locale: string): string {
  const sep = decimalSeparator(locale);
  return sep === '.' ? value : value.replace('.', sep);
}

const shown = (_def: FieldDef, v: FieldValue, _maps: unknown, reader: Reader) => decimalText(Number(v), reader.locale);

export const decimalField: FieldType = defineFieldType({
  name: 'decimal',
  yaml: { options: minMax, check: checkMinMax, checkTypes: noCheck },
  holdsFiles: false,
  link: null,
  parseForm: (def, s) => parseNumber(def, s, DECIMAL, 'fields.errors.decimal'),
  // "1 234,50" from a Russian reader is 1234.50.
  localInput: (_def, s, locale) => {
    const sep = decimalSeparator(locale);
    return sep !== '.' && s.includes(sep) && !s.includes('.') ? s.replace(sep, '.') : s;
  },
  parseImport: (def, s) => parseNumber(def, s, DECIMAL, 'fields.errors.decimal'),
  fromStored: storedAs('number'),
  toStored: sameValue,
  control: () => ({ name: 'input', inputType: 'text', inputMode: 'decimal' }),
  formValue: (_def, v, reader) => decimalInput(v == null ? '' : String(v), reader.locale),
  display: shown,
  listCell: shown,
  historyText: shown,
  sortSql: (expr) => `${expr}::numeric`,
  filter: null,
  searchText: null,
  csvValue: (_def, v) => (v == null || v === '' ? '' : String(Number(v))),
  api: { schema: (def) => numberSchema(def, false), formText: plainText },
});
