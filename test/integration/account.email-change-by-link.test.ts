// My account (issue 16 item 4): an email change is confirmed through a link
// mailed to the new address (real SMTP server, job worker): single use,
// expiring, only for its own account, and telling nothing about other
// accounts; until it is opened, nothing changes.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mailingApp, type MailingApp } from '#test/support/account-mail';
import { makeUser, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';
const REFUSED = /data-testid="link-refused">/;

describe('an email change on My account', () => {
  let m: MailingApp;
  before(async () => {
    m = await mailingApp();
  });

  async function signedIn(email: string, password = PASSWORD, agent?: string): Promise<TestClient> {
    const c = m.app.client();
    if (agent) c.headers['user-agent'] = agent;
    assert.equal((await c.login(email, password)).status, 303, `${email} signs in`);
    return c;
  }

  it('changes the email only through the link mailed to the new address: once, for its own account', async () => {
    const user = await makeUser(m.app.ctx, 'lena@example.com', { name: 'Lena' });
    const c = await signedIn('lena@example.com');
    const wrong = await c.post('/account/email', { new_email: 'lena.new@example.com', password: 'not it at all' }, { from: '/account' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /value="lena\.new@example\.com"/, 'the typed address is kept');
    const same = await c.post('/account/email', { new_email: 'LENA@example.com', password: PASSWORD }, { from: '/account' });
    assert.match(same.text, /data-field-error="new_email">this is already your email/);

    const seen = m.count('lena.new@example.com');
    const ok = await c.post('/account/email', { new_email: 'Lena.New@example.com', password: PASSWORD }, { from: '/account' });
    assert.equal(ok.status, 303);
    assert.match((await c.get('/account')).text, /We mailed a link to lena\.new@example\.com/);
    const mail = await m.nextMail('lena.new@example.com', seen);
    assert.equal(mail.subject, 'Orbis: confirm your new email address');
    assert.match(mail.link, /^http:\/\/127\.0\.0\.1:\d+\/account\/email\/[A-Za-z0-9_-]{43}$/);
    assert.equal((await m.app.ctx.services.users.get(user.id)).email, 'lena@example.com', 'not changed before the link is opened');

    // Another signed-in user cannot use it.
    await makeUser(m.app.ctx, 'mallory@example.com');
    const mallory = await signedIn('mallory@example.com');
    assert.match((await mallory.get(mail.path)).text, REFUSED);
    assert.match((await mallory.post(mail.path, {}, { from: '/account' })).text, REFUSED);

    // Opening it shows the address and a button: a GET changes nothing.
    const page = await c.get(mail.path);
    assert.equal(page.status, 200);
    assert.match(page.text, /data-testid="new-email">lena\.new@example\.com</);
    assert.equal((await m.app.ctx.services.users.get(user.id)).email, 'lena@example.com');
    const done = await c.post(mail.path, {}, { from: mail.path });
    assert.equal(done.status, 303);
    assert.match((await c.get('/account')).text, /Your email is now lena\.new@example\.com\./);
    assert.equal((await m.app.ctx.services.users.get(user.id)).email, 'lena.new@example.com');
    await signedIn('lena.new@example.com');
    const [event] = await m.app.ctx.db.rows<{ detail: unknown }>(
      `select detail from auth_events where user_id = $1 and kind = 'email.changed'`,
      [user.id],
    );
    assert.deepEqual(event.detail, { from: 'lena@example.com', to: 'lena.new@example.com' });

    // Used: refused, nothing changes.
    const again = await c.post(mail.path, {}, { from: '/account' });
    assert.equal(again.status, 400);
    assert.match(again.text, REFUSED);
  });

  it('tells nothing about other accounts, refuses an expired link, and one whose address was taken meanwhile', async () => {
    const user = await makeUser(m.app.ctx, 'nina@example.com');
    await makeUser(m.app.ctx, 'taken@example.com');
    const c = await signedIn('nina@example.com');
    // An address another account has: the same answer, and no link is sent.
    const seenTaken = m.count('taken@example.com');
    const res = await c.post('/account/email', { new_email: 'taken@example.com', password: PASSWORD }, { from: '/account' });
    assert.equal(res.status, 303);
    assert.match((await c.get('/account')).text, /We mailed a link to taken@example\.com/);

    let seen = m.count('nina.new@example.com');
    await c.post('/account/email', { new_email: 'nina.new@example.com', password: PASSWORD }, { from: '/account' });
    const first = await m.nextMail('nina.new@example.com', seen++);
    assert.equal(m.count('taken@example.com'), seenTaken, 'nothing went to the taken address');
    await m.app.ctx.db.exec(`update account_tokens set expires_at = now() - interval '1 second' where user_id = $1`, [user.id]);
    assert.match((await c.get(first.path)).text, REFUSED, 'expired');

    await c.post('/account/email', { new_email: 'nina.new@example.com', password: PASSWORD }, { from: '/account' });
    const second = await m.nextMail('nina.new@example.com', seen);
    await makeUser(m.app.ctx, 'nina.new@example.com');
    const taken = await m.app.client().post(second.path, {}, { from: second.path });
    assert.equal(taken.status, 400);
    assert.match(taken.text, /Another account uses this email address now\./);
    assert.equal((await m.app.ctx.services.users.get(user.id)).email, 'nina@example.com');
  });
});
