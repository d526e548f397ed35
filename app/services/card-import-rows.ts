// The import of checked rows (app/services/card-import.ts reads and checks
// them), shared by ./manage.ts import-cards and the import page's job.
//
// What MUST hold:
// - the cards are made by CardService.createMany, in batches of IMPORT_BATCH
//   rows, one transaction each: the same checks, numbers, rows and change
//   hooks (history job with the source, watchers, notices, SLA task, webhooks)
//   as a card made on its own;
// - all or nothing: one transaction for every batch, and a row refused by the
//   save rolls all of it back;
// - a run resumed after `afterLine` skips the rows up to it: the caller
//   records the last line of each batch in the batch's own transaction
//   (`committed`), so a batch is either made and recorded, or neither.
import type { Transaction } from '#app/db/connection';
import { inEnglish } from '#app/i18n/message';
import { CardImportError, type CheckedRow, type ImportDeps, type RowProblem } from '#app/services/card-import';
import type { CardType } from '#app/services/card-types';
import { can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

/** Rows per transaction (measured: docs/benchmarks.md, "CSV import"). */
export const IMPORT_BATCH = 1000;

export interface ImportResult {
  created: number;
  refused: RowProblem[];
}

export interface ImportHooks {
  start?(total: number): void;
  /** After each batch (after its commit, unless all or nothing): rows done so far, of `total`. */
  progress?(done: number, total: number): void;
  /** Inside a batch's transaction, after its cards: the rows up to `line` are done, `created` cards of them made. */
  committed?(t: Transaction, line: number, created: number): Promise<void>;
}

class RowRefused extends Error {}

/**
 * Imports the checked rows as `user`, the history naming `fileName`. All or
 * nothing: any refused row (checked before, or refused by the save) means no card.
 */
export async function importRows(
  ctx: ImportDeps,
  type: CardType,
  user: SessionUser,
  rows: CheckedRow[],
  options: { fileName: string; allOrNothing: boolean; afterLine?: number; batchSize?: number },
  hooks: ImportHooks = {},
): Promise<ImportResult> {
  if (!can(user, type, 'create')) throw new CardImportError(`${user.email} may not create ${type.plural.toLowerCase()}`);
  const refused = rows.flatMap((r) => ('problems' in r ? r.problems : []));
  if (options.allOrNothing && refused.length) return { created: 0, refused };
  const source = `import:${options.fileName}`;
  const todo = rows.filter((r) => r.line > (options.afterLine ?? 0));
  const size = options.batchSize ?? IMPORT_BATCH;
  hooks.start?.(todo.length);
  const batch = async (chunk: CheckedRow[], t: Transaction): Promise<number> => {
    const valid = chunk.flatMap((r) => ('input' in r ? [r] : []));
    const made = valid.length
      ? await ctx.services.cards.createMany(
          user,
          type.name,
          valid.map((r) => r.input),
          { transaction: t, source },
        )
      : [];
    let created = 0;
    made.forEach((m, i) => {
      if ('card' in m) created++;
      else for (const [k, v] of Object.entries(m.errors)) refused.push({ line: valid[i].line, column: k, reason: inEnglish(v), text: v });
    });
    if (options.allOrNothing && created < valid.length) throw new RowRefused();
    await hooks.committed?.(t, chunk[chunk.length - 1].line, created);
    return created;
  };
  const chunks: CheckedRow[][] = [];
  for (let i = 0; i < todo.length; i += size) chunks.push(todo.slice(i, i + size));
  let created = 0;
  let done = 0;
  if (options.allOrNothing) {
    try {
      await ctx.db.transaction(async (t) => {
        for (const chunk of chunks) {
          created += await batch(chunk, t);
          hooks.progress?.((done += chunk.length), todo.length);
        }
      });
    } catch (err) {
      if (err instanceof RowRefused) return { created: 0, refused };
      throw err;
    }
  } else
    for (const chunk of chunks) {
      created += await ctx.db.transaction((t) => batch(chunk, t));
      hooks.progress?.((done += chunk.length), todo.length);
    }
  return { created, refused };
}
