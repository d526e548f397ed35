// ./manage.ts types export DIR | import DIR [--dry-run] [--move TYPE.STAGE=TARGET]…:
// card types as a package between environments (a development schema and a
// production one): app/services/type-packages.ts and type-package-import.ts.
import os from 'node:os';
import { CommandError, type Command, type CommandIO } from '#app/cli/command';
import { withContext } from '#app/cli/runtime';
import type { AppContext } from '#app/context';
import type { DiffLine } from '#app/services/card-type-changes';
import { importPackage, type ImportSummary, type TypeOutcome } from '#app/services/type-package-import';
import { exportPackage, PackageError, type PackageDeps } from '#app/services/type-packages';

const deps = (ctx: AppContext): PackageDeps => ({
  db: ctx.db,
  store: ctx.services.cardTypeStore,
  types: ctx.services.cards.types,
  roles: ctx.services.roles,
  defaultLocale: ctx.settings.i18n.defaultLocale,
});

const cut = (s: string | undefined) => (!s ? '' : s.length > 100 ? `${s.slice(0, 99)}…` : s);

function diffLine(d: DiffLine): string {
  if (d.what === 'added') return `  + ${d.where}: ${cut(d.after)}`;
  if (d.what === 'removed') return `  - ${d.where}: ${cut(d.before)}`;
  return `  ~ ${d.where}: ${cut(d.before)} → ${cut(d.after)}`;
}

function report(t: TypeOutcome, dryRun: boolean, io: CommandIO): void {
  if (t.status === 'unchanged') return io.out(`${t.file}: ${t.name} unchanged (version ${t.from})`);
  const would = dryRun ? 'would be' : 'saved as';
  io.out(
    t.status === 'new'
      ? `${t.file}: ${t.name} is new, ${would} version ${t.version}`
      : `${t.file}: ${t.name} version ${t.from} → ${t.version} (${dryRun ? 'not saved' : 'saved'})`,
  );
  for (const d of t.diff) io.out(diffLine(d));
  if (t.status === 'changed' && !t.diff.length) io.out('  (only the order of its keys changed)');
  for (const s of t.impact?.removedStages ?? [])
    if (s.cards)
      io.out(
        `  cards: ${s.cards} in stage ${s.name} ${dryRun ? 'would move' : 'move'} to ${t.moves[s.name]}${t.moveJob ? ` (job ${t.moveJob})` : ''}`,
      );
  for (const f of t.impact?.archivedFields ?? [])
    io.out(`  cards: field ${f.name} archived, ${f.cards} card(s) keep its value (history, export)`);
  for (const f of t.impact?.newlyRequired ?? [])
    io.out(`  cards: field ${f.name} now required, ${f.cards} card(s) lack it (asked at their next edit)`);
}

function summary(s: ImportSummary, io: CommandIO): void {
  for (const t of s.types) report(t, s.dryRun, io);
  if (s.rolesCreated.length) io.out(`roles ${s.dryRun ? 'to create' : 'created'}: ${s.rolesCreated.join(', ')}`);
  if (s.rolesDiffering.length)
    io.out(`roles kept as they are here (label or description differ from the package): ${s.rolesDiffering.join(', ')}`);
  const count = (k: TypeOutcome['status']) => s.types.filter((t) => t.status === k).length;
  const line = `${count('new')} new, ${count('changed')} changed, ${count('unchanged')} unchanged`;
  io.out(s.dryRun ? `dry run: ${line}; nothing saved` : `imported: ${line}`);
}

export const command: Command = {
  name: 'types',
  help: 'card types as a package between environments: export to a folder, import one (diff, dry run, one version per type)',
  arguments: [
    { name: 'ACTION', choices: ['export', 'import'], help: 'what to do' },
    { name: 'DIR', optional: true, help: 'the package folder (required)' },
    { name: '--dry-run', help: 'import: check and show what would change, save nothing' },
    { name: '--move', value: 'TYPE.STAGE=TARGET', multiple: true, help: 'import: where the cards of a removed stage go' },
    { name: '--comment', value: 'TEXT', help: "import: the new versions' comment (default: names the package)" },
  ],
  description: [
    'export DIR   one <type>.yaml per card type (its latest version; permissions as in force, /admin/roles included),',
    '             roles.yaml (every role) and package.yaml (when, from where, each type\u2019s version)',
    'import DIR   creates the missing roles, then saves each changed type as one new version, all or nothing,',
    '             with the designer\u2019s safety rules; rights set at /admin/roles on an imported type are replaced',
  ],
  async handle({ values, positionals }, io) {
    const [action, dir] = positionals;
    if (!dir) throw new CommandError(`types ${action} needs the package folder DIR`);
    const moves = (values.move as string[] | undefined) ?? [];
    if (action === 'export' && (values['dry-run'] || moves.length || values.comment !== undefined))
      throw new CommandError('--dry-run, --move and --comment go with types import, not types export');
    await withContext(async (ctx) => {
      try {
        if (action === 'export') {
          const r = await exportPackage(deps(ctx), dir, { installation: ctx.settings.server.publicUrl ?? os.hostname() });
          for (const t of r.types) io.out(`${t.file}: ${t.name} version ${t.version}`);
          io.out(`exported ${r.types.length} card type(s) and ${r.roles} role(s) to ${dir}`);
        } else {
          const comment = typeof values.comment === 'string' ? values.comment : undefined;
          summary(await importPackage(deps(ctx), dir, { dryRun: values['dry-run'] === true, moves, comment }), io);
        }
      } catch (err) {
        if (err instanceof PackageError) throw new CommandError(err.message);
        throw err;
      }
    });
  },
};
