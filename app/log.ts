// Logging with pino: one JSON line per event in production, pretty lines in
// development. Every line written while a request (or a job it enqueued) is
// being handled carries that request's id, taken from the async context.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type { Settings } from '#app/config';

export type { Logger };

export interface LogContext {
  reqId?: string;
  jobId?: string;
}

export const logContext = new AsyncLocalStorage<LogContext>();

/** `destination` overrides where lines go (tests); default stderr. */
export function createLogger(settings: Pick<Settings, 'log'>, name = 'orbis', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: settings.log.level,
    mixin() {
      return logContext.getStore() ?? {};
    },
  };
  if (destination) return pino(options, destination);
  if (settings.log.pretty && settings.log.level !== 'silent') {
    // pino-pretty in-process (sync) so lines are not lost on exit and the
    // request id stays on the same line.
    return pino(options, pinoPrettyStream());
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

const require = createRequire(import.meta.url);

function pinoPrettyStream(): pino.DestinationStream {
  // Loaded only when asked for: production processes never load it.
  const pretty = require('pino-pretty') as (o: Record<string, unknown>) => pino.DestinationStream;
  return pretty({
    colorize: Boolean(process.stderr.isTTY),
    sync: true,
    destination: 2,
    ignore: 'pid,hostname',
    translateTime: 'SYS:HH:MM:ss',
  });
}
