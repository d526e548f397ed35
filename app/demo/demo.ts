// Demo data (`import-demo`, and `start` on an empty database): roles, demo
// users with generated passwords, and the loaders of app/demo/ (cards).
import crypto from 'node:crypto';
import { CommandError } from '#app/cli/command';
import { loadDemoCards } from '#app/demo/cards';
import { DEMO_LANGUAGES, type DemoTexts } from '#app/demo/texts';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';

/** What the demo import uses of the application: the database and these services (an AppContext serves). */
export interface DemoDeps {
  db: Database;
  services: Pick<Services, 'cards' | 'users'>;
}

const DEMO_ROLES: ReadonlyArray<[string, string]> = [
  ['operator', 'Operator'],
  ['manager', 'Manager'],
  ['approver', 'Approver'],
];

const DEMO_USERS: ReadonlyArray<{ email: string; name: string; roles: string[] }> = [
  { email: 'olga.operator@orbis.local', name: 'Olga Operator', roles: ['operator'] },
  { email: 'oscar.operator@orbis.local', name: 'Oscar Operator', roles: ['operator'] },
  { email: 'maria.manager@orbis.local', name: 'Maria Manager', roles: ['manager', 'approver'] },
];

/** A demo user's sign-in, as printed (once: only the hash is kept). */
export interface DemoSignIn {
  email: string;
  name: string;
  roles: string[];
  password: string;
}

/** Each demo loader is idempotent and says what it added (or null). */
type DemoLoader = (ctx: DemoDeps, texts: DemoTexts) => Promise<string | null>;
const loaders: DemoLoader[] = [loadDemoCards];

// Generated, never fixed: demo data loaded on a reachable server must not
// open it to a password anyone can read in this file.
const demoPassword = () => crypto.randomBytes(12).toString('base64url');

/**
 * Roles, demo users (with generated passwords, returned so that the caller
 * prints them once) and demo cards. Idempotent: running it again creates
 * nothing twice.
 */
export async function importDemo(ctx: DemoDeps, lang = 'en'): Promise<{ created: boolean; summary: string; users: DemoSignIn[] }> {
  const texts = DEMO_LANGUAGES[lang];
  if (!texts) throw new CommandError(`--lang ${JSON.stringify(lang)}: demo data exists in ${Object.keys(DEMO_LANGUAGES).join(', ')}`);
  const parts: string[] = [];
  for (const [name, label] of DEMO_ROLES) await ctx.services.users.ensureRole(name, label);
  const users: DemoSignIn[] = [];
  for (const u of DEMO_USERS) {
    if (await ctx.services.users.findByEmail(u.email)) continue;
    const password = demoPassword();
    const name = texts.users[u.email.split('.')[0] as keyof DemoTexts['users']] ?? u.name;
    // The demo operators speak the language of their data.
    const user = await ctx.services.users.create({ email: u.email, displayName: name, password, roles: u.roles });
    if (lang !== 'en') await ctx.db.exec('update users set locale = $2 where id = $1', [user.id, lang]);
    users.push({ ...u, name, password });
  }
  if (users.length) parts.push(`${users.length} demo user(s)`);
  for (const loader of loaders) {
    const part = await loader(ctx, texts);
    if (part) parts.push(part);
  }
  return { created: parts.length > 0, summary: parts.join(', ') || 'nothing new', users };
}

/** New generated passwords for the demo users that exist (their sessions end). */
export async function resetDemoPasswords(ctx: DemoDeps): Promise<DemoSignIn[]> {
  const out: DemoSignIn[] = [];
  for (const u of DEMO_USERS) {
    const user = await ctx.services.users.findByEmail(u.email);
    if (!user) continue;
    const password = demoPassword();
    await ctx.services.users.resetPassword(user.id, password);
    out.push({ ...u, password });
  }
  return out;
}

/** The lines that tell how to sign in as each demo user. */
export function demoSignInLines(users: DemoSignIn[]): string[] {
  const width = Math.max(...users.map((u) => u.email.length));
  return users.map((u) => `${u.email.padEnd(width)}  password ${u.password}  (${u.roles.join(', ')})`);
}
