// The password reset in a real browser, with a real SMTP server and the job
// worker: "Forgot password?" on the login page, the mail's link, a refused
// weak password, the new one, signing in with it; the used link then shows
// the one page for links that cannot be used.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailingApp } from '#test/support/account-mail';
import { makeUser } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

describe('password reset in a real browser', () => {
  it('goes from the login page through the mailed link to signing in with the new password', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const m = await mailingApp();
    await makeUser(m.app.ctx, 'rosa@example.com', { name: 'Rosa' });
    const page = await newPage(browser, m.app.url);

    await page.goto('/login');
    await page.click('[data-testid=forgot-password]');
    await page.waitForURL((u) => u.pathname === '/password/forgot');
    await screenshot(page, 'password-forgot');
    const seen = m.count('rosa@example.com');
    await page.fill('input[name=email]', 'rosa@example.com');
    await page.click('main button[type=submit]');
    assert.match(await page.locator('[data-testid=reset-sent]').innerText(), /If an account uses rosa@example\.com/);
    await screenshot(page, 'password-forgot-sent');

    const mail = await m.nextMail('rosa@example.com', seen);
    await page.goto(mail.path);
    assert.match(await page.locator('main').innerText(), /For the account rosa@example\.com/);
    await page.fill('input[name=password]', 'short');
    await page.click('main button[type=submit]');
    assert.match(await page.locator('[data-field-error=password]').innerText(), /at least 10 characters/);
    await screenshot(page, 'password-reset-weak');
    await page.fill('input[name=password]', 'a rose by any name');
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('main button[type=submit]')]);
    assert.match(await page.locator('main').innerText(), /Your password is changed\. Sign in with it\./);
    await screenshot(page, 'password-reset-done');

    await signIn(page, 'rosa@example.com', 'a rose by any name');
    assert.equal(await page.locator('[data-testid=current-user]').innerText(), 'Rosa');

    await page.goto(mail.path);
    assert.match(await page.locator('[data-testid=link-refused]').innerText(), /already used/);
    await screenshot(page, 'password-reset-link-used');
  });
});
