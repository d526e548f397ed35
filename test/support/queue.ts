// Transports for tests: the in-process one, and RabbitMQ (AMQP_URL) with a
// queue prefix of the test's own, deleted when the file ends. Without
// AMQP_URL the RabbitMQ variant is skipped with the reason (fails in CI).
import crypto from 'node:crypto';
import type { TestContext } from 'node:test';
import { QUEUES } from '#app/queue/kind';
import type { Transport } from '#app/queue/transport';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { LocalTransport } from '#app/queue/transports/local';
import { onCleanup } from '#test/support/cleanup';
import { inCI } from '#test/support/servers';

export const AMQP_URL = process.env.AMQP_URL ?? null;

export type TransportKind = 'local' | 'amqp';

/** Both kinds; `amqp` only when AMQP_URL is set (it must be in CI). */
export const TRANSPORTS: TransportKind[] = AMQP_URL || inCI ? ['local', 'amqp'] : ['local'];

export function uniquePrefix(): string {
  return `orbis-test.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
}

/** A transport of `kind` with a unique prefix; closed (and its queues deleted) at the end. */
export async function testTransport(
  kind: TransportKind,
  options: { prefix?: string; queues?: readonly string[] } = {},
): Promise<Transport> {
  if (kind === 'local') {
    const t = new LocalTransport();
    onCleanup(() => t.close());
    return t;
  }
  if (!AMQP_URL) throw new Error('AMQP_URL is required in CI but is not set');
  const prefix = options.prefix ?? uniquePrefix();
  const t = new AmqpTransport({ url: AMQP_URL, prefix, queueType: 'quorum', confirmTimeoutMs: 5000 });
  onCleanup(async () => {
    await t.deleteQueues([...(options.queues ?? QUEUES), 'test']).catch(() => undefined);
    await t.close();
  });
  return t;
}

/** The transport's name for test titles, and a skip when RabbitMQ is missing outside CI. */
export function transportAvailable(t: TestContext, kind: TransportKind): boolean {
  if (kind === 'local' || AMQP_URL) return true;
  if (inCI) throw new Error('RabbitMQ (AMQP_URL) is required in CI but is not set');
  t.skip('RabbitMQ is not available: set AMQP_URL');
  return false;
}

/** Polls `check` until it returns a truthy value, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms = 10_000,
  what = 'the condition',
  intervalMs = 25,
): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
