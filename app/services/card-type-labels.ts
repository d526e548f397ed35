// Card types in the reader's language: the YAML may give labels, plurals
// and help lines per language (app/services/card-types.ts parses them);
// these pick the reader's, else the default language's (never a name).
import { isMessage, type Text } from '#app/i18n/message';
import type { CardType, FieldDef, HasTranslations, Translated } from '#app/services/card-types';

/** A thing's label (plural, help) in `locale`; the default language's when not given in it. */
export function labelOf(
  thing: HasTranslations & { label: string; plural?: string; help?: string },
  locale: string,
  key: Translated = 'label',
): string {
  return thing.translations?.[key]?.[locale] ?? thing[key] ?? '';
}

function translated<T extends HasTranslations & { label: string; help?: string }>(thing: T, locale: string): T {
  if (!thing.translations) return thing;
  const out = { ...thing, label: labelOf(thing, locale) };
  if (thing.help !== undefined) out.help = labelOf(thing, locale, 'help');
  return out;
}

const inLocale = new WeakMap<CardType, Map<string, CardType>>();

/**
 * The card type as a reader of `locale` sees it: every label, plural, help
 * line, option, stage and transition in that language (the default
 * language's text where none is given). Names, rules and permissions are the
 * same; pages and the history render from it, services keep the original.
 * Built once per type and language.
 */
export function typeIn(type: CardType, locale: string): CardType {
  let byLocale = inLocale.get(type);
  if (!byLocale) inLocale.set(type, (byLocale = new Map()));
  let t = byLocale.get(locale);
  if (!t) {
    const inLang = (f: FieldDef) => ({ ...translated(f, locale), options: f.options?.map((o) => translated(o, locale)) });
    const fields = type.fields.map(inLang);
    const stages = type.stages.map((s) => translated(s, locale));
    // A view over the original (its prototype): what is not a text — columns,
    // filters, rules, permissions — is read from the original, always current.
    t = Object.assign(Object.create(type) as CardType, {
      label: labelOf(type, locale),
      plural: labelOf(type, locale, 'plural'),
      fields,
      fieldMap: new Map(fields.map((f) => [f.name, f])),
      archived: type.archived.map(inLang),
      stages,
      stageMap: new Map(stages.map((s) => [s.name, s])),
      transitions: type.transitions.map((x) => translated(x, locale)),
    });
    byLocale.set(locale, t);
  }
  return t;
}

/**
 * A list query's problem ("Category: unknown choice x") with its field named
 * in the reader's language: the list service names it in the default one
 * and gives its name as `fieldName`; `shown` is typeIn(type, locale).
 */
export function problemIn(problem: Text, shown: CardType): Text {
  const name = isMessage(problem) ? problem.params?.fieldName : undefined;
  const field = typeof name === 'string' ? shown.fieldMap.get(name) : undefined;
  return field && isMessage(problem) ? { key: problem.key, params: { ...problem.params, field: field.label } } : problem;
}
