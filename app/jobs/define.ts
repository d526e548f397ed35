// defineJob: a job kind described in one object — its name, queue,
// attempts, backoff, timeout, its schedule entry when the beat runs it, the
// services its handler uses and the handler. One file per kind in this
// folder, named by its kind (`audit.card_changed` → `audit.card-changed.ts`);
// app/jobs/index.ts lists them, and everything else is derived from that
// list: the kinds the queue accepts (and the payload types of a typed
// enqueue), the handlers a worker runs, the beat's schedule.
import type { CatchUp } from '#app/beat/schedule';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { Handler, KindSettings, RunnableKind } from '#app/queue/kind';
import type { Publisher } from '#app/queue/publisher';
import type { JobStore } from '#app/queue/store';

/** What a handler may ask for by name in `uses`: the services, and the engine's parts. */
export interface JobDeps extends Services {
  db: Database;
  settings: Settings;
  log: Logger;
  jobStore: JobStore;
  publisher: Publisher;
  /** Runs `fn` when the process's context closes (a kept SMTP connection). */
  onClose(fn: () => Promise<void>): void;
}

export type DepName = keyof JobDeps;

/** The payload of a kind that needs none. */
export type NoPayload = Record<string, never>;

export interface ScheduleSpec<P> {
  /** Five fields, UTC. */
  cron: string;
  /** Slots missed while no beat ran: `once` (the latest only) or `all` (each, oldest first). */
  catchUp: CatchUp;
  /** The payload of every scheduled job (default: none). */
  payload?: P;
}

// A list of definitions holds kinds of every payload and every set of uses: `any` is what lets one list hold them all.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JobDefinition<K extends string = string, P = any, U extends DepName = any> extends KindSettings {
  /** `area.what_happens`: the name in the jobs table, the logs and /admin/jobs. */
  kind: K;
  /** When the beat enqueues it; without, it is enqueued by the code that needs it. */
  schedule?: ScheduleSpec<P>;
  /** The services the handler is given (and the only ones it can reach). */
  uses: readonly U[];
  /** Builds the handler from its services, once per worker process. */
  handler: (deps: Pick<JobDeps, U>) => Handler<P>;
}

/** A kind's definition, checked: its type carries the payload type for a typed enqueue. */
export function defineJob<K extends string, P, U extends DepName = never>(definition: JobDefinition<K, P, U>): JobDefinition<K, P, U> {
  const { kind, attempts, backoff, timeoutSeconds } = definition;
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(kind))
    throw new Error(`job kind "${kind}": expected area.name in lower case (a-z 0-9 _)`);
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`job kind "${kind}": attempts must be a whole number ≥ 1`);
  if (backoff && !(backoff.baseMs > 0 && backoff.capMs >= backoff.baseMs))
    throw new Error(`job kind "${kind}": backoff needs 0 < baseMs ≤ capMs`);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new Error(`job kind "${kind}": timeoutSeconds must be > 0`);
  return definition;
}

/** kind → payload type, from a list of definitions. */
export type PayloadsOf<L extends readonly JobDefinition[]> = {
  [D in L[number] as D['kind']]: D extends JobDefinition<string, infer P> ? P : never;
};

/** kind → queue and attempts: what the queue needs to enqueue. */
export function kindLookup(definitions: readonly JobDefinition[]): Map<string, KindSettings> {
  const kinds = new Map<string, KindSettings>();
  for (const d of definitions) {
    if (kinds.has(d.kind)) throw new Error(`job kind "${d.kind}" is defined twice`);
    kinds.set(d.kind, { queue: d.queue, attempts: d.attempts, backoff: d.backoff, timeoutSeconds: d.timeoutSeconds });
  }
  return kinds;
}

/** Every kind with its handler built from the services it names (and no others). */
export function bindJobs(definitions: readonly JobDefinition[], deps: JobDeps): Map<string, RunnableKind> {
  const kinds = new Map<string, RunnableKind>();
  for (const [kind, settings] of kindLookup(definitions)) {
    const d = definitions.find((x) => x.kind === kind)!;
    const named = Object.fromEntries((d.uses as readonly DepName[]).map((name) => [name, deps[name]])) as Pick<JobDeps, DepName>;
    kinds.set(kind, { kind, ...settings, handler: d.handler(named) });
  }
  return kinds;
}
