// RabbitMQ through amqplib. Durable queues (quorum where the broker supports
// them, classic otherwise or when configured), persistent messages, publisher
// confirms with a timeout, manual acks with a prefetch, and reconnection with
// capped exponential backoff after a lost connection.
//
// What MUST hold:
// - publish() resolves only after the broker confirmed every message; while
//   the connection is down it rejects at once (the job rows are the outbox:
//   the relay publishes them when the broker is back).
// - After a reconnect every consumer is subscribed again. Messages delivered
//   on the lost channel cannot be acked any more: ack()/nack() on them do
//   nothing and the broker redelivers them (a claim makes that harmless).
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { redact } from '#app/db/connection';
import type { Logger } from '#app/log';
import { DEAD_LETTERS, TransportError, type Consumer, type Message, type Transport, type TransportStatus } from '#app/queue/transport';

export interface AmqpOptions {
  url: string;
  /** Prefix of every queue name: installations sharing a vhost stay apart. */
  prefix: string;
  queueType: 'quorum' | 'classic';
  confirmTimeoutMs?: number;
  log?: Logger;
}

interface Subscription {
  queue: string;
  prefetch: number;
  onMessage: (m: Message) => void;
  channel: Channel | null;
  tag: string | null;
  cancelled: boolean;
}

const MAX_BACKOFF_MS = 10_000;

export class AmqpTransport implements Transport {
  readonly kind = 'amqp' as const;
  private conn: ChannelModel | null = null;
  private pub: ConfirmChannel | null = null;
  /** Rejects when the publishing channel closes: a lost channel never confirms. */
  private pubClosed: Promise<never> = Promise.race([]);
  private connecting: Promise<void> | null = null;
  private closed = false;
  private attempt = 0;
  private lastError: string | undefined;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly declared = new Set<string>();
  private readonly subs = new Set<Subscription>();
  private readonly listeners: Array<(s: TransportStatus) => void> = [];
  private readonly confirmTimeoutMs: number;

  constructor(private readonly options: AmqpOptions) {
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  }

  private name(queue: string): string {
    return `${this.options.prefix}.${queue}`;
  }

