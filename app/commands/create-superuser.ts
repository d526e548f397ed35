import { CommandError, type Command } from '#app/cli/command';
import { promptHidden } from '#app/cli/prompt';
import { withContext } from '#app/cli/runtime';
import { ValidationError } from '#app/services/errors';
import { inEnglish } from '#app/i18n/message';
import { emailProblem, normalizeEmail } from '#app/services/users';
import { passwordWeakness } from '#app/services/passwords';

export const command: Command = {
  name: 'create-superuser',
  help: 'create an administrator account',
  arguments: [
    { name: 'EMAIL', help: "the account's email address (its sign-in)" },
    { name: 'PASSWORD', optional: true, help: 'without it, asked twice without echo (on a terminal only)' },
    { name: '--name', value: 'NAME', help: 'the display name (default: the part of EMAIL before @)' },
  ],
  async handle({ values, positionals }, io) {
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
