// The recognition engine's state for /admin/recognition, read from the
// database so it is the same whatever machine the workers run on: each
// worker process says every 30 s that it is there and whether its models are
// loaded (recognition_workers), the queue depth and the last error come
// from the jobs table, faces per minute from the faces stored in the last
// ten minutes.
import os from 'node:os';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import { FACE_MODEL, faceModelsLoaded, loadFaceModels } from '#app/services/face-engine';

/** A worker not heard from for this long is not counted. */
const SILENT_SECONDS = 90;
export const HEARTBEAT_MS = 30_000;

export interface RecognitionStatus {
  workers: { id: string; model: string; loadedAt: Date | null; seenAt: Date }[];
  modelsLoaded: number;
  queued: number;
  running: number;
  waiting: number;
  facesPerMinute: number;
  lastError: { at: Date; error: string; jobId: number } | null;
}

export function workerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

/** This worker process is there (its models loaded since `loadedAt`, or still loading). */
export async function recognitionHeartbeat(db: Database, loadedAt: Date | null): Promise<void> {
  await db.exec(
    `insert into recognition_workers (id, model, loaded_at, seen_at) values ($1, $2, $3, now())
     on conflict (id) do update set model = $2, loaded_at = $3, seen_at = now()`,
    [workerId(), FACE_MODEL, loadedAt],
  );
}

/** This worker process stops: it is no longer counted. */
export async function recognitionGone(db: Database): Promise<void> {
  await db.exec('delete from recognition_workers where id = $1', [workerId()]);
}

export async function recognitionStatus(db: Database): Promise<RecognitionStatus> {
  const [workers, [jobs], [rate], [last]] = await Promise.all([
    db.rows<{ id: string; model: string; loaded_at: Date | null; seen_at: Date }>(
      `select id, model, loaded_at, seen_at from recognition_workers where seen_at > now() - make_interval(secs => $1) order by id`,
      [SILENT_SECONDS],
    ),
    db.rows<{ queued: number; running: number; waiting: number }>(
      `select count(*) filter (where state = 'queued')::int as queued, count(*) filter (where state = 'running')::int as running,
              count(*) filter (where state = 'waiting')::int as waiting
         from jobs where queue = 'recognition' and state in ('queued', 'running', 'waiting')`,
    ),
    db.rows<{ n: number }>("select count(*)::int as n from faces where created_at > now() - interval '10 minutes'"),
    db.rows<{ id: number; error: string; finished_at: Date }>(
      "select id, error, finished_at from jobs where kind = 'images.faces' and state = 'failed' order by finished_at desc nulls last limit 1",
    ),
  ]);
  return {
    workers: workers.map((w) => ({ id: w.id, model: w.model, loadedAt: w.loaded_at, seenAt: w.seen_at })),
    modelsLoaded: workers.filter((w) => w.loaded_at).length,
    ...jobs,
    facesPerMinute: Math.round((rate.n / 10) * 10) / 10,
    lastError: last ? { at: last.finished_at, error: last.error ?? '', jobId: Number(last.id) } : null,
  };
}

/**
 * A worker of the recognition queue: loads the models at once (not at the
 * first photo) and says every 30 s that it is there; `stop` says it is gone.
 */
export function startRecognitionPresence(db: Database, log: Logger): { stop(): Promise<void> } {
  const beat = () =>
    recognitionHeartbeat(db, faceModelsLoaded()?.loadedAt ?? null).catch((err: Error) => log.warn({ err }, 'recognition heartbeat'));
  void beat();
  void loadFaceModels().then(
    (m) => {
      log.info({ loadMs: m.loadMs, model: FACE_MODEL }, 'face models loaded');
      return beat();
    },
    (err: Error) => log.error({ err }, 'the face models did not load'),
  );
  const timer = setInterval(() => void beat(), HEARTBEAT_MS).unref();
  return {
    async stop() {
      clearInterval(timer);
      await recognitionGone(db).catch(() => {});
    },
  };
}
