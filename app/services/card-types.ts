// Card types: declared in conf/cardtypes/*.yaml, loaded and validated once
// at start. An error names the file, the card type and the field, and stops
// the start (a typo in a process must never reach an operator).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { durationMs } from '#app/services/durations';

export const FIELD_TYPES = ['string', 'text', 'number', 'decimal', 'date', 'datetime', 'boolean', 'select', 'user', 'reference', 'images'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const ACTIONS = ['read', 'create', 'update', 'delete', 'transition'] as const;
export type Action = (typeof ACTIONS)[number];
export type Scope = 'all' | 'own' | 'none';

/** Columns every card has; list columns and sorts may name them. */
export const COMMON_COLUMNS: Record<string, string> = {
  number: 'Number',
  title: 'Title',
  stage: 'Stage',
  assignee: 'Assignee',
  owner: 'Owner',
  due_at: 'Due',
  created_at: 'Created',
  updated_at: 'Updated',
};

/**
 * A text a person reads (a label, a plural, a help line) given per language
 * in the YAML (`label: { en: Customer complaint, ru: Жалоба клиента }`);
 * the thing's own `label` (`plural`, `help`) holds the default language's
 * text, which also answers for a language not given. Absent when the YAML
 * gave one plain string (the same in every language).
 */
export type Translations = Readonly<Record<string, string>>;
export type Translated = 'label' | 'plural' | 'help';
export interface HasTranslations {
  translations?: Partial<Record<Translated, Translations>>;
}

export interface FieldOption extends HasTranslations {
  value: string;
  label: string;
}

export interface FieldDef extends HasTranslations {
  name: string;
  type: FieldType;
  label: string;
  required: boolean;
  min?: number;
  max?: number;
  pattern?: string;
  help?: string;
  options?: FieldOption[];
  /** user fields: only users with this role may be chosen. */
  role?: string;
  /** reference fields: the card type referred to. */
  to?: string;
}

export interface StageDef extends HasTranslations {
  name: string;
  label: string;
  /** ISO-8601 duration; entering the stage sets due_at. */
  sla?: string;
  slaMs?: number;
  /** Who gets the SLA's task (YAML `task_assignee`, default actor): see app/services/sla-assignee.ts. */
  taskAssignee: TaskAssigneeRule;
  final: boolean;
}

export const TASK_ASSIGNEE_RULES = ['actor', 'assignee', 'owner'] as const;
export type TaskAssigneeRule = (typeof TASK_ASSIGNEE_RULES)[number];

export interface TransitionDef extends HasTranslations {
  name: string;
  label: string;
  from: string[];
  to: string;
  roles: string[];
  requires: string[];
}

export interface CardType extends HasTranslations {
  name: string;
  label: string;
  plural: string;
  prefix: string;
  file: string;
  fields: FieldDef[];
  fieldMap: Map<string, FieldDef>;
  columns: string[];
  filters: string[];
  search: string[];
  initial: string;
  stages: StageDef[];
  stageMap: Map<string, StageDef>;
  transitions: TransitionDef[];
  permissions: Record<string, Record<Action, Scope>>;
}

export class CardTypeError extends Error {
  override name = 'CardTypeError';
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
export { durationMs };

type Raw = Record<string, unknown>;

function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const LANG = /^[a-z]{2,3}$/;

/**
 * A card type from its YAML. Labels, plurals and help lines are one plain
 * text or a text per language that must include `defaultLocale` (what
 * answers for every language not given).
 */
export function parseCardType(file: string, raw: unknown, defaultLocale = 'en'): CardType {
  const base = path.basename(file);
  const fail = (where: string, msg: string): never => {
    throw new CardTypeError(`${base}: ${where}: ${msg}`);
  };
  if (!isObj(raw)) fail('card type', 'the file must hold a mapping');
  const r = raw as Raw;
  const name = r.name;
  if (typeof name !== 'string' || !NAME.test(name)) fail('card type', `name ${JSON.stringify(name)} must be lower_snake_case`);
  const where = (s: string) => `card type ${name}: ${s}`;
  const str = (v: unknown, w: string, key: string, fallback?: string): string => {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || !v.trim()) fail(w, `${key} must be a non-empty string`);
    return (v as string).trim();
  };
  // A text per language, or one text: returns the default language's text and
  // records the others under `into.translations[key]`.
  const texts = (into: HasTranslations, v: unknown, w: string, key: Translated, fallback?: string): string => {
    if (!isObj(v)) return str(v, w, key, fallback);
    const out: Record<string, string> = {};
    for (const [lang, text] of Object.entries(v)) {
      if (!LANG.test(lang)) fail(w, `${key}: ${JSON.stringify(lang)} is not a language code such as en or ru`);
      if (typeof text !== 'string' || !text.trim()) fail(w, `${key}: the ${lang} text must be a non-empty string`);
      out[lang] = (text as string).trim();
    }
    if (!out[defaultLocale]) fail(w, `${key}: the text in the default language (${defaultLocale}) is missing; it answers for every language not given`);
    (into.translations ??= {})[key] = out;
    return out[defaultLocale];
  };
  const typeTr: HasTranslations = {};
  const label = texts(typeTr, r.label, where('label'), 'label');
  if (typeTr.translations?.label && r.plural === undefined) fail(where('plural'), 'plural must be given when label is given per language');
  const plural = texts(typeTr, r.plural, where('plural'), 'plural', `${label}s`);
  const prefix = str(r.prefix, where('prefix'), 'prefix');
  if (!/^[A-Z]{1,6}$/.test(prefix)) fail(where('prefix'), `${JSON.stringify(prefix)} must be 1-6 capital letters`);

  if (!Array.isArray(r.fields)) fail(where('fields'), 'must be a list');
  const fields: FieldDef[] = [];
  const fieldMap = new Map<string, FieldDef>();
  for (const f of r.fields as unknown[]) {
    if (!isObj(f)) fail(where('fields'), 'each field must be a mapping');
    const fr = f as Raw;
    if (typeof fr.name !== 'string' || !NAME.test(fr.name)) fail(where('fields'), `field name ${JSON.stringify(fr.name)} must be lower_snake_case`);
    const fname = fr.name as string;
    const fw = where(`field ${fname}`);
    if (fieldMap.has(fname) || fname in COMMON_COLUMNS || ['version', 'q', 'sort', 'page', 'deleted', 'transition'].includes(fname)) fail(fw, 'the name is already used');
    const type = fr.type as FieldType;
    if (!FIELD_TYPES.includes(type)) fail(fw, `type ${JSON.stringify(fr.type)} is not one of ${FIELD_TYPES.join(', ')}`);
    const def: FieldDef = { name: fname, type, label: '', required: fr.required === true };
    def.label = texts(def, fr.label, fw, 'label');
    for (const key of ['min', 'max'] as const) {
      if (fr[key] === undefined) continue;
      if (typeof fr[key] !== 'number' || !Number.isFinite(fr[key])) fail(fw, `${key} must be a number`);
      def[key] = fr[key] as number;
    }
    if (def.min !== undefined && def.max !== undefined && def.min > def.max) fail(fw, 'min is greater than max');
    if (fr.pattern !== undefined) {
      if (typeof fr.pattern !== 'string') fail(fw, 'pattern must be a string');
      try {
        new RegExp(fr.pattern as string);
      } catch (err) {
        fail(fw, `pattern is not a valid regular expression: ${(err as Error).message}`);
      }
      def.pattern = fr.pattern as string;
    }
    if (fr.help !== undefined) def.help = texts(def, fr.help, fw, 'help');
    if (type === 'select') {
      if (!Array.isArray(fr.options) || !fr.options.length) fail(fw, 'a select field needs options');
      def.options = (fr.options as unknown[]).map((o) => {
        if (typeof o === 'string') return { value: o, label: o };
        if (!isObj(o) || typeof o.value !== 'string' || !o.value) fail(fw, 'each option needs a value (and a label)');
        const opt = o as Raw;
        const option: FieldOption = { value: opt.value as string, label: '' };
        option.label = texts(option, opt.label, `${fw}: option ${opt.value as string}`, 'label', opt.value as string);
        return option;
      });
      if (new Set(def.options.map((o) => o.value)).size !== def.options.length) fail(fw, 'option values must be unique');
    } else if (fr.options !== undefined) fail(fw, 'options are only for select fields');
    if (type === 'user' && fr.role !== undefined) def.role = str(fr.role, fw, 'role');
    if (type === 'reference') def.to = str(fr.to, fw, 'to');
    fields.push(def);
    fieldMap.set(def.name, def);
  }

  const list = isObj(r.list) ? r.list : {};
  const columns = Array.isArray(list.columns) ? (list.columns as unknown[]).map(String) : ['number', 'title', 'stage', 'assignee', 'updated_at'];
  for (const c of columns) if (!(c in COMMON_COLUMNS) && !fieldMap.has(c)) fail(where('list.columns'), `unknown column ${JSON.stringify(c)}`);
  for (const c of columns) if (fieldMap.get(c)?.type === 'images') fail(where('list.columns'), `images field ${c} cannot be a column`);
  const filters = Array.isArray(list.filters) ? (list.filters as unknown[]).map(String) : [];
  for (const c of filters) {
    const f = fieldMap.get(c);
    if (!f) fail(where('list.filters'), `unknown field ${JSON.stringify(c)}`);
    if (!['select', 'boolean', 'date', 'datetime'].includes(f!.type)) fail(where(`list.filters`), `field ${c}: only select, boolean, date and datetime fields can be filters`);
  }
  const search = Array.isArray(r.search) ? (r.search as unknown[]).map(String) : [];
  for (const s of search) {
    const f = fieldMap.get(s);
    if (!f) fail(where('search'), `unknown field ${JSON.stringify(s)}`);
    if (!['string', 'text', 'select'].includes(f!.type)) fail(where('search'), `field ${s}: only string, text and select fields can be searched`);
  }

  if (!isObj(r.process)) fail(where('process'), 'must be a mapping with stages and transitions');
  const p = r.process as Raw;
  if (!Array.isArray(p.stages) || !p.stages.length) fail(where('process.stages'), 'must be a non-empty list');
  const stages: StageDef[] = [];
  const stageMap = new Map<string, StageDef>();
  for (const s of p.stages as unknown[]) {
    if (!isObj(s) || typeof s.name !== 'string' || !NAME.test(s.name)) fail(where('process.stages'), 'each stage needs a lower_snake_case name');
    const sr = s as Raw;
    const sw = where(`stage ${sr.name}`);
    if (stageMap.has(sr.name as string)) fail(sw, 'duplicate stage');
    const taskAssignee = (sr.task_assignee ?? 'actor') as TaskAssigneeRule;
    if (!TASK_ASSIGNEE_RULES.includes(taskAssignee)) fail(sw, `task_assignee ${JSON.stringify(sr.task_assignee)} is not one of ${TASK_ASSIGNEE_RULES.join(', ')}`);
    const stage: StageDef = { name: sr.name as string, label: '', taskAssignee, final: sr.final === true };
    stage.label = texts(stage, sr.label, sw, 'label');
    if (sr.sla !== undefined) {
      const ms = typeof sr.sla === 'string' ? durationMs(sr.sla) : null;
      if (!ms) fail(sw, `sla ${JSON.stringify(sr.sla)} is not an ISO-8601 duration such as P2D or PT4H`);
      stage.sla = sr.sla as string;
      stage.slaMs = ms!;
    }
    stages.push(stage);
    stageMap.set(stage.name, stage);
  }
  const initial = str(p.initial, where('process.initial'), 'initial', stages[0].name);
  if (!stageMap.has(initial)) fail(where('process.initial'), `unknown stage ${JSON.stringify(initial)}`);
  const transitions: TransitionDef[] = [];
  for (const t of Array.isArray(p.transitions) ? (p.transitions as unknown[]) : []) {
    if (!isObj(t) || typeof t.name !== 'string' || !NAME.test(t.name)) fail(where('process.transitions'), 'each transition needs a lower_snake_case name');
    const tr = t as Raw;
    const tw = where(`transition ${tr.name}`);
    if (transitions.some((x) => x.name === tr.name)) fail(tw, 'duplicate transition');
    const from = (Array.isArray(tr.from) ? tr.from : [tr.from]).map(String);
    for (const s of from) if (!stageMap.has(s)) fail(tw, `from: unknown stage ${JSON.stringify(s)}`);
    const to = String(tr.to);
    if (!stageMap.has(to)) fail(tw, `to: unknown stage ${JSON.stringify(to)}`);
    const roles = Array.isArray(tr.roles) ? tr.roles.map(String) : [];
    if (!roles.length) fail(tw, 'roles: name at least one role allowed to take it');
    const requires = Array.isArray(tr.requires) ? tr.requires.map(String) : [];
    for (const f of requires) if (!fieldMap.has(f)) fail(tw, `requires: unknown field ${JSON.stringify(f)}`);
    const transition: TransitionDef = { name: tr.name as string, label: '', from, to, roles, requires };
    transition.label = texts(transition, tr.label, tw, 'label', tr.name as string);
    transitions.push(transition);
  }

  const permissions: CardType['permissions'] = {};
  if (!isObj(r.permissions)) fail(where('permissions'), 'must map roles to their rights');
  for (const [role, rights] of Object.entries(r.permissions as Raw)) {
    const pw = where(`permissions.${role}`);
    if (!isObj(rights)) fail(pw, 'must map actions (read, create, update, delete, transition) to all, own or none');
    const entry = {} as Record<Action, Scope>;
    for (const action of ACTIONS) {
      const v = (rights as Raw)[action] ?? 'none';
      const scope = v === true ? 'all' : v === false ? 'none' : v;
      if (scope !== 'all' && scope !== 'own' && scope !== 'none') fail(pw, `${action}: ${JSON.stringify(v)} is not all, own or none`);
      if (action === 'create' && scope === 'own') fail(pw, 'create: own makes no sense (a new card is always the creator\'s)');
      entry[action] = scope as Scope;
    }
    for (const k of Object.keys(rights as Raw)) if (!ACTIONS.includes(k as Action)) fail(pw, `unknown action ${JSON.stringify(k)}`);
    permissions[role] = entry;
  }

  return {
    name: name as string, label, plural, prefix, file, fields, fieldMap, columns, filters, search, initial,
    stages, stageMap, transitions, permissions, ...typeTr,
  };
}

export class CardTypes {
  private readonly byName: Map<string, CardType>;
  constructor(readonly all: CardType[]) {
    this.byName = new Map(all.map((t) => [t.name, t]));
  }
  get(name: string): CardType | undefined {
    return this.byName.get(name);
  }
}

/** How a card type file is named in an error: relative to the working folder when inside it. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Loads every *.yaml of `dir` (the setting cardTypes.dir); throws one
 * CardTypeError line naming the file (its path), the path inside it (card
 * type, field, stage…) and the problem.
 */
export function loadCardTypes(dir: string, defaultLocale = 'en'): CardTypes {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message;
    throw new CardTypeError(`${shownPath(dir)}: cannot read the card types folder (setting cardTypes.dir, ORBIS_CARDTYPES_DIR): ${why}`);
  }
  const types: CardType[] = [];
  // parseCardType names the file by its base name; the error names it by its path.
  const named = (f: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof CardTypeError)) throw err;
      throw new CardTypeError(err.message.startsWith(`${f}: `) ? `${shownPath(path.join(dir, f))}${err.message.slice(f.length)}` : err.message);
    }
  };
  for (const f of files) {
    named(f, () => {
      const file = path.join(dir, f);
      let raw: unknown;
      try {
        raw = YAML.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CardTypeError(`${f}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
      }
      const t = parseCardType(file, raw, defaultLocale);
      const clash = types.find((x) => x.name === t.name || x.prefix === t.prefix);
      if (clash) throw new CardTypeError(`${f}: card type ${t.name}: name or prefix already used by ${path.basename(clash.file)}`);
      types.push(t);
    });
  }
  for (const t of types) {
    for (const f of t.fields) {
      if (f.type === 'reference' && !types.some((x) => x.name === f.to)) {
        named(path.basename(t.file), () => {
          throw new CardTypeError(`${path.basename(t.file)}: card type ${t.name}: field ${f.name}: to: unknown card type ${JSON.stringify(f.to)}`);
        });
      }
    }
  }
  return new CardTypes(types);
}
