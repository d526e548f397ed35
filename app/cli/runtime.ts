// What several commands share: loading settings, opening the context,
// migrations, creating the first superuser.
import crypto from 'node:crypto';
import { loadSettings, type Settings } from '#app/config';
import { createContext, type AppContext } from '#app/context';
import { createMigrator } from '#app/db/migrate';
import { createLogger } from '#app/log';
import type { ReportingProcess } from '#app/services/error-report';
import { ensureCardTypeRoles } from '#app/services/card-type-roles';
import { CommandError, type CommandIO } from '#app/cli/command';

export function settingsOrExit(): Settings {
  return loadSettings();
}

/** `process`: a long-running process (web, worker, beat) whose unexpected errors are reported when errorReport.dsn is set. */
export async function openContext(settings: Settings, process?: ReportingProcess): Promise<AppContext> {
  return createContext(settings, { log: createLogger(settings), process });
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
  // The context opened before the table of card type versions existed (a first start): the files go in now.
  await ctx.services.cardTypeStore.start(ctx.services.cards.types.fileSources);
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
