// CSV import of cards: a file in the CSV export's format (app/services/card-export.ts)
// becomes new cards of one type. Read by csv-parse (a BOM skipped, the
// delimiter , ; or tab detected from the header line, CRLF or LF, quoted
// line breaks), every row checked first, then the rows imported.
//
// What MUST hold:
// - a field's cell is read by its type's `parseImport` (the inverse of its
//   `csvValue`), so export → import round-trips;
// - every row is checked before any card is made, and a refused row names its
//   line, its column and the reason; with `allOrNothing` one refused row means
//   no card at all, otherwise the valid rows are imported;
// - each card is made by CardService.createMany (permissions, required fields,
//   links checked again; the rows, numbers and change hooks of
//   CardService.create, per batch) with its history's source "import:<file
//   name>" (app/services/card-import-rows.ts).
import { parse } from 'csv-parse/sync';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import type { FieldDef, FieldValue, ParsedImport } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import { fromCsvText } from '#app/fields/shared';
import { inEnglish, msg, type Text } from '#app/i18n/message';
import { parseCardForm, type FormInput } from '#app/services/card-fields';
import type { CardType } from '#app/services/card-types';
import type { SessionUser } from '#app/services/users';

/** The largest file read (the upload limit of the import page, too). */
export const CSV_MAX_BYTES = 64 * 1024 * 1024;

/** Columns that fill something of a new card: its title, its assignee and the type's fields. */
export const COMMON_TARGETS = ['title', 'assignee'] as const;

export interface ImportDeps {
  db: Database;
  services: Pick<Services, 'cards'>;
}

/** A mistake in what was asked (one line): unknown type or column, a file that is no CSV at all. */
export class CardImportError extends Error {
  override name = 'CardImportError';
}

/** Why one row is refused: its line in the file (1 is the header), the column, the reason. */
export interface RowProblem {
  line: number;
  column: string | null;
  /** In English (the command's output). */
  reason: string;
  /** The same as a message, for a page in the reader's language. */
  text: Text;
}

function problem(line: number, column: string | null, text: Text): RowProblem {
  return { line, column, reason: inEnglish(text), text };
}

export interface CsvTable {
  delimiter: string;
  headers: string[];
  rows: { line: number; cells: string[] }[];
}

/** The delimiter of the header line: the most frequent of , ; and tab outside quotes (a comma on a tie). */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** The file's rows; throws CardImportError for a file that cannot be read as CSV at all. */
export function readCsv(bytes: Buffer): CsvTable {
  if (bytes.length > CSV_MAX_BYTES)
    throw new CardImportError(`the file is larger than ${CSV_MAX_BYTES / 1024 / 1024} MB, the import's limit`);
  const text = bytes
    .toString('utf8')
    .replace(/^\ufeff/, '')
    .replace(/\r\n?/g, '\n'); // Windows (and old Mac) line ends, in cells too
  const delimiter = detectDelimiter(text);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new CardImportError(`the file is not a readable CSV file: ${(err as Error).message}`);
  }
  if (!records.length) throw new CardImportError('the file is empty: a header line naming the columns is needed');
  const headers = records[0].record.map((h) => h.trim());
  return { delimiter, headers, rows: records.slice(1).map((r) => ({ line: r.info.lines, cells: r.record })) };
}

/** Where each column goes: a field name, 'title', 'assignee', or null (not imported). */
export type Mapping = (string | null)[];

/** The mapping: a header equal to a target's name or a field's label (any case), then `overrides` (COLUMN → FIELD, '' to skip). */
export function mapColumns(type: CardType, headers: string[], overrides: Record<string, string> = {}): Mapping {
  const targets = new Map<string, string>();
  for (const name of COMMON_TARGETS) targets.set(name, name);
  for (const f of type.fields) {
    if (fieldType(f).holdsFiles) continue;
    targets.set(f.label.toLowerCase(), f.name);
    targets.set(f.name.toLowerCase(), f.name);
  }
  for (const column of Object.keys(overrides))
    if (!headers.includes(column)) throw new CardImportError(`--map ${column}=…: the file has no column "${column}"`);
  return headers.map((h) => {
    if (h in overrides) {
      const to = overrides[h].trim();
      if (!to) return null;
      if (!(COMMON_TARGETS as readonly string[]).includes(to) && !type.fieldMap.get(to))
        throw new CardImportError(`--map ${h}=${to}: ${type.name} has no field "${to}"`);
      return to;
    }
    return targets.get(h.toLowerCase()) ?? null;
  });
}

