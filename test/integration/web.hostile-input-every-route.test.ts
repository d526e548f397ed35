// Hostile input on every route of app/web/routes.ts, read from the app's own
// router (a new route is covered without touching this file). Signed in as
// a superuser with a valid CSRF token, each form field and query parameter
// the pages show (plus the usual list parameters) gets, one at a time, a NUL,
// another control character, a repeated field, a bracketed "object" field,
// a huge string, invalid UTF-8 percent-encoding and overlong numbers; each
// path parameter gets the same; each POST route also gets a body in another
// format (XML, a JSON object, JSON nested 20,000 deep), no body, and a body
// over the size limit. Nothing may answer 500 or drop the connection; a NUL
// or control character is refused with 400 naming the field; and whatever
// is refused (400, 413, 415) changed no row.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Express } from 'express';
import { SESSION_COOKIE } from '#app/web/app';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { PASSWORD, serveContext } from '#test/support/admin';
import { testContext, TestClient, type Reply } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { linkQueries, pageForms } from '#test/support/forms';
import { insertTask } from '#test/support/tasks';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}
interface Route {
  method: 'GET' | 'POST';
  pattern: string;
  layer: RouteLayer;
}

function routesOf(app: Express): Route[] {
  const stack = (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  return stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((m) => m === 'get' || m === 'post')
          .map((m) => ({ method: m.toUpperCase() as Route['method'], pattern: layer.route!.path, layer }))
      : [],
  );
}

/** name → urlencoded pairs carrying the hostile value (sent raw, never re-encoded). */
const VALUES: Array<{ name: string; pairs(n: string, where: 'query' | 'body'): string; refused?: boolean }> = [
  { name: 'NUL', pairs: (n) => `${n}=a%00b`, refused: true },
  { name: 'control character', pairs: (n) => `${n}=bell%07`, refused: true },
  { name: 'repeated field', pairs: (n) => `${n}=a&${n}=b` },
  { name: 'bracketed object', pairs: (n) => `${n}%5Ba%5D=1&${n}%5Bb%5D%5Bc%5D=2` },
  { name: 'huge string', pairs: (n, where) => `${n}=${'x'.repeat(where === 'query' ? 6000 : 100_000)}` },
  { name: 'invalid UTF-8', pairs: (n) => `${n}=%C0%AF%FF%ED%A0%80` },
  { name: 'overlong number', pairs: (n) => `${n}=${'9'.repeat(40)}` },
  { name: 'exponent', pairs: (n) => `${n}=1e999` },
  { name: 'negative', pairs: (n) => `${n}=-1` },
];
const PATH_VALUES = ['%00', '9'.repeat(40), '%C0%AF', '-1', '1e999'];
/** Query parameters of the lists, tried on every GET route besides those its pages link to. */
const COMMON_QUERY = ['q', 'page', 'sort', 'stage', 'assignee', 'status', 'scope', 'state', 'card', 'name', 'field', 'ids', 'filter'];
const REFUSED = new Set([400, 413, 415]);

