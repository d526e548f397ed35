// Card types: declared in conf/cardtypes/*.yaml, loaded and validated once
// at start. An error names the file, the card type and the field, and stops
// the start (a typo in a process must never reach an operator).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { FieldDef, HasTranslations } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import { parseCardType } from '#app/services/card-type-parse';
import { durationMs } from '#app/services/durations';

export type { FieldDef, FieldOption, HasTranslations, Translated, Translations } from '#app/fields/field-type';
export { parseCardType };
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

export interface StageDef extends HasTranslations {
  name: string;
  label: string;
  /** ISO-8601 duration; entering the stage sets due_at. */
  sla?: string;
  slaMs?: number;
  /** The SLA counts working time of the installation's calendar (YAML `sla: { working: PT16H }`). */
  slaWorking?: boolean;
  /** Who gets the SLA's task (YAML `task_assignee`, default actor): see app/services/sla-assignee.ts. */
  taskAssignee: TaskAssigneeRule;
  final: boolean;
  /** The board's work-in-progress limit (YAML `wip`): a column holding more is marked over it. */
  wip?: number;
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
  /** The fields in use: forms, lists, filters, search, the API and imports know only these. */
  fields: FieldDef[];
  fieldMap: Map<string, FieldDef>;
  /** Archived fields (YAML `archived: true`): hidden from forms and lists; their values stay readable in history and export. */
  archived: FieldDef[];
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

export { durationMs };

/**
 * The card types in use. Since types are edited in the browser (versions in
 * the database, app/services/card-type-store.ts), the set is swapped whole
 * when a version is saved anywhere: callers ask `get`/`all` each time and
 * never keep a type past the request or job at hand.
 */
export class CardTypes {
  private byName: Map<string, CardType>;
  private list: CardType[];
  private declaredRights = new Map<string, CardType['permissions']>();
  /** Counts changes of the types or their rights: what is derived from them is remade when it moves. */
  rightsRevision = 0;
  /** What the files held when the set was loaded from them (imported into the database at start). */
  fileSources: CardTypeSource[] = [];
  constructor(all: CardType[]) {
    this.list = all;
    this.byName = new Map(all.map((t) => [t.name, t]));
    this.keepDeclared(all);
  }
  get all(): readonly CardType[] {
    return this.list;
  }
  get(name: string): CardType | undefined {
    return this.byName.get(name);
  }
  /** A type's rights as its definition declares them (before the rights set per role in the browser). */
  declared(name: string): CardType['permissions'] {
    return this.declaredRights.get(name) ?? {};
  }
  /** Puts a new set of types in use at once (a saved version, here or in another process), `prepared` (the rights set in the browser) first. */
  replace(all: CardType[], prepare?: (all: readonly CardType[]) => void): void {
    this.keepDeclared(all);
    prepare?.(all);
    this.list = all;
    this.byName = new Map(all.map((t) => [t.name, t]));
    this.rightsRevision++;
  }
  private keepDeclared(all: CardType[]): void {
    const next = new Map<string, CardType['permissions']>();
    for (const t of all) next.set(t.name, JSON.parse(JSON.stringify(t.permissions)) as CardType['permissions']);
    this.declaredRights = next;
  }
}

/** Every field the type declares: in use first, then archived (history and export read both). */
export function everyField(type: CardType): FieldDef[] {
  return type.archived.length ? [...type.fields, ...type.archived] : type.fields;
}

/** A field of the type by name, archived ones included (history and export read old values). */
export function anyField(type: CardType, name: string): FieldDef | undefined {
  return type.fieldMap.get(name) ?? type.archived.find((f) => f.name === name);
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
export interface CardTypeSource {
  /** Where it came from, as errors name it: a file's base name, or `card type NAME` for a stored version. */
  file: string;
  raw: unknown;
}

/** Every *.yaml of `dir`, read and parsed as YAML (not yet as card types), sorted by file name. */
export function readCardTypeFiles(dir: string): (CardTypeSource & { path: string; text: string })[] {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message;
    throw new CardTypeError(`${shownPath(dir)}: cannot read the card types folder (setting cardTypes.dir, ORBIS_CARDTYPES_DIR): ${why}`);
  }
  return files.map((f) => {
    const file = path.join(dir, f);
    const text = fs.readFileSync(file, 'utf8');
    try {
      return { file: f, path: file, text, raw: YAML.parse(text) as unknown };
    } catch (err) {
      throw new CardTypeError(`${shownPath(file)}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  });
}

/**
 * The card types of `sources`, each checked alone and then against the others
 * (names, prefixes, what a field may name in another type); throws one
 * CardTypeError line naming the source, the place in it and the problem.
 */
export function buildCardTypes(sources: CardTypeSource[], defaultLocale = 'en'): CardType[] {
  const types: CardType[] = [];
  for (const s of sources) {
    const t = parseCardType(s.file, s.raw, defaultLocale);
    const clash = types.find((x) => x.name === t.name || x.prefix === t.prefix);
    if (clash)
      throw new CardTypeError(
        `${path.basename(s.file)}: card type ${t.name}: ${clash.name === t.name ? 'name' : 'prefix'} already used by ${path.basename(clash.file)}`,
      );
    types.push(t);
  }
  // What a field may name in another card type (a reference's `to`), once all are known.
  const names = new Set(types.map((t) => t.name));
  for (const t of types) {
    for (const f of t.fields) {
      fieldType(f).yaml.checkTypes(f, names, (message) => {
        throw new CardTypeError(`${path.basename(t.file)}: card type ${t.name}: field ${f.name}: ${message}`);
      });
    }
  }
  return types;
}

/**
 * Loads every *.yaml of `dir` (the setting cardTypes.dir); throws one
 * CardTypeError line naming the file (its path), the path inside it (card
 * type, field, stage…) and the problem.
 */
export function loadCardTypes(dir: string, defaultLocale = 'en'): CardTypes {
  const files = readCardTypeFiles(dir);
  try {
    const types = new CardTypes(buildCardTypes(files, defaultLocale));
    types.fileSources = files.map((f) => ({ file: f.file, raw: f.raw }));
    return types;
  } catch (err) {
    if (!(err instanceof CardTypeError)) throw err;
    // parseCardType names the file by its base name; the error names it by its path.
    const f = files.find((x) => err.message.startsWith(`${x.file}: `));
    throw f ? new CardTypeError(`${shownPath(f.path)}${err.message.slice(f.file.length)}`) : err;
  }
}
