// Settings: conf/defaults.yaml → conf/local.yaml → environment, in that order.
// Loaded once at start, validated (an invalid value stops the start with one
// line naming the setting), then frozen. This is the only module that reads
// process.env: everything else receives a Settings object.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export type Environment = 'development' | 'production' | 'test';

/** Text search configurations cards may be stemmed with (search.language). */
export const SEARCH_LANGUAGES = ['simple', 'english', 'russian'] as const;
export type SearchLanguage = (typeof SEARCH_LANGUAGES)[number];

export interface Settings {
  readonly env: Environment;
  readonly root: string;
  readonly varDir: string;
  readonly server: {
    readonly host: string;
    readonly port: number;
    /**
     * Where people reach Orbis (scheme, host, optional path; no trailing
     * slash): links in mails are built from it. Outside production it
     * defaults to http://HOST:PORT; in production it is required with SMTP
     * and null (links stay relative, `check` says so) without.
     */
    readonly publicUrl: string | null;
  };
  readonly database: {
    readonly url: string | null;
    readonly schema: string;
    /** Connections of the query pool; transactions get half as many more. */
    readonly poolMax: number;
    /** An idle connection is closed after this long. */
    readonly idleSeconds: number;
    readonly embedded: {
      /** The cluster's folder (data/, its log); the tests use the same path with "-test" appended. */
      readonly dir: string;
      readonly port: number;
      /** False while the port is the shipped default: held by something else, a free port is used instead. */
      readonly portFixed: boolean;
    };
  };
  readonly broker: { readonly url: string | null; readonly prefix: string; readonly queueType: 'quorum' | 'classic' };
  readonly jobs: {
    readonly heartbeatSeconds: number;
    /** A running job whose heartbeat is older than this is re-queued. */
    readonly staleSeconds: number;
    readonly relaySeconds: number;
    readonly relayGraceSeconds: number;
    readonly backoffBaseMs: number;
    readonly backoffCapMs: number;
    readonly concurrency: number;
    readonly imagesConcurrency: number;
    /** While the broker is away, failed publishes are summed up in one log line this often. */
    readonly outageSummarySeconds: number;
  };
  readonly cache: { readonly servers: readonly string[] };
  /** The beat (app/beat/): how often it ticks, and how old the leader's lease may get before a standby takes over. */
  readonly beat: { readonly tickSeconds: number; readonly leaseSeconds: number };
  readonly requestLog: {
    /** Record every request (off: the benchmark's baseline). */
    readonly enabled: boolean;
    /** Entries held while the broker is unreachable; beyond it they are counted, not kept. */
    readonly bufferLimit: number;
    readonly batchSize: number;
    readonly flushMs: number;
  };
  readonly mail: { readonly url: string | null; readonly from: string };
  /** The deadline sweep (tasks.deadlines): due-soon lead time, escalation after overdue. */
  readonly tasks: { readonly dueSoonMinutes: number; readonly escalateAfterHours: number };
  /** Notices by mail: gathered for gatherSeconds; more than digestAfter within burstMinutes → one digest mail. */
  readonly notifications: { readonly gatherSeconds: number; readonly digestAfter: number; readonly burstMinutes: number };
  readonly secretKey: string;
  readonly mediaRoot: string;
  /** Uploads and image processing (app/services/media.ts). */
  readonly media: {
    /** Largest upload file, in MB: the same as nginx's client_max_body_size. */
    readonly maxUploadMB: number;
    /** Largest image by pixel count (width × height, read from the header before any decode). */
    readonly maxPixels: number;
  };
  readonly timeZone: string;
  /** Languages: the installation's default (users without a choice, unknown Accept-Language). */
  readonly i18n: { readonly defaultLocale: string };
  /** Full-text search: the text search configuration cards are stemmed with (app/services/search.ts). */
  readonly search: { readonly language: SearchLanguage };
  /** Where the card types are declared (*.yaml), validated at every start and reload. */
  readonly cardTypes: { readonly dir: string };
  readonly serve: { readonly workers: number; readonly maxRequests: number };
  /** What the housekeeping.retention job purges, by age in days (null: kept forever). */
  readonly retention: { readonly requestLogDays: number; readonly jobDays: number; readonly historyDays: number | null };
  readonly auth: {
    readonly sessionHours: number;
    readonly throttle: {
      readonly windowMinutes: number;
      readonly perAccountAndIp: number;
      readonly perIp: number;
      readonly perAccountUntrusted: number;
    };
  };
  readonly admin: { readonly email: string | null; readonly password: string | null };
  readonly log: { readonly level: string; readonly pretty: boolean };
}

