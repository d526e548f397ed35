// Publishes job ids after their transaction committed, in batches: one
// confirm round trip and one `published_at` UPDATE per batch, not per job
// (STACK.md: a confirm per message caps at ≈ 1.65k msg/s).
//
// What MUST hold: `published_at` is set only after the broker confirmed. A
// failed publish is left alone: the job row stays unpublished and the relay
// (a worker loop, and the sweeper) publishes it later. An outage is logged
// as one outage (OutageLog), not once per save.
import { prepared, type Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import { OutageLog } from '#app/queue/outage-log';
import type { Transport } from '#app/queue/transport';

const MAX_BATCH = 1000;

/**
 * Job ids packed into one message. Image jobs are slow and spread across
 * machines: one per message, so one worker never holds another's share.
 */
export function idsPerMessage(queue: string): number {
  return queue === 'images' || queue === 'recognition' ? 1 : 100;
}

const MARK_PUBLISHED = prepared(
  'update jobs set published_at = now() where id = any($1::bigint[]) and (published_at is null or published_at < run_after)',
);

export class Publisher {
  private readonly pending = new Map<string, number[]>();
  private scheduled = false;
  private readonly inflight = new Set<Promise<void>>();
  private readonly outage: OutageLog;

  constructor(
    private readonly db: Database,
    private readonly transport: Transport | null,
    log: Logger,
    options: { outageSummaryMs?: number } = {},
  ) {
    this.outage = new OutageLog(log, options.outageSummaryMs ?? 30_000);
  }

  /** Queues `id` for publishing on the next tick (with whatever else comes). */
  add(queue: string, id: number): void {
    if (!this.transport) return;
    let ids = this.pending.get(queue);
    if (!ids) this.pending.set(queue, (ids = []));
    ids.push(id);
    if (ids.length >= MAX_BATCH) this.flushQueue(queue);
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        for (const q of [...this.pending.keys()]) this.flushQueue(q);
      });
    }
  }

  private flushQueue(queue: string): void {
    const ids = this.pending.get(queue);
    if (!ids?.length) return;
    this.pending.delete(queue);
    const p = this.publishNow(queue, ids).then(
      () => this.outage.succeeded(),
      (err: Error) => this.outage.failed(ids.length, err.message, { queue }),
    );
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Publishes now and records the confirm; rejects when the broker did not confirm. */
  async publishNow(queue: string, ids: readonly number[]): Promise<void> {
    if (!this.transport || !ids.length) return;
    // Several ids per message: the broker's cost is per message (STACK.md).
    const per = idsPerMessage(queue);
    const bodies: Buffer[] = [];
    for (let i = 0; i < ids.length; i += per) bodies.push(Buffer.from(ids.slice(i, i + per).join(',')));
    await this.transport.publish(queue, bodies);
    // A job not yet due stays eligible for the relay (published_at < run_after).
    await this.db.exec(MARK_PUBLISHED, [ids]);
  }

  /** Waits for every publish started so far (shutdown, tests). */
  async drain(): Promise<void> {
    for (const q of [...this.pending.keys()]) this.flushQueue(q);
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }
}
