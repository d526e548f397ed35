// The engine's state as an administrator (and /healthz) sees it: database,
// broker, queue depths, job counts, failed jobs waiting for a decision, and
// whether the beat is alive. No Express here.
//
// What MUST hold: every probe is bounded in time and never throws — a page
// that reports an outage must not itself hang or fail because of it.
import { inEnglish, isMessage, msg, type Message, type Text } from '#app/i18n/message';
import type { Database } from '#app/db/connection';
import type { JobState } from '#app/queue/jobs';
import { QUEUES } from '#app/queue/kind';
import { DEAD_LETTERS, type Transport } from '#app/queue/transport';
import { JOB_STATES } from '#app/services/jobs-admin';

/** The beat heart-beats on every tick; silent longer than this, it is down. */
export const BEAT_SILENT_SECONDS = 120;
/** How long a probe of the broker may take before it counts as down. */
export const PROBE_TIMEOUT_MS = 2000;

export interface Probe {
  ok: boolean;
  ms?: number;
  /** Why not, in English (/health, the CLI, logs). */
  error?: string;
  /** The same for a page, in its reader's language (a driver's own text stays as it is). */
  errorText?: Text;
}

export interface BrokerProbe extends Probe {
  transport: 'amqp' | 'local';
}

export interface BeatProbe extends Probe {
  holder: string | null;
  heartbeatAt: Date | null;
  /** Seconds since the last heartbeat, by the database's clock. */
  ageSeconds: number | null;
}

export interface QueueDepth {
  queue: string;
  depth: number | null;
  error?: string;
  errorText?: Text;
}

export interface EngineStatus {
  database: Probe;
  broker: BrokerProbe;
  beat: BeatProbe;
  queues: QueueDepth[];
  counts: Record<JobState, number> | null;
  /** What needs an administrator, one sentence each; empty when all is well. */
  problems: Message[];
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly text: Text) {
    super(inEnglish(text));
  }
}

/** `what` names who did not answer ("the broker"), or is the whole message (the probes' own, for their pages). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string | Message): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    // shown-literal: a plain `what` comes from the CLI's checks (English); pages pass a message
    timer = setTimeout(() => reject(new TimeoutError(isMessage(what) ? what : `${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const DATABASE_TIMEOUT = msg('admin.system.probe.databaseTimeout', { ms: PROBE_TIMEOUT_MS });
const BROKER_TIMEOUT = msg('admin.system.probe.brokerTimeout', { ms: PROBE_TIMEOUT_MS });

/** A failed probe's reason, in English and for the page. */
function failure(why: unknown): { error: string; errorText: Text } {
  const text: Text = isMessage(why) ? why : why instanceof TimeoutError ? why.text : (why as Error)?.message || String(why);
  return { error: inEnglish(text), errorText: text };
}

export class EngineStatusService {
  constructor(
    private readonly db: Database,
    private readonly transport: Transport,
  ) {}

  async database(): Promise<Probe> {
    const started = Date.now();
    try {
      await withTimeout(this.db.rows('select 1'), PROBE_TIMEOUT_MS, DATABASE_TIMEOUT);
      return { ok: true, ms: Date.now() - started };
    } catch (err) {
      return { ok: false, ...failure(err) };
    }
  }

  /**
   * The transport's own view; when it is not connected (a web process that
   * has not published yet, or one that lost the broker) one connection
   * attempt, bounded, decides. Concurrent probes share the transport's one
   * attempt, so a load balancer polling /healthz cannot pile them up.
   */
  async broker(): Promise<BrokerProbe> {
    const started = Date.now();
    let status = this.transport.status();
    if (!status.ok) {
      try {
        await withTimeout(this.transport.assertQueues([]), PROBE_TIMEOUT_MS, BROKER_TIMEOUT);
      } catch (err) {
        return { ok: false, transport: status.transport, ...failure(err) };
      }
      status = this.transport.status();
    }
    return status.ok
      ? { ok: true, transport: status.transport, ms: Date.now() - started }
      : { ok: false, transport: status.transport, ...failure(status.error ?? msg('admin.system.probe.notConnected')) };
  }

