// A card type being edited in the designer (issue 17 item 3): its YAML text
// read, built against the types in use, and every refusal placed at its
// element ("field customer", "stage new") and the line of the text it is on,
// so the page can mark it and keep the draft.
import YAML, { isNode, isScalar, type Document } from 'yaml';
import { fieldType } from '#app/fields/registry';
import { parseCardType } from '#app/services/card-type-parse';
import { CardTypeError, type CardType, type CardTypes } from '#app/services/card-types';

export interface DraftProblem {
  /** The element: "field customer", "stage new", "transition close", "list.columns", "prefix", "definition"… */
  where: string;
  why: string;
  /** 1-based line of the YAML text where the element starts, when found. */
  line: number | null;
}

export type Draft = { ok: true; raw: Record<string, unknown>; type: CardType } | { ok: false; raw: unknown; problems: DraftProblem[] };

/** "complaint.yaml: card type complaint: field x: reason" → ["field x", "reason"]. */
export function elementOf(message: string): [string, string] {
  const rest = message.replace(/^[^:\s]+\.ya?ml: /, '').replace(/^card type(?: [a-z0-9_]+)?: /, '');
  const m = /^((?:field|stage|transition) [a-z0-9_]+|[a-z_]+(?:\.[a-z0-9_-]+)?): (.*)$/s.exec(rest);
  return m ? [m[1], m[2]] : ['definition', rest];
}

/** The YAML path of an element: where its node is in the document. */
function pathOf(where: string, raw: unknown): (string | number)[] | null {
  const r = (raw ?? {}) as Record<string, unknown>;
  const at = (list: unknown, name: string) => (Array.isArray(list) ? list.findIndex((x) => (x as { name?: unknown })?.name === name) : -1);
  const [kind, name] = where.split(' ');
  if (kind === 'field' && name) return ['fields', at(r.fields, name)];
  const p = (r.process ?? {}) as Record<string, unknown>;
  if (kind === 'stage' && name) return ['process', 'stages', at(p.stages, name)];
  if (kind === 'transition' && name) return ['process', 'transitions', at(p.transitions, name)];
  if (!name) return where.split('.');
  return null;
}

function lineOf(doc: Document, text: string, path: (string | number)[] | null): number | null {
  if (!path || path.some((x) => x === -1)) return null;
  const node = doc.getIn(path, true);
  const offset = isNode(node) && node.range ? node.range[0] : null;
  return offset === null ? null : text.slice(0, offset).split('\n').length;
}

/** Places a save's refusals (element → reason) on the lines of the draft's text. */
export function placeProblems(text: string, fields: Readonly<Record<string, string>>): DraftProblem[] {
  const doc = YAML.parseDocument(text);
  const raw = doc.toJS() as unknown;
  return Object.entries(fields).map(([where, why]) => ({ where, why, line: lineOf(doc, text, pathOf(where, raw)) }));
}

/** Reads and checks the designer's text as a definition of the type `name` (null: a new type) beside the types in use. */
export function readDraft(text: string, types: CardTypes, name: string | null, defaultLocale: string): Draft {
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? null;
    return { ok: false, raw: null, problems: [{ where: 'definition', why: `invalid YAML: ${e.message.split('\n')[0]}`, line }] };
  }
  const raw = doc.toJS() as unknown;
  const fail = (message: string): Draft => {
    const [where, why] = elementOf(message);
    return { ok: false, raw, problems: [{ where, why, line: lineOf(doc, text, pathOf(where, raw)) }] };
  };
  let type: CardType;
  try {
    type = parseCardType(`${name ?? 'new'}.yaml`, raw, defaultLocale);
    if (name !== null && type.name !== name) return fail(`name: the name cannot change (it is ${name}; make a new type instead)`);
    const other = types.all.find((t) => t.name !== name && (t.name === type.name || t.prefix === type.prefix));
    if (other) return fail(`${other.name === type.name ? 'name' : 'prefix'}: already used by the card type ${other.name}`);
    const names = new Set([...types.all.map((t) => t.name), type.name]);
    for (const f of type.fields)
      fieldType(f).yaml.checkTypes(f, names, (message) => {
        throw new CardTypeError(`card type ${type.name}: field ${f.name}: ${message}`);
      });
  } catch (err) {
    if (!(err instanceof CardTypeError)) throw err;
    return fail(err.message);
  }
  return { ok: true, raw: raw as Record<string, unknown>, type };
}

/**
 * The text of a stored definition, as the files of conf/cardtypes/ are
 * written: a short mapping or list (a label per language, a stage, a list of
 * columns) on one line, in flow style; the rest in blocks.
 */
export function draftText(definition: unknown): string {
  const doc = new YAML.Document(definition);
  YAML.visit(doc, {
    Map(_, node, path) {
      if (path.length > 1 && JSON.stringify(node.toJSON()).length <= 110) node.flow = true;
    },
    Seq(_, node, path) {
      if (path.length > 1 && node.items.every((x) => isScalar(x)) && JSON.stringify(node.toJSON()).length <= 110) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: true });
}
