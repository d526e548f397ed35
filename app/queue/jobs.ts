// Enqueueing: a job is a row inserted in the caller's transaction (the
// outbox), published after commit. Keys make enqueueing idempotent;
// dependencies hold a job back until every job it depends on is done.
// The queue is typed by the application's payload map (kind → payload type,
// derived from app/jobs/index.ts) and told each kind's queue and attempts.
import { prepared, type Database, type Transaction } from '#app/db/connection';
import { logContext } from '#app/log';
import type { Publisher } from '#app/queue/publisher';
import type { KindSettings, QueueName } from '#app/queue/kind';

export type JobState = 'waiting' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRow {
  id: number;
  kind: string;
  queue: string;
  payload: unknown;
  key: string | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_after: Date;
  depends_on: number[];
  progress_current: number | null;
  progress_total: number | null;
  result: unknown;
  error: string | null;
  request_id: string | null;
  published_at: Date | null;
  locked_by: string | null;
  heartbeat_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface EnqueueOptions {
  /** Insert inside this transaction; the job is published after it commits. */
  transaction?: Transaction | null;
  /** The same key is the same job, ever: a second enqueue returns the first. */
  key?: string;
  queue?: QueueName;
  runAfter?: Date;
  dependsOn?: readonly number[];
  maxAttempts?: number;
}

export interface Enqueued {
  id: number;
  /** False when a job with the same key already existed. */
  created: boolean;
  state: JobState;
}

// The initial state follows the dependencies: waiting while one is not
// done, failed (with the cause) when one already failed.
const ENQUEUE = prepared(
  `with deps as (
     select coalesce(bool_or(state in ('failed', 'cancelled')), false) as failed,
            coalesce(bool_or(state <> 'done'), false) as pending,
            min(id) filter (where state in ('failed', 'cancelled')) as failed_id
       from jobs where id = any($7::bigint[]))
   insert into jobs (kind, queue, payload, key, max_attempts, run_after, depends_on, request_id, state, error, finished_at)
   select $1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), $7::bigint[], $8,
          case when d.failed then 'failed' when d.pending then 'waiting' else 'queued' end,
          case when d.failed then 'dependency #' || d.failed_id || ' failed' end,
          case when d.failed then now() end
     from deps d
   on conflict (key) where key is not null do nothing
   returning id, state, run_after`,
);

/** The kinds a queue accepts: their queue and attempts. */
export type KindLookup = ReadonlyMap<string, Pick<KindSettings, 'queue' | 'attempts'>>;

// `object` and not an index signature: the application's map is an interface.
export class JobQueue<P extends object = Record<string, unknown>> {
  constructor(
    private readonly db: Database,
    readonly publisher: Publisher,
    private readonly kinds: KindLookup,
  ) {}

  private settingsOf(kind: string): Pick<KindSettings, 'queue' | 'attempts'> {
    const found = this.kinds.get(kind);
    if (!found) throw new Error(`no job kind "${kind}" is defined`);
    return found;
  }

  async enqueue<K extends keyof P & string>(kind: K, payload: P[K], options: EnqueueOptions = {}): Promise<Enqueued> {
    const defaults = this.settingsOf(kind);
    const queue = options.queue ?? defaults.queue;
    const deps = [...(options.dependsOn ?? [])];
    const t = options.transaction ?? null;
    const [row] = await this.db.rows<{ id: number; state: JobState; run_after: Date }>(
      ENQUEUE,
      [
        kind,
        queue,
        JSON.stringify(payload ?? {}),
        options.key ?? null,
        options.maxAttempts ?? defaults.attempts,
        options.runAfter ?? null,
        deps,
        logContext.getStore()?.reqId ?? null,
      ],
      t,
    );
    if (!row) {
      const [existing] = await this.db.rows<{ id: number; state: JobState }>('select id, state from jobs where key = $1', [options.key], t);
      return { id: existing.id, created: false, state: existing.state };
    }
    if (row.state === 'queued' && row.run_after.getTime() <= Date.now() + 50) this.publishAfterCommit(t, queue, row.id);
    return { id: row.id, created: true, state: row.state };
  }

  /**
   * Many jobs of one kind in one statement (imports, benchmarks). With `keys`
   * (one per payload), a key that exists already makes no job, as `enqueue`'s.
   */
  async enqueueMany<K extends keyof P & string>(
    kind: K,
    payloads: readonly P[K][],
    options: { transaction?: Transaction | null; queue?: QueueName; keys?: readonly string[] } = {},
  ): Promise<number[]> {
    const defaults = this.settingsOf(kind);
    const queue = options.queue ?? defaults.queue;
    const t = options.transaction ?? null;
    if (options.keys && options.keys.length !== payloads.length) throw new Error('enqueueMany: one key per payload');
    const rows = await this.db.rows<{ id: number }>(
      `insert into jobs (kind, queue, payload, key, max_attempts, request_id)
       select $1, $2, p, k, $4, $5 from unnest($3::jsonb[], $6::text[]) as x(p, k)
       on conflict (key) where key is not null do nothing returning id`,
      [
        kind,
        queue,
        payloads.map((p) => JSON.stringify(p ?? {})),
        defaults.attempts,
        logContext.getStore()?.reqId ?? null,
        options.keys ?? payloads.map(() => null),
      ],
      t,
    );
    const ids = rows.map((r) => r.id);
    for (const id of ids) this.publishAfterCommit(t, queue, id);
    return ids;
  }

  private publishAfterCommit(t: Transaction | null, queue: string, id: number): void {
    if (t) t.afterCommit(() => this.publisher.add(queue, id));
    else this.publisher.add(queue, id);
  }
}
