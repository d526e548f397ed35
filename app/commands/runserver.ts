import type { Command, CommandIO } from '#app/commands/command';
import { CommandError } from '#app/commands/command';
import { ensureFirstSuperuser, openContext, pendingMigrations, settingsOrExit } from '#app/commands/runtime';
import type { AppContext } from '#app/context';
import { createApp } from '#app/web/app';
import { listen, type RunningServer } from '#app/web/server';

export function parsePort(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandError(`invalid port "${String(value)}": expected 0-65535`);
  return port;
}

/** Serves until SIGINT/SIGTERM, then stops gracefully and closes the context. */
export async function serveUntilSignal(ctx: AppContext, host: string, port: number, onReady: (server: RunningServer) => void): Promise<void> {
  const app = createApp(ctx);
  let server: RunningServer;
  try {
    server = await listen(app, host, port);
  } catch (err) {
    await ctx.close();
    throw new CommandError((err as Error).message);
  }
  onReady(server);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      ctx.log.info(`${signal}: stopping`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await ctx.close();
}

export const command: Command = {
  name: 'runserver',
  summary: 'run the development web server (one process)',
  usage: '[-h HOST] [-p PORT]',
  options: { host: { type: 'string', short: 'h' }, port: { type: 'string', short: 'p' } },
  help: ['-h, --host HOST   address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)', '-p, --port PORT   port (default 5000, or PORT)'],
  positionals: { min: 0, max: 0 },
  async run({ values }, io: CommandIO) {
    const settings = settingsOrExit();
    const host = (values.host as string | undefined) ?? settings.server.host;
    const port = parsePort(values.port, settings.server.port);
    const ctx = await openContext(settings);
    const pending = await pendingMigrations(ctx).catch(() => []);
    if (pending.length) io.err(`warning: ${pending.length} migration(s) pending: run ./manage.ts db upgrade`);
    else await ensureFirstSuperuser(ctx, false);
    await serveUntilSignal(ctx, host, port, (server) => io.out(`Orbis is running at ${server.url}/ (listening on ${host}:${server.port}; Ctrl-C to stop)`));
  },
};
