// ./manage.ts import-folder DIR --type TYPE: a scanner's drop folder into
// cards (app/services/folder-import.ts). On a terminal a progress bar, then
// the files that need a look (refused, vanished); otherwise one line per
// file as it goes (cron, logs). A summary line at the end either way.
import { CommandError, type Command } from '#app/cli/command';
import { ProgressBar } from '#app/cli/progress';
import { withContext } from '#app/cli/runtime';
import { FolderImportError, importFolder, planImport, type ImportSummary, type Outcome } from '#app/services/folder-import';

function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'created':
      return `new card ${o.card}: ${o.path}`;
    case 'attached':
      return `attached to ${o.card}: ${o.path}`;
    case 'skipped':
      return `skipped (already imported): ${o.path}`;
    case 'refused':
      return `refused ${o.path}: ${o.reason}`;
    case 'vanished':
      return `vanished (imported before, no longer in the folder): ${o.path}`;
  }
}

function summaryLine(s: ImportSummary): string {
  return `summary: ${s.created} new card(s), ${s.attached} attached, ${s.skipped} skipped, ${s.refused} refused, ${s.vanished} vanished`;
}

function parseSets(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 1) throw new CommandError(`--set takes FIELD=VALUE, not "${v}"`);
    out[v.slice(0, i).trim()] = v.slice(i + 1);
  }
  return out;
}

export const command: Command = {
  name: 'import-folder',
  help: "import a scanner's drop folder: new files become cards, PR-000123*.jpg attach to that card",
  arguments: [
    { name: 'DIR', help: 'the folder to import (never changed)' },
    { name: '--type', value: 'TYPE', required: true, help: 'card type of the new cards (the title comes from the file name)' },
    { name: '--set', value: 'FIELD=VALUE', multiple: true, help: 'a value for a field of the new cards; required fields must be given' },
    { name: '--owner', value: 'EMAIL', help: 'who owns the new cards and attaches the files (default: the first superuser)' },
  ],
  description: [
    'A file whose name starts with a card number (PR-000123.jpg, PR-000123_receipt.jpg) is',
    'attached to that card. Files imported before (same bytes) are skipped; refused files are',
    'reported with the reason and the import goes on. Source files are never changed.',
  ],
  async handle(args, io) {
    const type = args.values.type as string;
    const fields = parseSets((args.values.set as string[] | undefined) ?? []);
    const owner = typeof args.values.owner === 'string' ? args.values.owner : null;
    const summary = await withContext(async (ctx) => {
      let plan;
      try {
        plan = await planImport(ctx, args.positionals[0], { type, fields, owner });
      } catch (err) {
        if (err instanceof FolderImportError) throw new CommandError(err.message);
        throw err;
      }
      let bar: ProgressBar | null = null;
      const later: string[] = [];
      const s = await importFolder(ctx, plan, {
        start(total) {
          if (io.interactive) bar = new ProgressBar(io, 'importing', total);
        },
        outcome(o) {
          if (!bar) io.out(describeOutcome(o));
          else {
            if (o.kind !== 'vanished') bar.tick();
            if (o.kind === 'refused' || o.kind === 'vanished') later.push(describeOutcome(o));
          }
        },
      });
      (bar as ProgressBar | null)?.finish();
      for (const line of later) io.out(line);
      return s;
    });
    io.out(summaryLine(summary));
  },
};
