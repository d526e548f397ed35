// How the long-running commands stop: on SIGINT/SIGTERM (worker, beat), or
// watched from their start on (runserver, start), a second signal hurrying.
import os from 'node:os';
import type { AppContext } from '#app/context';
import type { Logger } from '#app/log';

/**
 * Waits for SIGINT or SIGTERM, logs `what` and runs `stop` (the graceful
 * part: finish running jobs, release the beat's lock, close the server).
 */
export function untilSignal(ctx: AppContext, what: string, stop: () => Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      ctx.log.info(`${signal}: ${what}`);
      stop().then(
        () => resolve(),
        () => resolve(),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The signals that stop `start` and `runserver` (SIGHUP: the terminal closed). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A signal this soon after the first is the same request: a Ctrl-C reaches
 * both npm and this process, and npm passes it on.
 */
const ECHO_MS = 1000;

export interface StopSignals {
  /** Resolves with the first stop signal. */
  readonly requested: Promise<NodeJS.Signals>;
  isRequested(): boolean;
  /** Stops listening (when everything is stopped). */
  dispose(): void;
}

/**
 * Watches for the stop request of a serving command, from its start on (a
 * signal during the start stops it once it is up, not half-way).
 *
 * What MUST hold: the listeners stay installed until dispose(), so a second
 * signal never finds none (Node would then die at once, and tsx's loader
 * exits the process when no listener is left). A second signal, at least
 * ECHO_MS after the first, hurries the stop: the process exits now, without
 * waiting for requests and jobs in flight (a running job goes back to the
 * queue when its heartbeat goes stale), and its exit handlers still stop the
 * embedded PostgreSQL (app/db/embedded.ts).
 */
export function watchStopSignals(log: Logger, say: (line: string) => void): StopSignals {
  let first = 0;
  let resolve!: (signal: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (!first) {
      first = Date.now();
      log.info(`${signal}: stopping`);
      say(`Stopping (${signal}): finishing requests and jobs in flight, then the database. Again to stop without waiting.`);
      resolve(signal);
      return;
    }
    if (Date.now() - first < ECHO_MS) return;
    log.warn(`${signal} again: stopping without waiting for requests and jobs in flight`);
    say(`Stopping now (${signal} again); the embedded database is still stopped cleanly.`);
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    requested,
    isRequested: () => first !== 0,
    dispose() {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}
