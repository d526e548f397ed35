// Builds a real context and app on a fresh test database, served on a free
// port, plus an HTTP client with a cookie jar and CSRF handling.
import { onCleanup } from '#test/support/cleanup';
import { loadSettings, type Settings } from '#app/config';
import { createContext, type AppContext, type ContextOptions } from '#app/context';
import { LocalTransport } from '#app/queue/transports/local';
import { createLogger } from '#app/log';
import { createApp } from '#app/web/app';
import { listen, type RunningServer } from '#app/web/server';
import { testDatabase, type TestDatabase } from '#test/support/db';
import { TEST_JOBS } from '#test/support/test-jobs';
import { JOBS } from '#app/jobs/index';

export function testSettings(env: Record<string, string | undefined> = {}, overrides?: Record<string, unknown>): Settings {
  // Small pools: a test file may hold several contexts until it ends, and two
  // files run at once against a server with max_connections = 100.
  const database = { poolMax: 4, idleSeconds: 2, ...(overrides?.database as Record<string, unknown> | undefined) };
  return loadSettings({
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env },
    overrides: { ...overrides, database },
  });
}

export interface TestApp {
  ctx: AppContext;
  db: TestDatabase;
  server: RunningServer;
  url: string;
  client(): TestClient;
  close(): Promise<void>;
}

export async function testContext(
  env: Record<string, string | undefined> = {},
  overrides?: Record<string, unknown>,
  existing?: TestDatabase,
  options: Omit<ContextOptions, 'log' | 'databaseUrl'> = {},
): Promise<{ ctx: AppContext; db: TestDatabase }> {
  const db = existing ?? (await testDatabase());
  const settings = testSettings({ ...env, DATABASE_URL: db.url }, overrides);
  // Without a transport of the test's choosing: the in-process one (tests
  // that need RabbitMQ pass theirs from test/support/queue.ts).
  // Every context knows the test job kinds too (test/support/test-jobs.ts).
  const ctx = await createContext(settings, {
    log: createLogger(settings),
    transport: options.transport ?? new LocalTransport(),
    jobs: [...JOBS, ...TEST_JOBS],
    ...options,
  });
  onCleanup(() => ctx.close());
  return { ctx, db };
}

/** A served app on a fresh database (or on `existing`, as a second process would be). */
export async function startTestApp(
  env: Record<string, string | undefined> = {},
  overrides?: Record<string, unknown>,
  existing?: TestDatabase,
  options: Omit<ContextOptions, 'log' | 'databaseUrl'> = {},
): Promise<TestApp> {
  const { ctx, db } = await testContext(env, overrides, existing, options);
  const server = await listen(createApp(ctx), '127.0.0.1', 0);
  let closed = false;
  const app: TestApp = {
    ctx,
    db,
    server,
    url: server.url,
    client: () => new TestClient(server.url),
    async close() {
      if (closed) return;
      closed = true;
      await server.close(1000);
      await ctx.close();
    },
  };
  onCleanup(() => app.close());
  return app;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

/** A browser-like HTTP client: keeps cookies, never follows redirects. */
export class TestClient {
  readonly cookies = new Map<string, string>();
  headers: Record<string, string> = {};
  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    body?: URLSearchParams | FormData | string,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const res = await fetch(this.base + path, {
      method,
      body,
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: this.cookieHeader(), ...this.headers, ...headers },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') };
  }

  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.request('GET', path, undefined, headers);
  }

  /** The CSRF token of a page's form (GETs the page). */
  async csrf(path = '/login'): Promise<string> {
    const page = await this.get(path);
    const m = /name="_csrf" value="([^"]+)"/.exec(page.text);
    if (!m) throw new Error(`no CSRF token on ${path} (status ${page.status})`);
    return m[1];
  }

  /** POSTs a form with the CSRF token taken from `from` (or no token with csrf: false). */
  async post(
    path: string,
    fields: Record<string, string | string[]>,
    options: { from?: string; csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) form.append(k, item);
    if (options.csrf !== false && !form.has('_csrf')) form.set('_csrf', await this.csrf(options.from ?? '/login'));
    return this.request('POST', path, form, { 'content-type': 'application/x-www-form-urlencoded', ...options.headers });
  }

  async login(email: string, password: string, headers?: Record<string, string>): Promise<Reply> {
    return this.post('/login', { email, password }, { headers });
  }
}

/** Creates a user directly through the service. */
export async function makeUser(
  ctx: AppContext,
  email: string,
  options: { password?: string; superuser?: boolean; roles?: string[]; name?: string } = {},
) {
  for (const r of options.roles ?? []) await ctx.services.users.ensureRole(r);
  return ctx.services.users.create({
    email,
    password: options.password ?? 'correct horse battery',
    isSuperuser: options.superuser,
    roles: options.roles,
    displayName: options.name,
  });
}
