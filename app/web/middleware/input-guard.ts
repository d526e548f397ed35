// What every page accepts from a request, checked once before any handler
// sees it: a bad value is refused with a 400 naming the field, so nothing
// downstream (a query, a save, a CSV stream) meets it and nothing changes.
//
// The rules (docs/operations.md, "Input every page refuses"):
// - a body comes as a form (application/x-www-form-urlencoded, or
//   multipart/form-data for files, read by the upload handler): any other
//   content type is refused with 415 before it is parsed;
// - every query and form value is text, or a list of texts where a field
//   repeats (checkboxes): an object or a list of lists is refused;
// - text holds no control characters other than tab, CR and LF (NUL above
//   all: PostgreSQL cannot store it, and no one types it). The value is
//   refused, not cleaned: silently changing what someone sent is worse than
//   saying what is wrong with it.
import type { NextFunction, Request, Response } from 'express';
import { inEnglish, msg, type Text } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
// C0 controls except tab (09), LF (0a) and CR (0d), and DEL.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Field names longer than this are cut in messages. */
const NAME_SHOWN = 60;

/** Refused with 415: the body is in a format no page reads. */
export class UnsupportedBodyError extends Error {
  override name = 'UnsupportedBodyError';
  readonly status = 415;
  constructor(readonly text: Text) {
    super(inEnglish(text));
  }
}

function shownName(name: string): string {
  const safe = name.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > NAME_SHOWN ? `${safe.slice(0, NAME_SHOWN)}…` : safe;
}

export function textProblem(s: string): Text | null {
  const m = CONTROL.exec(s);
  if (!m) return null;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return msg(m[0] === '\u0000' ? 'errors.input.controlNul' : 'errors.input.control', { code });
}

/** Field name → reason, for every value of `values` that breaks the rules. */
export function inputProblems(values: unknown): Record<string, Text> {
  const problems: Record<string, Text> = {};
  if (values === undefined || values === null) return problems;
  if (typeof values !== 'object' || Array.isArray(values)) return { '(body)': msg('errors.input.notForm') };
  for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
    const shown = shownName(name);
    if (textProblem(name)) {
      problems[shown] = msg('errors.input.nameControl');
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item !== 'string') {
        problems[shown] = msg(Array.isArray(value) ? 'errors.input.nested' : 'errors.input.object');
        break;
      }
      const p = textProblem(item);
      if (p) {
        problems[shown] = p;
        break;
      }
    }
  }
  return problems;
}

/** A body is on its way (the same test the body parsers make), and not an empty one. */
/** A body is on its way (the test the body parsers make). */
export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function inputGuard(req: Request, _res: Response, next: NextFunction) {
  if (hasBody(req) && !req.is(FORM_TYPES)) {
    const type = req.headers['content-type'] ? String(req.headers['content-type']).split(';')[0].slice(0, 80) : null;
    return next(new UnsupportedBodyError(type === null ? msg('errors.input.formsOnlyUntyped') : msg('errors.input.formsOnly', { type })));
  }
  const problems = { ...inputProblems(req.query), ...inputProblems(req.body) };
  if (Object.keys(problems).length) return next(new ValidationError(msg('errors.input.refused'), problems));
  // A form post without a body still reads as an empty form (multipart is
  // read later, by the upload handler).
  if (req.body === undefined && !req.is('multipart/form-data')) req.body = {};
  next();
}
