// The application context: settings, logger, database, models and services
// of one installation, built by a factory so that tests can build several.
import path from 'node:path';
import type { Cache } from '#app/cache/cache';
import { createCache } from '#app/cache/index';
import { projectRoot, type Settings } from '#app/config';
import { openDatabase, type Database } from '#app/db/connection';
import { createI18n, type I18n } from '#app/i18n/i18n';
import { createLogger, type Logger } from '#app/log';
import { defineModels, type Models } from '#app/models/registry';
import { kindLookup, type JobDefinition } from '#app/jobs/define';
import type { Transport } from '#app/queue/transport';
import { JOBS, type Jobs } from '#app/jobs/index';
import { JobQueue } from '#app/queue/jobs';
import { Publisher } from '#app/queue/publisher';
import { JobStore } from '#app/queue/store';
import { createTransport } from '#app/queue/transports/configured';
import { AccountService } from '#app/services/account';
import { AccountMail } from '#app/services/account-mail';
import { AccountSessions } from '#app/services/account-sessions';
import { AccountTokens } from '#app/services/account-tokens';
import { AuditService } from '#app/services/audit';
import { AuthEvents } from '#app/services/auth-events';
import { loadCardTypes } from '#app/services/card-types';
import { CardTypeStore } from '#app/services/card-type-store';
import { ChangeSignals } from '#app/services/change-signals';
import { RoleService } from '#app/services/roles';
import { UserDirectory } from '#app/services/user-directory';
import { WorkCalendar } from '#app/services/work-calendar';
import { CardNotices } from '#app/services/card-notices';
import { CardService } from '#app/services/cards';
import { CommentService } from '#app/services/comments';
import { EngineStatusService } from '#app/services/engine-status';
import { JobAdmin } from '#app/services/jobs-admin';
import { RequestLogBuffer } from '#app/services/request-log';
import { RequestLogSearch } from '#app/services/request-log-search';
import { MediaService } from '#app/services/media';
import { NoticeMail } from '#app/services/notice-mail';
import { NoticeSms } from '#app/services/notice-sms';
import { NotificationService } from '#app/services/notifications';
import { PasswordReset } from '#app/services/password-reset';
import { OidcClient } from '#app/services/oidc';
import { ReminderService } from '#app/services/reminders';
import { SearchIndex } from '#app/services/search';
import { SsoAccounts } from '#app/services/sso-accounts';
import { subscribeAll } from '#app/services/subscribers';
import { TaskService } from '#app/services/tasks';
import { TokenService } from '#app/services/api-tokens';
import { secretBox } from '#app/services/secret-box';
import { NO_REPORTS, startErrorReports, type ErrorReporter } from '#app/services/error-report';
import type { ContextOptions } from '#app/context-options';
import { WebhookService } from '#app/services/webhooks';
import { CardImports } from '#app/services/card-import-runs';
import { MailboxService } from '#app/services/mailboxes';
import { MailImport } from '#app/services/mail-import';
import { mailDomain } from '#app/services/mail-message';
import { MailPoll } from '#app/services/mail-poll';
import { LoginThrottle } from '#app/services/throttle';
import { TwoFactorService } from '#app/services/two-factor';
import { UserService } from '#app/services/users';
import { WatcherService } from '#app/services/watchers';
import { LiveMarks } from '#app/services/live';
import { SavedViewService } from '#app/services/saved-views';
import { BulkWork } from '#app/services/bulk-work';

