// Production web: N processes (node:cluster) sharing one port.
//
// What MUST hold:
// - A web process is recycled after `serve.maxRequests` requests, dropping
//   no connection: from that request on its answers say `Connection: close`
//   (clients move to the other processes); the primary starts a replacement
//   and only once it listens tells the old one to retire; the old one stops
//   accepting, lets its keep-alive connections end with their next answer
//   (idle ones are closed after RETIRE_IDLE_GRACE_MS), finishes what it has,
//   flushes its request log and exits. A replacement that cannot start
//   leaves the old one serving.
// - A broken card type stops the start before anything is forked (one line,
//   exit 1); a first generation that cannot start stops serve with its reason.
// - SIGHUP reloads gracefully: a whole new generation starts first; the old
//   one is disconnected only when every new process listens. If one cannot
//   start, the old generation keeps serving, the reason is logged, and the
//   process count does not change.
// - SIGTERM/SIGINT stop gracefully: every process finishes its requests.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { CommandError, type Command } from '#app/cli/command';
import { openContext, settingsOrExit } from '#app/cli/runtime';
import { parsePort } from '#app/cli/serving';
import type { AppContext } from '#app/context';
import { resolveDatabaseUrl } from '#app/db/connection';
import { createLogger } from '#app/log';
import { loadCardTypes } from '#app/services/card-types';
import { createApp } from '#app/web/app';
import { listen, type RunningServer } from '#app/web/server';

const STOP_DEADLINE_MS = 30_000;
/** A retiring process closes keep-alive connections still idle after this long. */
const RETIRE_IDLE_GRACE_MS = 2000;

/** What a web process sends the primary when it cannot start (then it exits). */
interface StartFailed {
  startFailed: string;
}

function isStartFailed(m: unknown): m is StartFailed {
  return typeof m === 'object' && m !== null && typeof (m as StartFailed).startFailed === 'string';
}

async function runPrimary(host: string, port: number, workers: number, maxRequests: number, out: (l: string) => void): Promise<void> {
  const settings = settingsOrExit();
  const log = createLogger(settings, 'serve');
  // A broken card type stops the start here, in one line naming the file,
  // before anything is forked (web processes would only fail one by one).
  loadCardTypes(settings.cardTypes.dir, settings.i18n.defaultLocale);
  // With no DATABASE_URL the primary owns the embedded server; the web
  // processes connect to it through the URL it hands them.
  const { url, embedded } = await resolveDatabaseUrl(settings, log);
  const env = embedded ? { DATABASE_URL: url } : {};
  cluster.setupPrimary({ args: ['serve', '--host', host, '--port', String(port), '--max-requests', String(maxRequests)] });
  let stopping = false;
  const retiring = new Set<Worker>();
  // Forked, not yet listening: if one exits, whoever started it decides (never the crash rule below).
  const starting = new Set<Worker>();
  const current = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));

  const fork = () => {
    const w = cluster.fork(env);
    starting.add(w);
    w.once('listening', () => starting.delete(w));
    w.on('message', (m: unknown) => {
      if (m === 'recycle' && !stopping) {
        // Replace first, then let the old one go once the new one listens;
        // a replacement that cannot start leaves the old one serving.
        retiring.add(w);
        startGeneration(1).then(
          () => w.isConnected() && w.send('retire'),
          (err: Error) => {
            retiring.delete(w);
            log.error(`a replacement web process could not start, so process ${w.process.pid} keeps serving: ${err.message}`);
          },
        );
      }
    });
    return w;
  };

  /** Forks one web process; resolves when it listens, rejects with why it could not. */
  const startOne = (): { worker: Worker; ready: Promise<void> } => {
    const w = fork();
    const ready = new Promise<void>((resolve, reject) => {
      let why = '';
      w.on('message', (m: unknown) => {
        if (!isStartFailed(m)) return;
        why = m.startFailed;
        w.process.kill('SIGTERM');
      });
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(why || `a web process exited (${signal ?? `code ${code}`}) before it listened`));
      w.once('exit', onExit);
      w.once('listening', () => {
        w.off('exit', onExit);
        resolve();
      });
    });
    return { worker: w, ready };
  };

  /**
   * Starts `n` web processes; resolves once all listen. If one cannot start,
   * the others of this generation are stopped (and awaited) and the reason
   * is thrown: a generation starts whole or not at all.
   */
  const startGeneration = async (n: number): Promise<void> => {
    const started = Array.from({ length: n }, startOne);
    try {
      await Promise.all(started.map((s) => s.ready));
    } catch (err) {
      await Promise.all(
        started.map(({ worker: w }) => {
          if (w.isDead()) return undefined;
          retiring.add(w);
          const gone = new Promise((r) => w.once('exit', r));
          w.process.kill('SIGTERM');
          return gone;
        }),
      );
      throw err;
    }
  };

  // A process that died (not retired, not still starting) is replaced, up to the configured count.
  const refill = () => {
    if (stopping || current().filter((w) => !retiring.has(w)).length >= workers) return;
    startGeneration(1).catch((err: Error) => {
      log.error(`a replacement web process could not start (trying again in 5 s): ${err.message}`);
      setTimeout(refill, 5000);
    });
  };
  cluster.on('exit', (w, code, signal) => {
    if (starting.delete(w)) return;
    const planned = retiring.delete(w) || stopping;
    if (!planned) {
      log.warn({ pid: w.process.pid, code, signal }, 'web process died; starting another');
      setTimeout(refill, 500);
    }
  });

  // True while a generation starts (the first one too): one at a time.
  let reloading = true;
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (reloading) {
      log.warn('SIGHUP: web processes are starting already; this signal is ignored');
      return;
    }
    reloading = true;
    log.info('SIGHUP: reloading web processes');
    // The new generation starts first; the old one is disconnected only when
    // every new process listens. If one cannot start, the old one keeps
    // serving and the process count never changes.
    const old = current().filter((w) => !retiring.has(w));
    startGeneration(workers)
      .then(
        () => {
          for (const w of old) {
            retiring.add(w);
            w.disconnect();
          }
          log.info(`SIGHUP: reloaded, ${workers} new web process(es) serving`);
        },
        (err: Error) => log.error(`SIGHUP: reload failed, the running web processes keep serving: ${err.message}`),
      )
      .finally(() => (reloading = false));
  });

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping web processes`);
      const all = current();
      const kill = setTimeout(() => all.forEach((w) => w.process.kill('SIGKILL')), STOP_DEADLINE_MS);
      let left = all.length;
      if (!left) resolve();
      for (const w of all) {
        w.once('exit', () => {
          if (--left === 0) {
            clearTimeout(kill);
            resolve();
          }
        });
        w.process.kill('SIGTERM');
      }
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

  try {
    await startGeneration(workers);
    reloading = false;
    out(`Orbis is serving on http://${host}:${port}/ with ${workers} process(es) (pid ${process.pid}; SIGHUP reloads)`);
  } catch (err) {
    // Nothing serves: stop with the reason (a supervisor then shows the failure) rather than stay up empty.
    if (!stopping) {
      stopping = true;
      await embedded?.stop();
      throw new CommandError(`the web processes could not start: ${(err as Error).message}`);
    }
  }
  await stopped;
  await embedded?.stop();
}

