// The one page for a mailed link that cannot be used (a password reset or an
// email change): expired, used, replaced by a newer one, of another kind or
// another user's, or never issued. Nothing changed; it says so, and where to
// ask for a new link.
import type { Request, Response } from 'express';
import { localize } from '#app/i18n/message';
import { LinkError } from '#app/services/account-tokens';

/** Renders the page for a LinkError (400); anything else is thrown on. */
export function linkRefused(err: unknown, req: Request, res: Response, again: { href: string; label: string }): void {
  if (!(err instanceof LinkError)) throw err;
  res.status(400).render('account/link-refused.njk', { message: localize(req.t, err.text), again });
}

/** A path parameter as routed ('' when absent). */
export function tokenOf(req: Request): string {
  const raw = req.params.token;
  return typeof raw === 'string' ? raw : '';
}

/** A form field as text: '' when absent or sent twice. */
export function field(req: Request, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}