  async beat(): Promise<BeatProbe> {
    try {
      const [row] = await withTimeout(
        this.db.rows<{ holder: string; heartbeat_at: Date; age: number }>(
          `select holder, heartbeat_at, extract(epoch from now() - heartbeat_at)::float8 as age from beat_status where name = 'leader'`,
        ),
        PROBE_TIMEOUT_MS,
        DATABASE_TIMEOUT,
      );
      if (!row) return { ok: false, holder: null, heartbeatAt: null, ageSeconds: null, ...failure(msg('admin.system.probe.noHeartbeat')) };
      const age = Math.max(0, Math.round(row.age));
      const ok = age < BEAT_SILENT_SECONDS;
      return {
        ok,
        holder: row.holder,
        heartbeatAt: row.heartbeat_at,
        ageSeconds: age,
        ...(ok ? {} : failure(msg('admin.system.probe.beatSilent', { age: ageMessage(age) }))),
      };
    } catch (err) {
      return { ok: false, holder: null, heartbeatAt: null, ageSeconds: null, ...failure(err) };
    }
  }

  /** Messages waiting per queue (and in the dead-letter queue); null where it could not be read. */
  async queues(brokerOk: boolean): Promise<QueueDepth[]> {
    const names = [...QUEUES, DEAD_LETTERS];
    if (!brokerOk) return names.map((queue) => ({ queue, depth: null, ...failure(msg('admin.system.probe.brokerUnreachable')) }));
    return Promise.all(
      names.map(async (queue) => {
        try {
          return { queue, depth: await withTimeout(this.transport.depth(queue), PROBE_TIMEOUT_MS, BROKER_TIMEOUT) };
        } catch (err) {
          return { queue, depth: null, ...failure(err) };
        }
      }),
    );
  }

  async counts(): Promise<Record<JobState, number> | null> {
    try {
      const rows = await withTimeout(
        this.db.rows<{ state: JobState; n: number }>('select state, count(*)::int as n from jobs group by state'),
        PROBE_TIMEOUT_MS,
        DATABASE_TIMEOUT,
      );
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const r of rows) counts[r.state] = r.n;
      return counts;
    } catch {
      return null;
    }
  }

  async failedCount(): Promise<number | null> {
    try {
      const [row] = await withTimeout(
        this.db.rows<{ n: number }>(`select count(*)::int as n from jobs where state = 'failed'`),
        PROBE_TIMEOUT_MS,
        DATABASE_TIMEOUT,
      );
      return row.n;
    } catch {
      return null;
    }
  }

  /** Everything, for /admin/system. */
  async full(): Promise<EngineStatus> {
    const [database, broker, beat, counts] = await Promise.all([this.database(), this.broker(), this.beat(), this.counts()]);
    const queues = await this.queues(broker.ok);
    return { database, broker, beat, queues, counts, problems: problemsOf({ database, broker, beat, failed: counts?.failed ?? null }) };
  }

  /** Only what the dashboard alert needs: cheap enough for every admin page view. */
  async problems(): Promise<Message[]> {
    const [database, broker, beat, failed] = await Promise.all([this.database(), this.broker(), this.beat(), this.failedCount()]);
    return problemsOf({ database, broker, beat, failed });
  }
}

/** What needs an administrator's attention, as messages for the reader's language. */
export function problemsOf(s: { database: Probe; broker: BrokerProbe; beat: BeatProbe; failed: number | null }): Message[] {
  const out: Message[] = [];
  if (!s.database.ok) out.push(msg('admin.system.problems.database', { error: s.database.errorText ?? s.database.error }));
  if (!s.broker.ok) out.push(msg('admin.system.problems.broker', { error: s.broker.errorText ?? s.broker.error }));
  if (!s.beat.ok) {
    if (s.beat.heartbeatAt) {
      const { unit, count } = ageParts(s.beat.ageSeconds ?? 0);
      // i18n-keys: admin.system.problems.beatSilent.*
      out.push(msg(`admin.system.problems.beatSilent.${unit}`, { count }));
    } else out.push(msg('admin.system.problems.beatNotRunning'));
  }
  if (s.failed) out.push(msg('admin.system.problems.failed', { count: s.failed }));
  return out;
}

function ageParts(seconds: number): { unit: 's' | 'min' | 'h' | 'd'; count: number } {
  if (seconds < 120) return { unit: 's', count: seconds };
  if (seconds < 2 * 3600) return { unit: 'min', count: Math.floor(seconds / 60) };
  if (seconds < 2 * 86400) return { unit: 'h', count: Math.floor(seconds / 3600) };
  return { unit: 'd', count: Math.floor(seconds / 86400) };
}

/** "5 min", in English: probes' errors, /health and the CLI. */
export function describeAge(seconds: number): string {
  return inEnglish(ageMessage(seconds));
}

/** The same age for a page, in its reader's language. */
export function ageMessage(seconds: number): Message {
  const { unit, count } = ageParts(seconds);
  // i18n-keys: admin.system.age.*
  return msg(`admin.system.age.${unit}`, { count });
}
