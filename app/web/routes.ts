// The table of contents: every page Orbis has, one line each —
// path, guard, handler.
import type { Express } from 'express';
import type passport from 'passport';
import type { Cache } from '#app/cache/cache';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import type { I18n } from '#app/i18n/i18n';
import { accountTokensController } from '#app/web/controllers/account-tokens';
import { accountController } from '#app/web/controllers/account';
import { adminRequestsController } from '#app/web/controllers/admin-requests';
import { adminTokensController } from '#app/web/controllers/admin-tokens';
import { adminWebhooksController } from '#app/web/controllers/admin-webhooks';
import { adminMailController } from '#app/web/controllers/admin-mail';
import { apiDocsController } from '#app/web/controllers/api-docs';
import { adminJobsController } from '#app/web/controllers/admin-jobs';
import { adminSecurityController } from '#app/web/controllers/admin-security';
import { adminSystemController, engineAlertsPanel } from '#app/web/controllers/admin-system';
import { adminCalendarController } from '#app/web/controllers/admin-calendar';
import { adminRolesController } from '#app/web/controllers/admin-roles';
import { adminTypesController } from '#app/web/controllers/admin-types';
import { adminUsersController } from '#app/web/controllers/admin-users';
import { attachmentsController } from '#app/web/controllers/attachments';
import { authController } from '#app/web/controllers/auth';
import { cardListController } from '#app/web/controllers/card-list';
import { cardsController, type CardPanelLoader } from '#app/web/controllers/cards';
import { cardImportController } from '#app/web/controllers/card-import';
import { cardBoardController } from '#app/web/controllers/card-board';
import { cardProcessController } from '#app/web/controllers/card-process';
import { cardBulkController } from '#app/web/controllers/card-bulk';
import { liveController } from '#app/web/controllers/live';
import { savedViewsController } from '#app/web/controllers/saved-views';
import { commentsController } from '#app/web/controllers/comments';
import { dashboardController } from '#app/web/controllers/dashboard';
import { notificationsController } from '#app/web/controllers/notifications';
import { passwordResetController } from '#app/web/controllers/password-reset';
import { ssoController } from '#app/web/controllers/sso';
import { cardTasksPanel, dashboardTasksPanel, tasksController } from '#app/web/controllers/tasks';
import { twoFactorController, twoFactorGate } from '#app/web/controllers/two-factor';
import type { Logger } from '#app/log';
import { signInFlow } from '#app/web/sign-in';
import { labelOf } from '#app/services/card-type-labels';
import { healthController } from '#app/web/controllers/health';
import { requireLogin, requireSuperuser } from '#app/web/middleware/auth';
import { mountFaceRoutes } from '#app/web/faces-routes';

/** What the pages are built from (app/web/app.ts hands it over, once per app). */
export interface WebRoot {
  services: Services;
  db: Database;
  cache: Cache;
  i18n: I18n;
  settings: Settings;
  passport: passport.PassportStatic;
  log: Logger;
}

