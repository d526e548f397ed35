// How a context is made other than by the settings (tests, the CLI): see createContext in app/context.ts.
import type { Cache } from '#app/cache/cache';
import type { JobDefinition } from '#app/jobs/define';
import type { Logger } from '#app/log';
import type { Transport } from '#app/queue/transport';
import type { ReportingProcess } from '#app/services/error-report';
import type { PasswordHasher } from '#app/services/passwords';

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
  /** The long-running process this context serves: its unexpected errors are reported (errorReport.dsn). None: no reports. */
  process?: ReportingProcess;
}
