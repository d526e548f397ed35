// What several commands share: loading settings, opening the context,
// creating the first superuser.
import crypto from 'node:crypto';
import os from 'node:os';
import { loadSettings, type Settings } from '#app/config';
import { createContext, type AppContext } from '#app/context';
import { createMigrator } from '#app/db/migrate';
import { createLogger, type Logger } from '#app/log';
import { ensureCardTypeRoles } from '#app/services/card-type-roles';
import { CommandError, type CommandIO } from '#app/commands/command';

export function settingsOrExit(): Settings {
  return loadSettings();
}

export async function openContext(settings: Settings): Promise<AppContext> {
  return createContext(settings, { log: createLogger(settings) });
}

export async function withContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(settingsOrExit());
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

export async function pendingMigrations(ctx: AppContext): Promise<string[]> {
  const migrator = await createMigrator(ctx.db);
  try {
    return (await migrator.status()).pending;
  } finally {
    await migrator.close();
  }
}

/**
 * Applies the pending migrations, then creates the roles the loaded card
 * types name (both idempotent): a fresh installation can give its operators
 * the roles its processes expect, without demo data.
 */
export async function upgradeDatabase(ctx: AppContext, io?: CommandIO): Promise<{ applied: string[]; roles: string[] }> {
  const migrator = await createMigrator(ctx.db);
  let applied: string[];
  try {
    applied = await migrator.upgrade((name) => io?.out(`applied ${name}`));
  } finally {
    await migrator.close();
  }
  const roles = await ensureCardTypeRoles(ctx.services.cards.types, ctx.services.users);
  return { applied, roles };
}

export interface FirstUser {
  email: string;
  /** Set only when Orbis generated the password (printed once). */
  generatedPassword: string | null;
}

/**
 * With no user at all, creates the first superuser: from ORBIS_ADMIN_EMAIL /
 * ORBIS_ADMIN_PASSWORD when set, else (when `generate`) with a generated
 * password that the caller prints once.
 */
export async function ensureFirstSuperuser(ctx: AppContext, generate: boolean): Promise<FirstUser | null> {
  if ((await ctx.services.users.count()) > 0) return null;
  const { email, password } = ctx.settings.admin;
  if (email && password) {
    await ctx.services.users.create({ email, password, isSuperuser: true, displayName: 'Administrator' }).catch((err: Error) => {
      throw new CommandError(`cannot create the superuser from ORBIS_ADMIN_EMAIL/ORBIS_ADMIN_PASSWORD: ${err.message}`);
    });
    return { email, generatedPassword: null };
  }
  if (!generate) return null;
  const generated = crypto.randomBytes(12).toString('base64url');
  const adminEmail = 'admin@orbis.local';
  await ctx.services.users.create({ email: adminEmail, password: generated, isSuperuser: true, displayName: 'Administrator' });
  return { email: adminEmail, generatedPassword: generated };
}

/**
 * Waits for SIGINT or SIGTERM, logs `what` and runs `stop` (the graceful
 * part: finish running jobs, release the beat's lock, close the server).
 */
export function untilSignal(ctx: AppContext, what: string, stop: () => Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      ctx.log.info(`${signal}: ${what}`);
      stop().then(() => resolve(), () => resolve());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The signals that stop `start` and `runserver` (SIGHUP: the terminal closed). */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A signal this soon after the first is the same request: a Ctrl-C reaches
 * both npm and this process, and npm passes it on.
 */
const ECHO_MS = 1000;

export interface StopSignals {
  /** Resolves with the first stop signal. */
  readonly requested: Promise<NodeJS.Signals>;
  isRequested(): boolean;
  /** Stops listening (when everything is stopped). */
  dispose(): void;
}

/**
 * Watches for the stop request of a serving command, from its start on (a
 * signal during the start stops it once it is up, not half-way).
 *
 * What MUST hold: the listeners stay installed until dispose(), so a second
 * signal never finds none (Node would then die at once, and tsx's loader
 * exits the process when no listener is left). A second signal, at least
 * ECHO_MS after the first, hurries the stop: the process exits now, without
 * waiting for requests and jobs in flight (a running job goes back to the
 * queue when its heartbeat goes stale), and its exit handlers still stop the
 * embedded PostgreSQL (app/db/embedded.ts).
 */
export function watchStopSignals(log: Logger, say: (line: string) => void): StopSignals {
  let first = 0;
  let resolve!: (signal: NodeJS.Signals) => void;
  const requested = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (!first) {
      first = Date.now();
      log.info(`${signal}: stopping`);
      say(`Stopping (${signal}): finishing requests and jobs in flight, then the database. Again to stop without waiting.`);
      resolve(signal);
      return;
    }
    if (Date.now() - first < ECHO_MS) return;
    log.warn(`${signal} again: stopping without waiting for requests and jobs in flight`);
    say(`Stopping now (${signal} again); the embedded database is still stopped cleanly.`);
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    requested,
    isRequested: () => first !== 0,
    dispose() {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}
