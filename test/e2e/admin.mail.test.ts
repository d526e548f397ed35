// /admin/mail in a real browser against a real dovecot: add a mailbox (a
// mistake first: the field's message, the input kept, the password not sent
// back), fetch it, see its state and counts, see a refused mail with its
// reason, and discard it; the edit page never shows the password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { dovecotMissing, startDovecot } from '#test/support/dovecot';
import { compose, MAILBOX_PASSWORD, MAILBOX_USER } from '#test/support/mail-in';

const skip = dovecotMissing();

describe('mailboxes page in a real browser', { skip: skip ?? false }, () => {
  it('adds a mailbox, shows its state and a refused mail, and discards it', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const dovecot = await startDovecot({ [MAILBOX_USER]: MAILBOX_PASSWORD });
    const app = await startTestApp();
    await makeUser(app.ctx, 'ada@example.com', { name: 'Ada Lovelace', superuser: true });
    const page = await newPage(browser, app.url);
    page.on('dialog', (d) => d.accept());
    await signIn(page, 'ada@example.com', 'correct horse battery');

    await page.goto('/admin/mail');
    await page.fill('input[name=name]', 'complaints');
    await page.fill('input[name=host]', dovecot.host);
    await page.fill('input[name=port]', String(dovecot.port));
    await page.fill('input[name=username]', MAILBOX_USER);
    await page.fill('input[name=password]', MAILBOX_PASSWORD);
    await page.selectOption('select[name=card_type]', 'complaint');
    await page.fill('textarea[name=mapping]', 'customer=sender\ndetails=body');
    await page.fill('textarea[name=allowed_senders]', '@customer.example');
    await page.click('[data-testid=add-mailbox]');
    assert.equal(await page.locator('[data-field-error=defaults]').count(), 1, 'required fields left without a value are named');
    assert.match(await page.locator('[data-field-error=defaults]').innerText(), /channel, severity/);
    assert.equal(await page.inputValue('input[name=host]'), dovecot.host, 'the input is kept');
    assert.equal(await page.inputValue('input[name=password]'), '', 'the password is not sent back');
    await page.fill('input[name=password]', MAILBOX_PASSWORD);
    await page.fill('textarea[name=defaults]', 'channel=email\nseverity=medium');
    await page.click('[data-testid=add-mailbox]');
    assert.equal(new URL(page.url()).pathname, '/admin/mail');
    assert.match(await page.locator('[data-testid=mailbox-state]').innerText(), /not polled yet/);

    await dovecot.append(MAILBOX_USER, [
      await compose({ subject: 'Broken kettle', messageId: '<k1@customer.example>', text: 'broken' }),
      await compose({ from: 'spam@elsewhere.example', subject: 'Cheap watches', messageId: '<s1@elsewhere.example>', text: 'buy' }),
    ]);
    const [box] = await app.ctx.services.mailboxes.list();
    await app.ctx.services.mailPoll.poll(box.id);
    await page.reload();
    assert.match(await page.locator('[data-testid=mailbox-state]').innerText(), /reachable/);
    assert.match(await page.locator('[data-counts]').innerText(), /1 imported, 1 refused, 0 ignored/);
    const reason = page.locator('[data-testid=refused-reason]');
    assert.equal(await reason.count(), 1);
    assert.equal(await reason.innerText(), 'the sender spam@elsewhere.example is not allowed by this mailbox');
    assert.equal(await page.locator('[data-testid=refused-mail] a[download]').count(), 1, 'the raw mail can be downloaded');
    await screenshot(page, 'admin-mail-refused');

    await page.click('[data-testid=refused-mail] button:has-text("Discard")');
    assert.equal(await page.locator('[data-testid=refused-reason]').count(), 0);
    assert.match(await page.locator('.alert').first().innerText(), /Mail discarded/);

    await page.click(`[data-testid=mailboxes] a[href="/admin/mail/${box.id}"]`);
    assert.equal(await page.inputValue('input[name=password]'), '');
    assert.ok(!(await page.content()).includes(MAILBOX_PASSWORD), 'the password is nowhere in the page');
    await screenshot(page, 'admin-mail-edit');
  });
});
