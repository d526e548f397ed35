import crypto from 'node:crypto';
import type { Command } from '#app/commands/command';
import { withContext } from '#app/commands/runtime';
import { loadDemoCards } from '#app/commands/demo-cards';
import type { AppContext } from '#app/context';

export const DEMO_ROLES: ReadonlyArray<[string, string]> = [
  ['operator', 'Operator'],
  ['manager', 'Manager'],
  ['approver', 'Approver'],
];

export const DEMO_USERS: ReadonlyArray<{ email: string; name: string; roles: string[] }> = [
  { email: 'olga.operator@orbis.local', name: 'Olga Operator', roles: ['operator'] },
  { email: 'oscar.operator@orbis.local', name: 'Oscar Operator', roles: ['operator'] },
  { email: 'maria.manager@orbis.local', name: 'Maria Manager', roles: ['manager', 'approver'] },
];

/** Each demo loader is idempotent and says what it added (or null). */
export type DemoLoader = (ctx: AppContext) => Promise<string | null>;
const loaders: DemoLoader[] = [loadDemoCards];

/**
 * Roles, demo users (with random passwords: an admin sets real ones under
 * Admin → Users) and demo cards. Idempotent: running it
 * again creates nothing twice.
 */
export async function importDemo(ctx: AppContext): Promise<{ created: boolean; summary: string }> {
  const parts: string[] = [];
  for (const [name, label] of DEMO_ROLES) await ctx.services.users.ensureRole(name, label);
  let users = 0;
  for (const u of DEMO_USERS) {
    if (await ctx.services.users.findByEmail(u.email)) continue;
    await ctx.services.users.create({ email: u.email, displayName: u.name, password: crypto.randomBytes(18).toString('base64url'), roles: u.roles });
    users++;
  }
  if (users) parts.push(`${users} demo user(s)`);
  for (const loader of loaders) {
    const part = await loader(ctx);
    if (part) parts.push(part);
  }
  return { created: parts.length > 0, summary: parts.join(', ') || 'nothing new' };
}

export const command: Command = {
  name: 'import-demo',
  summary: 'load demo roles, users and cards (idempotent)',
  usage: '',
  positionals: { min: 0, max: 0 },
  async run(_args, io) {
    const result = await withContext((ctx) => importDemo(ctx));
    io.out(result.created ? `Loaded ${result.summary}.` : 'Demo data already present; nothing to do.');
  },
};
