// Notification pages: the list (read / unread), open one (marks it read and
// follows its link), mark all read, and the per-kind mail preferences; plus
// the bell's count for the layout.
import type { NextFunction, Request, Response } from 'express';
import type { Services } from '#app/context';
import { localizeAll, msg } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import { noticeText } from '#app/services/notice-text';
import { CHANNELS, NOTICE_KINDS } from '#app/services/notifications';
import { formatRelative } from '#app/services/relative-time';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

const ONE = { id: id(msg('notifications.errors.notFound')) };

export type NotificationsDeps = Pick<Services, 'notifications'>;

export function notificationsController({ notifications }: NotificationsDeps) {
  /** The SMS column shows only with a gateway; the number it goes to, or where to set one. */
  const smsLocals = async (userId: number) =>
    notifications.smsEnabled ? { smsEnabled: true, phone: await notifications.phoneOf(userId) } : { smsEnabled: false };

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
        else if (req.method === 'GET' && req.accepts('html', 'json') === 'html')
          res.locals.unreadCount = await notifications.unreadCount(req.user.id);
      }
      next();
    },

    list: signedIn(async (req, res, { user }) => {
      const unread = req.query.filter === 'unread';
      const page = /^\d{1,4}$/.test(String(req.query.page ?? '')) ? Number(req.query.page) : 1;
      const found = await notifications.list(user.id, { unread, page });
      // Each notice in the reader's language and zone (older rows: as stored), and its age ("5 minutes ago").
      const now = new Date();
      const rows = found.rows.map((n) => ({
        ...n,
        text: noticeText(n, req.t, req.locale, user.timeZone),
        ago: formatRelative(n.created_at, now, req.locale),
      }));
      res.render('notifications/list.njk', { ...found, rows, unread });
    }),

    open: signedIn(ONE, async (_req, res, { user, params }) => {
      const n = await notifications.markRead(user.id, params.id);
      res.redirect(303, n.url && /^\/(?!\/)/.test(n.url) ? n.url : '/notifications');
    }),

    markAllRead: signedIn(async (req, res, { user }) => {
      const n = await notifications.markAllRead(user.id);
      flash(req, req.t('notifications.markedRead', { count: n }));
      res.redirect(303, '/notifications');
    }),

    preferences: signedIn(async (_req, res, { user }) => {
      const { channels, sms } = await notifications.choices(user.id);
      res.render('notifications/preferences.njk', {
        kinds: NOTICE_KINDS,
        channels: CHANNELS,
        values: channels,
        sms,
        ...(await smsLocals(user.id)),
        errors: {},
      });
    }),

    savePreferences: signedIn(async (req, res, { user }) => {
      try {
        await notifications.setPreferences(user.id, (req.body ?? {}) as Record<string, unknown>);
        flash(req, req.t('notifications.prefs.saved'));
        res.redirect(303, '/notifications/preferences');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const body = (req.body ?? {}) as Record<string, unknown>;
        res.status(400).render('notifications/preferences.njk', {
          kinds: NOTICE_KINDS,
          channels: CHANNELS,
          values: body,
          sms: Object.fromEntries(Object.keys(NOTICE_KINDS).map((k) => [k, body[`sms:${k}`] === 'on'])),
          ...(await smsLocals(user.id)),
          errors: localizeAll(req.t, err.fieldTexts),
        });
      }
    }),
  };
}