/** A setting that cannot be used. The message is one line naming the setting. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', ...(
  // compiled output lives in dist/app: step out of dist as well
  path.basename(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')) === 'dist' ? ['..'] : []));

type Env = Record<string, string | undefined>;
type Tree = Record<string, unknown>;

export interface LoadOptions {
  /** Environment variables; defaults to process.env. */
  env?: Env;
  /** Project root holding conf/ and var/. */
  root?: string;
  /** Values applied after the environment (tests). */
  overrides?: Tree;
}

const ENV_MAP: ReadonlyArray<[string, string]> = [
  ['DATABASE_URL', 'database.url'],
  ['DATABASE_SCHEMA', 'database.schema'],
  ['AMQP_URL', 'broker.url'],
  ['MEMCACHED_SERVERS', 'cache.servers'],
  ['SMTP_URL', 'mail.url'],
  ['SECRET_KEY', 'secretKey'],
  ['MEDIA_ROOT', 'mediaRoot'],
  ['PORT', 'server.port'],
  ['HOST', 'server.host'],
  ['ORBIS_ADMIN_EMAIL', 'admin.email'],
  ['ORBIS_ADMIN_PASSWORD', 'admin.password'],
  ['LOG_LEVEL', 'log.level'],
  ['ORBIS_QUEUE_PREFIX', 'broker.prefix'],
  ['ORBIS_PUBLIC_URL', 'server.publicUrl'],
  ['ORBIS_DEFAULT_LOCALE', 'i18n.defaultLocale'],
  ['ORBIS_SEARCH_LANGUAGE', 'search.language'],
  ['ORBIS_CARDTYPES_DIR', 'cardTypes.dir'],
  ['ORBIS_EMBEDDED_PG_PORT', 'database.embedded.port'],
  ['ORBIS_EMBEDDED_PG_DIR', 'database.embedded.dir'],
  ['ORBIS_BEAT_TICK_SECONDS', 'beat.tickSeconds'],
  ['ORBIS_BEAT_LEASE_SECONDS', 'beat.leaseSeconds'],
];

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed = YAML.parse(text) as unknown;
    if (parsed == null) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Tree;
  } catch (err) {
    throw new SettingsError(`${path.basename(file)}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Tree, over: Tree, where: string): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (!(k in base)) throw new SettingsError(`unknown setting ${where}${k} (conf/local.yaml)`);
    out[k] = isTree(base[k]) && isTree(v) ? merge(base[k] as Tree, v, `${where}${k}.`) : v;
  }
  return out;
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    node[k] = isTree(node[k]) ? { ...(node[k] as Tree) } : {};
    node = node[k] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

function get(tree: Tree, dotted: string): unknown {
  let node: unknown = tree;
  for (const k of dotted.split('.')) node = isTree(node) ? node[k] : undefined;
  return node;
}

// --- validators: each names the setting in its error -----------------------

function str(tree: Tree, key: string, label = key): string {
  const v = get(tree, key);
  if (typeof v !== 'string' || v.trim() === '') throw new SettingsError(`invalid setting ${label}: must be a non-empty string`);
  return v.trim();
}

function optStr(tree: Tree, key: string): string | null {
  const v = get(tree, key);
  if (v == null || v === '') return null;
  if (typeof v !== 'string') throw new SettingsError(`invalid setting ${key}: must be a string`);
  return v.trim();
}

function int(tree: Tree, key: string, min: number, max: number, label = key): number {
  const raw = get(tree, key);
  const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(`invalid setting ${label}: ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  }
  return n;
}

