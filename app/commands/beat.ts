import { CommandError, type Command } from '#app/cli/command';
import { openContext, pendingMigrations, settingsOrExit } from '#app/cli/runtime';
import { untilSignal } from '#app/cli/signals';
import { createBeat } from '#app/beat/beat';
import { SCHEDULE } from '#app/jobs/index';

export const command: Command = {
  name: 'beat',
  help: 'put scheduled jobs on the queue (RabbitMQ); safe to run twice',
  description: [
    'Wakes 1 s into every minute and every beat.tickSeconds (ORBIS_BEAT_TICK_SECONDS)',
    'and enqueues the scheduled job kinds (app/jobs/) that are due (cron in UTC).',
    'One beat per installation leads (a PostgreSQL advisory lock and a lease it',
    'renews every tick); another waits as a hot standby and takes over when the',
    'leader stops, its connection dies, or its lease is older than',
    'beat.leaseSeconds (ORBIS_BEAT_LEASE_SECONDS; a frozen leader). Every slot is',
    'enqueued once, ever.',
    'SIGTERM/SIGINT stop gracefully: the lock is released for the standby.',
    '',
    'schedule:',
    ...SCHEDULE.map((e) => `  ${e.name.padEnd(24)} ${e.cron.padEnd(12)} catch-up ${e.catchUp}`),
  ],
  async handle(_args, io) {
    const settings = settingsOrExit();
    if (!settings.broker.url)
      throw new CommandError('the beat needs RabbitMQ: set AMQP_URL (runserver runs the beat in-process without it)');
    const ctx = await openContext(settings, 'beat');
    try {
      const pending = await pendingMigrations(ctx);
      if (pending.length) throw new CommandError(`${pending.length} migration(s) pending: run ./manage.ts db upgrade first`);
      const beat = createBeat(ctx);
      const first = await beat.start();
      io.out(`beat: ${first.leader ? 'leading' : 'standing by (another beat leads)'}; ${SCHEDULE.length} scheduled jobs (Ctrl-C to stop)`);
      await untilSignal(ctx, 'stopping the beat', () => beat.stop());
    } finally {
      await ctx.close();
    }
  },
};
