// Single sign-on in a real browser, through a real OpenID provider on
// 127.0.0.1 (oidc-provider and its own sign-in form): a verified email signs
// in; an unverified email and a disabled user are refused with a clear page.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeUser, type TestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot } from '#test/support/browser';
import { startSsoApp } from '#test/support/oidc-provider';

describe('single sign-on in a real browser', () => {
  let app: TestApp;
  let browser: Browser | null;

  before(async () => {
    ({ app } = await startSsoApp({
      'kim-sub': { email: 'kim@example.com', email_verified: true, name: 'Kim at the provider' },
      'uma-sub': { email: 'uma@example.com', email_verified: false },
      'dee-sub': { email: 'dee@example.com', email_verified: true },
    }));
    await makeUser(app.ctx, 'kim@example.com', { name: 'Kim Lee' });
    await makeUser(app.ctx, 'uma@example.com');
    const dee = await makeUser(app.ctx, 'dee@example.com');
    await app.ctx.services.users.setActive(dee.id, false);
  });

  it('signs a verified email in through the provider', async (t) => {
    browser = await launchBrowser(t);
    if (!browser) return;
    const page = await newPage(browser, app.url);
    await page.goto('/login');
    assert.equal(await page.locator('[data-testid=sso-button]').innerText(), 'Sign in with Test IdP');
    await screenshot(page, 'login-with-sso');
    await page.click('[data-testid=sso-button]');
    await page.waitForSelector('input[name=login]');
    assert.notEqual(new URL(page.url()).port, new URL(app.url).port, 'at the provider');
    await page.fill('input[name=login]', 'kim-sub');
    await page.fill('input[name=password]', 'any password');
    await Promise.all([page.waitForURL((u) => u.origin === app.url && u.pathname === '/'), page.click('button[type=submit]')]);
    assert.equal(await page.locator('[data-testid=current-user]').innerText(), 'Kim Lee');
  });

  for (const [account, reason, words, shot] of [
    ['uma-sub', 'email_unverified', /has not confirmed your email address/, 'sso-refused-unverified'],
    ['dee-sub', 'disabled', /Your account here is disabled/, 'sso-refused-disabled'],
  ] as const) {
    it(`refuses ${reason === 'disabled' ? 'a disabled user' : 'an unverified email'} with a clear page`, async (t) => {
      browser = await launchBrowser(t);
      if (!browser) return;
      const page = await newPage(browser, app.url);
      await page.goto('/login');
      await page.click('[data-testid=sso-button]');
      await page.waitForSelector('input[name=login]');
      await page.fill('input[name=login]', account);
      await page.fill('input[name=password]', 'any password');
      await Promise.all([
        page.waitForURL((u) => u.origin === app.url && u.pathname === '/login/oidc/callback'),
        page.click('button[type=submit]'),
      ]);
      const refused = page.locator('[data-testid=sso-refused]');
      assert.equal(await refused.getAttribute('data-reason'), reason);
      assert.match(await refused.innerText(), words);
      await screenshot(page, shot);
      await page.click('text=Back to sign-in');
      await page.waitForURL((u) => u.pathname === '/login');
      await page.goto('/');
      assert.equal(new URL(page.url()).pathname, '/login', 'not signed in');
    });
  }
});
