// Helpers for tests of card types saved in the database (issue 17): the
// stored definition of a type as a plain object to change, and its pieces.
import type { AppContext } from '#app/context';

export type Definition = Record<string, any>;

/** The latest stored definition of `name`, a copy to change, with its version. */
export async function definitionOf(ctx: AppContext, name: string): Promise<{ def: Definition; version: number }> {
  const v = await ctx.services.cardTypeStore.version(name);
  return { def: JSON.parse(JSON.stringify(v.definition)) as Definition, version: v.version };
}

/** The definition's field `name` (throws when there is none). */
export function fieldOf(def: Definition, name: string): Definition {
  const f = (def.fields as Definition[]).find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
}

/** The complaint's own fields, as a form posts them. */
export function complaintInput(overrides: Record<string, string> = {}): Record<string, string> {
  return { title: 'Broken chair', customer: 'ACME', channel: 'phone', severity: 'low', details: 'It broke', ...overrides };
}

/** The roles the types of conf/cardtypes/ name (a save checks they exist; an installation makes them at install). */
export async function ensureTypeRoles(ctx: AppContext): Promise<void> {
  for (const r of ['operator', 'manager', 'clerk', 'approver']) await ctx.services.users.ensureRole(r);
}

/** Removes stage `gone`: transitions into it go out, its name leaves every `from` (a transition left with none goes too). */
export function withoutStage(def: Definition, gone: string): Definition {
  const p = def.process;
  p.stages = p.stages.filter((s: Definition) => s.name !== gone);
  p.transitions = p.transitions
    .filter((t: Definition) => t.to !== gone)
    .map((t: Definition) => ({ ...t, from: t.from.filter((f: string) => f !== gone) }))
    .filter((t: Definition) => t.from.length > 0);
  return def;
}
