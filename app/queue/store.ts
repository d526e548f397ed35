// The SQL of a job's life after enqueue: claim, complete, fail or retry,
// heartbeat, relay and sweep — in batches wherever the worker can batch.
//
// What MUST hold:
// - A job runs only after a claim moved it from `queued` to `running`; a
//   duplicate delivery finds nothing to claim.
// - Completion and failure apply only to a row still `running` under the
//   same worker (`locked_by`): a job re-queued by the sweeper and claimed by
//   another worker cannot be finished twice.
// - When a job fails for good, every job that depends on it (and theirs)
//   fails too, naming the cause.
import type { Database } from '#app/db/connection';
import type { JobRow } from '#app/queue/jobs';

export interface Claimed {
  id: number;
  kind: string;
  queue: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  request_id: string | null;
}

export interface Woken {
  id: number;
  queue: string;
}

export class JobStore {
  constructor(private readonly db: Database) {}

  async claim(ids: readonly number[], workerId: string): Promise<Claimed[]> {
    if (!ids.length) return [];
    return this.db.rows<Claimed>(
      `update jobs set state = 'running', attempts = attempts + 1, started_at = now(), heartbeat_at = now(),
              locked_by = $2, updated_at = now()
        where id = any($1::bigint[]) and state = 'queued' and run_after <= now()
        returning id, kind, queue, payload, attempts, max_attempts, request_id`,
      [ids, workerId],
    );
  }

  /** Marks jobs done; returns the dependants that became ready (to publish). */
  async complete(done: readonly { id: number; result: unknown }[], workerId: string): Promise<{ completed: number[]; woken: Woken[] }> {
    if (!done.length) return { completed: [], woken: [] };
    const rows = await this.db.rows<{ id: number; woken: boolean; queue: string }>(
      `with v as (select * from unnest($1::bigint[], $2::jsonb[]) as v(id, result)),
       fin as (
         update jobs j set state = 'done', result = v.result, finished_at = now(), updated_at = now(), locked_by = null,
                progress_current = coalesce(j.progress_total, j.progress_current)
           from v where j.id = v.id and j.state = 'running' and j.locked_by = $3
         returning j.id),
       woke as (
         update jobs w set state = 'queued', updated_at = now()
          where w.state = 'waiting' and w.depends_on && (select coalesce(array_agg(id), '{}') from fin)
            and not exists (select 1 from jobs d where d.id = any(w.depends_on) and d.state <> 'done' and d.id not in (select id from fin))
         returning w.id, w.queue)
       select id, false as woken, null as queue from fin
       union all select id, true, queue from woke`,
      [done.map((d) => d.id), done.map((d) => JSON.stringify(d.result ?? null)), workerId],
    );
    return {
      completed: rows.filter((r) => !r.woken).map((r) => r.id),
      woken: rows.filter((r) => r.woken).map((r) => ({ id: r.id, queue: r.queue })),
    };
  }

  /**
   * Records a failed attempt: back to `queued` at `retryAt`, or `failed` when
   * the attempts are used up (or `permanent`). Returns the new state, or null
   * when the row was not ours any more.
   */
  async fail(id: number, workerId: string, error: string, retryAt: Date, permanent: boolean): Promise<'queued' | 'failed' | null> {
    const [row] = await this.db.rows<{ state: 'queued' | 'failed' }>(
      `update jobs set
          state = case when $4 or attempts >= max_attempts then 'failed' else 'queued' end,
          error = $3, locked_by = null, heartbeat_at = null, published_at = null, updated_at = now(),
          run_after = case when $4 or attempts >= max_attempts then run_after else $5::timestamptz end,
          finished_at = case when $4 or attempts >= max_attempts then now() end
        where id = $1 and state = 'running' and locked_by = $2
        returning state`,
      [id, workerId, error.slice(0, 4000), permanent, retryAt],
    );
    if (row?.state === 'failed') await this.failDependants([id]);
    return row?.state ?? null;
  }

  /** Fails every job waiting on `ids`, transitively, with the cause. */
  async failDependants(ids: readonly number[]): Promise<number> {
    let total = 0;
    let frontier = [...ids];
    while (frontier.length) {
      const rows = await this.db.rows<{ id: number }>(
        `update jobs set state = 'failed', finished_at = now(), updated_at = now(),
                error = 'dependency #' || (select min(x) from unnest(depends_on) x where x = any($1::bigint[])) || ' failed'
          where state in ('waiting', 'queued') and depends_on && $1::bigint[]
          returning id`,
        [frontier],
      );
      total += rows.length;
      frontier = rows.map((r) => r.id);
    }
    return total;
  }

