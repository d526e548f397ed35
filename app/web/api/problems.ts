// The API's errors, one shape: RFC 9457 problem details
// (application/problem+json) — `type` about:blank, `title` the status's
// phrase, `detail` in the caller's language, the request id, and for input
// that cannot be accepted `errors`: one entry per field, named by its path in
// the request ("fields.amount", "due_at", "stage" of the query).
import http from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { ZodError } from 'zod';
import type { Logger } from '#app/log';
import { NO_REPORTS, type ErrorReporter } from '#app/services/error-report';
import { localize, msg, type Text } from '#app/i18n/message';
import { ConflictError, ForbiddenError, NotFoundError, ThrottledError, ValidationError } from '#app/services/errors';
import { textProblem } from '#app/web/middleware/input-guard';

export const PROBLEM_TYPE = 'application/problem+json';

/** An answer of the API that is a problem: its status, its detail, field errors, headers. */
export class ApiProblem extends Error {
  override name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly text: Text,
    readonly fieldTexts: Readonly<Record<string, Text>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof text === 'string' ? text : text.key);
  }
}

/** Input that cannot be accepted: 422 (the body), or 400 (the query: `status`). */
export function invalid(fields: Record<string, Text>, status = 422): ApiProblem {
  return new ApiProblem(status, msg(status === 422 ? 'api.errors.fieldsInvalid' : 'api.errors.queryInvalid'), fields);
}

// i18n-keys: api.types.*
function typeWord(expected: string): Text {
  return ['string', 'number', 'int', 'boolean', 'object', 'array', 'null'].includes(expected)
    ? msg(`api.types.${expected}`)
    : msg('api.types.other');
}

/** One zod issue as its message; `input` is what was sent at its place. */
function issueText(issue: ZodError['issues'][number]): Text {
  const i = issue as unknown as Record<string, unknown>;
  switch (issue.code) {
    case 'invalid_type':
      return i.input === undefined ? msg('api.errors.required') : msg('api.errors.type', { expected: typeWord(String(i.expected)) });
    case 'too_big':
      return i.origin === 'string' ? msg('api.errors.tooLong', { max: i.maximum }) : msg('api.errors.tooBig', { max: i.maximum });
    case 'too_small':
      return i.origin === 'string' ? msg('api.errors.tooShort', { min: i.minimum }) : msg('api.errors.tooSmall', { min: i.minimum });
    case 'invalid_value':
      return msg('api.errors.oneOf', { values: (i.values as unknown[]).map((v) => JSON.stringify(v)).join(', ') });
    case 'invalid_format':
      if (i.format === 'date') return msg('api.errors.date');
      if (i.format === 'datetime') return msg('api.errors.datetime');
      if (i.format === 'regex') return msg('api.errors.pattern', { pattern: String(i.pattern) });
      return msg('api.errors.format');
    default:
      return msg('api.errors.invalid');
  }
}

const pathName = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** A zod error as field errors: unknown fields each by name, the rest by path ('(body)' for the whole). */
export function zodFields(error: ZodError, prefix: readonly string[] = []): Record<string, Text> {
  const out: Record<string, Text> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out[pathName([...prefix, ...issue.path, key])] ??= msg('api.errors.unknownField');
      continue;
    }
    out[pathName([...prefix, ...issue.path]) || '(body)'] ??= issueText(issue);
  }
  return out;
}

/** Strings holding control characters PostgreSQL cannot store (NUL) or no one types, by path: refused, not cleaned. */
export function controlProblems(value: unknown, path: string[] = [], out: Record<string, Text> = {}): Record<string, Text> {
  if (typeof value === 'string') {
    const p = textProblem(value);
    if (p) out[path.join('.') || '(body)'] = p;
  } else if (Array.isArray(value)) value.forEach((v, i) => controlProblems(v, [...path, String(i)], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (textProblem(k)) out[[...path, k.replace(/[\u0000-\u001f\u007f]/g, '?')].join('.')] = msg('errors.input.nameControl');
      else controlProblems(v, [...path, k], out);
    }
  return out;
}

/** Sends a problem answer. */
export function sendProblem(req: Request, res: Response, p: ApiProblem): void {
  for (const [k, v] of Object.entries(p.headers)) res.setHeader(k, v);
  const errors = Object.entries(p.fieldTexts).map(([field, text]) => ({ field, detail: localize(req.t, text) }));
  res
    .status(p.status)
    .type(PROBLEM_TYPE)
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: http.STATUS_CODES[p.status] ?? String(p.status),
        status: p.status,
        detail: localize(req.t, p.text),
        instance: req.originalUrl.split('?')[0],
        requestId: req.id,
        ...(errors.length ? { errors } : {}),
      }),
    );
}

/** What body-parser and the services throw, as the API's problem. */
function asProblem(err: unknown): ApiProblem | null {
  if (err instanceof ApiProblem) return err;
  if (err instanceof ValidationError) return new ApiProblem(422, err.text, err.fieldTexts);
  if (err instanceof ForbiddenError) return new ApiProblem(403, err.text);
  if (err instanceof NotFoundError) return new ApiProblem(404, err.text);
  if (err instanceof ConflictError) return new ApiProblem(409, err.text);
  if (err instanceof ThrottledError) return new ApiProblem(429, err.text, {}, { 'Retry-After': String(err.retryAfterSeconds) });
  const e = err as { type?: string; status?: number; limit?: number };
  if (e?.type === 'entity.parse.failed')
    return new ApiProblem(400, msg('api.errors.malformedJson'), { '(body)': msg('api.errors.notJson') });
  if (e?.type === 'entity.too.large')
    return new ApiProblem(413, msg('api.errors.tooLarge', { kb: Math.round((e.limit ?? 0) / 1024) }), {
      '(body)': msg('api.errors.bodyTooLarge'),
    });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new ApiProblem(415, msg('api.errors.charset'), { '(body)': msg('api.errors.charsetField') });
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ApiProblem(e.status, msg('errors.badRequest'));
  return null;
}

/** The API's error handler: every error is a problem answer; a 500 is logged with the request id. */
export function apiErrors(log: Logger, reports: ErrorReporter = NO_REPORTS) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const p = asProblem(err);
    if (!p) {
      log.error({ err, reqId: req.id }, 'unhandled error in the API');
      reports.capture(err, { reqId: req.id, request: { method: req.method, path: req.originalUrl } });
    }
    sendProblem(req, res, p ?? new ApiProblem(500, msg('errors.server')));
  };
}
