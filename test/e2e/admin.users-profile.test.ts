// /admin/users in a real browser (issue 17 item 2): an administrator finds a
// user by a part of their Cyrillic name, fixes a refused email (the typed
// input kept, the error at the field), saves name, email and time zone, and
// mails the user a reset link.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailingApp } from '#test/support/account-mail';
import { makeUser } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

describe('/admin/users in a real browser', () => {
  it('finds a user, edits the profile through a refused email, and sends a reset link', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const m = await mailingApp();
    await makeUser(m.app.ctx, 'root@example.com', { name: 'Root', superuser: true });
    await makeUser(m.app.ctx, 'anna@example.com', { name: 'Анна Петрова', roles: ['operator'] });
    await makeUser(m.app.ctx, 'boris@example.com', { name: 'Boris', roles: ['manager'] });
    await makeUser(m.app.ctx, 'taken@example.com', { name: 'Taken' });
    const page = await newPage(browser, m.app.url);
    await signIn(page, 'root@example.com', 'correct horse battery');

    await page.goto('/admin/users');
    await page.fill('#f-q', 'петров');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('q') === 'петров'), page.click('[data-testid=user-filter] button')]);
    assert.equal(await page.locator('[data-testid=user-count]').innerText(), '1 user');
    await screenshot(page, 'admin-users-filtered');
    await Promise.all([page.waitForURL(/\/admin\/users\/\d+$/), page.click('text=anna@example.com')]);

    await page.fill('#f-email', 'taken@example.com');
    await page.fill('#f-time_zone', 'Europe/Moscow');
    await page.click('[data-testid=profile-form] button[type=submit]');
    assert.match(await page.locator('[data-field-error=email]').innerText(), /already exists/);
    assert.equal(await page.inputValue('#f-time_zone'), 'Europe/Moscow', 'the rest of the input is kept');
    await screenshot(page, 'admin-user-email-refused');
    await page.fill('#f-email', 'anna.petrova@example.com');
    await page.click('[data-testid=profile-form] button[type=submit]');
    await page.waitForSelector('text=Profile saved.');
    assert.equal(await page.inputValue('#f-email'), 'anna.petrova@example.com');
    assert.equal((await m.app.ctx.services.users.findByEmail('anna.petrova@example.com'))?.time_zone, 'Europe/Moscow');

    const seen = m.count('anna.petrova@example.com');
    await page.click('[data-testid=send-reset-link]');
    await page.waitForSelector('text=A reset link is on its way to anna.petrova@example.com.');
    const mail = await m.nextMail('anna.petrova@example.com', seen);
    assert.match(mail.link, /\/password\/reset\//);
    await screenshot(page, 'admin-user-saved');
  });
});
