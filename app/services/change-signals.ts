// Changes an administrator makes that every process must see at once (roles
// and rights, the working calendar): announced with PostgreSQL's NOTIFY in
// the change's transaction, heard on one LISTEN connection per process.
//
// What MUST hold:
// - A handler runs after a change is committed, in every process of the
//   installation that follows (`start()`), this one included.
// - A process that lost its listening connection reconnects and then runs
//   every handler once (what it may have missed), so a change is never lost
//   for good; while it is away, it keeps what it had.
// - Nothing else is read or written here: a handler reloads its own state.
import type pg from 'pg';
import { rawClient, type Database, type Transaction } from '#app/db/connection';
import type { Logger } from '#app/log';

type Handler = () => Promise<void>;

export class ChangeSignals {
  private readonly handlers = new Map<string, Handler[]>();
  private listener: pg.Client | null = null;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly log?: Logger,
  ) {}

  /** Runs `handler` whenever a change on `channel` is announced (and after a reconnect). */
  on(channel: string, handler: Handler): void {
    if (!/^[a-z_]+$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const list = this.handlers.get(channel) ?? [];
    list.push(handler);
    this.handlers.set(channel, list);
  }

  /** Announces a change on `channel` (with `t`, when that transaction commits). */
  async announce(channel: string, payload: string, t?: Transaction | null): Promise<void> {
    await this.db.exec('select pg_notify($1, $2)', [channel, payload], t);
  }

  private run(channel: string): void {
    if (this.stopped) return;
    for (const handler of this.handlers.get(channel) ?? []) {
      handler().catch((err: unknown) => {
        // A context closing meanwhile (a short command) has nothing to apply it to.
        if (!this.stopped) this.log?.warn({ err, channel }, 'a change could not be applied; it will be on the next one');
      });
    }
  }

  /** Starts listening; resolves once listening (or rejects, and keeps trying in the background). */
  async start(): Promise<void> {
    if (this.listener || this.stopped) return;
    const client = rawClient(this.db);
    this.listener = client;
    const retry = () => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      setTimeout(
        () => void this.start().catch((err: unknown) => this.log?.warn({ err }, 'cannot listen for changes; retrying')),
        1000,
      ).unref();
    };
    client.on('error', (err) => {
      if (this.stopped || this.listener !== client) return;
      this.log?.warn({ err }, 'the connection listening for changes failed; reconnecting');
      retry();
    });
    client.on('end', retry);
    client.on('notification', (n) => this.run(n.channel));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`listen ${channel}`);
    } catch (err) {
      // Closed while starting (a short command's context): nothing to say.
      if (this.stopped || this.listener !== client) return;
      retry();
      throw err;
    }
    if (this.stopped || this.listener !== client) return;
    // Whatever changed while this process was not listening (before the first LISTEN, or while reconnecting).
    for (const channel of this.handlers.keys()) this.run(channel);
  }

  async close(): Promise<void> {
    this.stopped = true;
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => undefined);
  }
}
