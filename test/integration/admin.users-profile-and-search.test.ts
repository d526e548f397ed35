// /admin/users (issue 17 item 2): an administrator edits a user's name, email
// and time zone (field errors with the input kept; a new email ends the reset
// links sent to the old one and is recorded), mails them a reset link (the
// /password/forgot mail, in the user's language; none for a disabled
// account), and filters the user list by a part of the email or name (any
// letter case, Cyrillic too), by role and by status, 50 a page.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mailingApp, type MailingApp } from '#test/support/account-mail';
import { makeUser, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';

describe('/admin/users: profile, reset link, search', () => {
  let m: MailingApp;
  let admin: TestClient;
  let adminId: number;
  before(async () => {
    m = await mailingApp({ ORBIS_PUBLIC_URL: 'http://orbis.example.com/' });
    adminId = (await makeUser(m.app.ctx, 'root@example.com', { superuser: true })).id;
    admin = m.app.client();
    assert.equal((await admin.login('root@example.com', PASSWORD)).status, 303);
  });

  const edit = (id: number, body: Record<string, string>) => admin.post(`/admin/users/${id}/profile`, body, { from: `/admin/users/${id}` });

  it('changes name, email and time zone; the user signs in with the new email and sees the new name', async () => {
    const u = await makeUser(m.app.ctx, 'olga@example.com', { name: 'Olga' });
    const res = await edit(u.id, { display_name: 'Ольга Смирнова', email: 'Olga.Smirnova@Example.com', time_zone: 'Asia/Yekaterinburg' });
    assert.equal(res.status, 303);
    const after = await m.app.ctx.services.users.get(u.id);
    assert.equal(after.email, 'olga.smirnova@example.com');
    assert.equal(after.display_name, 'Ольга Смирнова');
    assert.equal(after.time_zone, 'Asia/Yekaterinburg');
    const olga = m.app.client();
    assert.equal((await olga.login('olga@example.com', PASSWORD)).status, 401, 'the old email no longer signs in');
    assert.equal((await olga.login('olga.smirnova@example.com', PASSWORD)).status, 303);
    assert.match((await olga.get('/')).text, /Ольга Смирнова/);
    const [event] = await m.app.ctx.db.rows<{ detail: { from: string; to: string; by: number } }>(
      "select detail from auth_events where kind = 'email.changed' and user_id = $1",
      [u.id],
    );
    assert.deepEqual(event.detail, { from: 'olga@example.com', to: 'olga.smirnova@example.com', by: adminId });
  });

  it('shows each field’s error with the input kept and changes nothing', async () => {
    const u = await makeUser(m.app.ctx, 'petr@example.com', { name: 'Petr' });
    await makeUser(m.app.ctx, 'taken@example.com');
    const res = await edit(u.id, { display_name: '<b>P</b>', email: 'TAKEN@example.com', time_zone: 'Mars/Olympus' });
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="email">a user with the email taken@example.com already exists/);
    assert.match(res.text, /data-field-error="time_zone">unknown time zone &quot;Mars\/Olympus&quot;/);
    assert.match(res.text, /value="&lt;b&gt;P&lt;\/b&gt;"/, 'the typed name is kept, escaped');
    assert.match(res.text, /value="Mars\/Olympus"/);
    const empty = await edit(u.id, { display_name: '  ', email: 'not an address', time_zone: 'UTC' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /data-field-error="display_name">enter a name/);
    assert.match(empty.text, /data-field-error="email">/);
    const after = await m.app.ctx.services.users.get(u.id);
    assert.deepEqual([after.email, after.display_name], ['petr@example.com', 'Petr']);
  });

  it('refuses without the CSRF token and to a non-admin', async () => {
    const u = await makeUser(m.app.ctx, 'vera@example.com', { name: 'Vera' });
    const body = { display_name: 'Hacked', email: 'vera@example.com', time_zone: 'UTC' };
    assert.equal((await admin.post(`/admin/users/${u.id}/profile`, body, { csrf: false })).status, 403);
    const op = m.app.client();
    await makeUser(m.app.ctx, 'plain@example.com', { roles: ['operator'] });
    await op.login('plain@example.com', PASSWORD);
    assert.equal((await op.post(`/admin/users/${u.id}/profile`, body, { from: '/' })).status, 403);
    assert.equal((await op.post(`/admin/users/${u.id}/password/send-link`, {}, { from: '/' })).status, 403);
    assert.equal((await m.app.ctx.services.users.get(u.id)).display_name, 'Vera');
  });

  it('mails a reset link in the user’s language; a changed email ends the links sent to the old one', async () => {
    const u = await makeUser(m.app.ctx, 'ivan@example.com', { name: 'Иван' });
    await m.app.ctx.services.users.setLocale(u.id, 'ru');
    const seen = m.count('ivan@example.com');
    const res = await admin.post(`/admin/users/${u.id}/password/send-link`, {}, { from: `/admin/users/${u.id}` });
    assert.equal(res.status, 303);
    assert.match((await admin.get(`/admin/users/${u.id}`)).text, /A reset link is on its way to ivan@example.com/);
    const mail = await m.nextMail('ivan@example.com', seen);
    assert.equal(mail.subject, 'Orbis: сброс пароля', 'in Russian, the user’s language');
    assert.match(mail.link, /^http:\/\/orbis\.example\.com\/password\/reset\/[A-Za-z0-9_-]{43}$/);
    const [event] = await m.app.ctx.db.rows<{ detail: { by?: number } }>(
      "select detail from auth_events where kind = 'password.reset_requested' and user_id = $1",
      [u.id],
    );
    assert.equal(event.detail.by, adminId, 'recorded as sent by the administrator');
    const path = new URL(mail.link).pathname;
    assert.equal((await m.app.client().get(path)).status, 200, 'the link works');
    await edit(u.id, { display_name: 'Иван', email: 'ivan.new@example.com', time_zone: 'UTC' });
    const stale = await m.app.client().get(path);
    assert.match(stale.text, /data-testid="link-refused"/, 'the link mailed to the old address no longer works');
  });

  it('sends no link to a disabled account, saying why', async () => {
    const u = await makeUser(m.app.ctx, 'gone@example.com');
    await m.app.ctx.services.users.setActive(u.id, false);
    const res = await admin.post(`/admin/users/${u.id}/password/send-link`, {}, { from: `/admin/users/${u.id}` });
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="reset_link">The account is disabled: enable it before sending a reset link\./);
    const rows = await m.app.ctx.db.rows(
      "select 1 from jobs where kind = 'accounts.password_reset_mail' and payload->>'email' = 'gone@example.com'",
    );
    assert.equal(rows.length, 0);
  });

  it('filters the list by a part of the email or name in any case, by role and by status, 50 a page', async () => {
    const boss = await makeUser(m.app.ctx, 'boss@branch.example', { name: 'Анна Петрова', roles: ['manager'] });
    // Sixty operators in one statement (each through makeUser would hash a password sixty times).
    await m.app.ctx.db.exec(
      `with made as (
         insert into users (email, display_name, password_hash, time_zone, is_active, is_superuser, created_at, updated_at)
         select format('clerk%s@branch.example', lpad(i::text, 2, '0')), format('Clerk %s', i), u.password_hash, 'UTC', true, false, now(), now()
           from generate_series(0, 59) i, users u where u.id = $1
         returning id)
       insert into user_roles (user_id, role_id) select made.id, r.id from made, roles r where r.name = 'operator'`,
      [boss.id],
    );
    await m.app.ctx.services.users.setActive((await m.app.ctx.services.users.findByEmail('clerk07@branch.example'))!.id, false);
    const emails = (text: string) => [...text.matchAll(/<a href="\/admin\/users\/\d+">([^<]+)<\/a>/g)].map((x) => x[1]);

    const byName = await admin.get('/admin/users?q=' + encodeURIComponent('ПЕТРОВ'));
    assert.deepEqual(emails(byName.text), ['boss@branch.example'], 'Cyrillic name, other letter case');
    const byRole = await admin.get('/admin/users?q=branch&role=operator');
    assert.match(byRole.text, /data-testid="user-count">60 users/);
    assert.equal(emails(byRole.text).length, 50, 'a page holds 50');
    assert.ok(!emails(byRole.text).includes('boss@branch.example'));
    const page2 = await admin.get('/admin/users?q=branch&role=operator&page=2');
    assert.deepEqual(emails(page2.text), [
      'clerk50@branch.example',
      ...Array.from({ length: 9 }, (_, i) => `clerk5${i + 1}@branch.example`),
    ]);
    assert.match(byRole.text, /href="\/admin\/users\?q=branch&amp;role=operator&amp;page=2"/, 'the next page keeps the filter');
    const disabled = await admin.get('/admin/users?q=branch&status=disabled');
    assert.deepEqual(emails(disabled.text), ['clerk07@branch.example']);
    const none = await admin.get('/admin/users?q=nobody-here');
    assert.match(none.text, /No user matches\./);
    assert.equal((await admin.get('/admin/users?page=abc&status=weird&role=%3Cx%3E')).status, 200, 'nonsense in the URL is ignored');
  });
});
