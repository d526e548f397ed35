// Serving the web in one process (runserver, start) and the port argument
// every serving command takes.
import { CommandError } from '#app/cli/command';
import type { StopSignals } from '#app/cli/signals';
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
 * With no AMQP_URL, runserver also runs the workers and the beat
 * in-process (on ctx.transport, the local one). With AMQP_URL they run as
 * their own processes (`worker`, `beat`) and this one only serves.
 */
async function startBackground(ctx: AppContext, wanted: boolean): Promise<Background> {
  if (ctx.settings.broker.url)
    return { mode: 'mode: web only (AMQP_URL is set: run ./manage.ts worker and ./manage.ts beat)', stop: async () => undefined };
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
 * Serves until a stop signal (signals.ts watchStopSignals), then stops
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
