// Typed errors of the domain. Services throw them; the one Express error
// handler turns each into its page (400 with field errors, 403, 404, 409,
// 429); the CLI turns them into one line and exit 1.
//
// Their texts are catalog messages (`msg(key, params)`, app/i18n/message.ts)
// or plain strings: `text`/`fieldTexts` keep them for the reader's language,
// `message`/`fields` hold them in English (logs, CLI, older callers).
import { inEnglish, msg, type Text } from '#app/i18n/message';

function englishFields(texts: Readonly<Record<string, Text>>): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, inEnglish(v)]));
}

/** Input that cannot be accepted; `fields` maps a form field to its reason. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly fields: Readonly<Record<string, string>>;
  constructor(
    readonly text: Text,
    readonly fieldTexts: Readonly<Record<string, Text>> = {},
  ) {
    super(inEnglish(text));
    this.fields = englishFields(fieldTexts);
  }
}

/** The thing does not exist, or the user may not know that it does. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(readonly text: Text = msg('errors.notFound')) {
    super(inEnglish(text));
  }
}

/** The user is known but may not do this. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
  constructor(readonly text: Text = msg('errors.forbidden')) {
    super(inEnglish(text));
  }
}

/** The record changed since the user loaded it. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    readonly text: Text,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(inEnglish(text));
  }
}

/** Too many attempts; try again after `retryAfterSeconds`. */
export class ThrottledError extends Error {
  override name = 'ThrottledError';
  constructor(
    readonly text: Text,
    readonly retryAfterSeconds: number,
  ) {
    super(inEnglish(text));
  }
}
