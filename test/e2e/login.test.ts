import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

describe('login flow in a real browser', () => {
  it('refuses a wrong password, then signs in and out', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    await makeUser(app.ctx, 'grace@example.com', { name: 'Grace Hopper', superuser: true });
    const page = await newPage(browser, app.url);

    await page.goto('/');
    assert.match(new URL(page.url()).pathname, /^\/login$/, 'anonymous users land on the login page');
    await page.fill('input[name=email]', 'grace@example.com');
    await page.fill('input[name=password]', 'wrong password!');
    await page.click('main button[type=submit]');
    assert.equal(await page.locator('[data-testid=login-error]').innerText(), 'Invalid email or password.');
    assert.equal(await page.inputValue('input[name=email]'), 'grace@example.com', 'the email is kept');
    await screenshot(page, 'login-error');

    await signIn(page, 'grace@example.com', 'correct horse battery');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('[data-testid=current-user]').innerText(), 'Grace Hopper');
    await screenshot(page, 'dashboard');

    await page.click('text=Sign out');
    await page.waitForURL((u) => u.pathname === '/login');
    await page.goto('/');
    assert.equal(new URL(page.url()).pathname, '/login', 'signed out for real');
  });

  it('lets an admin create a user who can then sign in', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    await makeUser(app.ctx, 'root@example.com', { superuser: true });
    await app.ctx.services.users.ensureRole('operator', 'Operator');
    const page = await newPage(browser, app.url);
    await signIn(page, 'root@example.com', 'correct horse battery');
    await page.goto('/admin/users/new');
    await page.fill('input[name=email]', 'new.operator@example.com');
    await page.fill('input[name=display_name]', 'New Operator');
    await page.fill('input[name=password]', 'short');
    await page.check('input[value=operator]');
    await page.click('main button[type=submit]');
    assert.match(await page.locator('[data-field-error=password]').innerText(), /at least 10 characters/);
    assert.equal(await page.inputValue('input[name=email]'), 'new.operator@example.com', 'input kept after an error');
    assert.ok(await page.isChecked('input[value=operator]'), 'role choice kept after an error');
    await page.fill('input[name=password]', 'a much longer secret');
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/admin\/users\/\d+$/);
    await screenshot(page, 'admin-user');

    const other = await newPage(browser, app.url);
    await signIn(other, 'new.operator@example.com', 'a much longer secret');
    assert.equal(await other.locator('[data-testid=current-user]').innerText(), 'New Operator');
  });
});
