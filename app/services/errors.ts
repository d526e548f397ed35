// Typed errors of the domain. Services throw them; the one Express error
// handler turns each into its page (400 with field errors, 403, 404, 409,
// 429); the CLI turns them into one line and exit 1.

/** Input that cannot be accepted; `fields` maps a form field to its reason. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The thing does not exist, or the user may not know that it does. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(message = 'Not found.') {
    super(message);
  }
}

/** The user is known but may not do this. */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
  constructor(message = 'You are not allowed to do this.') {
    super(message);
  }
}

/** The record changed since the user loaded it. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Too many attempts; try again after `retryAfterSeconds`. */
export class ThrottledError extends Error {
  override name = 'ThrottledError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
