// Reading an API request: the JSON body and the query, each checked by its
// zod schema (unknown members refused, types exact); strings with control
// characters refused; the If-Match header of a change. Every refusal names
// the field, before any service sees the request.
import type { Request } from 'express';
import type { ZodType } from 'zod';
import { msg } from '#app/i18n/message';
import { ApiProblem, controlProblems, invalid, zodFields } from '#app/web/api/problems';

import { hasBody } from '#app/web/middleware/input-guard';

export { hasBody };

export function unsupportedType(req: Request): ApiProblem {
  const type = req.headers['content-type'] ? String(req.headers['content-type']).split(';')[0].slice(0, 80) : '';
  return new ApiProblem(415, type ? msg('api.errors.jsonOnly', { type }) : msg('api.errors.jsonOnlyUntyped'), {
    '(body)': msg('api.errors.sendJson'),
  });
}

/** The JSON body, as `schema` reads it. */
export function jsonBody<T>(req: Request, schema: ZodType<T>): T {
  if (hasBody(req) && !req.is('application/json')) throw unsupportedType(req);
  const control = controlProblems(req.body);
  if (Object.keys(control).length) throw invalid(control);
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) throw invalid(zodFields(parsed.error));
  return parsed.data;
}

/** The query, as `schema` reads it (400 naming the parameter). */
export function queryOf<T>(req: Request, schema: ZodType<T>): T {
  const control = controlProblems(req.query);
  if (Object.keys(control).length) throw invalid(control, 400);
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw invalid(zodFields(parsed.error), 400);
  return parsed.data;
}

/**
 * The version a change was made on: `If-Match: "<version>"` (the ETag of the
 * card the client read). Without it: 428 when `required`; a weak or
 * malformed tag never matches (412), as If-Match compares strongly.
 */
export function ifMatchVersion(req: Request, required: boolean): number | null {
  const header = req.get('if-match');
  if (!header) {
    if (required) throw new ApiProblem(428, msg('api.errors.ifMatchRequired'), { 'If-Match': msg('api.errors.ifMatchMissing') });
    return null;
  }
  const m = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (!m) throw new ApiProblem(412, msg('api.errors.ifMatchFormat'), { 'If-Match': msg('api.errors.ifMatchShape') });
  return Number(m[1]);
}

export const etagOf = (version: number) => `"${version}"`;
