// The `fields:` of a card type's YAML: each field's name, type, label,
// required and help, then the options its type takes (app/fields/: each
// type names them and reads them). An option the type does not take is
// refused, naming the ones it does.
import type { FieldDef, HasTranslations, Translated } from '#app/fields/field-type';
import { fieldTypeNames, findFieldType } from '#app/fields/registry';

type Raw = Record<string, unknown>;

/** How the card type's parser lets a field part fail and read per-language texts. */
export interface FieldParseTools {
  fail(where: string, message: string): never;
  where(s: string): string;
  texts(into: HasTranslations, v: unknown, where: string, key: Translated, fallback?: string): string;
  isObj(v: unknown): v is Raw;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const EVERY_FIELD = new Set(['name', 'type', 'label', 'required', 'help', 'archived']);

export function parseFields(raw: unknown, reserved: (name: string) => boolean, tools: FieldParseTools): FieldDef[] {
  const { fail, where, texts, isObj } = tools;
  if (!Array.isArray(raw)) fail(where('fields'), 'must be a list');
  const fields: FieldDef[] = [];
  const names = new Set<string>();
  for (const f of raw as unknown[]) {
    if (!isObj(f)) fail(where('fields'), 'each field must be a mapping');
    const fr = f as Raw;
    if (typeof fr.name !== 'string' || !NAME.test(fr.name))
      fail(where('fields'), `field name ${JSON.stringify(fr.name)} must be lower_snake_case`);
    const fname = fr.name as string;
    const fw = where(`field ${fname}`);
    if (names.has(fname) || reserved(fname)) fail(fw, 'the name is already used');
    const type = typeof fr.type === 'string' ? findFieldType(fr.type) : undefined;
    if (!type) fail(fw, `type ${JSON.stringify(fr.type)} is not one of ${fieldTypeNames().join(', ')}`);
    const def: FieldDef = { name: fname, type: type!.name, label: '', required: fr.required === true };
    def.label = texts(def, fr.label, fw, 'label');
    if (fr.help !== undefined) def.help = texts(def, fr.help, fw, 'help');
    if (fr.archived !== undefined && typeof fr.archived !== 'boolean') fail(fw, 'archived must be true or false');
    if (fr.archived === true) def.archived = true;
    const failHere = (message: string): never => fail(fw, message);
    const option = { fail: failHere, texts: (into: HasTranslations, v: unknown, w: string) => texts(into, v, `${fw}: ${w}`, 'label') };
    for (const [key, value] of Object.entries(fr)) {
      if (EVERY_FIELD.has(key)) continue;
      const read = type!.yaml.options[key];
      if (!read) {
        const takes = Object.keys(type!.yaml.options);
        fail(
          fw,
          `a ${type!.name} field takes no option ${JSON.stringify(key)} (${takes.length ? `it takes ${takes.join(', ')}` : 'it takes none'} besides ${[...EVERY_FIELD].join(', ')})`,
        );
      }
      if (value !== undefined) read(def, value, option);
    }
    type!.yaml.check(def, failHere);
    fields.push(def);
    names.add(fname);
  }
  return fields;
}
