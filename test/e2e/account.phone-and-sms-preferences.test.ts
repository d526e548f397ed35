// The phone number and SMS in a real browser: My account refuses a bad
// number with the field's message and the input kept, saves a good one in
// E.164; the notification preferences then offer "also by SMS" per kind
// (an installation with a gateway), and the choice is saved and shown again.
// In Russian too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { startReceiver } from '#test/support/http-receiver';

const PASSWORD = 'correct horse battery';

describe('phone number and SMS preferences in a real browser', () => {
  it('refuses a bad number with the input kept, saves a good one, and chooses SMS for a kind', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const gw = await startReceiver();
    const app = await startTestApp(
      {},
      {
        sms: {
          gateway: { url: `${gw.url}/send`, body: { to: '{to}', text: '{text}' }, allowAddresses: '127.0.0.1' },
        },
      },
    );
    const user = await makeUser(app.ctx, 'maya@example.com', { name: 'Maya' });
    const page = await newPage(browser, app.url);
    await signIn(page, 'maya@example.com', PASSWORD);

    // Before a number: the preferences say where to add one.
    await page.goto('/notifications/preferences');
    assert.match(await page.locator('[data-testid=sms-phone]').innerText(), /add your mobile phone number/);

    await page.goto('/account');
    await page.fill('#f-phone', '8 912 345 67 89');
    await page.click('[data-testid=profile-form] button[type=submit]');
    assert.match(await page.locator('[data-field-error=phone]').innerText(), /international form, starting with \+/);
    assert.equal(await page.inputValue('#f-phone'), '8 912 345 67 89', 'the input kept');
    await screenshot(page, 'account-phone-refused');

    await page.fill('#f-phone', '+7 912 345-67-89');
    await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.click('[data-testid=profile-form] button[type=submit]')]);
    assert.equal(await page.inputValue('#f-phone'), '+79123456789', 'kept in E.164');

    await page.goto('/notifications/preferences');
    assert.match(await page.locator('[data-testid=sms-phone]').innerText(), /SMS go to \+79123456789/);
    assert.equal(await page.isChecked('[name="sms:task.assigned"]'), false, 'off unless chosen');
    await page.check('[name="sms:task.assigned"]');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/notifications/preferences'),
      page.click('[data-testid=preferences] button[type=submit]'),
    ]);
    assert.equal(await page.isChecked('[name="sms:task.assigned"]'), true);
    assert.equal(await page.isChecked('[name="sms:reminder"]'), false);
    await screenshot(page, 'preferences-sms');
    const [pref] = await app.ctx.db.rows<{ sms: boolean }>(
      `select sms from notification_preferences where user_id = $1 and kind = 'task.assigned'`,
      [user.id],
    );
    assert.equal(pref.sms, true);

    // In Russian.
    await app.ctx.db.exec(`update users set locale = 'ru' where id = $1`, [user.id]);
    await page.goto('/notifications/preferences');
    assert.match(await page.locator('[data-testid=sms-phone]').innerText(), /SMS приходят на \+79123456789/);
    assert.equal(await page.locator('label[for="s-task.assigned"]').innerText(), 'и по SMS');
    await screenshot(page, 'preferences-sms-ru');
    await page.goto('/account');
    await page.fill('#f-phone', '+1 555');
    await page.click('[data-testid=profile-form] button[type=submit]');
    assert.match(await page.locator('[data-field-error=phone]').innerText(), /неверный номер телефона/);
    await screenshot(page, 'account-phone-refused-ru');
  });
});
