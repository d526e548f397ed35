// What a new version of a card type changes, and what that does to the cards
// it holds (issue 17 items 3 and 5): the readable diff shown with every
// version and in a dry run, and the safety rules every save obeys (the
// designer, `types import`, a changed file at start).
//
// What MUST hold:
// - A stage that holds cards is removed only with a stage to move them to
//   (the move is a job with progress; each card's move is in its history).
// - A field that holds values is never dropped, nor its type changed: it is
//   archived instead (values kept, readable in history and export).
// - A field newly required blocks no save of old cards but their next edit,
//   and never a stage change that does not require it: counted, not refused.
import type { Database, Transaction } from '#app/db/connection';
import { everyField, type CardType, type FieldDef } from '#app/services/card-types';
import { ValidationError } from '#app/services/errors';

export interface CountedChange {
  name: string;
  label: string;
  cards: number;
}

export interface TypeImpact {
  /** Stages gone in the new version, with the cards each holds (deleted cards counted: they could be restored). */
  removedStages: CountedChange[];
  /** Fields archived by this version, with the cards holding a value. */
  archivedFields: CountedChange[];
  /** Fields required from this version on, with the cards lacking a value (asked at their next edit). */
  newlyRequired: CountedChange[];
  /** Fields dropped altogether (refused while cards hold values). */
  droppedFields: CountedChange[];
  /** Fields whose type changes (refused while cards hold values). */
  retyped: (CountedChange & { from: string; to: string })[];
}

const filled = (f: string) => `(data ? '${f}' and data->'${f}' <> 'null'::jsonb and data->>'${f}' <> '' and data->'${f}' <> '[]'::jsonb)`;
const NAME = /^[a-z][a-z0-9_]*$/;

/** What replacing `before` (null: a new type) by `after` does to the cards of the type. */
export async function impactOf(db: Database, before: CardType | null, after: CardType, t?: Transaction | null): Promise<TypeImpact> {
  const impact: TypeImpact = { removedStages: [], archivedFields: [], newlyRequired: [], droppedFields: [], retyped: [] };
  if (!before) return impact;
  const gone = before.stages.filter((s) => !after.stageMap.has(s.name));
  const newFields = new Map(everyField(after).map((f) => [f.name, f]));
  const wasLive = (f: FieldDef) => before.fieldMap.has(f.name);
  const archived = after.archived.filter(wasLive);
  const required = after.fields.filter((f) => f.required && !before.fieldMap.get(f.name)?.required);
  const dropped = everyField(before).filter((f) => !newFields.has(f.name));
  const retyped = everyField(before).filter((f) => newFields.has(f.name) && newFields.get(f.name)!.type !== f.type);
  const counted = [...archived, ...dropped, ...retyped];
  // Field names are lower_snake_case (checked by the parser): safe inside the statement's text.
  if ([...counted, ...required].some((f) => !NAME.test(f.name))) throw new Error('a field name is not lower_snake_case');
  const [row] = await db.rows<Record<string, number>>(
    `select count(*)::int as total${counted.map((f, i) => `, count(*) filter (where ${filled(f.name)})::int as v${i}`).join('')}
       ${required.map((f, i) => `, count(*) filter (where deleted_at is null and not ${filled(f.name)})::int as r${i}`).join('')}
       from cards where type = $1`,
    [after.name],
    t,
  );
  const stageRows = gone.length
    ? await db.rows<{ stage: string; n: number }>(
        'select stage, count(*)::int as n from cards where type = $1 and stage = any($2) group by stage',
        [after.name, gone.map((s) => s.name)],
        t,
      )
    : [];
  const inStage = new Map(stageRows.map((r) => [r.stage, r.n]));
  impact.removedStages = gone.map((s) => ({ name: s.name, label: s.label, cards: inStage.get(s.name) ?? 0 }));
  const valueCount = (f: FieldDef) => row[`v${counted.indexOf(f)}`] ?? 0;
  impact.archivedFields = archived.map((f) => ({ name: f.name, label: f.label, cards: valueCount(f) }));
  impact.droppedFields = dropped.map((f) => ({ name: f.name, label: f.label, cards: valueCount(f) }));
  impact.retyped = retyped.map((f) => ({
    name: f.name,
    label: f.label,
    cards: valueCount(f),
    from: f.type,
    to: newFields.get(f.name)!.type,
  }));
  impact.newlyRequired = required.map((f, i) => ({ name: f.name, label: f.label, cards: row[`r${i}`] ?? 0 }));
  return impact;
}

