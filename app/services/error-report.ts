// Error reports to a Sentry-compatible collector (setting errorReport.dsn,
// SENTRY_DSN), through the vendor's SDK (@sentry/node). Started once per
// process by the context (createContext); the web's error handler reports
// its 500s, the worker each unexpected failed attempt (app/worker/start.ts
// wraps the handlers when reports are on), the beat a failed
// tick; uncaught exceptions and unhandled rejections are reported by the
// SDK's own handlers.
//
// What MUST hold, and why:
// - Off by default, and free when off: without a DSN the SDK is never
//   imported (importing it costs ≈ 1.5 s of start-up here) and capture() is
//   an empty function.
// - Never a secret: nothing is collected by default (dataCollection, SDK
//   11's successor of sendDefaultPii: false, all off) and the SDK's request, console
//   and HTTP integrations are not installed (no request body, cookie or
//   header is ever read); the request part is built here from the method and
//   the path (query values of every key dropped); beforeSend scrubs again
//   what could still carry one — every key naming a password, token, secret,
//   cookie, authorization, session, CSRF or key; URL credentials and bearer
//   tokens inside messages — so a later change cannot leak by accident.
// - Only the unexpected: a user's bad input, a refusal, a missing record,
//   a throttle (the typed errors of services/errors.ts: 4xx pages) and an
//   outside party's failure (a gateway or webhook answering non-2xx) are not
//   sent; they are expected, logged as before.
// - Tagged: request id, job id and kind, process, installation; the release
//   is orbis@VERSION (+ the git commit when known).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '#app/config';
import type { Logger } from '#app/log';

export type ReportingProcess = 'web' | 'worker' | 'beat' | 'runserver' | 'command';

export interface ErrorContext {
  reqId?: string | null;
  jobId?: number | string | null;
  jobKind?: string | null;
  attempt?: number;
  /** The request's method and path (no query, no body). */
  request?: { method: string; path: string };
}

export interface ErrorReporter {
  readonly enabled: boolean;
  /** Sends `err` unless it is expected; never throws, never waits. */
  capture(err: unknown, context?: ErrorContext): void;
  /** Waits (at most `ms`) for the reports in flight. */
  flush(ms?: number): Promise<void>;
  /** Sends what is in flight and stops reporting (the context closes). */
  close(): Promise<void>;
}

export const NO_REPORTS: ErrorReporter = { enabled: false, capture() {}, flush: async () => {}, close: async () => {} };

/** Names of errors that are an expected outcome, not a fault of Orbis. */
const EXPECTED = new Set([
  'ValidationError',
  'ForbiddenError',
  'NotFoundError',
  'ConflictError',
  'ThrottledError',
  'LinkError',
  'GatewayRefusedError',
  'DeliveryFailed',
]);

export function isExpected(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; expected?: boolean; status?: number; statusCode?: number; constructor?: { name?: string } };
  if (e.expected === true) return true;
  if (EXPECTED.has(e.name ?? '') || EXPECTED.has(e.constructor?.name ?? '')) return true;
  const status = e.status ?? e.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** A key whose value is never sent. */
export const SECRET_KEY =
  /pass(word|wd)?|secret|token|cookie|authori[sz]ation|^auth$|session|csrf|xsrf|api[-_]?key|private|credential|signature|^sig$|^code$|otp|dsn/i;

/** Secrets inside free text: URL credentials, bearer/basic values, key=value pairs named like secrets. */
export function scrubText(text: string): string {
  return text
    .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//[Filtered]@')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [Filtered]')
    .replace(
      /\b([\w-]*(?:pass(?:word)?|secret|token|csrf|api[-_]?key|session)[\w-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)/gi,
      '$1$2[Filtered]',
    );
}

/** A deep copy with every secret-named key's value replaced and strings scrubbed. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[Filtered]';
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[Filtered]' : scrubValue(v, depth + 1);
    return out;
  }
  return value;
}

/**
 * The path with every query value dropped (`/cards?q=…&token=…` → `/cards?q&token`) and every segment that
 * looks like a secret (20 or more URL-safe characters: the reset and email links' tokens) masked.
 */
export function pathWithoutValues(p: string): string {
  const [path, query] = p.split('?', 2);
  const base = path
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_-]{20,}$/.test(segment) ? ':secret' : segment))
    .join('/');
  if (!query) return base;
  return `${base}?${query
    .split('&')
    .map((pair) => pair.split('=')[0])
    .join('&')}`;
}

