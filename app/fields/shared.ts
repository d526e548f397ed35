// Parts several field types share: YAML option readers, the required-field
// rule, plain text for display and CSV. A type takes what fits and writes
// the rest itself.
import { z } from 'zod';
import { msg } from '#app/i18n/message';
import type { FieldDef, FieldType, FieldValue, OptionReader, Parsed } from '#app/fields/field-type';

/** The value when the input is empty: the required message, else no value. */
export function empty(def: FieldDef): Parsed {
  return def.required ? { error: msg('fields.errors.required') } : { value: null };
}

export const numberOption =
  (key: 'min' | 'max'): OptionReader =>
  (def, raw, { fail }) => {
    if (typeof raw !== 'number' || !Number.isFinite(raw)) fail(`${key} must be a number`);
    def[key] = raw as number;
  };

export const minMax = { min: numberOption('min'), max: numberOption('max') };

export const patternOption: OptionReader = (def, raw, { fail }) => {
  if (typeof raw !== 'string') fail('pattern must be a string');
  try {
    new RegExp(raw as string);
  } catch (err) {
    fail(`pattern is not a valid regular expression: ${(err as Error).message}`);
  }
  def.pattern = raw as string;
};

export function checkMinMax(def: FieldDef, fail: (message: string) => never): void {
  if (def.min !== undefined && def.max !== undefined && def.min > def.max) fail('min is greater than max');
}

export function noCheck(): void {}

/** The value as it is stored, as text. */
export const asText = (_def: FieldDef, value: FieldValue): string => String(value);

/** Free text a spreadsheet might run as a formula gets one more leading ' (reversed by `fromCsvText`). */
export function csvText(value: string): string {
  return /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A cell written by csvText as the text it was: exactly one ' removed from a cell that matches /^'+[=+\-@\t\r]/. */
export function fromCsvText(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** The JSON value when it is of `kind`, else null. */
export function storedAs(kind: 'string' | 'number' | 'boolean') {
  return (json: unknown): FieldValue => (typeof json === kind ? (json as FieldValue) : null);
}

export const sameValue = (value: FieldValue): FieldValue => value;

/** Identity for types whose input has no language-specific notation. */
export const asTyped = (_def: FieldDef, input: string): string => input;

/** A checked API value as form text: as it is, '' for none. */
export const plainText = (_def: FieldDef, value: unknown): string => (value == null ? '' : String(value));

/** A number's API schema with the field's min/max. */
export function numberSchema(def: FieldDef, whole: boolean): z.ZodNumber {
  let s = whole ? z.number().int() : z.number();
  if (def.min !== undefined) s = s.min(def.min);
  if (def.max !== undefined) s = s.max(def.max);
  return s;
}

/** A type's object, checked against the FieldType interface (every capability named). */
export function defineFieldType<T extends FieldType>(type: T): T {
  return type;
}
