import { CommandError, type Command } from '#app/cli/command';
import { upgradeDatabase, withContext } from '#app/cli/runtime';
import { createMigrator } from '#app/db/migrate';

export const command: Command = {
  name: 'db',
  help: 'database migrations: upgrade, downgrade, status',
  arguments: [
    { name: 'ACTION', choices: ['upgrade', 'downgrade', 'status'], help: 'what to do' },
    { name: '--steps', value: 'N', help: 'downgrade: revert the last N migrations (default 1)' },
    { name: '--all', help: 'downgrade: revert every migration' },
  ],
  description: [
    'upgrade     apply every pending migration (safe to run twice, or twice at once),',
    '            then create the roles the card types name that do not exist yet',
    'downgrade   revert the last migration (--steps N: the last N; --all: every one)',
    'status      list applied and pending migrations',
  ],
  async handle({ values, positionals }, io) {
    const action = positionals[0];
    let steps = 1;
    if (values.all) steps = Infinity;
    else if (values.steps !== undefined) {
      steps = Number(values.steps);
      if (!Number.isInteger(steps) || steps < 1)
        throw new CommandError(`--steps must be a whole number of at least 1, not "${values.steps}"`);
    }
    await withContext(async (ctx) => {
      if (action === 'upgrade') {
        const { applied, roles } = await upgradeDatabase(ctx, io);
        io.out(
          applied.length
            ? `${applied.length} migration(s) applied; the database is up to date.`
            : 'Nothing to apply; the database is up to date.',
        );
        if (roles.length) io.out(`Created the roles the card types name: ${roles.join(', ')} (give them to users under Admin → Users).`);
        return;
      }
      const migrator = await createMigrator(ctx.db);
      try {
        if (action === 'downgrade') {
          const reverted = await migrator.downgrade(steps, (name) => io.out(`reverted ${name}`));
          io.out(reverted.length ? `${reverted.length} migration(s) reverted.` : 'Nothing to revert.');
        } else {
          const { executed, pending } = await migrator.status();
          for (const name of executed) io.out(`[x] ${name}`);
          for (const name of pending) io.out(`[ ] ${name}`);
          io.out(
            pending.length
              ? `${pending.length} pending: run ./manage.ts db upgrade`
              : `Up to date (${executed.length} applied, schema ${ctx.db.schema}).`,
          );
        }
      } finally {
        await migrator.close();
      }
    });
  },
};