/** A change its cards do not allow as it stands (a removed stage holding cards with nowhere to go…): with what it would touch. */
export class UnsafeChangeError extends ValidationError {
  constructor(
    text: ConstructorParameters<typeof ValidationError>[0],
    fields: Record<string, string>,
    readonly impact: TypeImpact,
  ) {
    super(text, fields);
  }
}

/** Why the new version may not be saved as it is (element → reason, in English); `moves` maps a removed stage to where its cards go. */
export function unsafe(impact: TypeImpact, after: CardType, moves: Record<string, string>): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const s of impact.removedStages) {
    if (!s.cards) continue;
    const to = moves[s.name];
    if (!to) problems[`stage ${s.name}`] = `holds ${s.cards} card(s): choose the stage they move to`;
    else if (!after.stageMap.has(to))
      problems[`stage ${s.name}`] = `the cards cannot move to ${JSON.stringify(to)}: no such stage in the new version`;
  }
  for (const f of impact.droppedFields)
    if (f.cards) problems[`field ${f.name}`] = `${f.cards} card(s) hold a value: archive the field (archived: true) instead of removing it`;
  for (const f of impact.retyped)
    if (f.cards) problems[`field ${f.name}`] = `the type cannot change from ${f.from} to ${f.to} while ${f.cards} card(s) hold a value`;
  return problems;
}

/** The removed stages that hold cards, each with the stage its cards go to. */
export function movesNeeded(impact: TypeImpact, moves: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of impact.removedStages) if (s.cards && moves[s.name]) out[s.name] = moves[s.name];
  return out;
}

// ---- the readable diff ----

export interface DiffLine {
  /** Where: "field customer", "stage new", "transition close", "label", "list.columns"… */
  where: string;
  what: 'added' | 'removed' | 'changed';
  before?: string;
  after?: string;
}

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const named = (v: Json): v is Record<string, Json>[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x) && typeof x.name === 'string');
const shown = (v: Json) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const SINGULAR: Record<string, string> = { fields: 'field', stages: 'stage', transitions: 'transition' };

/** Line by line what changed between two definitions (YAML documents as JSON); lists of named items compare by name. */
export function diffDefinitions(before: Json, after: Json, where = ''): DiffLine[] {
  const out: DiffLine[] = [];
  const at = (k: string) => (where ? `${where}.${k}` : k);
  if (isObj(before) && isObj(after)) {
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const b = before[k];
      const a = after[k];
      if (named(b) || named(a)) {
        const bl = named(b) ? b : [];
        const al = named(a) ? a : [];
        const what = SINGULAR[k] ?? k;
        const place = (n: string) => (where && where !== 'process' ? `${where}.${what} ${n}` : `${what} ${n}`);
        for (const x of al) {
          const old = bl.find((y) => y.name === x.name);
          if (!old) out.push({ where: place(String(x.name)), what: 'added', after: shown(x) });
          else out.push(...diffDefinitions(old, x, place(String(x.name))));
        }
        for (const y of bl)
          if (!al.some((x) => x.name === y.name)) out.push({ where: place(String(y.name)), what: 'removed', before: shown(y) });
        const order = (l: Record<string, Json>[]) =>
          l.map((x) => x.name).filter((n) => bl.some((y) => y.name === n) && al.some((y) => y.name === n));
        if (order(bl).join() !== order(al).join())
          out.push({ where: `${at(k)} order`, what: 'changed', before: order(bl).join(', '), after: order(al).join(', ') });
      } else if (b === undefined) out.push({ where: at(k), what: 'added', after: shown(a) });
      else if (a === undefined) out.push({ where: at(k), what: 'removed', before: shown(b) });
      else out.push(...diffDefinitions(b, a, at(k)));
    }
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after))
    out.push({ where: where || 'definition', what: 'changed', before: shown(before), after: shown(after) });
  return out;
}
