import { createLogger } from '#app/log';
import type { Command } from '#app/cli/command';
import { ensureFirstSuperuser, openContext, settingsOrExit, upgradeDatabase } from '#app/cli/runtime';
import { parsePort, serveUntilSignal } from '#app/cli/serving';
import { watchStopSignals } from '#app/cli/signals';
import { demoSignInLines, importDemo } from '#app/demo/demo';

export const command: Command = {
  name: 'start',
  help: 'first-run path of `npm start`: migrate, first superuser, demo data, serve',
  arguments: [
    { name: '--host', short: '-h', value: 'HOST', help: 'address to listen on (default server.host)' },
    { name: '--port', short: '-p', value: 'PORT', help: 'port (default server.port, or PORT)' },
  ],
  description: [
    'Brings up the database (embedded when DATABASE_URL is not set), applies',
    'migrations, creates the first superuser when there is none (from',
    'ORBIS_ADMIN_EMAIL/ORBIS_ADMIN_PASSWORD, else with a generated password',
    'printed once), loads demo data into an empty database, then serves.',
  ],
  async handle({ values }, io) {
    const settings = settingsOrExit();
    const host = (values.host as string | undefined) ?? settings.server.host;
    const port = parsePort(values.port, settings.server.port);
    // Watched from before the database starts: a stop requested while it
    // starts (initdb, migrations) stops everything once it is up.
    const signals = watchStopSignals(createLogger(settings), io.out);
    const ctx = await openContext(settings, 'runserver').catch((err: unknown) => {
      signals.dispose();
      throw err;
    });
    try {
      const { applied, roles } = await upgradeDatabase(ctx);
      if (applied.length) io.out(`Applied ${applied.length} migration(s).`);
      if (roles.length) io.out(`Created the roles the card types name: ${roles.join(', ')}.`);
      const first = await ensureFirstSuperuser(ctx, true);
      const demo = await importDemo(ctx);
      if (demo.created) io.out(`Loaded demo data: ${demo.summary}.`);
      await serveUntilSignal(
        ctx,
        host,
        port,
        (server, mode) => {
          io.out('');
          io.out(`  Orbis is running at ${server.url}/`);
          io.out(`  ${mode}`);
          if (first?.generatedPassword) {
            io.out(`  Sign in as ${first.email} with password ${first.generatedPassword}`);
            io.out('  (shown once; change it under Admin → Users, or run ./manage.ts create-superuser)');
          } else if (first) {
            io.out(`  Sign in as ${first.email} with the password from ORBIS_ADMIN_PASSWORD.`);
          } else {
            io.out('  Sign in with your account (./manage.ts create-superuser EMAIL makes another).');
          }
          // The demo operator and manager show what a role may and may not do.
          if (demo.users.length) {
            io.out('  Demo users, to see what each role may do (passwords shown once):');
            for (const line of demoSignInLines(demo.users)) io.out(`    ${line}`);
          } else {
            io.out('  Demo users: ./manage.ts import-demo --passwords prints new passwords for them.');
          }
          io.out('');
        },
        {},
        signals,
      );
    } catch (err) {
      await ctx.close().catch(() => undefined);
      signals.dispose();
      throw err;
    }
  },
};
