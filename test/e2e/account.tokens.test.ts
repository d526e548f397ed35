// /account/tokens in a real browser: make a token (shown once), use it
// against the API, see it gone from the page after a reload, revoke it, and
// the API refuses it. Also /admin/tokens and /api/docs, looked at.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

describe('API tokens page in a real browser', () => {
  it('creates a token shown once, which works until it is revoked', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    await makeUser(app.ctx, 'ada@example.com', { name: 'Ada Lovelace', superuser: true });
    const page = await newPage(browser, app.url);
    await signIn(page, 'ada@example.com', 'correct horse battery');

    await page.goto('/account/tokens');
    await page.click('[data-testid=create-token]');
    assert.match(await page.locator('[data-field-error=name]').innerText(), /name/, 'a token needs a name');
    await page.fill('input[name=name]', 'Web shop sync');
    await page.selectOption('select[name=scope]', 'write');
    await page.selectOption('select[name=expires]', '30');
    await page.click('[data-testid=create-token]');
    const token = await page.inputValue('[data-testid=token-value]');
    assert.match(token, /^orbis_/);
    await screenshot(page, 'account-tokens-created');

    const call = () => fetch(`${app.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call()).status, 200);

    await page.goto('/account/tokens');
    assert.equal(await page.locator('[data-testid=token-value]').count(), 0, 'shown only once');
    assert.equal(await page.locator('[data-testid=token-state]').first().innerText(), 'active');
    await page.click('[data-testid=revoke]');
    await page.waitForURL((u) => u.pathname === '/account/tokens');
    assert.equal(await page.locator('[data-testid=token-state]').first().innerText(), 'revoked');
    await screenshot(page, 'account-tokens-revoked');
    assert.equal((await call()).status, 401, 'refused once revoked');

    await page.goto('/admin/tokens');
    assert.match(await page.locator('[data-testid=tokens]').innerText(), /ada@example\.com/);
    await screenshot(page, 'admin-tokens');
    await page.goto('/api/docs');
    assert.ok((await page.locator('[data-testid=operation]').count()) > 15);
    await screenshot(page, 'api-docs');
  });
});