export interface Services {
  users: UserService;
  cards: CardService;
  throttle: LoginThrottle;
  /** The sign-in audit: sign-ins, sign-outs and account changes (/admin/security, /account). */
  authEvents: AuthEvents;
  /** My account: profile, password, email change (/account). */
  account: AccountService;
  /** A user's own sessions (/account). */
  accountSessions: AccountSessions;
  /** The password reset and email change mails (their jobs). */
  accountMail: AccountMail;
  /** /password/forgot and /password/reset. */
  passwordReset: PasswordReset;
  roles: RoleService;
  /** Card types in the database, versioned (the designer, `types import`); moving cards out of removed stages. */
  cardTypeStore: CardTypeStore;
  userDirectory: UserDirectory;
  calendar: WorkCalendar;
  jobs: Jobs;
  /** Card history (the audit log) read back for the card page. */
  audit: AuditService;
  /** Batches request log entries to the `requestlog` queue (bounded while the broker is away). */
  requestLog: RequestLogBuffer;
  tasks: TaskService;
  notifications: NotificationService;
  reminders: ReminderService;
  /** Mail of notifications: per-user dispatch (bursts → digest) and the daily digest. */
  noticeMail: NoticeMail;
  /** SMS of notifications: per-user dispatch, at most one per sms.minutesBetween (more gathered). */
  noticeSms: NoticeSms;
  /** Files attached to cards (uploads, thumbnails, serving). */
  media: MediaService;
  /** The language of full-text search and its rebuild. */
  search: SearchIndex;
  /** The engine's state: database, broker, queues, beat (/healthz, /admin/system, the dashboard's alert). */
  engineStatus: EngineStatusService;
  /** /admin/jobs: the job list, one job, retry and cancel. */
  jobsAdmin: JobAdmin;
  /** /admin/requests: the request log searched. */
  requestLogSearch: RequestLogSearch;
  /** Comments on cards (markdown subset, mentions). */
  comments: CommentService;
  /** Who watches a card. */
  watchers: WatcherService;
  /** Saved views of card lists and boards (a name for a query string). */
  savedViews: SavedViewService;
  /** Bulk work on a card list (assign, transition, watchers, delete, export; a job past 100 cards). */
  bulkWork: BulkWork;
  /** The notices of card events (mentioned, commented, assigned, stage changed, files added). */
  cardNotices: CardNotices;
  /** Which cards and types changed, heard from the database (live pages; listens from the first live page on). */
  live: LiveMarks;
  /** Personal access tokens of the REST API (made, listed, revoked; every API request authenticated). */
  tokens: TokenService;
  /** Outgoing webhooks: subscriptions, deliveries (webhooks.deliver jobs), /admin/webhooks. */
  webhooks: WebhookService;
  /** The import page's CSV imports (cards.import jobs) and the mapping saved per type. */
  cardImports: CardImports;
  /** Mail in: mailboxes (/admin/mail, ./manage.ts mail), one mail's import, the poll (mail.fetch jobs). */
  mailboxes: MailboxService;
  mailImport: MailImport;
  mailPoll: MailPoll;
  /** Second factors: TOTP enrolment, the sign-in's second step, an admin's reset. */
  twoFactor: TwoFactorService;
  /** Single sign-on's OpenID provider (null: auth.oidc not set). */
  oidc: OidcClient | null;
  /** Which user a provider's account is (link, verified email, or a new user). */
  ssoAccounts: SsoAccounts;
}

