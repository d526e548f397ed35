// Flash messages: a line for the next page the user sees ("PR-000123 saved."),
// kept in the session between a POST and the page its redirect leads to.
import type { NextFunction, Request, Response } from 'express';

export type FlashKind = 'success' | 'danger' | 'info' | 'warning';

export function flash(req: Request, text: string, kind: FlashKind = 'success'): void {
  (req.session.flash ??= []).push({ kind, text });
}

/**
 * Offers the messages to templates as `flash`, taken from the session only
 * when a page renders: a JSON poll (attachments, jobs) or an error page (a 404
 * for the browser's favicon request) between a POST and its redirect must not
 * eat the message meant for the next page.
 */
export function flashLocals(req: Request, res: Response, next: NextFunction): void {
  let taken: NonNullable<typeof req.session.flash> | undefined;
  Object.defineProperty(res.locals, 'flash', {
    enumerable: true,
    configurable: true,
    get() {
      if (res.statusCode >= 400) return taken ?? [];
      if (taken === undefined) {
        taken = req.session.flash ?? [];
        if (req.session.flash) delete req.session.flash;
      }
      return taken;
    },
  });
  next();
}
