// My account (issue 16 item 4): /account for every signed-in user, linked
// from the header; name, time zone and language; a password change that asks
// for the current one and ends every other session; the user's sessions with
// "sign out this one" and "sign out all others" (the current password asked
// again); the user's own recent sign-in events. The email change is in
// account.email-change-by-link.test.ts.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { AccountTokens } from '#app/services/account-tokens';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const REFUSED = /data-testid="link-refused">/;

describe('My account', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });

  async function signedIn(email: string, password = PASSWORD, agent?: string): Promise<TestClient> {
    const c = app.client();
    if (agent) c.headers['user-agent'] = agent;
    assert.equal((await c.login(email, password)).status, 303, `${email} signs in`);
    return c;
  }
  const hashOf = async (id: number) =>
    (await app.ctx.db.rows<{ h: string }>('select password_hash as h from users where id = $1', [id]))[0].h;

  it('is for signed-in users, linked from the header of every page, and shows the user’s sessions and events', async () => {
    const anonymous = await app.client().get('/account');
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.location, '/login');
    await makeUser(app.ctx, 'olga@example.com', { name: 'Olga' });
    const c = await signedIn('olga@example.com', PASSWORD, FIREFOX);
    assert.match(
      (await c.get('/tasks')).text,
      /<a class="nav-link text-light small" href="\/account"[^>]*data-testid="current-user">Olga<\/a>/,
    );
    const page = await c.get('/account');
    assert.equal(page.status, 200);
    assert.match(page.text, /olga@example\.com/);
    assert.match(page.text, /data-testid="session" data-current="1">\s*<td>Firefox 128 on Linux<\/td>/);
    assert.match(page.text, /data-kind="sign_in\.ok"/);
    // The account's other pages: the second factor and the API tokens.
    const links = /data-testid="account-links">([\s\S]*?)<\/nav>/.exec(page.text)?.[1] ?? '';
    assert.match(links, /href="\/account\/two-factor"/);
    assert.match(links, /href="\/account\/tokens"/);
  });

  it('saves name, time zone and language (the next page is in it), and refuses a bad value keeping the input', async () => {
    const user = await makeUser(app.ctx, 'petr@example.com', { name: 'Petr' });
    const c = await signedIn('petr@example.com');
    const bad = await c.post('/account/profile', { display_name: '', time_zone: 'Mars/Olympus', locale: 'xx' }, { from: '/account' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-field-error="display_name">enter your name/);
    assert.match(bad.text, /data-field-error="time_zone">unknown time zone &quot;Mars\/Olympus&quot;/);
    assert.match(bad.text, /data-field-error="locale">unknown language/);
    assert.match(bad.text, /<option value="Mars\/Olympus" selected>/, 'the typed zone is kept');
    assert.equal((await app.ctx.services.users.get(user.id)).display_name, 'Petr');

    const ok = await c.post('/account/profile', { display_name: 'Пётр', time_zone: 'Europe/Moscow', locale: 'ru' }, { from: '/account' });
    assert.equal(ok.status, 303);
    const next = await c.get('/account');
    assert.match(next.text, /<html lang="ru">/);
    assert.match(next.text, /Сохранено\./);
    assert.match(next.text, /data-testid="current-user">Пётр</);
    assert.match(next.text, /<option value="Europe\/Moscow" selected>/);
    const saved = await app.ctx.services.users.get(user.id);
    assert.deepEqual([saved.display_name, saved.time_zone, saved.locale], ['Пётр', 'Europe/Moscow', 'ru']);
  });

  it('changes the password only with the current one, ending every other session and reset link', async () => {
    const user = await makeUser(app.ctx, 'vera@example.com');
    const here = await signedIn('vera@example.com');
    const elsewhere = await signedIn('vera@example.com');
    const reset = await new AccountTokens(app.ctx.db).issue(user.id, 'password_reset');
    const before = await hashOf(user.id);

    const wrong = await here.post(
      '/account/password',
      { current_password: 'not my password', new_password: 'a new long secret' },
      { from: '/account' },
    );
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /data-field-error="current_password">this is not your current password/);
    const weak = await here.post('/account/password', { current_password: PASSWORD, new_password: 'short' }, { from: '/account' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /data-field-error="new_password">the password must be at least 10 characters/);
    assert.equal(await hashOf(user.id), before, 'nothing changed');
    assert.equal((await elsewhere.get('/')).status, 200);

    const ok = await here.post(
      '/account/password',
      { current_password: PASSWORD, new_password: 'a new long secret' },
      { from: '/account' },
    );
    assert.equal(ok.status, 303);
    assert.match((await here.get('/account')).text, /Password changed; you are signed out everywhere else\./);
    assert.equal((await elsewhere.get('/')).status, 303, 'the other session ended');
    assert.equal((await here.get('/')).status, 200, 'this one goes on');
    assert.equal((await app.client().login('vera@example.com', PASSWORD)).status, 401);
    await signedIn('vera@example.com', 'a new long secret');
    // Long passphrases are welcome (80 characters, some not ASCII).
    const long = 'в лесу родилась ёлочка, в лесу она росла; зимой и летом стройная, зелёная была!!';
    assert.equal(long.length, 80);
    assert.equal(
      (await here.post('/account/password', { current_password: 'a new long secret', new_password: long }, { from: '/account' })).status,
      303,
    );
    await signedIn('vera@example.com', long);
    assert.match((await app.client().get(`/password/reset/${reset}`)).text, REFUSED, 'the reset link ended with it');
    const kinds = await app.ctx.db.rows<{ kind: string }>(`select kind from auth_events where user_id = $1 and kind = 'password.changed'`, [
      user.id,
    ]);
    assert.equal(kinds.length, 2, 'the two changes above');
  });

  it('lists the user’s sessions and, with the current password, signs out one, then all others', async () => {
    const user = await makeUser(app.ctx, 'gleb@example.com');
    const here = await signedIn('gleb@example.com', PASSWORD, FIREFOX);
    const phone = await signedIn(
      'gleb@example.com',
      PASSWORD,
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    );
    const tablet = await signedIn('gleb@example.com');
    const page = (await here.get('/account')).text;
    assert.equal([...page.matchAll(/data-testid="session"/g)].length, 3);
    assert.match(page, /Safari 17 on iOS/);
    const sid = decodeURIComponent(here.cookies.get('orbis_sid')!).slice(2).split('.')[0];
    assert.ok(!page.includes(sid), 'no session id on the page');
    const ids = [...page.matchAll(/name="session" value="([0-9a-f]{24})"/g)].map((x) => x[1]);
    assert.equal(ids.length, 2, 'a button for each other session');
    const end = (c: TestClient, session: string, password = PASSWORD) =>
      c.post('/account/sessions/end', { session, session_password: password }, { from: '/account' });

    // Not without the password.
    const refused = await end(here, ids[0], 'not my password');
    assert.equal(refused.status, 401);
    assert.match(refused.text, /data-field-error="session_password">this is not your current password/);
    assert.deepEqual([(await phone.get('/')).status, (await tablet.get('/')).status], [200, 200]);
    assert.equal((await end(here, 'nonsense')).status, 400);

    const res = await end(here, ids[0]);
    assert.equal(res.status, 303);
    const alive = [(await phone.get('/')).status, (await tablet.get('/')).status];
    assert.deepEqual(alive.sort(), [200, 303], 'exactly one other session ended');
    assert.equal((await here.get('/')).status, 200);

    // Another user's session by its name: nothing happens.
    await makeUser(app.ctx, 'stranger@example.com');
    const stranger = await signedIn('stranger@example.com');
    assert.equal((await end(stranger, ids[1])).status, 303);
    assert.match((await stranger.get('/account')).text, /That session has already ended\./);
    assert.deepEqual([(await phone.get('/')).status, (await tablet.get('/')).status].sort(), [200, 303]);

    const all = await end(here, 'others');
    assert.equal(all.status, 303);
    assert.match((await here.get('/account')).text, /1 other session is signed out\./);
    assert.equal((await phone.get('/')).status, 303);
    assert.equal((await tablet.get('/')).status, 303);
    assert.equal((await here.get('/')).status, 200);
    const ended = await app.ctx.db.rows<{ n: number }>(
      `select (detail->>'count')::int as n from auth_events where user_id = $1 and kind = 'session.ended' order by id`,
      [user.id],
    );
    assert.deepEqual(
      ended.map((r) => r.n),
      [1, 1],
    );
  });
});