export interface AppContext {
  settings: Settings;
  log: Logger;
  /** The shipped languages and their catalogs (locales/*.json). */
  i18n: I18n;
  db: Database;
  models: Models;
  services: Services;
  /** The broker: RabbitMQ with AMQP_URL, else the in-process transport. */
  transport: Transport;
  publisher: Publisher;
  jobStore: JobStore;
  /** The job kinds of this installation: app/jobs/index.ts's list (tests add theirs). */
  jobDefinitions: readonly JobDefinition[];
  /** memcached (cache.servers) or the in-process LRU; never the truth, every call degrades to a miss. */
  cache: Cache;
  /** Unexpected errors to the collector of errorReport.dsn (a no-op without one, or for a context of no process). */
  errors: ErrorReporter;
  /** Runs `fn` when the context closes (before the database closes), last registered first. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

export type { ContextOptions } from '#app/context-options';

export { createTransport } from '#app/queue/transports/configured';

export async function createContext(settings: Settings, options: ContextOptions = {}): Promise<AppContext> {
  const log = options.log ?? createLogger(settings);
  // Card types first: a mistake in their files stops the start before anything opens.
  const cardTypes = loadCardTypes(options.cardTypesDir ?? settings.cardTypes.dir, settings.i18n.defaultLocale);
  // First: a failure while opening the rest is reported too (the SDK is loaded only with a DSN).
  const errors = options.process ? await startErrorReports(settings, options.process, log) : NO_REPORTS;
  const db = await openDatabase(settings, log, options.databaseUrl);
  const models = defineModels(db.sequelize);
  const throttle = new LoginThrottle(db, settings);
  const authEvents = new AuthEvents(db);
  const transport = options.transport ?? createTransport(settings, log);
  const publisher = new Publisher(db, transport, log, { outageSummaryMs: settings.jobs.outageSummarySeconds * 1000 });
  const cache = options.cache ?? createCache(settings, log);
  const signals = new ChangeSignals(db, log);
  const cards = new CardService(db, cardTypes, cache, settings.search.language, settings.search.countUpTo);
  const jobDefinitions = options.jobs ?? JOBS;
  const jobs: Jobs = new JobQueue(db, publisher, kindLookup(jobDefinitions));
  const notifications = new NotificationService(db, cardTypes, settings.notifications, settings.sms.gateway != null);
  const tasks = new TaskService(db, cards, notifications, settings.tasks);
  const jobStore = new JobStore(db);
  const users = new UserService(db, models, settings, throttle, authEvents, options.passwords);
  const tokens = new AccountTokens(db);
  const accountSessions = new AccountSessions(db, authEvents, settings);
  const watchers = new WatcherService(db, cards);
  const accountDeps = { users, throttle, tokens, events: authEvents, jobs, sessions: accountSessions };
  const comments = new CommentService(db, cards, jobs);
  const media = new MediaService(db, jobs, cards, settings);
  const mailboxes = new MailboxService(db, cards, users, secretBox(settings.secretKey, 'mailbox password'), settings);
  const mailImport = new MailImport(db, cards, comments, media, mailboxes, users, mailDomain(settings));
  const services: Services = {
    throttle,
    authEvents,
    users,
    account: new AccountService(db, models, accountDeps, options.passwords),
    accountSessions,
    accountMail: new AccountMail(db, tokens, authEvents, settings),
    passwordReset: new PasswordReset(db, models, accountDeps, options.passwords),
    cards,
    jobs,
    audit: new AuditService(db),
    // The spool is per broker prefix: a start sends only its own installation's entries.
    requestLog: new RequestLogBuffer({
      transport,
      log,
      ...settings.requestLog,
      spoolDir: transport.kind === 'amqp' ? path.join(settings.varDir, 'requestlog', settings.broker.prefix) : null,
    }),
    notifications,
    tasks,
    reminders: new ReminderService(db, cards, tasks, notifications),
    noticeMail: new NoticeMail(db, jobs, settings),
    noticeSms: new NoticeSms(db, jobs, cardTypes, settings),
    media,
    search: new SearchIndex(db, cardTypes, settings.search.language),
    engineStatus: new EngineStatusService(db, transport),
    jobsAdmin: new JobAdmin(db, jobStore, publisher, log),
    requestLogSearch: new RequestLogSearch(db),
    comments,
    watchers,
    savedViews: new SavedViewService(db),
    // Cards in flight at once: leave the pool room for the worker's own statements and the pages.
    bulkWork: new BulkWork(db, cards, watchers, jobs, { concurrency: Math.max(1, Math.min(4, settings.database.poolMax - 2)) }),
    cardNotices: new CardNotices(db, cardTypes, notifications),
    live: new LiveMarks(db, log),
    tokens: new TokenService(db, models),
    webhooks: new WebhookService(db, jobs, cardTypes, secretBox(settings.secretKey, 'webhook secret'), settings.webhooks),
    cardImports: new CardImports(db, cards, users, jobs, path.join(settings.varDir, 'imports')),
    twoFactor: new TwoFactorService(db, models, settings, throttle, authEvents, log),
    oidc: settings.auth.oidc ? new OidcClient(settings.auth.oidc) : null,
    ssoAccounts: new SsoAccounts(db, users, settings.auth.oidc),
    roles: new RoleService(db, cardTypes, signals),
    cardTypeStore: new CardTypeStore(db, cardTypes, signals, jobs, {
      ...settings.i18n,
      log,
      cards,
      rights: () => services.roles.rightsReader(),
    }),
    userDirectory: new UserDirectory(db, models, authEvents, users),
    calendar: new WorkCalendar(db, signals),
    mailboxes,
    mailImport,
    mailPoll: new MailPoll(db, mailboxes, mailImport, log),
  };
  cards.useCalendar(() => services.calendar.calendar);
  await services.calendar.load();
  // The types as saved (the files imported on first start), then kept current as any process saves a version.
  await services.cardTypeStore.start(cardTypes.fileSources);
  // Rights set in the browser, and kept current as other processes change them.
  await services.roles.load();
  void signals.start().catch((err: unknown) => log.warn({ err }, 'cannot listen for changes of roles and settings'));
  // Who hears of card and user changes: the lists in app/services/subscribers.ts.
  subscribeAll({ db, jobs, notifications, cards, comments: services.comments, webhooks: services.webhooks, tasks }, services.users);
  // What a killed web process left in the spool goes out now (in the background).
  void services.requestLog.recover();
  // Registered first, so it runs last of the closers: after the web server
  // stopped taking requests, before the transport closes.
  const closers: Array<() => Promise<void>> = [
    () => errors.close(),
    () => services.requestLog.close(),
    () => signals.close(),
    () => services.live.close(),
  ];
  let closing: Promise<void> | null = null;
  return {
    settings,
    log,
    i18n: createI18n(projectRoot, settings.i18n.defaultLocale),
    db,
    models,
    services,
    transport,
    publisher,
    jobStore,
    jobDefinitions,
    cache,
    errors,
    onClose(fn) {
      closers.push(fn);
    },
    close() {
      closing ??= (async () => {
        for (const close of closers.reverse()) await close();
        await publisher.drain().catch(() => undefined);
        if (!options.transport) await transport.close();
        if (!options.cache) await cache.close();
        await db.close();
      })();
      return closing;
    },
  };
}