  /**
   * Marks this worker's running jobs alive. Rows another transaction holds
   * are skipped, not waited for: they are being completed, failed or given
   * progress by this very worker (whose statements lock them in another
   * order, so waiting could deadlock — seen once in 3,000 audit jobs, and
   * the completion batch then waited its retry second), and a job finishing
   * needs no heartbeat.
   */
  async heartbeat(workerId: string): Promise<number> {
    return this.db.exec(
      `update jobs set heartbeat_at = now()
        where id in (select id from jobs where state = 'running' and locked_by = $1 for update skip locked)`,
      [workerId],
    );
  }

  async progress(id: number, workerId: string, current: number, total: number | null): Promise<void> {
    await this.db.exec(
      `update jobs set progress_current = $3, progress_total = coalesce($4, progress_total), heartbeat_at = now(), updated_at = now()
        where id = $1 and state = 'running' and locked_by = $2`,
      [id, workerId, current, total],
    );
  }

  /** Puts a worker's running jobs back in the queue (graceful shutdown). */
  async release(ids: readonly number[], workerId: string): Promise<Woken[]> {
    if (!ids.length) return [];
    return this.db.rows<Woken>(
      `update jobs set state = 'queued', attempts = greatest(attempts - 1, 0), locked_by = null, heartbeat_at = null,
              published_at = null, updated_at = now()
        where id = any($1::bigint[]) and state = 'running' and locked_by = $2
        returning id, queue`,
      [ids, workerId],
    );
  }

  /**
   * Re-queues running jobs whose worker stopped heart-beating (a `kill -9`
   * mid-job). The attempt counts: a job that kills its worker every time
   * ends `failed` instead of looping.
   */
  async requeueStale(staleSeconds: number): Promise<Woken[]> {
    const rows = await this.db.rows<Woken & { state: string }>(
      `update jobs set state = case when attempts >= max_attempts then 'failed' else 'queued' end,
              error = 'the worker stopped while running this job (no heartbeat for ${Math.round(staleSeconds)} s)',
              finished_at = case when attempts >= max_attempts then now() end,
              locked_by = null, heartbeat_at = null, published_at = null, updated_at = now()
        where state = 'running' and heartbeat_at < now() - make_interval(secs => $1)
        returning id, queue, state`,
      [staleSeconds],
    );
    const failed = rows.filter((r) => r.state === 'failed').map((r) => r.id);
    if (failed.length) await this.failDependants(failed);
    return rows.filter((r) => r.state === 'queued');
  }

  /**
   * Queued jobs that are due and were never confirmed by the broker, oldest
   * first, skipping rows another relay holds. `graceSeconds` leaves fresh
   * jobs to the publisher of the process that committed them.
   */
  async unpublished(limit: number, graceSeconds: number): Promise<Woken[]> {
    // `published_at < run_after` too: a job published before it was due (a
    // retry timer on a clock ahead of the database's, or a confirm recorded
    // after the retry reset the column) was acked unclaimed and needs
    // publishing again once due.
    return this.db.rows<Woken>(
      `select id, queue from jobs
        where state = 'queued' and (published_at is null or published_at < run_after)
          and run_after <= now() - make_interval(secs => $2)
          and updated_at <= now() - make_interval(secs => $2)
        order by run_after limit $1`,
      [limit, graceSeconds],
    );
  }

  /**
   * Queued jobs published long ago and still not claimed: a broker that came
   * back without its messages (a new node, a deleted queue, a restored
   * backup) would otherwise leave them queued forever. Published again, and
   * `published_at` moved, so a long backlog is re-sent at most once per
   * `olderThanSeconds`; a duplicate delivery finds nothing to claim.
   */
  async republishForgotten(olderThanSeconds: number, limit = 5000): Promise<Woken[]> {
    return this.db.rows<Woken>(
      `update jobs set published_at = null, updated_at = now()
        where id in (select id from jobs
                      where state = 'queued' and published_at < now() - make_interval(secs => $1)
                        and run_after < now() - make_interval(secs => $1)
                      order by id limit $2 for update skip locked)
        returning id, queue`,
      [olderThanSeconds, limit],
    );
  }

  /**
   * Waiting jobs whose dependencies are all done: completion wakes them, but
   * two dependencies finishing in concurrent transactions each see the other
   * unfinished, and an enqueue racing a completion sees it running. The sweep
   * catches those here.
   */
  async wakeReady(): Promise<Woken[]> {
    return this.db.rows<Woken>(
      `update jobs w set state = 'queued', updated_at = now()
        where w.state = 'waiting'
          and not exists (select 1 from jobs d where d.id = any(w.depends_on) and d.state <> 'done')
        returning w.id, w.queue`,
    );
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.db.rows<{ state: string; n: number }>('select state, count(*)::int as n from jobs group by state');
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  async get(id: number): Promise<JobRow | null> {
    const [row] = await this.db.rows<JobRow>('select * from jobs where id = $1', [id]);
    return row ?? null;
  }
}
