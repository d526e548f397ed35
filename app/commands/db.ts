import type { Command } from '#app/commands/command';
import { CommandError } from '#app/commands/command';
import { upgradeDatabase, withContext } from '#app/commands/runtime';
import { createMigrator } from '#app/db/migrate';

export const command: Command = {
  name: 'db',
  summary: 'database migrations: upgrade, downgrade, status',
  usage: 'upgrade | downgrade [--steps N | --all] | status',
  options: { steps: { type: 'string' }, all: { type: 'boolean' } },
  help: [
    'upgrade     apply every pending migration (safe to run twice, or twice at once),',
    '            then create the roles the card types name that do not exist yet',
    'downgrade   revert the last migration (--steps N: the last N; --all: every one)',
    'status      list applied and pending migrations',
  ],
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, io) {
    const action = positionals[0];
    if (!['upgrade', 'downgrade', 'status'].includes(action)) throw new CommandError(`unknown db action "${action}" (upgrade, downgrade or status)`);
    let steps = 1;
    if (values.all) steps = Infinity;
    else if (values.steps !== undefined) {
      steps = Number(values.steps);
      if (!Number.isInteger(steps) || steps < 1) throw new CommandError(`--steps must be a whole number of at least 1, not "${values.steps}"`);
    }
    await withContext(async (ctx) => {
      if (action === 'upgrade') {
        const { applied, roles } = await upgradeDatabase(ctx, io);
        io.out(applied.length ? `${applied.length} migration(s) applied; the database is up to date.` : 'Nothing to apply; the database is up to date.');
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
          io.out(pending.length ? `${pending.length} pending: run ./manage.ts db upgrade` : `Up to date (${executed.length} applied, schema ${ctx.db.schema}).`);
        }
      } finally {
        await migrator.close();
      }
    });
  },
};