  /** Connects (once); later calls wait for the same attempt. */
  async connect(): Promise<void> {
    if (this.pub) return;
    if (this.closed) throw new TransportError('the broker connection is closed');
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<void> {
    let conn: ChannelModel;
    try {
      conn = await amqp.connect(this.options.url, { timeout: 5000 });
    } catch (err) {
      this.lastError = (err as Error).message || String(err);
      throw new TransportError(`cannot reach RabbitMQ at ${redact(this.options.url)}: ${this.lastError}`);
    }
    conn.on('error', (err: Error) => (this.lastError = err.message));
    conn.on('close', () => this.lost(conn));
    const pub = await conn.createConfirmChannel();
    pub.on('error', (err: Error) => (this.lastError = err.message));
    this.pubClosed = new Promise<never>((_, reject) =>
      pub.once('close', () => reject(new TransportError('the RabbitMQ channel closed before confirming'))),
    );
    this.pubClosed.catch(() => undefined);
    this.conn = conn;
    this.pub = pub;
    this.attempt = 0;
    this.lastError = undefined;
    const queues = [...this.declared];
    this.declared.clear();
    await this.declare(queues);
    for (const sub of this.subs) if (!sub.cancelled) await this.subscribe(sub);
    this.options.log?.info({ transport: 'amqp' }, 'connected to RabbitMQ');
    this.emit();
  }

  private lost(conn: ChannelModel): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.pub = null;
    for (const sub of this.subs) {
      sub.channel = null;
      sub.tag = null;
    }
    if (this.closed) return;
    this.lastError ??= 'connection closed';
    this.options.log?.warn({ transport: 'amqp', error: this.lastError }, 'lost the RabbitMQ connection; reconnecting');
    this.emit();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const base = Math.min(MAX_BACKOFF_MS, 200 * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().catch(() => this.scheduleReconnect());
    }, delay);
    this.reconnectTimer.unref?.();
  }

  private emit(): void {
    const s = this.status();
    for (const l of this.listeners) l(s);
  }

  private async declare(queues: readonly string[]): Promise<void> {
    const ch = this.pub!;
    const dead = this.name(DEAD_LETTERS);
    if (!this.declared.has(DEAD_LETTERS)) {
      await ch.assertQueue(dead, { durable: true, arguments: { 'x-queue-type': this.options.queueType } });
      this.declared.add(DEAD_LETTERS);
    }
    for (const q of queues) {
      if (this.declared.has(q)) continue;
      await ch.assertQueue(this.name(q), {
        durable: true,
        arguments: { 'x-queue-type': this.options.queueType, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dead },
      });
      this.declared.add(q);
    }
  }

  async assertQueues(queues: readonly string[]): Promise<void> {
    await this.connect();
    await this.declare(queues);
  }

  async publish(queue: string, bodies: readonly Buffer[]): Promise<void> {
    if (!bodies.length) return;
    await this.connect();
    if (!this.declared.has(queue)) await this.declare([queue]);
    const ch = this.pub;
    if (!ch) throw new TransportError('RabbitMQ is unreachable');
    const name = this.name(queue);
    const confirms: Promise<void>[] = [];
    for (const body of bodies) {
      confirms.push(
        new Promise<void>((resolve, reject) => {
          const ok = ch.sendToQueue(name, body, { persistent: true, contentType: 'application/octet-stream' }, (err: unknown) =>
            err ? reject(new TransportError(`RabbitMQ refused a message: ${String(err)}`)) : resolve(),
          );
          void ok; // back-pressure is honoured below, per batch
        }),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransportError(`RabbitMQ did not confirm ${bodies.length} message(s) within ${this.confirmTimeoutMs} ms`)),
        this.confirmTimeoutMs,
      );
    });
    try {
      // A lost channel never confirms: fail at once instead of at the timeout.
      await Promise.race([Promise.all(confirms), timeout, this.pubClosed]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async subscribe(sub: Subscription): Promise<void> {
    const conn = this.conn;
    if (!conn) return;
    const ch = await conn.createChannel();
    ch.on('error', (err: Error) => (this.lastError = err.message));
    await ch.prefetch(sub.prefetch);
    sub.channel = ch;
    const reply = await ch.consume(
      this.name(sub.queue),
      (msg: ConsumeMessage | null) => {
        if (!msg) return; // cancelled by the broker (queue deleted): the next reconnect resubscribes
        let settled = false;
        const settle = (fn: () => void) => {
          // A message from a lost channel is redelivered by the broker.
          if (settled || sub.channel !== ch) return;
          settled = true;
          try {
            fn();
          } catch {
            // channel closing: the broker redelivers
          }
        };
        sub.onMessage({
          body: msg.content,
          redelivered: msg.fields.redelivered,
          ack: () => settle(() => ch.ack(msg)),
          nack: (requeue) => settle(() => ch.nack(msg, false, requeue)),
        });
      },
      { noAck: false },
    );
    sub.tag = reply.consumerTag;
  }

  async consume(queue: string, options: { prefetch: number }, onMessage: (m: Message) => void): Promise<Consumer> {
    await this.assertQueues([queue]);
    const sub: Subscription = { queue, prefetch: Math.max(1, options.prefetch), onMessage, channel: null, tag: null, cancelled: false };
    this.subs.add(sub);
    await this.subscribe(sub);
    return {
      cancel: async () => {
        sub.cancelled = true;
        this.subs.delete(sub);
        const ch = sub.channel;
        sub.channel = null;
        // Closing the channel returns its unacked messages to the queue.
        if (ch) await ch.close().catch(() => undefined);
      },
    };
  }

  async depth(queue: string): Promise<number> {
    await this.connect();
    const conn = this.conn!;
    // checkQueue on a missing queue closes the channel: use a throwaway one.
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    try {
      return (await ch.checkQueue(this.name(queue))).messageCount;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  /** Deletes this prefix's queues (tests and uninstall). */
  async deleteQueues(queues: readonly string[]): Promise<void> {
    await this.connect();
    const ch = await this.conn!.createChannel();
    ch.on('error', () => undefined);
    try {
      for (const q of [...queues, DEAD_LETTERS]) await ch.deleteQueue(this.name(q)).catch(() => undefined);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  status(): TransportStatus {
    if (this.pub) return { ok: true, transport: 'amqp' };
    return { ok: false, transport: 'amqp', error: this.lastError ?? 'not connected' };
  }

  onStatus(listener: (s: TransportStatus) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const sub of this.subs) {
      sub.cancelled = true;
      await sub.channel?.close().catch(() => undefined);
    }
    this.subs.clear();
    const conn = this.conn;
    this.conn = null;
    this.pub = null;
    await conn?.close().catch(() => undefined);
  }
}
