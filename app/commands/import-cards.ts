// ./manage.ts import-cards FILE --type TYPE: a CSV file (the CSV export's
// format) into new cards (app/services/card-import.ts). Every row is checked
// first; refused rows are listed with their line, column and reason. On a
// terminal a progress bar while the cards are made; a summary line at the end.
// Exit 0: every row imported; 1: a mistake in the command (one line);
// 2: rows were refused (with --all-or-nothing: nothing imported).
import fs from 'node:fs';
import path from 'node:path';
import { CommandError, type Command } from '#app/cli/command';
import { ProgressBar } from '#app/cli/progress';
import { withContext } from '#app/cli/runtime';
import { CardImportError, checkRows, importUser, mapColumns, readCsv } from '#app/services/card-import';
import { importRows } from '#app/services/card-import-rows';

const SHOWN = 100;

function parseMaps(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 1) throw new CommandError(`--map takes COLUMN=FIELD, not "${v}"`);
    out[v.slice(0, i).trim()] = v.slice(i + 1);
  }
  return out;
}

export const command: Command = {
  name: 'import-cards',
  help: 'import a CSV file (the CSV export of a list) as new cards of a type',
  arguments: [
    { name: 'FILE', help: 'the CSV file (UTF-8; comma, semicolon or tab; a BOM is skipped)' },
    { name: '--type', value: 'TYPE', required: true, help: 'card type of the new cards' },
    {
      name: '--map',
      value: 'COLUMN=FIELD',
      multiple: true,
      help: 'the field a column fills (COLUMN= skips it); default: by name or label',
    },
    { name: '--as', value: 'EMAIL', help: 'who imports (owns the cards; default: the first superuser)' },
    { name: '--all-or-nothing', help: 'import nothing when any row is refused (default: import the valid rows)' },
  ],
  description: [
    'Columns named like a field (its name or label), title or assignee are imported; the',
    "export's number, stage, owner and dates are not (the cards are new). Each card's history",
    'says it was imported, by whom, from which file.',
  ],
  async handle(args, io) {
    const file = args.positionals[0];
    const overrides = parseMaps((args.values.map as string[] | undefined) ?? []);
    const allOrNothing = args.values['all-or-nothing'] === true;
    const st = await fs.promises.stat(file).catch(() => null);
    if (!st?.isFile()) throw new CommandError(`${file} is not a file`);
    const result = await withContext(async (ctx) => {
      try {
        const type = ctx.services.cards.types.get(args.values.type as string);
        if (!type)
          throw new CardImportError(
            `unknown card type "${String(args.values.type)}" (known: ${ctx.services.cards.types.all.map((t) => t.name).join(', ')})`,
          );
        const user = await importUser(ctx, typeof args.values.as === 'string' ? args.values.as : null);
        const table = readCsv(await fs.promises.readFile(file));
        const mapping = mapColumns(type, table.headers, overrides);
        const rows = await checkRows(ctx, type, table, mapping, user);
        let bar: ProgressBar | null = null;
        let shown = 0;
        const r = await importRows(
          ctx,
          type,
          user,
          rows,
          { fileName: path.basename(file), allOrNothing },
          {
            start(total) {
              bar = new ProgressBar(io, 'importing', total);
            },
            progress(done) {
              (bar as ProgressBar | null)?.tick(done - shown);
              shown = done;
            },
          },
        );
        (bar as ProgressBar | null)?.finish();
        return { ...r, total: rows.length };
      } catch (err) {
        if (err instanceof CardImportError) throw new CommandError(err.message);
        throw err;
      }
    });
    for (const p of result.refused.slice(0, SHOWN)) io.out(`refused line ${p.line}${p.column ? `, ${p.column}` : ''}: ${p.reason}`);
    if (result.refused.length > SHOWN) io.out(`… and ${result.refused.length - SHOWN} more`);
    const rowsRefused = new Set(result.refused.map((p) => p.line)).size;
    io.out(
      `summary: ${result.created} card(s) imported of ${result.total} row(s), ${rowsRefused} row(s) refused` +
        (allOrNothing && rowsRefused ? ' (--all-or-nothing: nothing imported)' : ''),
    );
    return rowsRefused ? 2 : 0;
  },
};
