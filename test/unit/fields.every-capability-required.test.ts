// A field type names every capability or does not compile: the compiler
// checks this file (npm run typecheck), and the test checks the registered
// types at run time too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldType } from '#app/fields/field-type';
import { fieldTypeNames, findFieldType } from '#app/fields/registry';
import { stringField } from '#app/fields/string';
import { defineFieldType } from '#app/fields/shared';

// Every member of FieldType is required: leaving out any one of them makes
// the object no FieldType. (A member made optional would turn up here.)
type Optional = { [K in keyof FieldType]-?: Omit<FieldType, K> extends FieldType ? K : never }[keyof FieldType];
const noneOptional: [Optional] extends [never] ? true : false = true;

const { csvValue: _csv, ...withoutCsv } = stringField;
// @ts-expect-error a type without its CSV value does not compile
const incomplete: FieldType = withoutCsv;
// @ts-expect-error nor through defineFieldType
defineFieldType({ ...withoutCsv });

const CAPABILITIES: readonly (keyof FieldType)[] = [
  'name',
  'yaml',
  'holdsFiles',
  'link',
  'parseForm',
  'localInput',
  'parseImport',
  'fromStored',
  'toStored',
  'control',
  'formValue',
  'display',
  'listCell',
  'historyText',
  'sortSql',
  'filter',
  'searchText',
  'csvValue',
  'api',
];
// The list above names them all (the compiler says so when one is added to FieldType and not here).
const listed: Exclude<keyof FieldType, (typeof CAPABILITIES)[number]> extends never ? true : false = true;

describe('field types', () => {
  it('are registered with every capability named', () => {
    assert.equal(noneOptional, true);
    assert.equal(listed, true);
    assert.ok(incomplete);
    assert.deepEqual(fieldTypeNames(), [
      'string',
      'text',
      'number',
      'decimal',
      'date',
      'datetime',
      'boolean',
      'select',
      'user',
      'reference',
      'images',
    ]);
    for (const name of fieldTypeNames()) {
      const type = findFieldType(name)!;
      for (const key of CAPABILITIES) assert.ok(key in type && type[key] !== undefined, `${name} names ${key}`);
      for (const key of ['check', 'checkTypes', 'options'] as const) assert.ok(type.yaml[key], `${name} names yaml.${key}`);
    }
  });

  it('read back what the CSV export writes', () => {
    const tz = { timeZone: 'Europe/Berlin' };
    const refs = { emails: new Map(), numbers: new Map(), media: new Map() };
    const c = { refs, timeZone: tz.timeZone, card: { id: 1 } };
    const cases: [string, Record<string, unknown>, unknown][] = [
      ['string', {}, '=SUM(A1)'],
      ['text', {}, 'two\nlines'],
      ['number', {}, 42],
      ['decimal', {}, 1234.5],
      ['date', {}, '2026-12-05'],
      ['datetime', {}, '2026-12-05T20:46:00.000Z'],
      ['boolean', {}, true],
      ['select', { options: [{ value: 'it', label: 'IT' }] }, 'it'],
    ];
    for (const [name, extra, value] of cases) {
      const type = findFieldType(name)!;
      const def = { name: 'f', type: name, label: 'F', required: false, ...extra };
      const cell = type.csvValue(def, value as never, c);
      assert.deepEqual(type.parseImport(def, cell, tz), { value }, `${name}: ${cell}`);
    }
    const user = findFieldType('user')!;
    assert.deepEqual(user.parseImport({ name: 'u', type: 'user', label: 'U', required: false }, 'Maria@Example.com', tz), {
      lookup: 'user',
      key: 'maria@example.com',
    });
  });
});
