import { CommandError, type Command } from '#app/cli/command';
import { openContext, pendingMigrations, settingsOrExit } from '#app/cli/runtime';
import { untilSignal } from '#app/cli/signals';
import { QUEUES } from '#app/queue/kind';
import { parseQueues, startWorkers } from '#app/worker/start';

export const command: Command = {
  name: 'worker',
  help: 'run background jobs from RabbitMQ (AMQP_URL)',
  arguments: [
    { name: '--queues', short: '-q', value: 'LIST', help: `queues to consume, comma-separated (default: all of ${QUEUES.join(',')})` },
    {
      name: '--concurrency',
      short: '-c',
      value: 'N',
      help: 'jobs run at once per queue group (default: jobs.concurrency; images: jobs.imagesConcurrency)',
    },
  ],
  description: ['SIGTERM/SIGINT stop gracefully: running jobs finish (or go back to the queue).'],
  async handle({ values }, io) {
    const settings = settingsOrExit();
    if (!settings.broker.url)
      throw new CommandError('the worker needs RabbitMQ: set AMQP_URL (runserver runs the workers in-process without it)');
    let queues: string[];
    try {
      queues = parseQueues(values.queues as string | undefined);
    } catch (err) {
      throw new CommandError((err as Error).message);
    }
    const raw = values.concurrency as string | undefined;
    const concurrency = raw === undefined ? undefined : Number(raw);
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000)) {
      throw new CommandError(`invalid --concurrency "${raw}": expected a whole number from 1 to 10000`);
    }
    const ctx = await openContext(settings, 'worker');
    try {
      const pending = await pendingMigrations(ctx);
      if (pending.length) throw new CommandError(`${pending.length} migration(s) pending: run ./manage.ts db upgrade first`);
      // search.language changed since the vectors were built: one rebuild job, whoever starts first.
      await ctx.services.search.ensureLanguage(ctx.services.jobs);
      const runner = await startWorkers(ctx, { queues, concurrency });
      io.out(`worker: consuming ${queues.join(', ')} (Ctrl-C to stop)`);
      await untilSignal(ctx, 'finishing running jobs', () => runner.stop());
    } finally {
      await ctx.close();
    }
  },
};
