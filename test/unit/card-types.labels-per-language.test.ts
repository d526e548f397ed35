// Labels of card types, fields, options, stages and transitions: one plain
// text (every language reads it) or a text per language; a language not
// given reads the default language's text, never a name or a key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { CardTypeError, parseCardType } from '#app/services/card-types';
import { labelOf, typeIn } from '#app/services/card-type-labels';

const yaml = `
name: inspection
label: { en: Inspection, ru: Проверка, de: Prüfung }
plural: { en: Inspections, ru: Проверки }
prefix: IN
fields:
  - name: site
    type: string
    label: Site
    help: { en: Where it is., ru: Где это. }
  - name: result
    type: select
    label: { en: Result, ru: Результат }
    options:
      - { value: ok, label: { en: Passed, ru: Пройдена } }
      - { value: bad, label: Failed }
      - plain
process:
  stages:
    - { name: open, label: { en: Open, ru: Открыта } }
    - { name: done, label: Done, final: true }
  transitions:
    - { name: finish, label: { en: Finish, ru: Завершить }, from: [open], to: done, roles: [inspector] }
    - { name: again, from: [done], to: open, roles: [inspector] }
permissions:
  inspector: { read: all }
`;

function parsed(mutate?: (t: Record<string, any>) => void, defaultLocale = 'en') {
  const raw = YAML.parse(yaml);
  mutate?.(raw);
  return parseCardType('inspection.yaml', raw, defaultLocale);
}

describe('card type labels per language', () => {
  it('keeps the default language in label and gives each language its own', () => {
    const t = parsed();
    assert.equal(t.label, 'Inspection');
    assert.equal(t.fieldMap.get('result')!.options![0].label, 'Passed');
    const ru = typeIn(t, 'ru');
    assert.equal(ru.label, 'Проверка');
    assert.equal(ru.plural, 'Проверки');
    assert.equal(ru.fieldMap.get('result')!.label, 'Результат');
    assert.equal(ru.fieldMap.get('site')!.help, 'Где это.');
    assert.deepEqual(
      ru.fieldMap.get('result')!.options!.map((o) => o.label),
      ['Пройдена', 'Failed', 'plain'],
    );
    assert.deepEqual(
      ru.stages.map((s) => s.label),
      ['Открыта', 'Done'],
    );
    assert.equal(ru.stageMap.get('open')!.label, 'Открыта');
    assert.deepEqual(
      ru.transitions.map((x) => x.label),
      ['Завершить', 'again'],
    );
    assert.equal(typeIn(t, 'de').label, 'Prüfung');
    assert.equal(typeIn(t, 'ru'), ru, 'built once per language');
    assert.equal(t.stageMap.get('open')!.label, 'Open', 'the original stays in the default language');
  });

  it('falls back to the default language for a language not given', () => {
    const t = parsed();
    assert.equal(labelOf(t, 'de', 'plural'), 'Inspections');
    assert.equal(labelOf(t.fieldMap.get('site')!, 'ru'), 'Site');
    const fr = typeIn(t, 'fr');
    assert.equal(fr.label, 'Inspection');
    assert.equal(fr.fieldMap.get('result')!.options![0].label, 'Passed');
    assert.equal(fr.transitions[0].label, 'Finish');
    // Another installation's default language answers for the languages not given.
    const ruDefault = parsed((r) => (r.process.stages[0].label = { ru: 'Открыта', de: 'Offen' }), 'ru');
    assert.equal(ruDefault.stageMap.get('open')!.label, 'Открыта');
    assert.equal(typeIn(ruDefault, 'en').stageMap.get('open')!.label, 'Открыта');
    assert.equal(typeIn(ruDefault, 'en').label, 'Inspection', 'a language given reads its own');
    assert.equal(typeIn(ruDefault, 'fr').label, 'Проверка');
  });

  it('refuses a text per language without the default language, naming the element', () => {
    const refuse = (mutate: (t: Record<string, any>) => void, message: string) =>
      assert.throws(
        () => parsed(mutate),
        (err: Error) => err instanceof CardTypeError && err.message === message,
      );
    refuse(
      (t) => (t.label = { ru: 'Проверка' }),
      'inspection.yaml: card type inspection: label: label: the text in the default language (en) is missing; it answers for every language not given',
    );
    refuse(
      (t) => (t.fields[1].options[0].label = { ru: 'Пройдена' }),
      'inspection.yaml: card type inspection: field result: option ok: label: the text in the default language (en) is missing; it answers for every language not given',
    );
    refuse(
      (t) => (t.process.stages[0].label = { en: 'Open', ru: '' }),
      'inspection.yaml: card type inspection: stage open: label: the ru text must be a non-empty string',
    );
    refuse(
      (t) => (t.process.transitions[0].label = { en: 'Finish', Russian: 'Завершить' }),
      'inspection.yaml: card type inspection: transition finish: label: "Russian" is not a language code such as en or ru',
    );
    refuse((t) => delete t.plural, 'inspection.yaml: card type inspection: plural: plural must be given when label is given per language');
    refuse(
      (t) => (t.fields[0].help = { ru: 'Где' }),
      'inspection.yaml: card type inspection: field site: help: the text in the default language (en) is missing; it answers for every language not given',
    );
  });
});
