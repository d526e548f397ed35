// The field types by name. The built-in ones register here, in the order
// error messages list them; a new type is one file in app/fields/ and one
// registerFieldType line below (or a call of its own before the card types
// load, as test/integration/fields.new-type-through-registry.test.ts does).
import type { FieldDef, FieldType } from '#app/fields/field-type';
import { booleanField } from '#app/fields/boolean';
import { dateField } from '#app/fields/date';
import { datetimeField } from '#app/fields/datetime';
import { decimalField } from '#app/fields/decimal';
import { imagesField } from '#app/fields/images';
import { numberField } from '#app/fields/number';
import { referenceField } from '#app/fields/reference';
import { selectField } from '#app/fields/select';
import { stringField } from '#app/fields/string';
import { textField } from '#app/fields/text';
import { userField } from '#app/fields/user';

const types = new Map<string, FieldType>();

/** Makes `type` known by its name to card types loaded from now on; a name is registered once. */
export function registerFieldType(type: FieldType): void {
  if (types.has(type.name)) throw new Error(`field type ${type.name} is already registered`);
  types.set(type.name, type);
}

for (const t of [
  stringField,
  textField,
  numberField,
  decimalField,
  dateField,
  datetimeField,
  booleanField,
  selectField,
  userField,
  referenceField,
  imagesField,
])
  registerFieldType(t);

/** The type of a declared field (card types are checked at load: every field's type is registered). */
export function fieldType(def: Pick<FieldDef, 'type'>): FieldType {
  return types.get(def.type)!;
}

export function findFieldType(name: string): FieldType | undefined {
  return types.get(name);
}

export function fieldTypeNames(): string[] {
  return [...types.keys()];
}
