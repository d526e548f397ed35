// A message of a job queue carries one or more job ids (the publisher packs
// the ids of one batch together). It is acked only when none of its ids is
// outstanding: every job it names has its outcome committed or was found
// not claimable.
import type { Message } from '#app/queue/transport';

export class Delivery {
  constructor(
    readonly message: Message,
    public outstanding: number,
  ) {}

  settle(): void {
    if (--this.outstanding === 0) this.message.ack();
  }
}

/** One id of a delivered message, waiting to be claimed or running. */
export interface Pending {
  id: number;
  delivery: Delivery;
}

/** Parses a message body: job ids separated by commas. */
export function parseJobIds(body: Buffer): number[] | null {
  const text = body.toString();
  if (!/^\d{1,18}(,\d{1,18}){0,9999}$/.test(text)) return null;
  return text.split(',').map(Number);
}
