// What administrators see of the job engine and may do to it: the job list
// (filters, counts, pages), one job in full, live progress, and the two
// manual transitions — retry a failed or cancelled job, cancel one that has
// not started. No Express here: the controller parses, this decides.
//
// What MUST hold:
// - A manual transition is one conditional UPDATE on the row's current
//   state: a job a worker claimed a moment ago cannot also be cancelled, a
//   job retried twice at once is queued once. A refused transition changes
//   nothing and says why (400).
// - A retried job is published only after its transaction committed (the
//   row is the outbox; the relay publishes it if this process dies first).
// - A retried job never runs before the jobs it depends on are done: it goes
//   back to `waiting` while one is pending, and is refused while one failed.
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { JobState } from '#app/queue/jobs';
import type { Publisher } from '#app/queue/publisher';
import type { JobStore } from '#app/queue/store';
import { msg } from '#app/i18n/message';
import { NotFoundError, ValidationError } from '#app/services/errors';

// i18n-keys: admin.jobs.errors.notRetryable.* admin.jobs.errors.notCancellable.* admin.jobs.errors.brokenDependency.* admin.jobs.errors.dependencyIs.*
import {
  ERROR_PREVIEW,
  FINAL,
  JOB_STATES,
  MAX_POLL_IDS,
  PAGE_SIZE,
  RETRYABLE,
  percentOf,
  progressLabel,
  type JobDetail,
  type JobList,
  type JobListItem,
  type JobListQuery,
  type JobProgress,
  type JobRelative,
} from '#app/services/job-list';

export * from '#app/services/job-list';

export class JobAdmin {
  constructor(
    private readonly db: Database,
    private readonly store: JobStore,
    private readonly publisher: Publisher,
    private readonly log: Logger,
  ) {}

