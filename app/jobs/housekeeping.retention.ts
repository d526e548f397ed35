// housekeeping.retention (the beat, daily at 03:15 UTC): purges
// request logs, finished jobs, old beat runs, the sign-in audit
// (auth_events, retention.authEventDays), finished webhook deliveries
// (retention.webhookDeliveryDays) and — only when
// retention.historyDays is set — card history, by age; and the sign-in
// throttle's counters whose window ended.
//
// What MUST hold: no table is locked for long. Rows go in small batches
// (DELETE … WHERE id IN (SELECT id … LIMIT n)), each its own statement and
// transaction, with a pause between them so the web and the workers get the
// table in between. Every batch reports progress, which is also the job's
// heartbeat. A table that does not exist (yet) is skipped, not an error.
import type { Database } from '#app/db/connection';
import { defineJob, type JobDeps, type NoPayload } from '#app/jobs/define';
import type { Handler, JobContext } from '#app/queue/kind';

export interface RetentionOptions {
  /** Rows per DELETE. */
  batchSize?: number;
  /** Pause between two batches. */
  pauseMs?: number;
}

export interface RetentionResult {
  requestLogs: number;
  jobs: number;
  history: number;
  beatRuns: number;
  /** Sign-in audit events (app/services/auth-events.ts). */
  authEvents: number;
  /** Finished webhook deliveries (app/services/webhooks.ts). */
  webhookDeliveries: number;
  /** Sign-in throttle counters whose window ended (app/services/throttle.ts). */
  loginCounters: number;
  batches: number;
  /** Why a part was not purged (kept forever, or its table is missing). */
  skipped: Record<string, string>;
}

interface Part {
  key: 'requestLogs' | 'jobs' | 'history' | 'beatRuns' | 'authEvents' | 'webhookDeliveries';
  table: string;
  days: number | null;
  setting: string;
  /** One batch: $1 the cutoff, $2 the batch size; returns the rows deleted. */
  sql: string;
}

/** What the purge uses. */
export type RetentionDeps = {
  db: Database;
  settings: Pick<JobDeps['settings'], 'retention'>;
  throttle: Pick<JobDeps['throttle'], 'purge'>;
};

function parts(settings: RetentionDeps['settings']): Part[] {
  const r = settings.retention;
  return [
    {
      key: 'requestLogs',
      table: 'request_logs',
      days: r.requestLogDays,
      setting: 'retention.requestLogDays',
      sql: 'delete from request_logs where id in (select id from request_logs where at < $1 limit $2)',
    },
    {
      key: 'jobs',
      table: 'jobs',
      days: r.jobDays,
      setting: 'retention.jobDays',
      // Finished jobs only; never one a waiting job still depends on (its
      // state decides whether the dependant may run).
      sql: `delete from jobs where id in (
              select j.id from jobs j
               where j.state in ('done', 'failed', 'cancelled') and j.finished_at < $1
                 and not exists (select 1 from jobs w where cardinality(w.depends_on) > 0 and w.depends_on @> array[j.id] and w.state = 'waiting')
               limit $2)`,
    },
    {
      key: 'beatRuns',
      table: 'beat_runs',
      days: r.jobDays,
      setting: 'retention.jobDays',
      // Each entry's latest run stays: it marks how far the beat got.
      sql: `delete from beat_runs where (name, slot) in (
              select r.name, r.slot from beat_runs r
               where r.slot < $1 and exists (select 1 from beat_runs n where n.name = r.name and n.slot > r.slot)
               limit $2)`,
    },
    {
      key: 'authEvents',
      table: 'auth_events',
      days: r.authEventDays,
      setting: 'retention.authEventDays',
      sql: 'delete from auth_events where id in (select id from auth_events where at < $1 limit $2)',
    },
    {
      key: 'webhookDeliveries',
      table: 'webhook_deliveries',
      days: r.webhookDeliveryDays,
      setting: 'retention.webhookDeliveryDays',
      // Finished ones only (delivered or failed): one still being retried stays, however old.
      sql: `delete from webhook_deliveries where id in (
              select id from webhook_deliveries where finished_at < $1 and state in ('delivered', 'failed') limit $2)`,
    },
    {
      key: 'history',
      table: 'card_history',
      days: r.historyDays,
      setting: 'retention.historyDays',
      sql: 'delete from card_history where id in (select id from card_history where at < $1 limit $2)',
    },
  ];
}

export async function purgeOldRows(
  { db, settings, throttle }: RetentionDeps,
  job: Pick<JobContext, 'progress'> | null,
  options: RetentionOptions = {},
): Promise<RetentionResult> {
  const batchSize = options.batchSize ?? 5000;
  const pauseMs = options.pauseMs ?? 200;
  const result: RetentionResult = {
    requestLogs: 0,
    jobs: 0,
    history: 0,
    beatRuns: 0,
    authEvents: 0,
    webhookDeliveries: 0,
    loginCounters: 0,
    batches: 0,
    skipped: {},
  };
  let deleted = 0;
  for (const part of parts(settings)) {
    if (part.days === null) {
      result.skipped[part.key] = `kept forever (${part.setting} is not set)`;
      continue;
    }
    const [{ exists }] = await db.rows<{ exists: boolean }>('select to_regclass($1) is not null as exists', [part.table]);
    if (!exists) {
      result.skipped[part.key] = `no table ${part.table}`;
      continue;
    }
    // One cutoff for the whole part: rows that age past it meanwhile wait for tomorrow.
    const [{ cutoff }] = await db.rows<{ cutoff: Date }>('select now() - make_interval(days => $1) as cutoff', [part.days]);
    for (;;) {
      const n = await db.exec(part.sql, [cutoff, batchSize]);
      result[part.key] += n;
      deleted += n;
      result.batches++;
      await job?.progress(deleted);
      if (n < batchSize) break;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  // One row per account and address that failed lately: small, one statement.
  result.loginCounters = await throttle.purge();
  return result;
}

export function retentionHandler(deps: RetentionDeps, options: RetentionOptions = {}): Handler<NoPayload> {
  return async (_payload, job) => {
    const result = await purgeOldRows(deps, job, options);
    job.log.info(result, 'retention: purged old rows');
    return result;
  };
}

export const job = defineJob({
  kind: 'housekeeping.retention',
  queue: 'default',
  attempts: 3,
  schedule: { cron: '15 3 * * *', catchUp: 'once' },
  uses: ['db', 'settings', 'throttle'],
  handler: (deps) => retentionHandler(deps),
});