/** orbis@VERSION, + the commit of the checkout when it is a git repository. */
export function releaseOf(settings: Pick<Settings, 'root' | 'errorReport'>): string {
  if (settings.errorReport.release) return settings.errorReport.release;
  let version = '0.0.0';
  try {
    version = (JSON.parse(fs.readFileSync(path.join(settings.root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // no package.json beside the settings: the version stays unknown
  }
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: settings.root,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    })
      .toString()
      .trim();
    if (/^[0-9a-f]{7,40}$/.test(sha)) return `orbis@${version}+${sha}`;
  } catch {
    // not a git checkout (a release tarball): the version alone
  }
  return `orbis@${version}`;
}

/** The reporter of this process: NO_REPORTS without a DSN (the SDK not even loaded). */
export async function startErrorReports(
  settings: Pick<Settings, 'root' | 'env' | 'errorReport'>,
  processName: ReportingProcess,
  log?: Logger,
): Promise<ErrorReporter> {
  const { dsn, installation, environment } = settings.errorReport;
  if (!dsn) return NO_REPORTS;
  const Sentry = await import('@sentry/node');
  const release = releaseOf(settings);
  // One client per process: a second context in the same process (tests) replaces the first cleanly.
  if (Sentry.getClient()) await Sentry.close(2000);
  Sentry.init({
    dsn,
    release,
    environment: environment ?? settings.env,
    // SDK 11's successor of sendDefaultPii: false — no user, cookie, header, body or query value collected.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      graphQL: { document: false, variables: false },
    },
    // No tracing, no automatic instrumentation: only what is captured here and the crash handlers.
    enableOpenTelemetrySetup: false,
    // No module hooks that transform Express and friends at load time: nothing is instrumented.
    enableRuntimeChannelInjection: false,
    defaultIntegrations: false,
    integrations: [
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration({ mode: 'warn' }),
    ],
    initialScope: { tags: { installation, process: processName } },
    maxBreadcrumbs: 0,
    beforeSend(event) {
      if (event.request) {
        const { method, url } = event.request;
        event.request = { method, url: url ? pathWithoutValues(url) : undefined };
      }
      for (const ex of event.exception?.values ?? []) if (ex.value) ex.value = scrubText(ex.value);
      if (event.message) event.message = scrubText(event.message);
      if (event.extra) event.extra = scrubValue(event.extra) as typeof event.extra;
      if (event.contexts) event.contexts = scrubValue(event.contexts) as typeof event.contexts;
      if (event.tags) event.tags = scrubValue(event.tags) as typeof event.tags;
      delete event.user;
      delete event.breadcrumbs;
      return event;
    },
  });
  log?.info({ release, installation, process: processName }, 'error reports on (errorReport.dsn)');
  return {
    enabled: true,
    capture(err, context = {}) {
      if (isExpected(err)) return;
      try {
        Sentry.withScope((scope) => {
          if (context.reqId) scope.setTag('request_id', context.reqId);
          if (context.jobId != null) scope.setTag('job_id', String(context.jobId));
          if (context.jobKind) scope.setTag('job_kind', context.jobKind);
          if (context.attempt != null) scope.setTag('job_attempt', String(context.attempt));
          const request = context.request;
          if (request)
            scope.addEventProcessor((event) => ({ ...event, request: { method: request.method, url: pathWithoutValues(request.path) } }));
          Sentry.captureException(err);
        });
      } catch (e) {
        log?.warn({ error: (e as Error).message }, 'an error report could not be made');
      }
    },
    async flush(ms = 2000) {
      await Sentry.flush(ms).catch(() => false);
    },
    async close() {
      await Sentry.close(2000).catch(() => false);
    },
  };
}
