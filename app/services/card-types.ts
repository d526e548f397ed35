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

export { durationMs };

export class CardTypes {
  private readonly byName: Map<string, CardType>;
  /** Counts changes of the types' rights (set in the browser): what is derived from them is remade when it moves. */
  rightsRevision = 0;
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
    files = fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
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
      throw new CardTypeError(
        err.message.startsWith(`${f}: `) ? `${shownPath(path.join(dir, f))}${err.message.slice(f.length)}` : err.message,
      );
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
  // What a field may name in another card type (a reference's `to`), once all are known.
  const names = new Set(types.map((t) => t.name));
  for (const t of types) {
    for (const f of t.fields) {
      named(path.basename(t.file), () =>
        fieldType(f).yaml.checkTypes(f, names, (message) => {
          throw new CardTypeError(`${path.basename(t.file)}: card type ${t.name}: field ${f.name}: ${message}`);
        }),
      );
    }
  }
  return new CardTypes(types);
}
