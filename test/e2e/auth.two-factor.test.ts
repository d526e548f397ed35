// Two-factor sign-in in a real browser: enrol by the QR code's page (the
// secret read off the page, as a phone app would), the recovery codes shown
// once, then sign in with a code, with a wrong code, and with a recovery code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

const PASSWORD = 'correct horse battery';

async function freshStep(): Promise<void> {
  const into = (Date.now() / 1000) % 30;
  if (into > 15) await new Promise((r) => setTimeout(r, (30 - into) * 1000 + 200));
}

const codeAt = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function passwordStep(page: Page, email: string) {
  await page.goto('/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname === '/login/two-factor'), page.click('main button[type=submit]')]);
}

async function signOut(page: Page) {
  await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('text=Sign out')]);
}

describe('two-factor sign-in in a real browser', () => {
  it('enrols with the QR code page, then signs in with a code, refuses a wrong one, and takes a recovery code', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    await makeUser(app.ctx, 'tess@example.com', { name: 'Tess Ford' });
    const page = await newPage(browser, app.url);
    await signIn(page, 'tess@example.com', PASSWORD);

    await page.goto('/account/two-factor');
    const qr = page.locator('[data-testid=qr] svg');
    assert.ok(await qr.isVisible(), 'the QR code is on the page');
    const box = await qr.boundingBox();
    assert.ok(box && box.width >= 150 && box.height >= 150, `a QR code large enough to scan (${box?.width}×${box?.height})`);
    const secret = (await page.locator('[data-testid=secret]').innerText()).replace(/\s+/g, '');
    await screenshot(page, 'two-factor-enrol');

    await freshStep();
    await page.fill('input[name=code]', await codeAt(secret, -1));
    await page.click('main button[type=submit]');
    await page.locator('[data-testid=recovery-codes]').waitFor();
    const codes = await page.locator('[data-testid=recovery-code]').allInnerTexts();
    assert.equal(codes.length, 10);
    await screenshot(page, 'two-factor-recovery-codes');
    await page.click('text=Continue');
    await page.waitForURL((u) => u.pathname === '/');
    await signOut(page);

    // With a code from the app; a wrong one first.
    await passwordStep(page, 'tess@example.com');
    await page.fill('input[name=code]', '000000');
    await page.click('main button[type=submit]');
    assert.match(await page.locator('[data-testid=login-error]').innerText(), /That code is not right/);
    await screenshot(page, 'two-factor-wrong-code');
    await page.fill('input[name=code]', await codeAt(secret));
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('main button[type=submit]')]);
    assert.equal(await page.locator('[data-testid=current-user]').innerText(), 'Tess Ford');
    await signOut(page);

    // With a recovery code.
    await passwordStep(page, 'tess@example.com');
    await screenshot(page, 'two-factor-step');
    await page.fill('input[name=code]', codes[3]);
    await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.click('main button[type=submit]')]);
    await page.goto('/account/two-factor');
    assert.match(await page.locator('main').innerText(), /9 recovery codes left/);
    await screenshot(page, 'two-factor-on');

    // The administrator's view of it, with the reset.
    await makeUser(app.ctx, 'boss@example.com', { superuser: true });
    const admin = await newPage(browser, app.url);
    await signIn(admin, 'boss@example.com', PASSWORD);
    const tess = (await app.ctx.services.users.findByEmail('tess@example.com'))!;
    await admin.goto(`/admin/users/${tess.id}`);
    await screenshot(admin, 'admin-user-two-factor');
    await admin.click('[data-testid=reset-two-factor]');
    await admin.getByText('The second factor was removed').waitFor();
    assert.match(await admin.locator('[data-testid=admin-two-factor]').innerText(), /signs in with a password only/);
  });
});
