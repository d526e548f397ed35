// The in-process transport: the same contract as RabbitMQ inside one
// process, for `runserver` on a machine with no broker. Messages live in
// memory; a process that stops loses what was not yet consumed, which is
// safe because the job rows are the outbox: the relay republishes them.
import { DEAD_LETTERS, type Consumer, type Message, type Transport, type TransportStatus } from '#app/queue/transport';

interface Entry {
  body: Buffer;
  redelivered: boolean;
}

interface LocalConsumer {
  prefetch: number;
  unacked: Set<Entry>;
  onMessage: (m: Message) => void;
  active: boolean;
}

class LocalQueue {
  readonly ready: Entry[] = [];
  readonly consumers: LocalConsumer[] = [];
  private next = 0;
  private scheduled = false;

  constructor(private readonly deadLetter: (e: Entry) => void) {}

  push(e: Entry): void {
    this.ready.push(e);
    this.schedule();
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Deliver asynchronously, like a broker: publish() never runs handlers.
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.ready.length) {
      const free = this.consumers.filter((c) => c.active && c.unacked.size < c.prefetch);
      if (!free.length) return;
      const c = free[this.next++ % free.length];
      const entry = this.ready.shift()!;
      c.unacked.add(entry);
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled || !c.unacked.has(entry)) return;
        settled = true;
        c.unacked.delete(entry);
        fn();
        this.schedule();
      };
      const message: Message = {
        body: entry.body,
        redelivered: entry.redelivered,
        ack: () => settle(() => undefined),
        nack: (requeue) => settle(() => (requeue ? this.ready.unshift({ body: entry.body, redelivered: true }) : this.deadLetter(entry))),
      };
      c.onMessage(message);
    }
  }

  /** A consumer that goes away gives back what it did not ack. */
  release(c: LocalConsumer): void {
    c.active = false;
    const i = this.consumers.indexOf(c);
    if (i >= 0) this.consumers.splice(i, 1);
    for (const e of c.unacked) this.ready.unshift({ body: e.body, redelivered: true });
    c.unacked.clear();
    this.schedule();
  }
}

export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  private readonly queues = new Map<string, LocalQueue>();
  private closed = false;

  private queue(name: string): LocalQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new LocalQueue((e) => this.queue(DEAD_LETTERS).push({ body: e.body, redelivered: false }));
      this.queues.set(name, q);
    }
    return q;
  }

  async assertQueues(queues: readonly string[]): Promise<void> {
    for (const q of [...queues, DEAD_LETTERS]) this.queue(q);
  }

  async publish(queue: string, bodies: readonly Buffer[]): Promise<void> {
    if (this.closed) throw new Error('the local transport is closed');
    const q = this.queue(queue);
    for (const body of bodies) q.push({ body, redelivered: false });
  }

  async consume(queue: string, options: { prefetch: number }, onMessage: (m: Message) => void): Promise<Consumer> {
    const q = this.queue(queue);
    const c: LocalConsumer = { prefetch: Math.max(1, options.prefetch), unacked: new Set(), onMessage, active: true };
    q.consumers.push(c);
    q.schedule();
    return { cancel: async () => q.release(c) };
  }

  async depth(queue: string): Promise<number> {
    return this.queue(queue).ready.length;
  }

  status(): TransportStatus {
    return { ok: !this.closed, transport: 'local', ...(this.closed ? { error: 'closed' } : {}) };
  }

  onStatus(): void {
    // The in-process transport never loses its connection.
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queues.values()) for (const c of [...q.consumers]) q.release(c);
  }
}