describe('hostile input on every route', () => {
  let ctx: AppContext;
  let app: Express;
  let url: string;
  let client: TestClient;
  let token: string;
  let root: SessionUser;
  const ids: Record<string, string> = {};
  let tables: string[];

  let session: { cookie: string; sid: string; row: unknown[] };
  async function signIn(): Promise<void> {
    client = new TestClient(url);
    const res = await client.login('root@example.com', PASSWORD);
    assert.equal(res.status, 303, 'the superuser signs in');
    token = await client.csrf('/tasks/new');
    const cookie = client.cookies.get(SESSION_COOKIE)!;
    const sid = decodeURIComponent(cookie)
      .slice(2)
      .replace(/\.[^.]*$/, '');
    const [row] = await ctx.db.rows<{ user_id: number; data: unknown; expires_at: Date }>(
      'select user_id, data, expires_at from sessions where sid = $1',
      [sid],
    );
    session = { cookie, sid, row: [row.user_id, row.data, row.expires_at] };
  }

  /** Puts the signed-in session back after a request ended it (sign-out takes any value): no new sign-in per request. */
  async function restoreSession(): Promise<void> {
    await ctx.db.exec('insert into sessions (sid, user_id, data, expires_at) values ($1, $2, $3, $4) on conflict (sid) do nothing', [
      session.sid,
      ...session.row,
    ]);
    client.cookies.set(SESSION_COOKIE, session.cookie);
  }

  /** A digest of every row a request could change (sessions and request logs aside). */
  async function digest(): Promise<string> {
    await ctx.publisher.drain();
    const parts = tables.map((t) => `(select coalesce(string_agg(x::text, '|' order by x::text), '') from "${t}" x)`);
    const [row] = await ctx.db.rows<{ d: string }>(`select md5(concat(${parts.join(', ')})) as d`);
    return row.d;
  }

  /** Fills a route pattern's parameters with the fixtures' ids. */
  function fill(pattern: string, override?: [string, string]): string {
    return pattern.replace(/:(\w+)/g, (_, name: string) => {
      if (override && override[0] === name) return override[1];
      if (name === 'type') return 'purchase_request';
      if (name === 'variant') return 'thumb';
      const prefix = pattern.split('/')[1] === 'admin' ? pattern.split('/')[2] : pattern.split('/')[1];
      return ids[prefix] ?? '1';
    });
  }

  before(async () => {
    ({ ctx } = await testContext());
    const site = await serveContext(ctx, { extend: (a) => (app = a) });
    url = site.url;
    root = await sessionUserFor(ctx, 'root@example.com', { superuser: true });
    await ctx.services.users.resetPassword(root.id, PASSWORD);
    const other = await sessionUserFor(ctx, 'olga@example.com', { roles: ['operator', 'approver'] });
    const card = await makePurchase(ctx, root, { approver: String(other.id), title: 'Hostile input target' });
    const task = await insertTask(ctx, {
      title: 'Check the offer',
      assigneeId: root.id,
      dueAt: new Date(Date.now() + 86_400_000),
      cardId: card.id,
      createdBy: root.id,
    });
    const [reminder] = await ctx.db.rows<{ id: number }>(
      `insert into reminders (user_id, task_id, remind_at, note, delivered_at) values ($1, $2, now() - interval '1 hour', 'note', now()) returning id`,
      [root.id, task],
    );
    const [notice] = await ctx.db.rows<{ id: number }>(
      `insert into notifications (user_id, kind, key, title, url) values ($1, 'task.assigned', 'k1', 'A task', '/tasks/${task}') returning id`,
      [root.id],
    );
    const [job] = await ctx.db.rows<{ id: number }>(
      `insert into jobs (kind, queue, state, error) values ('audit.card', 'audit', 'failed', 'boom') returning id`,
    );
    Object.assign(ids, {
      cards: String(card.id),
      tasks: String(task),
      reminders: String(reminder.id),
      notifications: String(notice.id),
      jobs: String(job.id),
      users: String(other.id),
      media: '1',
    });
    tables = (
      await ctx.db.rows<{ t: string }>(
        `select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not in ('sessions', 'request_logs') order by 1`,
      )
    ).map((r) => r.t);
    await signIn();
  });

  it(
    'never answers 500, refuses control characters with the field named, and a refusal changes nothing',
    { timeout: 400_000 },
    async () => {
      const routes = routesOf(app);
      assert.ok(routes.length >= 40, `${routes.length} routes read from the router`);
      // What the pages show: forms (with their current values) and linked query parameters.
      const forms = new Map<string, Array<[string, string]>>();
      const queries = new Map<string, Set<string>>();
      const anonymous = new TestClient(url);
      for (const [r, c] of routes
        .filter((x) => x.method === 'GET')
        .flatMap(
          (x) =>
            [
              [x, client],
              [x, anonymous],
            ] as const,
        )) {
        const path = fill(r.pattern);
        const page = await c.get(path);
        if (!page.headers.get('content-type')?.includes('text/html')) continue;
        for (const f of pageForms(page.text, path)) {
          const key = `${f.method} ${f.action}`;
          if (f.method === 'GET') for (const [n] of f.fields) queries.set(f.action, (queries.get(f.action) ?? new Set()).add(n));
          else if (!forms.has(key) || forms.get(key)!.length < f.fields.length) forms.set(key, f.fields);
        }
        for (const [p, names] of linkQueries(page.text, path)) queries.set(p, new Set([...(queries.get(p) ?? []), ...names]));
      }

      const failures: string[] = [];
      let current = await digest();
      let sent = 0;
      const started = Date.now();
      /** Sends one request; `refused` names the fields a 400 must name. */
      async function send(
        what: string,
        method: string,
        path: string,
        body?: string,
        headers: Record<string, string> = {},
        refused?: string[],
      ) {
        const before = current;
        let res: Reply;
        try {
          sent++;
          res = await client.request(method, path, body, { 'x-csrf-token': token, ...headers });
        } catch (err) {
          failures.push(`${what}: no answer (${(err as Error).cause ?? (err as Error).message})`);
          return;
        }
        if (res.status >= 500) failures.push(`${what}: ${res.status}`);
        else if (refused && res.status !== 400) failures.push(`${what}: ${res.status}, expected 400`);
        else if (refused && !(/control character/.test(res.text) && refused.every((n) => res.text.includes(`<strong>${n}</strong>`))))
          failures.push(`${what}: the 400 does not name the field and what is wrong`);
        current = await digest();
        if (REFUSED.has(res.status) && current !== before) failures.push(`${what}: refused with ${res.status} but rows changed`);
        if (res.location?.startsWith('/login') || path === '/logout') {
          await restoreSession();
          current = await digest();
        }
      }

      for (const r of routes) {
        const path = fill(r.pattern);
        const form =
          r.method === 'POST' ? ([...forms].find(([key]) => key.startsWith('POST ') && r.layer.match(key.slice(5)))?.[1] ?? []) : [];
        const baseline = new URLSearchParams(form.filter(([n]) => n !== '_csrf'));
        const queryNames = new Set([
          ...[...queries].filter(([p]) => r.layer.match(p)).flatMap(([, n]) => [...n]),
          ...(r.method === 'GET' ? COMMON_QUERY : []),
        ]);
        // Every query parameter at once (a refusal must name each one).
        const names = [...queryNames].map(encodeURIComponent);
        for (const v of names.length ? VALUES : []) {
          const q = names.map((n) => v.pairs(n, 'query').replace('x'.repeat(6000), 'x'.repeat(Math.floor(6000 / names.length)))).join('&');
          await send(
            `${r.method} ${r.pattern} ?${names.join(',')} ${v.name}`,
            r.method,
            `${path}?${q}`,
            r.method === 'POST' ? baseline.toString() : undefined,
            r.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
            v.refused ? names : undefined,
          );
        }
        if (r.method === 'POST') {
          for (const name of new Set([...baseline.keys(), '_csrf'])) {
            for (const v of VALUES) {
              const rest = new URLSearchParams(baseline);
              rest.delete(name);
              await send(
                `POST ${r.pattern} ${name}= ${v.name}`,
                'POST',
                path,
                [rest.toString(), v.pairs(encodeURIComponent(name), 'body')].filter(Boolean).join('&'),
                { 'content-type': 'application/x-www-form-urlencoded' },
                v.refused ? [name] : undefined,
              );
            }
          }
          const xml = '<?xml version="1.0"?><card><title>x</title></card>';
          await send(`POST ${r.pattern} as XML`, 'POST', path, xml, { 'content-type': 'text/xml' });
          await send(
            `POST ${r.pattern} as a JSON object`,
            'POST',
            path,
            JSON.stringify({ ...Object.fromEntries(baseline), title: { a: 1 } }),
            { 'content-type': 'application/json' },
          );
          await send(`POST ${r.pattern} as JSON 20,000 deep`, 'POST', path, '['.repeat(20_000) + ']'.repeat(20_000), {
            'content-type': 'application/json',
          });
          await send(`POST ${r.pattern} without a content type`, 'POST', path, 'title=x', { 'content-type': '' });
          await send(`POST ${r.pattern} with no body`, 'POST', path);
          await send(`POST ${r.pattern} over the size limit`, 'POST', path, `title=${'x'.repeat(1_100_000)}`, {
            'content-type': 'application/x-www-form-urlencoded',
          });
        }
        for (const param of r.pattern.match(/:(\w+)/g) ?? []) {
          for (const raw of PATH_VALUES)
            await send(
              `${r.method} ${r.pattern} ${param}=${raw}`,
              r.method,
              fill(r.pattern, [param.slice(1), raw]),
              r.method === 'POST' ? baseline.toString() : undefined,
              r.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
            );
        }
      }
      console.log(`# ${sent} hostile requests on ${routes.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.ok(sent > 1000, `${sent} requests sent`);
      assert.deepEqual(failures, []);
    },
  );
});
