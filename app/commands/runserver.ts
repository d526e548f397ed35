import { createLogger } from '#app/log';
import type { Command } from '#app/cli/command';
import { ensureFirstSuperuser, openContext, pendingMigrations, settingsOrExit } from '#app/cli/runtime';
import { parsePort, serveUntilSignal } from '#app/cli/serving';
import { watchStopSignals } from '#app/cli/signals';
import type { RunningServer } from '#app/web/server';

export const command: Command = {
  name: 'runserver',
  help: 'run the development web server (one process)',
  arguments: [
    { name: '--host', short: '-h', value: 'HOST', help: 'address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)' },
    { name: '--port', short: '-p', value: 'PORT', help: 'port (default 5000, or PORT)' },
  ],
  description: [
    'Without AMQP_URL the workers and the beat run in this process too; with it,',
    'run them as their own processes (./manage.ts worker, ./manage.ts beat).',
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
    let pending: string[];
    try {
      pending = await pendingMigrations(ctx).catch(() => []);
      if (pending.length) io.err(`warning: ${pending.length} migration(s) pending: run ./manage.ts db upgrade`);
      else await ensureFirstSuperuser(ctx, false);
    } catch (err) {
      await ctx.close().catch(() => undefined);
      signals.dispose();
      throw err;
    }
    const ready = (server: RunningServer, mode: string) => {
      io.out(`Orbis is running at ${server.url}/ (listening on ${host}:${server.port}; Ctrl-C to stop)`);
      io.out(mode);
    };
    await serveUntilSignal(ctx, host, port, ready, { inProcess: !pending.length }, signals);
  },
};
