import type { Command } from '#app/cli/command';
import { withContext } from '#app/cli/runtime';
import { demoSignInLines, importDemo, resetDemoPasswords } from '#app/demo/demo';

export const command: Command = {
  name: 'import-demo',
  help: 'load demo roles, users and cards (idempotent); --lang ru: in Russian; --passwords: new demo passwords',
  arguments: [
    {
      name: '--lang',
      value: 'LANG',
      help: 'the language of the demo cards and names: en (the default) or ru; the demo users read the product in it',
    },
    {
      name: '--passwords',
      help: 'give the demo users new generated passwords and print them (their sessions end); for a trial installation only',
    },
  ],
  description: ['Demo users get generated passwords, printed when they are created.'],
  async handle({ values }, io) {
    await withContext(async (ctx) => {
      const result = await importDemo(ctx, typeof values.lang === 'string' ? values.lang : 'en');
      io.out(result.created ? `Loaded ${result.summary}.` : 'Demo data already present; nothing to do.');
      const users = values.passwords ? await resetDemoPasswords(ctx) : result.users;
      if (users.length) {
        io.out(values.passwords ? 'New passwords of the demo users (shown once):' : 'Demo users (passwords shown once):');
        for (const line of demoSignInLines(users)) io.out(`  ${line}`);
      }
    });
  },
};