async function runWorker(host: string, port: number, max: number): Promise<void> {
  let ctx: AppContext | undefined;
  let server: RunningServer;
  try {
    ctx = await openContext(settingsOrExit(), 'web');
    server = await listen(createApp(ctx), host, port);
  } catch (err) {
    // The primary decides what a failed start means (stop serve, keep the
    // running generation): it needs the reason, in the same one line.
    const line = ((err as Error)?.message || String(err)).split('\n')[0];
    await new Promise<void>((r) => (process.send ? process.send({ startFailed: line } satisfies StartFailed, () => r()) : r()));
    await ctx?.close().catch(() => undefined);
    throw err;
  }
  const context = ctx;
  let served = 0;
  let recycling = false;
  if (max > 0) {
    // Before the app's handler: the header must be set before any answer starts.
    server.server.prependListener('request', (_req, res) => {
      if (++served >= max && !recycling) {
        recycling = true;
        context.log.info({ served }, 'recycling this web process');
        process.send?.('recycle');
      }
      if (recycling) res.setHeader('Connection', 'close');
    });
  }
  let retiring = false;
  // The replacement listens: stop accepting (net's close, not http's, which
  // would cut idle keep-alive connections at once — a client may be sending
  // on one), give the idle ones a moment to take their last request, then
  // close what is idle; the request log is flushed after the last answer.
  const retire = async () => {
    if (retiring) return;
    retiring = true;
    const http = server.server;
    const ended = new Promise<void>((resolve) => net.Server.prototype.close.call(http, () => resolve()));
    const idle = setTimeout(() => http.closeIdleConnections(), RETIRE_IDLE_GRACE_MS);
    const hard = setTimeout(() => http.closeAllConnections(), STOP_DEADLINE_MS - 1000);
    await ended;
    clearTimeout(idle);
    clearTimeout(hard);
    await context.close();
    process.exit(0);
  };
  process.on('message', (m: unknown) => {
    if (m === 'retire') void retire();
  });
  const stop = async () => {
    await server.close(STOP_DEADLINE_MS - 1000);
    await context.close();
    process.exit(0);
  };
  // disconnect(): the primary retires this process; SIGTERM: everything stops.
  cluster.worker?.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => undefined); // the primary decides
}

export const command: Command = {
  name: 'serve',
  help: 'run the production web server (N processes, graceful reload on SIGHUP)',
  arguments: [
    { name: '--host', short: '-h', value: 'HOST', help: 'address to listen on (default server.host)' },
    { name: '--port', short: '-p', value: 'PORT', help: 'port (default server.port, or PORT)' },
    { name: '--workers', short: '-w', value: 'N', help: 'web processes (default serve.workers)' },
    { name: '--max-requests', value: 'N', help: 'recycle a process after N requests (default serve.maxRequests; 0: never)' },
  ],
  async handle({ values }, io) {
    const settings = settingsOrExit();
    // N processes cannot share the in-process queue: each would keep its
    // jobs in memory no worker reads. Production web needs RabbitMQ.
    if (!settings.broker.url) {
      throw new CommandError(
        'serve runs several web processes and needs RabbitMQ for background work: set AMQP_URL (runserver runs one process with the workers in it)',
      );
    }
    const host = (values.host as string | undefined) ?? settings.server.host;
    const port = parsePort(values.port, settings.server.port);
    const maxRequests = values['max-requests'] === undefined ? settings.serve.maxRequests : Number(values['max-requests']);
    if (!Number.isInteger(maxRequests) || maxRequests < 0)
      throw new CommandError(`--max-requests must be a whole number, not "${values['max-requests']}"`);
    if (cluster.isWorker) return runWorker(host, port, maxRequests);
    const workers = values.workers === undefined ? settings.serve.workers : parsePort(values.workers, 0);
    if (workers < 1) throw new CommandError('--workers must be at least 1');
    await runPrimary(host, port, workers, maxRequests, io.out);
  },
};
