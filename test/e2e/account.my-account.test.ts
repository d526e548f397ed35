// My account in a real browser: reached from the header; the profile saved;
// a password change refused with a wrong current password, then made, which
// signs the other browser out; "Sign out" of another session; an email change
// confirmed through the link mailed to the new address. And the sign-in audit
// as an administrator sees it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailingApp } from '#test/support/account-mail';
import { makeUser } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';

const PASSWORD = 'correct horse battery';

describe('My account in a real browser', () => {
  it('changes profile, password and email, and signs another session out', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const m = await mailingApp();
    await makeUser(m.app.ctx, 'maya@example.com', { name: 'Maya', superuser: true });
    const laptop = await newPage(browser, m.app.url);
    const phone = await newPage(browser, m.app.url);
    await signIn(laptop, 'maya@example.com', PASSWORD);
    await signIn(phone, 'maya@example.com', PASSWORD);

    // From the header, on any page.
    await laptop.goto('/tasks');
    await Promise.all([laptop.waitForURL((u) => u.pathname === '/account'), laptop.click('[data-testid=current-user]')]);
    assert.equal(await laptop.locator('[data-testid=session]').count(), 2);
    await screenshot(laptop, 'account');

    // Profile.
    await laptop.fill('#f-display_name', 'Maya K.');
    await laptop.selectOption('#f-time_zone', 'Asia/Tokyo');
    await Promise.all([
      laptop.waitForURL((u) => u.pathname === '/account'),
      laptop.click('[data-testid=profile-form] button[type=submit]'),
    ]);
    assert.equal(await laptop.locator('[data-testid=current-user]').innerText(), 'Maya K.');
    assert.equal(await laptop.inputValue('#f-time_zone'), 'Asia/Tokyo');

    // "Sign out" of the other session, with the current password.
    await laptop.fill('#f-session_password', PASSWORD);
    await laptop.click('[data-testid=end-session]');
    await laptop.waitForSelector('text=That session is signed out.');
    assert.equal(await laptop.locator('[data-testid=session]').count(), 1);
    await phone.goto('/');
    assert.equal(new URL(phone.url()).pathname, '/login', 'the phone is signed out');

    // Password: the current one is asked; the change signs every other session out.
    await signIn(phone, 'maya@example.com', PASSWORD);
    await laptop.goto('/account');
    await laptop.fill('#f-current_password', 'not my password');
    await laptop.fill('#f-new_password', 'a new and longer one');
    await laptop.click('[data-testid=password-form] button[type=submit]');
    assert.match(await laptop.locator('[data-field-error=current_password]').innerText(), /not your current password/);
    await screenshot(laptop, 'account-wrong-password');
    await laptop.fill('#f-current_password', PASSWORD);
    await laptop.fill('#f-new_password', 'a new and longer one');
    await Promise.all([
      laptop.waitForURL((u) => u.pathname === '/account'),
      laptop.click('[data-testid=password-form] button[type=submit]'),
    ]);
    assert.match(await laptop.locator('main').innerText(), /Password changed; you are signed out everywhere else\./);
    await phone.goto('/');
    assert.equal(new URL(phone.url()).pathname, '/login', 'the phone is signed out again');

    // Email: a link to the new address; the address changes when it is opened.
    const seen = m.count('maya.new@example.com');
    await laptop.fill('#f-new_email', 'maya.new@example.com');
    await laptop.fill('#f-password', 'a new and longer one');
    await Promise.all([laptop.waitForURL((u) => u.pathname === '/account'), laptop.click('[data-testid=email-form] button[type=submit]')]);
    assert.match(await laptop.locator('main').innerText(), /We mailed a link to maya\.new@example\.com/);
    const mail = await m.nextMail('maya.new@example.com', seen);
    await laptop.goto(mail.path);
    assert.equal(await laptop.locator('[data-testid=new-email]').innerText(), 'maya.new@example.com');
    await screenshot(laptop, 'account-email-confirm');
    await Promise.all([laptop.waitForURL((u) => u.pathname === '/account'), laptop.click('main button[type=submit]')]);
    assert.match(await laptop.locator('main').innerText(), /Your email is now maya\.new@example\.com\./);
    assert.equal(await laptop.locator('[data-testid=auth-event][data-kind="email.changed"]').count(), 1);
    await screenshot(laptop, 'account-after');

    // The administrator's view of all of it.
    await laptop.goto('/admin/security');
    assert.ok((await laptop.locator('[data-testid=auth-event]').count()) >= 6);
    await screenshot(laptop, 'admin-security');
    await laptop.selectOption('#f-kind', 'session.ended');
    await laptop.click('form[role=search] button[type=submit]');
    await laptop.waitForURL((u) => u.searchParams.get('kind') === 'session.ended');
    assert.equal(await laptop.locator('[data-testid=auth-event]').count(), 1);
  });
});
