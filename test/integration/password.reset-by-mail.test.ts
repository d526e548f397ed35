// Password reset by mail (issue 16 item 5), through a real SMTP server and
// the job worker: /password/forgot answers alike for known and unknown
// addresses, is throttled per address and per account; the mailed link is
// absolute, in the recipient's language, works once, for 30 minutes, only
// while it is the newest and the password was not changed meanwhile; using
// it sets the password under the usual rules and ends every session; a link
// that cannot be used shows one page and changes nothing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import express from 'express';
import { AccountTokens } from '#app/services/account-tokens';
import type { RequestLogBuffer, RequestLogEntry } from '#app/services/request-log';
import { requestLog } from '#app/web/middleware/request-log';
import { listen } from '#app/web/server';
import { mailingApp, type MailingApp } from '#test/support/account-mail';
import { makeUser, type TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { eventually } from '#test/support/queue';

const PASSWORD = 'correct horse battery';
const REFUSED =
  /data-testid="link-refused">The link has expired, was already used, was replaced by a newer one, or is not meant for this account\./;

describe('password reset by mail', () => {
  let m: MailingApp;
  let anna: number;
  before(async () => {
    m = await mailingApp({ ORBIS_PUBLIC_URL: 'https://orbis.example.com/work/' });
    anna = (await makeUser(m.app.ctx, 'anna@example.com', { name: 'Anna' })).id;
    const ivan = await makeUser(m.app.ctx, 'ivan@example.com', { name: 'Иван' });
    await m.app.ctx.services.users.setLocale(ivan.id, 'ru');
  });

  /** A browser reaching Orbis through its HTTPS proxy (the public URL is https: cookies are Secure). */
  const browser = () => {
    const c = m.app.client();
    c.headers['x-forwarded-proto'] = 'https';
    return c;
  };
  const hashOf = async (id: number) =>
    (await m.app.ctx.db.rows<{ h: string }>('select password_hash as h from users where id = $1', [id]))[0].h;
  /** Asks for a link from a fresh browser at address `ip` (the proxy's header, as nginx sends it). */
  async function ask(email: string, ip = '10.0.0.1'): Promise<{ status: number; text: string }> {
    const c = browser();
    c.headers['x-forwarded-for'] = ip;
    return c.post('/password/forgot', { email }, { from: '/password/forgot' });
  }
  const signedIn = async (email: string, password = PASSWORD): Promise<TestClient> => {
    const c = browser();
    assert.equal((await c.login(email, password)).status, 303, `${email} signs in`);
    return c;
  };

  it('links to it from the login page', async () => {
    assert.match((await browser().get('/login')).text, /<a href="\/password\/forgot" data-testid="forgot-password">Forgot password\?<\/a>/);
  });

  it('mails an absolute, single-use link in the recipient’s language, and answers unknown addresses alike', async () => {
    const seen = m.count('anna@example.com');
    const known = await ask('Anna@Example.com', '10.0.0.2');
    const unknown = await ask('nobody@example.com', '10.0.0.2');
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    const answer = (r: { text: string }, email: string) => r.text.replaceAll(email, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '');
    assert.equal(answer(known, 'Anna@Example.com'), answer(unknown, 'nobody@example.com'), 'the same page for both');
    assert.match(known.text, /If an account uses Anna@Example\.com, a link to choose a new password is on its way/);

    const mail = await m.nextMail('anna@example.com', seen);
    assert.equal(mail.subject, 'Orbis: reset your password');
    assert.match(mail.link, /^https:\/\/orbis\.example\.com\/work\/password\/reset\/[A-Za-z0-9_-]{43}$/);
    assert.match(mail.text, /within 30 minutes/);
    // The token is stored hashed only; not in the job's row, not in the request log.
    const token = mail.path.split('/').pop()!;
    const [stored] = await m.app.ctx.db.rows<{ h: string }>(`select token_hash as h from account_tokens where user_id = $1`, [anna]);
    assert.notEqual(stored.h, token);
    assert.match(stored.h, /^[0-9a-f]{64}$/);
    const everywhere = await m.app.ctx.db.rows(`select 1 from jobs where payload::text like $1 or result::text like $1`, [`%${token}%`]);
    assert.equal(everywhere.length, 0);

    const ivanSeen = m.count('ivan@example.com');
    await ask('ivan@example.com', '10.0.0.3');
    const russian = await m.nextMail('ivan@example.com', ivanSeen);
    assert.equal(russian.subject, 'Orbis: сброс пароля');
    assert.match(russian.text, /откройте эту ссылку в течение 30 минут/);

    // Nothing went to the unknown address; the audit and the job's result tell administrators.
    const events = await eventually(async () => {
      const rows = await m.app.ctx.db.rows<{ email: string; user_id: number | null }>(
        `select email, user_id from auth_events where kind = 'password.reset_requested' and email in ('anna@example.com', 'nobody@example.com') order by email`,
      );
      return rows.length === 2 && rows;
    });
    assert.deepEqual(events, [
      { email: 'anna@example.com', user_id: anna },
      { email: 'nobody@example.com', user_id: null },
    ]);
    assert.equal(m.count('nobody@example.com'), 0);
    const results = await eventually(async () => {
      const rows = await m.app.ctx.db.rows<{ email: string; result: { sent: boolean } }>(
        `select payload->>'email' as email, result from jobs where kind = 'accounts.password_reset_mail' and state = 'done' order by payload->>'email'`,
      );
      return rows.length === 3 && rows;
    });
    assert.deepEqual(results, [
      { email: 'anna@example.com', result: { sent: true } },
      { email: 'ivan@example.com', result: { sent: true } },
      { email: 'nobody@example.com', result: { sent: false } },
    ]);
  });

  it('answers a known and an unknown address in the same time', async () => {
    // The request's path does the same work for both (the lookup is the job's).
    const time = async (email: string, ip: string) => {
      const started = process.hrtime.bigint();
      assert.equal((await ask(email, ip)).status, 200);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < 12; i++) await makeUser(m.app.ctx, `known${i}@example.com`);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 12; i++) {
      known.push(await time(`known${i}@example.com`, `10.1.${i}.1`));
      unknown.push(await time(`unknown${i}@example.com`, `10.1.${i}.2`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [k, u] = [median(known), median(unknown)];
    console.log(`# /password/forgot median: known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`);
    assert.ok(Math.abs(k - u) < Math.max(10, u), `medians ${k.toFixed(1)} and ${u.toFixed(1)} ms`);
  });

  it('sets a new password with the link (the rules apply), ends every session, and works once', async () => {
    const user = await makeUser(m.app.ctx, 'boris@example.com');
    const session = await signedIn('boris@example.com');
    const seen = m.count('boris@example.com');
    await ask('boris@example.com', '10.0.0.4');
    const { path } = await m.nextMail('boris@example.com', seen);

    const reader = browser();
    const form = await reader.get(path);
    assert.equal(form.status, 200);
    assert.match(form.text, /For the account boris@example\.com/);
    const before = await hashOf(user.id);
    const weak = await reader.post(path, { password: 'short' }, { from: path });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /data-field-error="password">the password must be at least 10 characters/);
    assert.equal(await hashOf(user.id), before, 'nothing changed');

    const done = await reader.post(path, { password: 'a fresh new secret' }, { from: path });
    assert.equal(done.status, 303);
    assert.equal(done.location, '/login');
    assert.match((await reader.get('/login')).text, /Your password is changed\. Sign in with it\./);
    assert.equal((await session.get('/')).status, 303, 'the old session ended');
    assert.equal((await m.app.ctx.db.rows('select 1 from sessions where user_id = $1', [user.id])).length, 0);
    assert.equal((await browser().login('boris@example.com', PASSWORD)).status, 401);
    await signedIn('boris@example.com', 'a fresh new secret');
    const [event] = await m.app.ctx.db.rows<{ kind: string }>(
      `select kind from auth_events where user_id = $1 and kind = 'password.reset'`,
      [user.id],
    );
    assert.ok(event, 'recorded');

    // Used: the same link again is refused on one page, and changes nothing.
    const after = await hashOf(user.id);
    for (const res of [await reader.get(path), await reader.post(path, { password: 'yet another secret' }, { from: '/login' })]) {
      assert.equal(res.status, 400);
      assert.match(res.text, REFUSED);
      assert.match(res.text, /href="\/password\/forgot"/);
    }
    assert.equal(await hashOf(user.id), after);
  });

  it('lets only one of two uses of a link at once through', async () => {
    await makeUser(m.app.ctx, 'emil@example.com');
    const seen = m.count('emil@example.com');
    await ask('emil@example.com', '10.0.0.7');
    const { path } = await m.nextMail('emil@example.com', seen);
    const [a, b] = [browser(), browser()];
    const [ta, tb] = [await a.csrf(path), await b.csrf(path)];
    const post = (c: TestClient, token: string, password: string) => c.post(path, { _csrf: token, password }, { csrf: false });
    const answers = await Promise.all([post(a, ta, 'first of the two'), post(b, tb, 'second of the two')]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [303, 400]);
  });

  it('refuses a link replaced by a newer one, one older than 30 minutes, one of a changed password, and foreign ones', async () => {
    const user = await makeUser(m.app.ctx, 'clara@example.com');
    let seen = m.count('clara@example.com');
    await ask('clara@example.com', '10.0.0.5');
    const first = await m.nextMail('clara@example.com', seen++);
    await ask('clara@example.com', '10.0.0.5');
    const second = await m.nextMail('clara@example.com', seen++);
    const c = browser();
    assert.match((await c.get(first.path)).text, REFUSED, 'replaced by the newer link');
    assert.equal((await c.get(second.path)).status, 200);

    await m.app.ctx.db.exec(`update account_tokens set expires_at = now() - interval '1 second' where user_id = $1`, [user.id]);
    assert.match((await c.get(second.path)).text, REFUSED, 'expired');

    await ask('clara@example.com', '10.0.0.6');
    const third = await m.nextMail('clara@example.com', seen);
    await m.app.ctx.services.users.resetPassword(user.id, 'changed by the admin');
    assert.match((await c.get(third.path)).text, REFUSED, 'the password changed since');

    // Not a token, and an email change's token (another kind of link).
    const before = await hashOf(user.id);
    assert.match((await c.get('/password/reset/not-a-token')).text, REFUSED);
    const emailChange = await new AccountTokens(m.app.ctx.db).issue(user.id, 'email_change', 'clara.new@example.com');
    assert.match((await c.get(`/password/reset/${emailChange}`)).text, REFUSED);
    assert.match((await c.post(`/password/reset/${emailChange}`, { password: 'a fresh new secret' }, { from: '/login' })).text, REFUSED);
    assert.match((await c.post(`/password/reset/${'x'.repeat(43)}`, { password: 'a fresh new secret' }, { from: '/login' })).text, REFUSED);
    assert.equal(await hashOf(user.id), before);
  });

  it('is throttled per account and per address, alike for unknown addresses', async () => {
    // auth.passwordReset: 3 per account, 20 per address in the window.
    for (const email of ['dora@example.com', 'nobody-else@example.com']) {
      if (email === 'dora@example.com') await makeUser(m.app.ctx, email);
      for (let i = 0; i < 3; i++) assert.equal((await ask(email, `10.2.${i}.1`)).status, 200);
      const fourth = await ask(email, '10.2.9.1');
      assert.equal(fourth.status, 429, email);
      assert.match(fourth.text, /Too many requests for a password reset\. Try again in \d+ minutes?\./);
    }
    for (let i = 0; i < 20; i++) assert.equal((await ask(`someone${i}@example.com`, '10.3.0.1')).status, 200);
    assert.equal((await ask('someone-more@example.com', '10.3.0.1')).status, 429);
    assert.equal((await ask('someone-more@example.com', '10.3.0.2')).status, 200, 'another address is not held up');
  });

  it('refuses an address that is not one, keeping it', async () => {
    const res = await ask('not an address', '10.4.0.1');
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="email">&quot;not an address&quot; is not a valid email address/);
    assert.match(res.text, /value="not an address"/);
  });
});

describe('the request log and mailed links', () => {
  it('keeps the token of a reset or confirmation link out of the log', async () => {
    const entries: RequestLogEntry[] = [];
    const buffer = { enabled: true, add: (e: RequestLogEntry) => entries.push(e) } as unknown as RequestLogBuffer;
    const app = express().use(requestLog(buffer));
    app.all('/{*rest}', (_req, res) => res.send('ok'));
    const server = await listen(app, '127.0.0.1', 0);
    onCleanup(() => server.close(1000));
    const token = 'A'.repeat(43);
    for (const path of [`/password/reset/${token}`, `/account/email/${token}?x=1`, '/password/forgot', '/account/email'])
      await fetch(server.url + path);
    await eventually(() => entries.length === 4, 5000, 'four entries');
    assert.deepEqual(
      entries.map((e) => e.path),
      ['/password/reset/…', '/account/email/…', '/password/forgot', '/account/email'],
    );
  });
});
