// Production web: N processes (node:cluster) sharing one port.
//
// What MUST hold:
// - A web process is recycled after `serve.maxRequests` requests, dropping
//   no connection: from that request on its answers say `Connection: close`
//   (clients move to the other processes); the primary forks a replacement
//   and only once it listens tells the old one to retire; the old one stops
//   accepting, lets its keep-alive connections end with their next answer
//   (idle ones are closed after RETIRE_IDLE_GRACE_MS), finishes what it has,
//   flushes its request log and exits.
// - SIGHUP reloads gracefully: new processes start first; an old one is
//   disconnected only when a new one is listening.
// - SIGTERM/SIGINT stop gracefully: every process finishes its requests.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { CommandError, type Command } from '#app/commands/command';
import { openContext, settingsOrExit } from '#app/commands/runtime';
import { parsePort } from '#app/commands/runserver';
import { resolveDatabaseUrl } from '#app/db/connection';
import { createLogger } from '#app/log';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';

const STOP_DEADLINE_MS = 30_000;
/** A retiring process closes keep-alive connections still idle after this long. */
const RETIRE_IDLE_GRACE_MS = 2000;

async function runPrimary(host: string, port: number, workers: number, maxRequests: number, out: (l: string) => void): Promise<void> {
  const settings = settingsOrExit();
  const log = createLogger(settings, 'serve');
  // With no DATABASE_URL the primary owns the embedded server; the web
  // processes connect to it through the URL it hands them.
  const { url, embedded } = await resolveDatabaseUrl(settings, log);
  const env = embedded ? { DATABASE_URL: url } : {};
  cluster.setupPrimary({ args: ['serve', '--host', host, '--port', String(port), '--max-requests', String(maxRequests)] });
  let stopping = false;
  const retiring = new Set<Worker>();

  const fork = () => {
    const w = cluster.fork(env);
    w.on('message', (m: unknown) => {
      if (m === 'recycle' && !stopping) {
        // Replace first, then let the old one go once the new one listens.
        retiring.add(w);
        const replacement = fork();
        replacement.once('listening', () => w.isConnected() && w.send('retire'));
      }
    });
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    const planned = retiring.delete(w) || stopping;
    if (!planned) {
      log.warn({ pid: w.process.pid, code, signal }, 'web process died; starting another');
      setTimeout(fork, 500);
    }
  });

  for (let i = 0; i < workers; i++) fork();
  let announced = 0;
  cluster.on('listening', () => {
    if (++announced === workers) out(`Orbis is serving on http://${host}:${port}/ with ${workers} process(es) (pid ${process.pid}; SIGHUP reloads)`);
  });

  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading web processes');
    const old = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    for (const w of old) {
      retiring.add(w);
      fork().once('listening', () => w.disconnect());
    }
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping web processes`);
      const all = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
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
  await embedded?.stop();
}

async function runWorker(host: string, port: number, max: number): Promise<void> {
  const settings = settingsOrExit();
  const ctx = await openContext(settings);
  const app = createApp(ctx);
  let served = 0;
  let recycling = false;
  const server = await listen(app, host, port);
  if (max > 0) {
    // Before the app's handler: the header must be set before any answer starts.
    server.server.prependListener('request', (_req, res) => {
      if (++served >= max && !recycling) {
        recycling = true;
        ctx.log.info({ served }, 'recycling this web process');
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
    await ctx.close();
    process.exit(0);
  };
  process.on('message', (m: unknown) => {
    if (m === 'retire') void retire();
  });
  const stop = async () => {
    await server.close(STOP_DEADLINE_MS - 1000);
    await ctx.close();
    process.exit(0);
  };
  // disconnect(): the primary retires this process; SIGTERM: everything stops.
  cluster.worker?.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => undefined); // the primary decides
}

export const command: Command = {
  name: 'serve',
  summary: 'run the production web server (N processes, graceful reload on SIGHUP)',
  usage: '[-h HOST] [-p PORT] [-w WORKERS]',
  options: {
    host: { type: 'string', short: 'h' },
    port: { type: 'string', short: 'p' },
    workers: { type: 'string', short: 'w' },
    'max-requests': { type: 'string' },
  },
  help: [
    '-w, --workers N       web processes (default serve.workers)',
    '--max-requests N      recycle a process after N requests (default serve.maxRequests; 0: never)',
  ],
  positionals: { min: 0, max: 0 },
  async run({ values }, io) {
    const settings = settingsOrExit();
    // N processes cannot share the in-process queue: each would keep its
    // jobs in memory no worker reads. Production web needs RabbitMQ.
    if (!settings.broker.url) {
      throw new CommandError('serve runs several web processes and needs RabbitMQ for background work: set AMQP_URL (runserver runs one process with the workers in it)');
    }
    const host = (values.host as string | undefined) ?? settings.server.host;
    const port = parsePort(values.port, settings.server.port);
    const maxRequests = values['max-requests'] === undefined ? settings.serve.maxRequests : Number(values['max-requests']);
    if (!Number.isInteger(maxRequests) || maxRequests < 0) throw new CommandError(`--max-requests must be a whole number, not "${values['max-requests']}"`);
    if (cluster.isWorker) return runWorker(host, port, maxRequests);
    const workers = values.workers === undefined ? settings.serve.workers : parsePort(values.workers, 0);
    if (workers < 1) throw new CommandError('--workers must be at least 1');
    await runPrimary(host, port, workers, maxRequests, io.out);
  },
};