  async list(q: JobListQuery): Promise<JobList> {
    const where: string[] = [];
    const bind: unknown[] = [];
    if (q.kind) where.push(`kind = $${bind.push(q.kind)}`);
    const kindOnly = where.length ? `where ${where.join(' and ')}` : '';
    if (q.state) where.push(`state = $${bind.push(q.state)}`);
    const filter = where.length ? `where ${where.join(' and ')}` : '';
    const countBind = q.kind ? [q.kind] : [];
    const [countRows, kinds] = await Promise.all([
      this.db.rows<{ state: JobState; n: number }>(`select state, count(*)::int as n from jobs ${kindOnly} group by state`, countBind),
      this.kinds(),
    ]);
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const r of countRows) counts[r.state] = r.n;
    const total = q.state ? counts[q.state] : Object.values(counts).reduce((a, b) => a + b, 0);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const page = Math.min(q.page, pages);
    const jobs = await this.db.rows<JobListItem>(
      `select id, kind, queue, state, attempts, max_attempts, progress_current, progress_total, created_at, started_at, finished_at,
              left(error, ${ERROR_PREVIEW}) as error, length(error) > ${ERROR_PREVIEW} as error_truncated
         from jobs ${filter}
        order by created_at desc, id desc
        limit ${PAGE_SIZE} offset $${bind.push((page - 1) * PAGE_SIZE)}`,
      bind,
    );
    return { jobs, total, page, pages, counts, kinds };
  }

  /** The kinds present in the table: a loose index scan over (kind, created_at), cheap on a big table. */
  async kinds(): Promise<string[]> {
    const rows = await this.db.rows<{ kind: string }>(
      `with recursive k as (
         (select kind from jobs order by kind limit 1)
         union all
         select (select j.kind from jobs j where j.kind > k.kind order by j.kind limit 1) from k where k.kind is not null)
       select kind from k where kind is not null`,
    );
    return rows.map((r) => r.kind);
  }

  async get(id: number): Promise<JobDetail> {
    const job = await this.store.get(id);
    if (!job) throw new NotFoundError(msg('admin.jobs.errors.noJob', { id }));
    const [dependsOn, dependants] = await Promise.all([
      this.db.rows<JobRelative>('select id, kind, state from jobs where id = any($1::bigint[]) order by id', [job.depends_on]),
      this.db.rows<JobRelative>('select id, kind, state from jobs where depends_on @> array[$1::bigint] order by id limit 200', [id]),
    ]);
    return { job, dependsOn, dependants };
  }

  async progress(ids: readonly number[]): Promise<JobProgress[]> {
    if (ids.length > MAX_POLL_IDS)
      throw new ValidationError(msg('admin.jobs.errors.tooManyPolled', { count: MAX_POLL_IDS }), {
        ids: msg('admin.jobs.errors.tooManyIds', { count: MAX_POLL_IDS }),
      });
    if (!ids.length) return [];
    const rows = await this.db.rows<Omit<JobProgress, 'percent' | 'final'>>(
      `select id, state, attempts, max_attempts, progress_current, progress_total, started_at, finished_at, left(error, ${ERROR_PREVIEW}) as error
         from jobs where id = any($1::bigint[]) order by id`,
      [ids],
    );
    return rows.map((r) => ({
      ...r,
      percent: percentOf(r.state, r.progress_current, r.progress_total),
      label: progressLabel(r.state, r.progress_current, r.progress_total),
      final: FINAL.includes(r.state),
    }));
  }

  /** Counts per state (every state present, zeros included). */
  async counts(): Promise<Record<JobState, number>> {
    const found = await this.store.counts();
    return Object.fromEntries(JOB_STATES.map((s) => [s, found[s] ?? 0])) as Record<JobState, number>;
  }

  /**
   * Puts a failed or cancelled job back: attempts start again from zero and
   * the error is cleared (the row describes the current run; the previous
   * error goes to the log with who retried). Jobs that failed only because
   * this one did ("dependency #id failed") go back to `waiting` with it, so
   * a retried chain runs to its end. Returns the job's new state.
   */
  async retry(id: number, by: { userId: number }): Promise<JobState> {
    const outcome = await this.db.transaction(async (t) => {
      const [job] = await this.db.rows<{ id: number; state: JobState; queue: string; error: string | null; depends_on: number[] }>(
        'select id, state, queue, error, depends_on from jobs where id = $1 for update',
        [id],
        t,
      );
      if (!job) throw new NotFoundError(msg('admin.jobs.errors.noJob', { id }));
      if (!RETRYABLE.includes(job.state)) {
        throw new ValidationError(msg(`admin.jobs.errors.notRetryable.${job.state}`, { id }), { state: job.state });
      }
      const deps = await this.db.rows<{ id: number; state: JobState }>(
        'select id, state from jobs where id = any($1::bigint[]) order by id',
        [job.depends_on],
        t,
      );
      const broken = deps.find((d) => d.state === 'failed' || d.state === 'cancelled');
      if (broken) {
        throw new ValidationError(msg(`admin.jobs.errors.brokenDependency.${broken.state}`, { id, dependency: broken.id }), {
          depends_on: msg(`admin.jobs.errors.dependencyIs.${broken.state}`, { dependency: broken.id }),
        });
      }
      const state: JobState = deps.every((d) => d.state === 'done') ? 'queued' : 'waiting';
      await this.db.exec(
        `update jobs set state = $2, attempts = 0, error = null, run_after = now(), started_at = null, finished_at = null,
                progress_current = null, progress_total = null, result = null, published_at = null, locked_by = null,
                heartbeat_at = null, updated_at = now()
          where id = $1`,
        [id, state],
        t,
      );
      // The dependants this failure took down, transitively: they wait again.
      const revived = await this.db.rows<{ id: number }>(
        `with recursive down as (
           select d.id from jobs d where d.state = 'failed' and d.depends_on @> array[$1::bigint] and d.error = 'dependency #' || $1 || ' failed'
           union
           select d.id from jobs d join down on d.depends_on @> array[down.id] and d.error = 'dependency #' || down.id || ' failed'
            where d.state = 'failed')
         update jobs j set state = 'waiting', attempts = 0, error = null, finished_at = null, started_at = null, result = null,
                progress_current = null, progress_total = null, published_at = null, updated_at = now()
           from down where j.id = down.id
         returning j.id`,
        [id],
        t,
      );
      if (state === 'queued') t.afterCommit(() => this.publisher.add(job.queue, id));
      return { state, previous: job.state, error: job.error, revived: revived.map((r) => r.id) };
    });
    this.log.info(
      {
        jobId: id,
        by: by.userId,
        from: outcome.previous,
        to: outcome.state,
        previousError: outcome.error,
        dependantsWaiting: outcome.revived,
      },
      'job retried by an administrator',
    );
    return outcome.state;
  }

  /**
   * Cancels a job that has not started (`waiting` or `queued`); the jobs
   * that depend on it fail, naming it. A message already on the broker finds
   * nothing to claim and is acked.
   */
  async cancel(id: number, by: { userId: number }): Promise<number> {
    const [row] = await this.db.rows<{ id: number }>(
      `update jobs set state = 'cancelled', finished_at = now(), updated_at = now(), locked_by = null,
              error = 'cancelled by an administrator (user #' || $2 || ')'
        where id = $1 and state in ('waiting', 'queued')
        returning id`,
      [id, by.userId],
    );
    if (!row) {
      const job = await this.store.get(id);
      if (!job) throw new NotFoundError(msg('admin.jobs.errors.noJob', { id }));
      throw new ValidationError(msg(`admin.jobs.errors.notCancellable.${job.state}`, { id }), { state: job.state });
    }
    // After the cancel, not in its transaction: failDependants is the
    // engine's one way to fail a chain. Should the process die in between,
    // the dependants stay `waiting` (shown on this job's page); retrying and
    // cancelling again finishes the chain.
    const failed = await this.store.failDependants([id]);
    this.log.info({ jobId: id, by: by.userId, dependantsFailed: failed }, 'job cancelled by an administrator');
    return failed;
  }
}