export function mountRoutes(app: Express, root: WebRoot): void {
  const { services: s, db, settings } = root;
  // Each controller names what it needs; built here, once.
  // Every sign-in ends here: the second step, or signed in.
  const signIn = signInFlow({ twoFactor: s.twoFactor, throttle: s.throttle, authEvents: s.authEvents, settings });
  const auth = authController({ authEvents: s.authEvents, ssoAccounts: s.ssoAccounts, settings, passport: root.passport, signIn });
  const twoFactor = twoFactorController({ twoFactor: s.twoFactor, users: s.users, authEvents: s.authEvents, settings, signIn });
  const oidcLabel = settings.auth.oidc?.label ?? null;
  const sso = ssoController({
    oidc: s.oidc,
    ssoAccounts: s.ssoAccounts,
    users: s.users,
    authEvents: s.authEvents,
    log: root.log,
    label: oidcLabel,
    signIn,
  });
  // The login page's "Sign in with …" button, when single sign-on is set up.
  app.locals.sso = s.oidc ? { label: oidcLabel } : null;
  const account = accountController({
    account: s.account,
    accountSessions: s.accountSessions,
    authEvents: s.authEvents,
    i18n: root.i18n,
    settings,
  });
  const passwordReset = passwordResetController({ passwordReset: s.passwordReset });
  const dashboard = dashboardController({ cards: s.cards }, [
    engineAlertsPanel({ engineStatus: s.engineStatus }),
    dashboardTasksPanel({ tasks: s.tasks }),
  ]);
  // The request log's counters; never "down": a full buffer must not take the web out of a load balancer.
  const health = healthController(
    { engineStatus: s.engineStatus, cache: root.cache },
    {
      requestLog: async () => {
        const { error, ...counters } = s.requestLog.stats();
        return { ok: true, ...counters, publishError: error };
      },
    },
  );
  const users = adminUsersController({
    users: s.users,
    accountSessions: s.accountSessions,
    twoFactor: s.twoFactor,
    passwordReset: s.passwordReset,
    userDirectory: s.userDirectory,
    db,
    i18n: root.i18n,
    timeZone: settings.timeZone,
  });
  const roles = adminRolesController({ roles: s.roles });
  const calendar = adminCalendarController({ calendar: s.calendar });
  const types = adminTypesController({ ...s, defaultLocale: settings.i18n.defaultLocale });
  const jobs = adminJobsController({ jobsAdmin: s.jobsAdmin });
  const system = adminSystemController({ engineStatus: s.engineStatus });
  const security = adminSecurityController({ authEvents: s.authEvents });
  const requests = adminRequestsController({ requestLogSearch: s.requestLogSearch, requestLog: s.requestLog });
  const attachments = attachmentsController({ media: s.media, cards: s.cards, settings });
  const cardList = cardListController({ cards: s.cards, db, savedViews: s.savedViews });
  const cardBoard = cardBoardController({ cards: s.cards, db, savedViews: s.savedViews });
  const cardProcess = cardProcessController({ cards: s.cards, roles: s.roles, db });
  const bulk = cardBulkController({ cards: s.cards, bulkWork: s.bulkWork, db });
  const views = savedViewsController({ cards: s.cards, savedViews: s.savedViews });
  const cardImport = cardImportController({ cardImports: s.cardImports });
  const cardPanels: CardPanelLoader[] = [attachments.panel, cardTasksPanel({ tasks: s.tasks, reminders: s.reminders })];
  const cards = cardsController({ cards: s.cards, db }, cardPanels);
  // The timeline and the watchers are a panel of the card page, which also answers a refused comment (its text kept).
  const comments = commentsController({ comments: s.comments, watchers: s.watchers, audit: s.audit }, cards.show);
  cardPanels.push(comments.panel);
  cardPanels.push(cardProcess.panel);
  const tasks = tasksController({ tasks: s.tasks, reminders: s.reminders, cards: s.cards, db });
  const notifications = notificationsController({ notifications: s.notifications });
  const accountTokens = accountTokensController({ tokens: s.tokens });
  const adminTokens = adminTokensController({ tokens: s.tokens });
  const adminWebhooks = adminWebhooksController({ webhooks: s.webhooks, cards: s.cards });
  const adminMail = adminMailController({ mailboxes: s.mailboxes, mailImport: s.mailImport, cards: s.cards, jobs: s.jobs });
  const apiDocs = apiDocsController({ cards: s.cards });
  const live = liveController({ cards: s.cards, live: s.live });

  // A superuser who must enrol a second factor can do nothing else until they did.
  app.use(twoFactorGate);

  // Every signed-in page shows the card types its user may read.
  app.use((req, res, next) => {
    if (req.user)
      res.locals.navCardTypes = s.cards.readableTypes(req.user).map((t) => ({ name: t.name, plural: labelOf(t, req.locale, 'plural') }));
    next();
  });

  // The bell's unread count on every signed-in page.
  app.use(notifications.bell);

  app.get('/healthz', health.check);
  app.get('/login', auth.form);
  app.post('/login', auth.login);
  app.post('/logout', requireLogin, auth.logout);
  app.get('/password/forgot', passwordReset.forgotForm);
  app.post('/password/forgot', passwordReset.forgot);
  app.get('/password/reset/:token', passwordReset.resetForm);
  app.post('/password/reset/:token', passwordReset.reset);

  app.get('/account', requireLogin, account.show);
  app.post('/account/profile', requireLogin, account.saveProfile);
  app.post('/account/password', requireLogin, account.changePassword);
  app.post('/account/email', requireLogin, account.requestEmailChange);
  app.get('/account/email/:token', account.emailConfirmForm);
  app.post('/account/email/:token', account.emailConfirm);
  app.post('/account/sessions/end', requireLogin, account.endSessions);
  app.get('/login/two-factor', twoFactor.stepForm);
  app.post('/login/two-factor', twoFactor.step);
  app.get('/login/oidc', sso.start);
  app.get('/login/oidc/callback', sso.callback);
  app.get('/account/two-factor', requireLogin, twoFactor.page);
  app.post('/account/two-factor/confirm', requireLogin, twoFactor.confirm);
  app.post('/account/two-factor/disable', requireLogin, twoFactor.disable);
  app.get('/', requireLogin, dashboard.index);

  // The card page, its edit form, the list and the board are live (their script polls the marks below).
  app.use('/cards/:type', live.page);
  app.get('/cards/:type/live.json', requireLogin, live.typeMark);
  app.get('/cards/:type', requireLogin, cardList.list);
  app.post('/cards/:type', requireLogin, cards.create);
  app.get('/cards/:type/new', requireLogin, cards.newForm);
  app.get('/cards/:type/export.csv', requireLogin, cardList.exportCsv);
  app.get('/cards/:type/import', requireLogin, cardImport.form);
  app.post('/cards/:type/import', requireLogin, cardImport.upload);
  app.get('/cards/:type/import/:importId', requireLogin, cardImport.show);
  app.get('/cards/:type/import/:importId/status', requireLogin, cardImport.status);
  app.post('/cards/:type/import/:importId/check', requireLogin, cardImport.check);
  app.post('/cards/:type/import/:importId/start', requireLogin, cardImport.start);
  app.get('/cards/:type/board', requireLogin, cardBoard.board);
  app.get('/cards/:type/process', requireLogin, cardProcess.show);
  app.post('/cards/:type/bulk', requireLogin, bulk.start);
  app.get('/cards/:type/bulk/:runId', requireLogin, bulk.result);
  app.get('/cards/:type/bulk/:runId/progress.json', requireLogin, bulk.progress);
  app.post('/cards/:type/views', requireLogin, views.create);
  app.post('/cards/:type/views/:viewId/delete', requireLogin, views.remove);
  app.get('/cards/:type/:id', requireLogin, cards.view);
  app.get('/cards/:type/:id/edit', requireLogin, cards.editForm);
  app.post('/cards/:type/:id/edit', requireLogin, cards.update);
  app.get('/cards/:type/:id/transition', requireLogin, cards.transitionForm);
  app.post('/cards/:type/:id/transition', requireLogin, cards.transition);
  app.post('/cards/:type/:id/delete', requireLogin, cards.remove);
  app.post('/cards/:type/:id/restore', requireLogin, cards.restore);
  app.post('/cards/:type/:id/attachments', requireLogin, attachments.upload);
  app.post('/cards/:type/:id/attachments/:mediaId/delete', requireLogin, attachments.remove);
  app.get('/cards/:type/:id/attachments.json', requireLogin, attachments.poll);
  app.get('/cards/:type/:id/live.json', requireLogin, live.cardMark);
  app.post('/cards/:type/:id/comments', requireLogin, comments.create);
  app.post('/cards/:type/:id/comments/:commentId/edit', requireLogin, comments.edit);
  app.post('/cards/:type/:id/comments/:commentId/delete', requireLogin, comments.remove);
  app.get('/cards/:type/:id/mentions.json', requireLogin, comments.mentions);
  app.post('/cards/:type/:id/watch', requireLogin, comments.watch);
  app.post('/cards/:type/:id/unwatch', requireLogin, comments.unwatch);
  mountFaceRoutes(app, s, db);
  app.get('/media/:id/:variant', requireLogin, attachments.serve);

  app.get('/tasks', requireLogin, tasks.list);
  app.post('/tasks', requireLogin, tasks.create);
  app.get('/tasks/new', requireLogin, tasks.newForm);
  app.get('/tasks/cards.json', requireLogin, tasks.cardChoices);
  app.get('/tasks/:id', requireLogin, tasks.view);
  app.post('/tasks/:id/complete', requireLogin, tasks.complete);
  app.post('/tasks/:id/reopen', requireLogin, tasks.reopen);
  app.post('/tasks/:id/reassign', requireLogin, tasks.reassign);
  app.get('/reminders', requireLogin, tasks.reminderList);
  app.post('/reminders', requireLogin, tasks.reminderCreate);
  app.post('/reminders/:id/cancel', requireLogin, tasks.reminderCancel);
  app.post('/reminders/:id/snooze', requireLogin, tasks.reminderSnooze);
  app.get('/notifications', requireLogin, notifications.list);
  app.post('/notifications/read-all', requireLogin, notifications.markAllRead);
  app.get('/notifications/preferences', requireLogin, notifications.preferences);
  app.post('/notifications/preferences', requireLogin, notifications.savePreferences);
  app.post('/notifications/:id/open', requireLogin, notifications.open);

  app.get('/admin/roles', requireSuperuser, roles.list);
  app.post('/admin/roles', requireSuperuser, roles.create);
  app.get('/admin/roles/:name', requireSuperuser, roles.show);
  app.post('/admin/roles/:name', requireSuperuser, roles.update);
  app.post('/admin/roles/:name/rights', requireSuperuser, roles.setRights);
  app.post('/admin/roles/:name/delete', requireSuperuser, roles.remove);
  app.get('/admin/types', requireSuperuser, types.list);
  app.get('/admin/types/new', requireSuperuser, types.newType);
  app.post('/admin/types/new', requireSuperuser, types.create);
  app.post('/admin/types/preview', requireSuperuser, types.preview);
  app.get('/admin/types/:name', requireSuperuser, types.show);
  app.post('/admin/types/:name', requireSuperuser, types.save);
  app.get('/admin/types/:name/versions/:version', requireSuperuser, types.version);
  app.get('/admin/types/:name/versions/:version/restore', requireSuperuser, types.restore);
  app.get('/admin/calendar', requireSuperuser, calendar.show);
  app.post('/admin/calendar', requireSuperuser, calendar.saveWeek);
  app.post('/admin/calendar/holidays', requireSuperuser, calendar.addHoliday);
  app.post('/admin/calendar/holidays/import', requireSuperuser, calendar.importHolidays);
  app.post('/admin/calendar/holidays/:day/delete', requireSuperuser, calendar.removeHoliday);
  app.get('/admin/users', requireSuperuser, users.list);
  app.get('/admin/users/new', requireSuperuser, users.newForm);
  app.post('/admin/users', requireSuperuser, users.create);
  app.get('/admin/users/:id', requireSuperuser, users.edit);
  app.post('/admin/users/:id/active', requireSuperuser, users.setActive);
  app.post('/admin/users/:id/roles', requireSuperuser, users.setRoles);
  app.post('/admin/users/:id/profile', requireSuperuser, users.profile);
  app.post('/admin/users/:id/password', requireSuperuser, users.resetPassword);
  app.post('/admin/users/:id/password/send-link', requireSuperuser, users.sendResetLink);
  app.post('/admin/users/:id/locale', requireSuperuser, users.setLocale);
  app.post('/admin/users/:id/phone', requireSuperuser, users.setPhone);
  app.post('/admin/users/:id/sessions/end', requireSuperuser, users.endSessions);
  app.post('/admin/users/:id/two-factor/reset', requireSuperuser, twoFactor.adminReset);
  app.get('/admin/jobs', requireSuperuser, jobs.list);
  app.get('/admin/jobs.json', requireSuperuser, jobs.poll);
  app.get('/admin/jobs/:id', requireSuperuser, jobs.view);
  app.post('/admin/jobs/:id/retry', requireSuperuser, jobs.retry);
  app.post('/admin/jobs/:id/cancel', requireSuperuser, jobs.cancel);
  app.get('/admin/system', requireSuperuser, system.show);
  app.get('/admin/requests', requireSuperuser, requests.list);

  // The REST API itself is app/web/api/router.ts (tokens, not sessions); these are its pages.
  app.get('/account/tokens', requireLogin, accountTokens.list);
  app.post('/account/tokens', requireLogin, accountTokens.create);
  app.post('/account/tokens/:id/revoke', requireLogin, accountTokens.revoke);
  app.get('/admin/tokens', requireSuperuser, adminTokens.list);
  app.post('/admin/tokens/:id/revoke', requireSuperuser, adminTokens.revoke);
  app.get('/api/docs', requireLogin, apiDocs.show);
  app.get('/admin/webhooks', requireSuperuser, adminWebhooks.list);
  app.post('/admin/webhooks', requireSuperuser, adminWebhooks.create);
  app.get('/admin/webhooks/:id', requireSuperuser, adminWebhooks.show);
  app.post('/admin/webhooks/:id/enabled', requireSuperuser, adminWebhooks.setEnabled);
  app.post('/admin/webhooks/:id/delete', requireSuperuser, adminWebhooks.remove);
  app.post('/admin/webhooks/:id/deliveries/:delivery/redeliver', requireSuperuser, adminWebhooks.redeliver);
  app.get('/admin/security', requireSuperuser, security.list);
  app.get('/admin/mail', requireSuperuser, adminMail.list);
  app.get('/admin/mail.json', requireSuperuser, adminMail.poll);
  app.post('/admin/mail', requireSuperuser, adminMail.create);
  app.get('/admin/mail/:id', requireSuperuser, adminMail.edit);
  app.post('/admin/mail/:id', requireSuperuser, adminMail.update);
  app.post('/admin/mail/:id/delete', requireSuperuser, adminMail.remove);
  app.post('/admin/mail/:id/fetch', requireSuperuser, adminMail.fetchNow);
  app.get('/admin/mail/refused/:id/raw', requireSuperuser, adminMail.raw);
  app.post('/admin/mail/refused/:id/import', requireSuperuser, adminMail.importAnyway);
  app.post('/admin/mail/refused/:id/discard', requireSuperuser, adminMail.discard);
}
