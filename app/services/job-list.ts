// The job list's words: its query (filters and page) from a URL and back,
// the shapes the list, a job and a live-progress poll return, and a job's
// progress as a percentage and a label. No database here (app/services/jobs-admin.ts reads).
import type { JobRow, JobState } from '#app/queue/jobs';
import { msg, type Text } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';

export const JOB_STATES: readonly JobState[] = ['waiting', 'queued', 'running', 'done', 'failed', 'cancelled'];
export const FINAL: readonly JobState[] = ['done', 'failed', 'cancelled'];
export const RETRYABLE: readonly JobState[] = ['failed', 'cancelled'];
export const CANCELLABLE: readonly JobState[] = ['waiting', 'queued'];

export const PAGE_SIZE = 50;
/** How much of an error the list shows; the detail page shows all of it. */
export const ERROR_PREVIEW = 160;
/** The most ids one live-progress poll may ask about. */
export const MAX_POLL_IDS = 200;

export interface JobListQuery {
  state: JobState | null;
  kind: string | null;
  page: number;
}

export interface JobListItem {
  id: number;
  kind: string;
  queue: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  progress_current: number | null;
  progress_total: number | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  /** The first ERROR_PREVIEW characters. */
  error: string | null;
  error_truncated: boolean;
}

export interface JobList {
  jobs: JobListItem[];
  total: number;
  page: number;
  pages: number;
  /** Per state, for the kind filter (not the state filter): the tabs' numbers. */
  counts: Record<JobState, number>;
  kinds: string[];
}

export interface JobRelative {
  id: number;
  kind: string;
  state: JobState;
}

export interface JobDetail {
  job: JobRow;
  dependsOn: JobRelative[];
  dependants: JobRelative[];
}

/** What a live-progress poll returns per job. */
export interface JobProgress {
  id: number;
  state: JobState;
  attempts: number;
  max_attempts: number;
  progress_current: number | null;
  progress_total: number | null;
  /** 0–100, or null when the job reports no total (and is not done). */
  percent: number | null;
  /** The figure beside the bar (progressLabel). */
  label: string;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  final: boolean;
}

/** "?state=failed&kind=x&page=2" → a query; a wrong value names its field. */
export function parseJobListQuery(input: Record<string, unknown>): JobListQuery {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const state = text(input.state);
  const kind = text(input.kind);
  const page = text(input.page);
  const fields: Record<string, Text> = {};
  if (state && !JOB_STATES.includes(state as JobState))
    fields.state = msg('admin.jobs.errors.unknownState', { state, states: JOB_STATES.join(', ') });
  if (kind.length > 200) fields.kind = msg('admin.jobs.errors.kindLong', { count: 200 });
  if (page && !/^[1-9]\d{0,5}$/.test(page)) fields.page = msg('admin.jobs.errors.page');
  if (Object.keys(fields).length) throw new ValidationError(Object.values(fields)[0], fields);
  return { state: (state || null) as JobState | null, kind: kind || null, page: page ? Number(page) : 1 };
}

/** The query as a URL query string ("" when it is the default), with changes. */
export function jobListUrl(q: JobListQuery, change: Partial<JobListQuery> = {}): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams();
  if (next.state) params.set('state', next.state);
  if (next.kind) params.set('kind', next.kind);
  if (next.page > 1) params.set('page', String(next.page));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function percentOf(state: JobState, current: number | null, total: number | null): number | null {
  if (state === 'done') return 100;
  if (!total || total <= 0 || current == null) return null;
  return Math.max(0, Math.min(100, Math.round((current / total) * 100)));
}

/**
 * The figure beside a job's bar, the same on the list, the job page and the
 * live poll: "3/10" with a total; "100%" once done (a finished job that only
 * ever reported a count without a total, often 0, read "0" beside a full bar);
 * the count a running job reports without a total; "–" when nothing is known.
 */
export function progressLabel(state: JobState, current: number | null, total: number | null): string {
  if (total && total > 0) return `${current ?? 0}/${total}`;
  if (state === 'done') return '100%';
  if (current != null) return String(current);
  return '–';
}
