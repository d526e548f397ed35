import { createLogger } from '#app/log';
import type { Command, CommandIO } from '#app/commands/command';
import { CommandError } from '#app/commands/command';
import { ensureFirstSuperuser, openContext, pendingMigrations, settingsOrExit, watchStopSignals, type StopSignals } from '#app/commands/runtime';
import { createBeat } from '#app/beat/beat';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import { createApp } from '#app/web/app';
import { listen, type RunningServer } from '#app/web/server';

export function parsePort(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandError(`invalid port "${String(value)}": expected 0-65535`);
  return port;
}

export interface ServeOptions {
  /** Without AMQP_URL, also run the workers and the beat here (default true; off while migrations are pending). */
  inProcess?: boolean;
}

interface Background {
  /** One line for the operator: what runs in this process. */
  mode: string;
  stop(): Promise<void>;
}

/**
 * DESIGN.md: with no AMQP_URL, runserver also runs the workers and the beat
 * in-process (on ctx.transport, the local one). With AMQP_URL they run as
 * their own processes (`worker`, `beat`) and this one only serves.
 */
async function startBackground(ctx: AppContext, wanted: boolean): Promise<Background> {
  if (ctx.settings.broker.url) return { mode: 'mode: web only (AMQP_URL is set: run ./manage.ts worker and ./manage.ts beat)', stop: async () => undefined };
  if (!wanted) return { mode: 'mode: web only until migrations are applied (no workers, no beat)', stop: async () => undefined };
  await ctx.services.search.ensureLanguage(ctx.services.jobs);
  const runner = await startWorkers(ctx);
  const beat = createBeat(ctx);
  try {
    await beat.start();
  } catch (err) {
    await runner.stop();
    throw err;
  }
  return {
    mode: 'mode: in-process (no AMQP_URL): web, workers and beat in this one process',
    async stop() {
      // The beat first (nothing new is enqueued), then the workers finish what runs.
      await beat.stop();
      await runner.stop();
    },
  };
}

/**
 * Serves until a stop signal (runtime.ts watchStopSignals), then stops
 * gracefully and closes the context (which stops an embedded PostgreSQL).
 * A stop requested while starting stops it once it is up.
 */
export async function serveUntilSignal(
  ctx: AppContext,
  host: string,
  port: number,
  onReady: (server: RunningServer, mode: string) => void,
  options: ServeOptions,
  signals: StopSignals,
): Promise<void> {
  try {
    const app = createApp(ctx);
    const background = await startBackground(ctx, options.inProcess ?? true);
    let server: RunningServer;
    try {
      server = await listen(app, host, port);
    } catch (err) {
      await background.stop();
      throw new CommandError((err as Error).message);
    }
    onReady(server, background.mode);
    await signals.requested;
    await server.close();
    await background.stop().catch((err: Error) => ctx.log.error({ error: err.message }, 'stopping the workers and the beat failed'));
  } finally {
    await ctx.close();
    signals.dispose();
  }
}

export const command: Command = {
  name: 'runserver',
  summary: 'run the development web server (one process)',
  usage: '[-h HOST] [-p PORT]',
  options: { host: { type: 'string', short: 'h' }, port: { type: 'string', short: 'p' } },
  help: [
    '-h, --host HOST   address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)',
    '-p, --port PORT   port (default 5000, or PORT)',
    'Without AMQP_URL the workers and the beat run in this process too; with it,',
    'run them as their own processes (./manage.ts worker, ./manage.ts beat).',
  ],
  positionals: { min: 0, max: 0 },
  async run({ values }, io: CommandIO) {
    const settings = settingsOrExit();
    const host = (values.host as string | undefined) ?? settings.server.host;
    const port = parsePort(values.port, settings.server.port);
    // Watched from before the database starts: a stop requested while it
    // starts (initdb, migrations) stops everything once it is up.
    const signals = watchStopSignals(createLogger(settings), io.out);
    const ctx = await openContext(settings).catch((err: unknown) => {
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
