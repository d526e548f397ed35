// Settings: conf/defaults.yaml → conf/local.yaml → environment, in that order.
// Loaded once at start, validated (an invalid value stops the start with one
// line naming the setting), then frozen. This is the only module that reads
// process.env: everything else receives a Settings object. The shape is in
// config/settings.ts, the layers in config/sources.ts, the checks of single
// values in config/validators.ts; what spans several settings is checked here.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { oidcSettings, twoFactorSettings } from '#app/config/auth';
import { errorReportSettings, smsSettings } from '#app/config/outbound';
import { SettingsError, type Environment, type Settings } from '#app/config/settings';
import { get, readLayers, type Env, type Tree } from '#app/config/sources';
import {
  bool,
  int,
  locale,
  oneOf,
  optInt,
  optStr,
  publicUrl,
  queuePrefix,
  searchLanguage,
  str,
  timeZone,
  url,
} from '#app/config/validators';

export {
  SEARCH_LANGUAGES,
  SettingsError,
  type Environment,
  type OidcSettings,
  type SearchLanguage,
  type Settings,
  type SmsGatewaySettings,
} from '#app/config/settings';

export const projectRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  ...// compiled output lives in dist/app: step out of dist as well
  (path.basename(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')) === 'dist' ? ['..'] : []),
);

export interface LoadOptions {
  /** Environment variables; defaults to process.env. */
  env?: Env;
  /** Project root holding conf/ and var/. */
  root?: string;
  /** Values applied after the environment (tests). */
  overrides?: Tree;
}

/** A secret kept under var/ so development sessions survive restarts. */
function developmentSecret(varDir: string): string {
  const file = path.join(varDir, 'secret-key');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // not yet generated
  }
  fs.mkdirSync(varDir, { recursive: true });
  const key = crypto.randomBytes(32).toString('hex');
  fs.writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function loadSettings(options: LoadOptions = {}): Settings {
  const env = options.env ?? process.env;
  const root = options.root ?? projectRoot;
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new SettingsError(`invalid setting NODE_ENV: ${JSON.stringify(nodeEnv)} is not development, production or test`);
  }

  const { tree, local, fromEnv } = readLayers(root, env, options.overrides);
  const label = (key: string) => fromEnv.get(key) ?? key;

  const varDir = path.join(root, 'var');
  const env_ = nodeEnv as Environment;
  const embeddedDir = optStr(tree, 'database.embedded.dir');
  const embeddedPortFixed =
    fromEnv.has('database.embedded.port') ||
    get(local, 'database.embedded.port') != null ||
    get(options.overrides ?? {}, 'database.embedded.port') != null;
  const schema = str(tree, 'database.schema', label('database.schema'));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new SettingsError(`invalid setting ${label('database.schema')}: ${JSON.stringify(schema)} must be a lower-case SQL identifier`);
  }
  const servers = get(tree, 'cache.servers');
  if (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(s))) {
    throw new SettingsError(`invalid setting ${label('cache.servers')}: expected host:port[,host:port…]`);
  }
  let secretKey = optStr(tree, 'secretKey');
  if (secretKey == null) {
    if (env_ === 'production') throw new SettingsError('missing setting SECRET_KEY: required when NODE_ENV=production');
    secretKey = developmentSecret(varDir);
  } else if (secretKey.length < 16) {
    throw new SettingsError(`invalid setting ${label('secretKey')}: must be at least 16 characters`);
  }
  const mediaRoot = path.resolve(root, str(tree, 'mediaRoot', label('mediaRoot')));
  const level = str(tree, 'log.level', label('log.level'));
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    throw new SettingsError(`invalid setting ${label('log.level')}: ${JSON.stringify(level)} is not a log level`);
  }
  const adminEmail = optStr(tree, 'admin.email');
  const adminPassword = optStr(tree, 'admin.password');
  if ((adminEmail == null) !== (adminPassword == null)) {
    throw new SettingsError('invalid setting ORBIS_ADMIN_EMAIL/ORBIS_ADMIN_PASSWORD: set both or neither');
  }

  // A job is re-queued when its heartbeat is older than staleSeconds: with
  // less than three heartbeats in that window, a running job would be taken
  // from a live worker.
  const heartbeatSeconds = int(tree, 'jobs.heartbeatSeconds', 1, 3600);
  const staleSeconds = int(tree, 'jobs.staleSeconds', 2, 86_400);
  if (staleSeconds < 3 * heartbeatSeconds) {
    throw new SettingsError(
      `invalid setting jobs.staleSeconds: ${staleSeconds} must be at least 3 × jobs.heartbeatSeconds (${3 * heartbeatSeconds})`,
    );
  }

  // The catalogs ship with the code (projectRoot), whatever folder holds conf/.
  const defaultLocale = locale(tree, 'i18n.defaultLocale', projectRoot);
  const host = str(tree, 'server.host', label('server.host'));
  const port = int(tree, 'server.port', 0, 65535, label('server.port'));
  const mailUrl = url(tree, 'mail.url', label('mail.url'), ['smtp:', 'smtps:']);
  const serverPublicUrl = publicUrl(tree, label('server.publicUrl'), env_, host, port, mailUrl, label('mail.url'));
  // The beat's timer fires at fixed seconds of each minute, so a tick must
  // divide the minute; a lease shorter than three ticks would let a standby
  // take over from a live leader whose tick merely ran late.
  const tickSeconds = int(tree, 'beat.tickSeconds', 1, 60, label('beat.tickSeconds'));
  if (60 % tickSeconds !== 0)
    throw new SettingsError(
      `invalid setting ${label('beat.tickSeconds')}: ${tickSeconds} must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)`,
    );
  const leaseSeconds = int(tree, 'beat.leaseSeconds', 3, 3600, label('beat.leaseSeconds'));
  if (leaseSeconds < 3 * tickSeconds) {
    throw new SettingsError(
      `invalid setting ${label('beat.leaseSeconds')}: ${leaseSeconds} must be at least 3 × beat.tickSeconds (${3 * tickSeconds})`,
    );
  }

  const settings: Settings = {
    env: env_,
    root,
    varDir,
    server: { host, port, publicUrl: serverPublicUrl },
    database: {
      url: url(tree, 'database.url', label('database.url'), ['postgres:', 'postgresql:']),
      schema,
      poolMax: int(tree, 'database.poolMax', 1, 1000),
      idleSeconds: int(tree, 'database.idleSeconds', 1, 3600),
      embedded: {
        dir:
          embeddedDir == null
            ? path.join(varDir, env_ === 'test' ? 'pg-test' : 'pg')
            : path.resolve(root, embeddedDir) + (env_ === 'test' ? '-test' : ''),
        // The tests' cluster listens on port + 1.
        port: int(tree, 'database.embedded.port', 1024, 65534, label('database.embedded.port')),
        portFixed: embeddedPortFixed,
      },
    },
    broker: {
      url: url(tree, 'broker.url', label('broker.url'), ['amqp:', 'amqps:']),
      prefix: queuePrefix(tree, label('broker.prefix')),
      queueType: oneOf(tree, 'broker.queueType', ['quorum', 'classic'] as const),
    },
    jobs: {
      heartbeatSeconds,
      staleSeconds,
      relaySeconds: int(tree, 'jobs.relaySeconds', 1, 3600),
      relayGraceSeconds: int(tree, 'jobs.relayGraceSeconds', 0, 3600),
      backoffBaseMs: int(tree, 'jobs.backoffBaseMs', 1, 3_600_000),
      backoffCapMs: int(tree, 'jobs.backoffCapMs', 1, 86_400_000),
      concurrency: int(tree, 'jobs.concurrency', 1, 10_000),
      imagesConcurrency: int(tree, 'jobs.imagesConcurrency', 1, 64),
      outageSummarySeconds: int(tree, 'jobs.outageSummarySeconds', 1, 86_400),
    },
    cache: { servers: servers as string[] },
    beat: { tickSeconds, leaseSeconds },
    requestLog: {
      enabled: bool(tree, 'requestLog.enabled'),
      bufferLimit: int(tree, 'requestLog.bufferLimit', 1, 10_000_000),
      batchSize: int(tree, 'requestLog.batchSize', 1, 10_000),
      flushMs: int(tree, 'requestLog.flushMs', 10, 60_000),
    },
    mail: { url: mailUrl, from: str(tree, 'mail.from') },
    tasks: {
      dueSoonMinutes: int(tree, 'tasks.dueSoonMinutes', 1, 7 * 24 * 60),
      escalateAfterHours: int(tree, 'tasks.escalateAfterHours', 1, 24 * 365),
    },
    notifications: {
      gatherSeconds: int(tree, 'notifications.gatherSeconds', 1, 3600),
      digestAfter: int(tree, 'notifications.digestAfter', 1, 10_000),
      burstMinutes: int(tree, 'notifications.burstMinutes', 1, 24 * 60),
    },
    secretKey,
    mediaRoot,
    media: {
      maxUploadMB: int(tree, 'media.maxUploadMB', 1, 10_000),
      maxPixels: int(tree, 'media.maxPixels', 1, 1_000_000_000),
    },
    timeZone: timeZone(tree, 'timeZone'),
    i18n: { defaultLocale },
    search: { language: searchLanguage(tree, defaultLocale), countUpTo: int(tree, 'search.countUpTo', 1, 100_000) },
    cardTypes: { dir: path.resolve(root, str(tree, 'cardTypes.dir', label('cardTypes.dir'))) },
    serve: {
      workers: int(tree, 'serve.workers', 1, 256),
      maxRequests: int(tree, 'serve.maxRequests', 0, 1_000_000_000),
    },
    retention: {
      requestLogDays: int(tree, 'retention.requestLogDays', 1, 36_500),
      jobDays: int(tree, 'retention.jobDays', 1, 36_500),
      historyDays: optInt(tree, 'retention.historyDays', 1, 36_500),
      authEventDays: int(tree, 'retention.authEventDays', 1, 36_500),
      webhookDeliveryDays: int(tree, 'retention.webhookDeliveryDays', 1, 36_500),
    },
    auth: {
      sessionHours: int(tree, 'auth.sessionHours', 1, 24 * 365),
      sessionMaxHours: int(tree, 'auth.sessionMaxHours', 1, 24 * 365 * 10),
      throttle: {
        windowMinutes: int(tree, 'auth.throttle.windowMinutes', 1, 24 * 60),
        perAccountAndIp: int(tree, 'auth.throttle.perAccountAndIp', 1, 1_000_000),
        perIp: int(tree, 'auth.throttle.perIp', 1, 1_000_000),
        perAccountUntrusted: int(tree, 'auth.throttle.perAccountUntrusted', 1, 1_000_000),
      },
      passwordReset: {
        perIp: int(tree, 'auth.passwordReset.perIp', 1, 1_000_000),
        perAccount: int(tree, 'auth.passwordReset.perAccount', 1, 1_000_000),
      },
      twoFactor: twoFactorSettings(tree),
      oidc: oidcSettings(tree, label, serverPublicUrl),
    },
    api: { requestsPerMinute: int(tree, 'api.requestsPerMinute', 0, 1_000_000) },
    webhooks: {
      allowAddresses: (optStr(tree, 'webhooks.allowAddresses') ?? '')
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
      timeoutSeconds: int(tree, 'webhooks.timeoutSeconds', 1, 120),
      maxResponseKb: int(tree, 'webhooks.maxResponseKb', 1, 1024),
    },
    sms: smsSettings(tree, label),
    errorReport: errorReportSettings(tree, label),
    admin: { email: adminEmail, password: adminPassword },
    log: { level, pretty: env_ !== 'production' },
  };
  return deepFreeze(settings);
}
