// The broker, behind one interface: `amqp` (RabbitMQ) in production and CI,
// `local` (in-process) for runserver on a machine with no broker. The job
// engine and the request log speak only this; one contract test suite runs
// against both implementations (test/integration/queue.transport-contract).
//
// What MUST hold for every implementation:
// - publish() resolves only when every message of the batch is safely with
//   the broker (publisher confirms for amqp), and rejects otherwise — the
//   caller then leaves the job unpublished and the relay tries again.
// - A message is delivered until it is acked; a consumer that goes away
//   (cancel, lost connection, killed process) gives its unacked messages
//   back to the queue.
// - nack(false) moves the message to the dead-letter queue (`dead`).

export interface Message {
  readonly body: Buffer;
  /** True when the broker delivered it before (to this or another consumer). */
  readonly redelivered: boolean;
  ack(): void;
  /** requeue=false dead-letters the message. */
  nack(requeue: boolean): void;
}

export interface Consumer {
  cancel(): Promise<void>;
}

export interface TransportStatus {
  ok: boolean;
  transport: 'amqp' | 'local';
  error?: string;
}

export interface Transport {
  readonly kind: 'amqp' | 'local';
  /** Declares the queues (idempotent). Names are logical: `default`, `audit`… */
  assertQueues(queues: readonly string[]): Promise<void>;
  publish(queue: string, bodies: readonly Buffer[]): Promise<void>;
  consume(queue: string, options: { prefetch: number }, onMessage: (m: Message) => void): Promise<Consumer>;
  /** Messages waiting in a queue (not counting unacked ones); for admins and tests. */
  depth(queue: string): Promise<number>;
  status(): TransportStatus;
  /** Called whenever the connection is lost or comes back. */
  onStatus(listener: (status: TransportStatus) => void): void;
  close(): Promise<void>;
}

/** The dead-letter queue's logical name. */
export const DEAD_LETTERS = 'dead';

export class TransportError extends Error {
  override name = 'TransportError';
}
