// /admin/roles in a real browser (issue 17 item 1): an administrator makes a
// role, gives it rights on complaints through the matrix and grants it to a
// user; the user, already signed in elsewhere, can read the complaint list
// on the next page without anyone restarting anything; a role in use is not
// deleted and the page says where it is used.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

describe('/admin/roles in a real browser', () => {
  it('makes a role, gives it rights and a holder, who can use them at once', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    await makeUser(app.ctx, 'root@example.com', { name: 'Root', superuser: true });
    const quality = await makeUser(app.ctx, 'qa@example.com', { name: 'Quinn' });
    const admin = await newPage(browser, app.url);
    const user = await newPage(browser, app.url);
    await signIn(admin, 'root@example.com', 'correct horse battery');
    await signIn(user, 'qa@example.com', 'correct horse battery');
    assert.equal((await user.goto('/cards/complaint'))?.status(), 404, 'no right yet: the type is not even shown');

    await admin.goto('/admin/roles');
    await admin.fill('#f-label', 'Quality');
    await admin.fill('#f-name', 'Quality Team');
    await admin.click('[data-testid=new-role] button[type=submit]');
    assert.match(await admin.locator('[data-field-error=name]').innerText(), /lower-case letters/);
    assert.equal(await admin.inputValue('#f-label'), 'Quality', 'the label is kept');
    await admin.fill('#f-name', 'quality');
    await Promise.all([
      admin.waitForURL((u) => u.pathname === '/admin/roles/quality'),
      admin.click('[data-testid=new-role] button[type=submit]'),
    ]);

    await admin.selectOption('select[name="right.complaint.read"]', 'all');
    await admin.selectOption('select[name="right.complaint.create"]', 'all');
    await admin.click('[data-testid=rights-form] button[type=submit]');
    await admin.waitForSelector('text=Rights saved; they apply now.');
    assert.equal(await admin.getByText('Named by the processes of').count(), 0, 'a new role is named by no type’s file');
    await screenshot(admin, 'admin-role-rights');

    await admin.goto(`/admin/users/${quality.id}`);
    await admin.check('#role-quality');
    await admin.click('text=Save roles');
    await admin.waitForSelector('text=Roles saved.');

    assert.equal((await user.goto('/cards/complaint'))?.status(), 200, 'the holder reads complaints on the next page');
    await admin.goto('/admin/roles/quality');
    await admin.click('[data-testid=delete-role]');
    assert.match(await admin.locator('[data-field-error=delete]').innerText(), /held by 1 user/);
    await screenshot(admin, 'admin-role-in-use');
  });
});
