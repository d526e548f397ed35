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
import { JOBS, type Jobs } from '#app/jobs/index';
import { JobQueue } from '#app/queue/jobs';
import { Publisher } from '#app/queue/publisher';
import { JobStore } from '#app/queue/store';
import type { Transport } from '#app/queue/transport';
import { AmqpTransport } from '#app/queue/transports/amqp';
import { LocalTransport } from '#app/queue/transports/local';
import { AccountService } from '#app/services/account';
import { AccountMail } from '#app/services/account-mail';
import { AccountSessions } from '#app/services/account-sessions';
import { AccountTokens } from '#app/services/account-tokens';
import { AuditService } from '#app/services/audit';
import { AuthEvents } from '#app/services/auth-events';
import { loadCardTypes } from '#app/services/card-types';
import { CardNotices } from '#app/services/card-notices';
import { CardService } from '#app/services/cards';
import { CommentService } from '#app/services/comments';
import { EngineStatusService } from '#app/services/engine-status';
import { JobAdmin } from '#app/services/jobs-admin';
import { RequestLogBuffer } from '#app/services/request-log';
import { RequestLogSearch } from '#app/services/request-log-search';
import { MediaService } from '#app/services/media';
import { NoticeMail } from '#app/services/notice-mail';
import { NotificationService } from '#app/services/notifications';
import { PasswordReset } from '#app/services/password-reset';
import { OidcClient } from '#app/services/oidc';
import type { PasswordHasher } from '#app/services/passwords';
import { ReminderService } from '#app/services/reminders';
import { SearchIndex } from '#app/services/search';
import { SsoAccounts } from '#app/services/sso-accounts';
import { subscribeAll } from '#app/services/subscribers';
import { TaskService } from '#app/services/tasks';
import { TokenService } from '#app/services/api-tokens';
import { secretBox } from '#app/services/secret-box';
import { WebhookService } from '#app/services/webhooks';
import { MailboxService } from '#app/services/mailboxes';
import { MailImport } from '#app/services/mail-import';
import { mailDomain } from '#app/services/mail-message';
import { MailPoll } from '#app/services/mail-poll';
import { LoginThrottle } from '#app/services/throttle';
import { TwoFactorService } from '#app/services/two-factor';
import { UserService } from '#app/services/users';
import { WatcherService } from '#app/services/watchers';
import { SavedViewService } from '#app/services/saved-views';

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
  /** The notices of card events (mentioned, commented, assigned, stage changed, files added). */
  cardNotices: CardNotices;
  /** Personal access tokens of the REST API (made, listed, revoked; every API request authenticated). */
  tokens: TokenService;
  /** Outgoing webhooks: subscriptions, deliveries (webhooks.deliver jobs), /admin/webhooks. */
  webhooks: WebhookService;
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
  /** Runs `fn` when the context closes (before the database closes), last registered first. */
  onClose(fn: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface ContextOptions {
  log?: Logger;
  /** Use this database instead of the configured (or embedded) one. */
  databaseUrl?: string;
  /** Where the card types are declared (default: the setting cardTypes.dir). */
  cardTypesDir?: string;
  /** Use this transport instead of the configured one (tests). */
  transport?: Transport;
  /** Use this cache instead of the configured one (tests). */
  cache?: Cache;
  /** Check passwords with this instead of scrypt directly (tests count the checks). */
  passwords?: PasswordHasher;
  /** The job kinds (default: every kind of app/jobs/index.ts; tests add theirs). */
  jobs?: readonly JobDefinition[];
}

export function createTransport(settings: Settings, log?: Logger): Transport {
  if (!settings.broker.url) return new LocalTransport();
  return new AmqpTransport({ url: settings.broker.url, prefix: settings.broker.prefix, queueType: settings.broker.queueType, log });
}

export async function createContext(settings: Settings, options: ContextOptions = {}): Promise<AppContext> {
  const log = options.log ?? createLogger(settings);
  // Card types first: a mistake in them stops the start before anything opens.
  const cardTypes = loadCardTypes(options.cardTypesDir ?? settings.cardTypes.dir, settings.i18n.defaultLocale);
  const db = await openDatabase(settings, log, options.databaseUrl);
  const models = defineModels(db.sequelize);
  const throttle = new LoginThrottle(db, settings);
  const authEvents = new AuthEvents(db);
  const transport = options.transport ?? createTransport(settings, log);
  const publisher = new Publisher(db, transport, log, { outageSummaryMs: settings.jobs.outageSummarySeconds * 1000 });
  const cache = options.cache ?? createCache(settings, log);
  const cards = new CardService(db, cardTypes, cache, settings.search.language, settings.search.countUpTo);
  const jobDefinitions = options.jobs ?? JOBS;
  const jobs: Jobs = new JobQueue(db, publisher, kindLookup(jobDefinitions));
  const notifications = new NotificationService(db, cardTypes, settings.notifications);
  const tasks = new TaskService(db, cards, notifications, settings.tasks);
  const jobStore = new JobStore(db);
  const users = new UserService(db, models, settings, throttle, authEvents, options.passwords);
  const tokens = new AccountTokens(db);
  const accountSessions = new AccountSessions(db, authEvents, settings);
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
    media,
    search: new SearchIndex(db, cardTypes, settings.search.language),
    engineStatus: new EngineStatusService(db, transport),
    jobsAdmin: new JobAdmin(db, jobStore, publisher, log),
    requestLogSearch: new RequestLogSearch(db),
    comments,
    watchers: new WatcherService(db, cards),
    savedViews: new SavedViewService(db),
    cardNotices: new CardNotices(db, cardTypes, notifications),
    tokens: new TokenService(db, models),
    webhooks: new WebhookService(db, jobs, cardTypes, secretBox(settings.secretKey, 'webhook secret'), settings.webhooks),
    twoFactor: new TwoFactorService(db, models, settings, throttle, authEvents, log),
    oidc: settings.auth.oidc ? new OidcClient(settings.auth.oidc) : null,
    ssoAccounts: new SsoAccounts(db, users, settings.auth.oidc),
    mailboxes,
    mailImport,
    mailPoll: new MailPoll(db, mailboxes, mailImport, log),
  };
  // Who hears of card and user changes: the lists in app/services/subscribers.ts.
  subscribeAll({ db, jobs, notifications, cards, comments: services.comments, webhooks: services.webhooks }, services.users);
  // What a killed web process left in the spool goes out now (in the background).
  void services.requestLog.recover();
  // Registered first, so it runs last of the closers: after the web server
  // stopped taking requests, before the transport closes.
  const closers: Array<() => Promise<void>> = [() => services.requestLog.close()];
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
