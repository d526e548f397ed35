// Reading one card type from its YAML (the folder's loading and the types
// themselves: app/services/card-types.ts). An error names the file, the card
// type and the place in it, and stops the start.
import path from 'node:path';
import type { FieldType, HasTranslations, Translated } from '#app/fields/field-type';
import { fieldType, fieldTypeNames, findFieldType } from '#app/fields/registry';
import { parseFields } from '#app/services/card-type-fields';
import {
  ACTIONS,
  COMMON_COLUMNS,
  CardTypeError,
  TASK_ASSIGNEE_RULES,
  type Action,
  type CardType,
  type Scope,
  type StageDef,
  type TaskAssigneeRule,
  type TransitionDef,
} from '#app/services/card-types';
import { durationMs } from '#app/services/durations';

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** Names a field may not take: the list's URL parameters and the form's own inputs. */
const RESERVED = ['version', 'q', 'sort', 'page', 'deleted', 'transition'];

type Raw = Record<string, unknown>;

function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "string, text and select": the registered types that can do something. */
function typesWith(can: (t: FieldType) => boolean): string {
  const names = fieldTypeNames().filter((n) => can(findFieldType(n)!));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names.join('');
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
    if (!out[defaultLocale])
      fail(w, `${key}: the text in the default language (${defaultLocale}) is missing; it answers for every language not given`);
    (into.translations ??= {})[key] = out;
    return out[defaultLocale];
  };
  const typeTr: HasTranslations = {};
  const label = texts(typeTr, r.label, where('label'), 'label');
  if (typeTr.translations?.label && r.plural === undefined) fail(where('plural'), 'plural must be given when label is given per language');
  const plural = texts(typeTr, r.plural, where('plural'), 'plural', `${label}s`);
  const prefix = str(r.prefix, where('prefix'), 'prefix');
  if (!/^[A-Z]{1,6}$/.test(prefix)) fail(where('prefix'), `${JSON.stringify(prefix)} must be 1-6 capital letters`);

  const reserved = (n: string) => n in COMMON_COLUMNS || RESERVED.includes(n);
  const declared = parseFields(r.fields, reserved, { fail, where, texts, isObj });
  const fields = declared.filter((f) => !f.archived);
  const archived = declared.filter((f) => f.archived);
  const fieldMap = new Map(fields.map((f) => [f.name, f]));
  // A list, filter, search or transition naming an archived field says so.
  const unknownField = (c: string) =>
    archived.some((f) => f.name === c) ? `field ${c} is archived` : `unknown field ${JSON.stringify(c)}`;

  const list = isObj(r.list) ? r.list : {};
  const columns = Array.isArray(list.columns)
    ? (list.columns as unknown[]).map(String)
    : ['number', 'title', 'stage', 'assignee', 'updated_at'];
  for (const c of columns)
    if (!(c in COMMON_COLUMNS) && !fieldMap.has(c))
      fail(where('list.columns'), archived.some((f) => f.name === c) ? unknownField(c) : `unknown column ${JSON.stringify(c)}`);
  for (const c of columns) {
    const f = fieldMap.get(c);
    if (f && !fieldType(f).listCell) fail(where('list.columns'), `${f.type} field ${c} cannot be a column`);
  }
  const filters = Array.isArray(list.filters) ? (list.filters as unknown[]).map(String) : [];
  for (const c of filters) {
    const f = fieldMap.get(c);
    if (!f) fail(where('list.filters'), unknownField(c));
    if (!fieldType(f!).filter) fail(where(`list.filters`), `field ${c}: only ${typesWith((t) => t.filter !== null)} fields can be filters`);
  }
  const search = Array.isArray(r.search) ? (r.search as unknown[]).map(String) : [];
  for (const s of search) {
    const f = fieldMap.get(s);
    if (!f) fail(where('search'), unknownField(s));
    if (!fieldType(f!).searchText)
      fail(where('search'), `field ${s}: only ${typesWith((t) => t.searchText !== null)} fields can be searched`);
  }

  if (!isObj(r.process)) fail(where('process'), 'must be a mapping with stages and transitions');
  const p = r.process as Raw;
  if (!Array.isArray(p.stages) || !p.stages.length) fail(where('process.stages'), 'must be a non-empty list');
  const stages: StageDef[] = [];
  const stageMap = new Map<string, StageDef>();
  for (const s of p.stages as unknown[]) {
    if (!isObj(s) || typeof s.name !== 'string' || !NAME.test(s.name))
      fail(where('process.stages'), 'each stage needs a lower_snake_case name');
    const sr = s as Raw;
    const sw = where(`stage ${sr.name}`);
    if (stageMap.has(sr.name as string)) fail(sw, 'duplicate stage');
    const taskAssignee = (sr.task_assignee ?? 'actor') as TaskAssigneeRule;
    if (!TASK_ASSIGNEE_RULES.includes(taskAssignee))
      fail(sw, `task_assignee ${JSON.stringify(sr.task_assignee)} is not one of ${TASK_ASSIGNEE_RULES.join(', ')}`);
    const stage: StageDef = { name: sr.name as string, label: '', taskAssignee, final: sr.final === true };
    stage.label = texts(stage, sr.label, sw, 'label');
    if (sr.sla !== undefined) {
      // `sla: P2D` counts calendar time; `sla: { working: PT16H }` working time (app/services/work-calendar.ts).
      const working = isObj(sr.sla) ? (sr.sla as Raw).working : undefined;
      if (isObj(sr.sla) && Object.keys(sr.sla as Raw).some((k) => k !== 'working')) fail(sw, 'sla may only give `working`');
      const iso = working ?? sr.sla;
      const ms = typeof iso === 'string' ? durationMs(iso) : null;
      if (!ms) fail(sw, `sla ${JSON.stringify(sr.sla)} is not an ISO-8601 duration such as P2D or PT4H, or { working: PT16H }`);
      stage.sla = iso as string;
      stage.slaMs = ms!;
      if (working !== undefined) stage.slaWorking = true;
    }
    if (sr.wip !== undefined) {
      if (!Number.isInteger(sr.wip) || (sr.wip as number) < 1) fail(sw, `wip ${JSON.stringify(sr.wip)} is not a whole number above 0`);
      stage.wip = sr.wip as number;
    }
    stages.push(stage);
    stageMap.set(stage.name, stage);
  }
  const initial = str(p.initial, where('process.initial'), 'initial', stages[0].name);
  if (!stageMap.has(initial)) fail(where('process.initial'), `unknown stage ${JSON.stringify(initial)}`);
  const transitions: TransitionDef[] = [];
  for (const t of Array.isArray(p.transitions) ? (p.transitions as unknown[]) : []) {
    if (!isObj(t) || typeof t.name !== 'string' || !NAME.test(t.name))
      fail(where('process.transitions'), 'each transition needs a lower_snake_case name');
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
    for (const f of requires) if (!fieldMap.has(f)) fail(tw, `requires: ${unknownField(f)}`);
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
      if (action === 'create' && scope === 'own') fail(pw, "create: own makes no sense (a new card is always the creator's)");
      entry[action] = scope as Scope;
    }
    for (const k of Object.keys(rights as Raw)) if (!ACTIONS.includes(k as Action)) fail(pw, `unknown action ${JSON.stringify(k)}`);
    permissions[role] = entry;
  }

  return {
    name: name as string,
    label,
    plural,
    prefix,
    file,
    fields,
    fieldMap,
    archived,
    columns,
    filters,
    search,
    initial,
    stages,
    stageMap,
    transitions,
    permissions,
    ...typeTr,
  };
}