function bool(tree: Tree, key: string): boolean {
  const v = get(tree, key);
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new SettingsError(`invalid setting ${key}: ${JSON.stringify(v)} is not true or false`);
}

function url(tree: Tree, key: string, label: string, protocols: string[]): string | null {
  const v = optStr(tree, key);
  if (v == null) return null;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new SettingsError(`invalid setting ${label}: not a URL (expected ${protocols[0]}//…)`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new SettingsError(`invalid setting ${label}: scheme ${parsed.protocol} is not one of ${protocols.join(' ')}`);
  }
  return v;
}

/**
 * server.publicUrl: an http(s) address without query, fragment or
 * credentials, kept without its trailing slash; unset: see Settings.server.
 */
function publicUrl(tree: Tree, label: string, env: Environment, host: string, port: number, mailUrl: string | null, mailLabel: string): string | null {
  const v = url(tree, 'server.publicUrl', label, ['http:', 'https:']);
  if (v == null) {
    if (env !== 'production') return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${port}`;
    if (mailUrl) throw new SettingsError(`missing setting ORBIS_PUBLIC_URL (server.publicUrl): required when NODE_ENV=production and ${mailLabel} is set, for the links in mails`);
    return null;
  }
  const u = new URL(v);
  if (u.search || u.hash || u.username || u.password) {
    throw new SettingsError(`invalid setting ${label}: ${JSON.stringify(v)} must be scheme, host and an optional path (no query, fragment or user)`);
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

function timeZone(tree: Tree, key: string): string {
  const tz = str(tree, key);
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new SettingsError(`invalid setting ${key}: unknown time zone ${JSON.stringify(tz)}`);
  }
  return tz;
}

/** A language that ships a catalog folder under locales/ (e.g. en, ru). */
function locale(tree: Tree, key: string, root: string): string {
  const v = str(tree, key);
  const dir = path.join(root, 'locales');
  if (!/^[a-z]{2,3}$/.test(v) || !fs.existsSync(path.join(dir, v))) {
    const shipped = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^[a-z]{2,3}$/.test(f)) : [];
    throw new SettingsError(`invalid setting ${key}: ${JSON.stringify(v)} is not a shipped language (${shipped.join(', ')})`);
  }
  return v;
}

/** search.language, or (null) the one of the default language: ru → russian, en → english, else simple. */
function searchLanguage(tree: Tree, defaultLocale: string): SearchLanguage {
  const v = get(tree, 'search.language');
  if (v == null || v === '') return defaultLocale === 'ru' ? 'russian' : defaultLocale === 'en' ? 'english' : 'simple';
  return oneOf(tree, 'search.language', SEARCH_LANGUAGES);
}

/** A whole number, or null when the setting is null or empty (meaning "off"/"forever"). */
function optInt(tree: Tree, key: string, min: number, max: number): number | null {
  const v = get(tree, key);
  return v == null || v === '' ? null : int(tree, key, min, max);
}

function oneOf<T extends string>(tree: Tree, key: string, values: readonly T[]): T {
  const v = get(tree, key);
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new SettingsError(`invalid setting ${key}: ${JSON.stringify(v)} is not one of ${values.join(', ')}`);
  }
  return v as T;
}

function queuePrefix(tree: Tree, label: string): string {
  const v = str(tree, 'broker.prefix', label);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(v)) throw new SettingsError(`invalid setting ${label}: ${JSON.stringify(v)} may hold only letters, digits, . _ -`);
  return v;
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

  let tree = readYaml(path.join(root, 'conf', 'defaults.yaml'));
  const local = readYaml(path.join(root, 'conf', 'local.yaml'));
  tree = merge(tree, local, '');
  const fromEnv = new Map<string, string>();
  for (const [name, key] of ENV_MAP) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    fromEnv.set(key, name);
    setPath(tree, key, key === 'cache.servers' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);
  }
  tree = options.overrides ? merge(tree, options.overrides, '') : tree;
  const label = (key: string) => fromEnv.get(key) ?? key;

  const varDir = path.join(root, 'var');
  const env_ = nodeEnv as Environment;
  const embeddedDir = optStr(tree, 'database.embedded.dir');
  const embeddedPortFixed =
    fromEnv.has('database.embedded.port') || get(local, 'database.embedded.port') != null || get(options.overrides ?? {}, 'database.embedded.port') != null;
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
    throw new SettingsError(`invalid setting jobs.staleSeconds: ${staleSeconds} must be at least 3 × jobs.heartbeatSeconds (${3 * heartbeatSeconds})`);
  }

  // The catalogs ship with the code (projectRoot), whatever folder holds conf/.
  const defaultLocale = locale(tree, 'i18n.defaultLocale', projectRoot);
  const host = str(tree, 'server.host', label('server.host'));
  const port = int(tree, 'server.port', 0, 65535, label('server.port'));
  const mailUrl = url(tree, 'mail.url', label('mail.url'), ['smtp:', 'smtps:']);
  // The beat's timer fires at fixed seconds of each minute, so a tick must
  // divide the minute; a lease shorter than three ticks would let a standby
  // take over from a live leader whose tick merely ran late.
  const tickSeconds = int(tree, 'beat.tickSeconds', 1, 60, label('beat.tickSeconds'));
  if (60 % tickSeconds !== 0) throw new SettingsError(`invalid setting ${label('beat.tickSeconds')}: ${tickSeconds} must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)`);
  const leaseSeconds = int(tree, 'beat.leaseSeconds', 3, 3600, label('beat.leaseSeconds'));
  if (leaseSeconds < 3 * tickSeconds) {
    throw new SettingsError(`invalid setting ${label('beat.leaseSeconds')}: ${leaseSeconds} must be at least 3 × beat.tickSeconds (${3 * tickSeconds})`);
  }

  const settings: Settings = {
    env: env_,
    root,
    varDir,
    server: { host, port, publicUrl: publicUrl(tree, label('server.publicUrl'), env_, host, port, mailUrl, label('mail.url')) },
    database: {
      url: url(tree, 'database.url', label('database.url'), ['postgres:', 'postgresql:']),
      schema,
      poolMax: int(tree, 'database.poolMax', 1, 1000),
      idleSeconds: int(tree, 'database.idleSeconds', 1, 3600),
      embedded: {
        dir: embeddedDir == null ? path.join(varDir, env_ === 'test' ? 'pg-test' : 'pg') : path.resolve(root, embeddedDir) + (env_ === 'test' ? '-test' : ''),
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
    search: { language: searchLanguage(tree, defaultLocale) },
    cardTypes: { dir: path.resolve(root, str(tree, 'cardTypes.dir', label('cardTypes.dir'))) },
    serve: {
      workers: int(tree, 'serve.workers', 1, 256),
      maxRequests: int(tree, 'serve.maxRequests', 0, 1_000_000_000),
    },
    retention: {
      requestLogDays: int(tree, 'retention.requestLogDays', 1, 36_500),
      jobDays: int(tree, 'retention.jobDays', 1, 36_500),
      historyDays: optInt(tree, 'retention.historyDays', 1, 36_500),
    },
    auth: {
      sessionHours: int(tree, 'auth.sessionHours', 1, 24 * 365),
      throttle: {
        windowMinutes: int(tree, 'auth.throttle.windowMinutes', 1, 24 * 60),
        perAccountAndIp: int(tree, 'auth.throttle.perAccountAndIp', 1, 1_000_000),
        perIp: int(tree, 'auth.throttle.perIp', 1, 1_000_000),
        perAccountUntrusted: int(tree, 'auth.throttle.perAccountUntrusted', 1, 1_000_000),
      },
    },
    admin: { email: adminEmail, password: adminPassword },
    log: { level, pretty: env_ !== 'production' },
  };
  return deepFreeze(settings);
}
