import type { Command } from '#app/commands/command';
import { CommandError } from '#app/commands/command';
import { promptHidden } from '#app/commands/prompt';
import { withContext } from '#app/commands/runtime';
import { ValidationError } from '#app/services/errors';
import { inEnglish } from '#app/i18n/message';
import { emailProblem, normalizeEmail } from '#app/services/users';
import { passwordWeakness } from '#app/services/passwords';

export const command: Command = {
  name: 'create-superuser',
  summary: 'create an administrator account',
  usage: 'EMAIL [PASSWORD]',
  options: { name: { type: 'string' } },
  help: [
    'Without PASSWORD, asks for it twice without echo (on a terminal only).',
    '--name NAME   the display name (default: the part of EMAIL before @)',
  ],
  positionals: { min: 1, max: 2 },
  async run({ values, positionals }, io) {
    const email = normalizeEmail(positionals[0]);
    const problem = emailProblem(email);
    if (problem) throw new CommandError(inEnglish(problem));
    let password = positionals[1];
    if (password === undefined) {
      if (!io.interactive) throw new CommandError('PASSWORD is required when not run on a terminal');
      password = await promptHidden('Password: ', io.stdin, io.stdout).catch(() => {
        throw new CommandError('cancelled');
      });
      const weak = passwordWeakness(password, email);
      if (weak) throw new CommandError(inEnglish(weak));
      const again = await promptHidden('Password (again): ', io.stdin, io.stdout).catch(() => {
        throw new CommandError('cancelled');
      });
      if (again !== password) throw new CommandError('the two passwords differ');
    }
    const weak = passwordWeakness(password, email);
    if (weak) throw new CommandError(inEnglish(weak));
    await withContext(async (ctx) => {
      try {
        await ctx.services.users.create({ email, password: password!, isSuperuser: true, displayName: values.name as string | undefined });
      } catch (err) {
        if (err instanceof ValidationError) throw new CommandError(err.message);
        throw err;
      }
    });
    io.out(`Superuser ${email} created.`);
  },
};