/** A row checked: the card form's input, or its problems. */
export type CheckedRow = { line: number; input: FormInput } | { line: number; problems: RowProblem[] };

/** Every row checked (cells, lookups of emails and card numbers, the card form's rules). */
export async function checkRows(
  ctx: ImportDeps,
  type: CardType,
  table: CsvTable,
  mapping: Mapping,
  user: SessionUser,
): Promise<CheckedRow[]> {
  if (!mapping.includes('title')) throw new CardImportError('no column is mapped to the title (name one with --map COLUMN=title)');
  const tz = user.timeZone;
  const width = table.headers.length;
  const parsed = table.rows.map(({ line, cells }) => {
    const problems: RowProblem[] = [];
    const values = new Map<string, ParsedImport>();
    if (cells.length !== width) problems.push(problem(line, null, msg('imports.problems.cells', { cells: cells.length, width })));
    else if (cells.some((c) => c.includes('\u0000'))) problems.push(problem(line, null, msg('imports.problems.nul')));
    else
      mapping.forEach((to, i) => {
        if (!to) return;
        const cell = cells[i].trim();
        if (to === 'title') values.set(to, { value: fromCsvText(cell) });
        else if (to === 'assignee') values.set(to, cell ? { lookup: 'user', key: cell.toLowerCase() } : { value: null });
        else values.set(to, fieldType(type.fieldMap.get(to)!).parseImport(type.fieldMap.get(to)!, cell, { timeZone: tz }));
      });
    return { line, problems, values };
  });
  const ids = await lookups(
    ctx.db,
    parsed.flatMap((p) => [...p.values.values()]),
  );
  return parsed.map(({ line, problems, values }) => {
    const input: FormInput = {};
    const columnOf = (to: string) => table.headers[mapping.indexOf(to)];
    for (const [to, v] of values) {
      let value: FieldValue;
      if ('error' in v) {
        problems.push(problem(line, columnOf(to), v.error));
        continue;
      } else if ('lookup' in v) {
        const id = ids[v.lookup].get(v.key);
        if (id == null) {
          problems.push(
            problem(line, columnOf(to), msg(v.lookup === 'user' ? 'imports.problems.noUser' : 'imports.problems.noCard', { key: v.key })),
          );
          continue;
        }
        value = id;
      } else value = v.value;
      const def: FieldDef | undefined = type.fieldMap.get(to);
      input[to] = def ? fieldType(def).formValue(def, value, { locale: 'en', timeZone: tz }) : value == null ? '' : String(value);
    }
    if (!problems.length) {
      const form = parseCardForm(type, input, tz);
      for (const [k, v] of Object.entries(form.errors)) problems.push(problem(line, columnOf(k) ?? k, v));
    }
    return problems.length ? { line, problems } : { line, input };
  });
}

/** Users by lower-case email and cards by number, for the cells that name them (two queries at most). */
async function lookups(db: Database, values: ParsedImport[]): Promise<Record<'user' | 'card', Map<string, number>>> {
  const keys = { user: new Set<string>(), card: new Set<string>() };
  for (const v of values) if ('lookup' in v) keys[v.lookup].add(v.key);
  const [users, cards] = await Promise.all([
    keys.user.size
      ? db.rows<{ id: number; key: string }>(
          'select id, lower(email) as key from users where lower(email) = any($1::text[]) and is_active',
          [[...keys.user]],
        )
      : [],
    keys.card.size
      ? db.rows<{ id: number; key: string }>('select id, number as key from cards where number = any($1::text[]) and deleted_at is null', [
          [...keys.card],
        ])
      : [],
  ]);
  return { user: new Map(users.map((u) => [u.key, Number(u.id)])), card: new Map(cards.map((c) => [c.key, Number(c.id)])) };
}

/** The user an import runs as: the active user with `email`, or the first active superuser. */
export async function importUser(ctx: ImportDeps & { services: Pick<Services, 'users'> }, email: string | null): Promise<SessionUser> {
  const [row] = email
    ? await ctx.db.rows<{ id: number }>('select id from users where lower(email) = lower($1) and is_active', [email])
    : await ctx.db.rows<{ id: number }>('select id from users where is_superuser and is_active order by id limit 1');
  const user = row ? await ctx.services.users.sessionUser(row.id) : null;
  if (!user) throw new CardImportError(email ? `no active user with the email ${email}` : 'no active superuser: pass --as EMAIL');
  return user;
}
