// Notification pages: the list (read / unread), open one (marks it read and
// follows its link), mark all read, and the per-kind mail preferences; plus
// the bell's count for the layout.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '#app/context';
import { localizeAll, msg } from '#app/i18n/message';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { noticeText } from '#app/services/notice-text';
import { CHANNELS, NOTICE_KINDS } from '#app/services/notifications';
import { formatRelative } from '#app/services/relative-time';
import { flash } from '#app/web/flash';

function idParam(req: Request): number {
  const id = String(req.params.id);
  if (!/^\d{1,15}$/.test(id)) throw new NotFoundError(msg('notifications.errors.notFound'));
  return Number(id);
}

export function notificationsController(ctx: AppContext) {
  const notifications = ctx.services.notifications;
  return {
    /**
     * The bell: its count usually came with the session (see the session
     * store); otherwise one indexed count for GETs that want HTML — not the
     * JSON polls of the attachments and jobs pages (every 1.5 s), which render
     * no layout.
     */
    async bell(req: Request, res: Response, next: NextFunction) {
      if (req.user) {
        if (req.unreadNotices !== undefined) res.locals.unreadCount = req.unreadNotices;
        else if (req.method === 'GET' && req.accepts('html', 'json') === 'html') res.locals.unreadCount = await notifications.unreadCount(req.user.id);
      }
      next();
    },

    async list(req: Request, res: Response) {
      const unread = req.query.filter === 'unread';
      const page = /^\d{1,4}$/.test(String(req.query.page ?? '')) ? Number(req.query.page) : 1;
      const user = req.user!;
      const found = await notifications.list(user.id, { unread, page });
      // Each notice in the reader's language and zone (older rows: as stored), and its age ("5 minutes ago").
      const now = new Date();
      const rows = found.rows.map((n) => ({ ...n, text: noticeText(n, req.t, req.locale, user.timeZone), ago: formatRelative(n.created_at, now, req.locale) }));
      res.render('notifications/list.njk', { ...found, rows, unread });
    },

    async open(req: Request, res: Response) {
      const n = await notifications.markRead(req.user!.id, idParam(req));
      res.redirect(303, n.url && /^\/(?!\/)/.test(n.url) ? n.url : '/notifications');
    },

    async markAllRead(req: Request, res: Response) {
      const n = await notifications.markAllRead(req.user!.id);
      flash(req, req.t('notifications.markedRead', { count: n }));
      res.redirect(303, '/notifications');
    },

    async preferences(req: Request, res: Response) {
      res.render('notifications/preferences.njk', { kinds: NOTICE_KINDS, channels: CHANNELS, values: await notifications.preferences(req.user!.id), errors: {} });
    },

    async savePreferences(req: Request, res: Response) {
      try {
        await notifications.setPreferences(req.user!.id, (req.body ?? {}) as Record<string, unknown>);
        flash(req, req.t('notifications.prefs.saved'));
        res.redirect(303, '/notifications/preferences');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('notifications/preferences.njk', { kinds: NOTICE_KINDS, channels: CHANNELS, values: req.body, errors: localizeAll(req.t, err.fieldTexts) });
      }
    },
  };
}
