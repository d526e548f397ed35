// The sweep: re-queue running jobs whose worker stopped heart-beating, then
// publish every due job the broker never confirmed. Run by each worker at
// start, by its relay loop (publishing only), and by the beat every minute
// (the `jobs.sweep` job) so that recovery does not depend on any one process.
import type { Settings } from '#app/config';
import type { Publisher } from '#app/queue/publisher';
import type { JobStore, Woken } from '#app/queue/store';

/** A queued job published this long ago and never claimed is published again. */
export const FORGOTTEN_SECONDS = 15 * 60;

export interface SweepResult {
  requeued: number;
  published: number;
}

export async function publishGrouped(publisher: Publisher, rows: readonly Woken[]): Promise<void> {
  const byQueue = new Map<string, number[]>();
  for (const r of rows) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r.id]);
  for (const [queue, ids] of byQueue) await publisher.publishNow(queue, ids);
}

export async function sweep(
  store: JobStore,
  publisher: Publisher,
  settings: Settings['jobs'],
  options: { graceSeconds?: number } = {},
): Promise<SweepResult> {
  const stale = await store.requeueStale(settings.staleSeconds);
  await publishGrouped(publisher, stale);
  await publishGrouped(publisher, await store.wakeReady());
  await publishGrouped(publisher, await store.republishForgotten(FORGOTTEN_SECONDS));
  const due = await store.unpublished(5000, options.graceSeconds ?? settings.relayGraceSeconds);
  await publishGrouped(publisher, due);
  return { requeued: stale.length, published: due.length };
}
