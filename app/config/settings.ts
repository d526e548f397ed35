// The shape of the settings every part of Orbis receives (frozen, validated
// by app/config.ts), and the error that names a setting that cannot be used.

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
    /** Connections of the process's one pool (statements, transactions, model calls, cursors). */
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
  /**
   * Full-text search: the text search configuration cards are stemmed with
   * (app/services/search.ts), and how far a search's list counts its matches
   * (app/services/card-search-page.ts: past it, "more than 1,000 cards").
   */
  readonly search: { readonly language: SearchLanguage; readonly countUpTo: number };
  /** Where the card types are declared (*.yaml), validated at every start and reload. */
  readonly cardTypes: { readonly dir: string };
  readonly serve: { readonly workers: number; readonly maxRequests: number };
  /** What the housekeeping.retention job purges, by age in days (null: kept forever). */
  readonly retention: {
    readonly requestLogDays: number;
    readonly jobDays: number;
    readonly historyDays: number | null;
    /** The sign-in audit (auth_events: sign-ins, sign-outs, account changes). */
    readonly authEventDays: number;
    /** Finished webhook deliveries (delivered or failed; /admin/webhooks). */
    readonly webhookDeliveryDays: number;
  };
  readonly auth: {
    /** A session ends this long after its last use... */
    readonly sessionHours: number;
    /** ...and this long after its sign-in, however much it is used. */
    readonly sessionMaxHours: number;
    readonly throttle: {
      readonly windowMinutes: number;
      readonly perAccountAndIp: number;
      readonly perIp: number;
      readonly perAccountUntrusted: number;
    };
    /** Password reset requests per address and per account (the email typed), in the throttle's window. */
    readonly passwordReset: { readonly perIp: number; readonly perAccount: number };
    /** Second factors (TOTP, app/services/two-factor.ts). */
    readonly twoFactor: {
      /** The name authenticator apps show above the account. */
      readonly issuer: string;
      /** Superusers without a second factor are sent to enrol at sign-in and can do nothing else. */
      readonly requiredForSuperusers: boolean;
    };
    /** Single sign-on with OpenID Connect (app/services/oidc.ts); null: off (no issuer set). */
    readonly oidc: OidcSettings | null;
  };
  /** The REST API (/api/v1): requests one token may make per minute (0: no limit; shared by every web process through the cache). */
  readonly api: { readonly requestsPerMinute: number };
  /** Outgoing webhooks: addresses allowed although private/loopback/link-local, the request's timeout, the answer kept. */
  readonly webhooks: { readonly allowAddresses: readonly string[]; readonly timeoutSeconds: number; readonly maxResponseKb: number };
  /** SMS out (app/services/sms-gateway.ts, notice-sms.ts): gateway null is SMS off. */
  readonly sms: SmsSettings;
  /** Error reports to a Sentry-compatible collector (app/services/error-report.ts); dsn null is off. */
  readonly errorReport: {
    readonly dsn: string | null;
    /** Sent as the tag `installation`: which Orbis it is, among several reporting to one collector. */
    readonly installation: string;
    /** null: the NODE_ENV. */
    readonly environment: string | null;
    /** null: orbis@VERSION (+ the git commit when known). */
    readonly release: string | null;
  };
  readonly admin: { readonly email: string | null; readonly password: string | null };
  readonly log: { readonly level: string; readonly pretty: boolean };
}

/** Single sign-on through one OpenID provider (auth.oidc.*; docs/install.md, "Accounts and single sign-on"). */
export interface OidcSettings {
  /** The provider's issuer identifier, exactly as its discovery document says it. */
  readonly issuer: string;
  readonly clientId: string;
  /** Null: a public client (PKCE only). */
  readonly clientSecret: string | null;
  /** Always holds openid. */
  readonly scopes: readonly string[];
  /** The provider's name on the sign-in button ("Sign in with LABEL"); null: "single sign-on". */
  readonly label: string | null;
  /** The claim holding the email a user is matched by (only when email_verified is true). */
  readonly emailClaim: string;
  /** Create a user for a verified email no user has; false: refuse. */
  readonly createUsers: boolean;
  /** The claim whose values give a created user roles (e.g. groups); null: no roles. */
  readonly rolesClaim: string | null;
  /** A claim value → an Orbis role; empty: values that name a role are that role. */
  readonly roleMapping: ReadonlyArray<{ readonly value: string; readonly role: string }>;
  /** False: users who signed in through the provider once can no longer sign in with a password. */
  readonly passwordForSsoUsers: boolean;
  /** Where the provider sends the browser back: server.publicUrl + /login/oidc/callback. */
  readonly redirectUri: string;
}

/** SMS: at most one per user per minutesBetween (more are gathered into the next); texts cut to maxLength characters. */
export interface SmsSettings {
  readonly minutesBetween: number;
  readonly maxLength: number;
  readonly gateway: SmsGatewaySettings | null;
}

/** One generic HTTP gateway: the request (placeholders {to}, {to_digits}, {text}) and what answer is a success. */
export interface SmsGatewaySettings {
  readonly url: string;
  readonly method: 'POST' | 'PUT' | 'GET';
  readonly auth: 'none' | 'basic' | 'bearer' | 'header';
  readonly user: string | null;
  /** Secrets: never logged, never shown; from conf/local.yaml or ORBIS_SMS_PASSWORD / ORBIS_SMS_TOKEN. */
  readonly password: string | null;
  readonly token: string | null;
  /** The header carrying the token when auth is `header` (e.g. X-API-Key). */
  readonly header: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly format: 'json' | 'form';
  /** The body's template (null with GET: everything is in the URL). */
  readonly body: Readonly<Record<string, unknown>> | null;
  /** The answer's status must be in this range (inclusive)... */
  readonly successStatus: readonly [number, number];
  /** ...and, when set, its body must match this regular expression. */
  readonly successBody: string | null;
  /** Addresses the gateway may be reached on although private or loopback (e.g. a gateway on this machine). */
  readonly allowAddresses: readonly string[];
  readonly timeoutSeconds: number;
}

/** A setting that cannot be used. The message is one line naming the setting. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}
