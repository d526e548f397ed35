// The card type designer in a real browser (issue 17, the Done-when flow): an
// administrator makes a role, a new card type with three fields and a
// three-stage process in /admin/types (a mistake first: refused at its
// element, the draft kept; the preview following the text), gives the role
// rights; a user with that role, signed in on a second web process started
// before the type existed, makes a card and moves it — nobody restarts
// anything. Then a stage holding the card is removed: the dry run counts it,
// asks where it goes, and the job moves it (in its history).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUser, startTestApp } from '#test/support/app';
import { launchBrowser, newPage, screenshot, signIn } from '#test/support/browser';
import { onCleanup } from '#test/support/cleanup';
import { startWebProcess } from '#test/support/web-spawn';
import { startWorkers } from '#app/worker/start';

const CLAIM = (stages: string, transitions: string) => `name: claim
label: { en: Warranty claim, ru: Гарантийная заявка }
plural: { en: Warranty claims, ru: Гарантийные заявки }
prefix: WC
fields:
  - { name: customer, type: string, label: { en: Customer, ru: Клиент }, required: true, max: 200 }
  - { name: amount, type: decimal, label: { en: Amount, ru: Сумма }, min: 0 }
  - { name: notes, type: text, label: { en: Notes, ru: Заметки } }
process:
  initial: open
  stages:
${stages}
  transitions:
${transitions}
permissions: {}
`;
const THREE = `    - { name: open, label: Open }
    - { name: checking, label: Checking, sla: P2D }
    - { name: closed, label: Closed, final: true }`;
const MOVES = `    - { name: check, label: Start checking, from: [open], to: checking, roles: [clerk] }
    - { name: close, label: Close, from: [checking], to: closed, roles: [clerk] }`;

describe('the card type designer in a real browser', () => {
  it('makes a type and a role that a second process serves at once, then removes a stage and moves its card', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const app = await startTestApp();
    // The default queue's worker, as `npm start` runs it in-process: it moves the cards of a removed stage.
    const worker = await startWorkers(app.ctx, { queues: ['default'] });
    onCleanup(() => worker.stop(1000));
    await makeUser(app.ctx, 'root@example.com', { name: 'Root', superuser: true });
    const clerk = await makeUser(app.ctx, 'clerk@example.com', { name: 'Clara' });
    // Started before the type exists: it must learn of it without a restart.
    const other = await startWebProcess({ DATABASE_URL: app.db.url });
    const admin = await newPage(browser, app.url);
    const user = await newPage(browser, other.url);
    await signIn(admin, 'root@example.com', 'correct horse battery');

    await admin.goto('/admin/roles');
    await admin.fill('#f-label', 'Clerk');
    await admin.fill('#f-name', 'clerk');
    await Promise.all([admin.waitForURL('**/admin/roles/clerk'), admin.click('[data-testid=new-role] button[type=submit]')]);

    await admin.goto('/admin/types');
    await admin.click('[data-testid=new-type]');
    // A transition to a stage that does not exist: refused at the transition, with its line; the text kept.
    const broken = CLAIM(THREE, MOVES.replace('to: closed', 'to: archived'));
    await admin.fill('#definition', broken);
    await admin.waitForSelector('[data-testid=type-preview][data-ok=no] [data-problem="transition close"]');
    await admin.click('[data-testid=save]');
    const problem = admin.locator('[data-testid=type-form] [data-problem="transition close"]');
    assert.match(await problem.innerText(), /line 17 · transition close: to: unknown stage "archived"/);
    assert.equal(await admin.inputValue('#definition'), broken, 'the draft is kept');
    // Put right: the preview shows the form and the process as typed.
    await admin.fill('#definition', CLAIM(THREE, MOVES));
    await admin.waitForSelector('[data-testid=type-preview][data-ok=yes]');
    assert.deepEqual(await admin.locator('[data-testid=preview-form] label').allInnerTexts(), ['Title *', 'Customer *', 'Amount', 'Notes']);
    await screenshot(admin, 'admin-type-designer-new');
    await admin.fill('#comment', 'Warranty claims, first cut');
    await Promise.all([admin.waitForURL('**/admin/types/claim'), admin.click('[data-testid=save]')]);
    assert.match(await admin.locator('[data-testid=current-version]').innerText(), /version 1/);

    await admin.goto('/admin/roles/clerk');
    for (const action of ['read', 'create', 'update', 'transition'])
      await admin.selectOption(`select[name="right.claim.${action}"]`, 'all');
    await admin.click('[data-testid=rights-form] button[type=submit]');
    await admin.waitForSelector('text=Rights saved; they apply now.');
    await admin.goto(`/admin/users/${clerk.id}`);
    await admin.check('#role-clerk');
    await admin.click('text=Save roles');
    await admin.waitForSelector('text=Roles saved.');

    // The second process: the new type, its form and its process, at once.
    await signIn(user, 'clerk@example.com', 'correct horse battery');
    await user.goto('/cards/claim/new');
    await user.fill('#f-title', 'Broken kettle');
    await user.fill('#f-customer', 'Anna Petrova');
    await user.fill('#f-amount', '49.90');
    await user.click('main button:has-text("Create")');
    await user.waitForURL(/\/cards\/claim\/\d+$/);
    const cardUrl = new URL(user.url()).pathname;
    await user.click('[data-testid=transition-check]');
    await user.click('main button[type=submit]');
    await user.waitForSelector('[data-testid=stage]:has-text("Checking")');
    await screenshot(user, 'admin-type-designer-card-second-process');

    // Remove the stage that holds the card: the dry run counts it and asks where it goes.
    await admin.goto('/admin/types/claim');
    const twoStages = `    - { name: open, label: Open }\n    - { name: closed, label: Closed, final: true }`;
    await admin.fill('#definition', CLAIM(twoStages, `    - { name: close, label: Close, from: [open], to: closed, roles: [clerk] }`));
    await admin.click('[data-testid=save]');
    assert.match(await admin.locator('[data-problem="stage checking"]').innerText(), /holds 1 card\(s\): choose the stage they move to/);
    assert.match(await admin.locator('[data-impact="stage checking"]').innerText(), /Checking.*1 card/);
    await admin.selectOption('[data-testid=move-checking]', 'open');
    await admin.click('[data-testid=check]');
    assert.equal(await admin.locator('[data-testid=type-problems]').count(), 0, 'with a move, the dry run finds nothing against it');
    assert.ok((await admin.locator('[data-testid=type-diff] [data-diff=removed]').allInnerTexts()).some((s) => /stage checking/.test(s)));
    await screenshot(admin, 'admin-type-designer-dry-run');
    await Promise.all([admin.waitForURL('**/admin/types/claim'), admin.click('[data-testid=save]')]);
    assert.match(await admin.locator('.alert').first().innerText(), /version 2.*being moved/s);

    // The card is back in Open, its history saying why; the second process shows it.
    let stage = '';
    for (let i = 0; i < 50 && stage !== 'Open'; i++) {
      await user.goto(cardUrl);
      stage = (await user.locator('[data-testid=stage]').first().innerText()).trim();
      if (stage !== 'Open') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(stage, 'Open');
    await user.waitForSelector('text=Moved: its stage was removed in version 2 of the card type');
    const tasks = await app.ctx.db.rows<{ status: string }>(`select status from tasks where title like 'Checking: WC-000001%'`);
    assert.deepEqual(
      tasks.map((x) => x.status),
      ['cancelled'],
      "the removed stage's automatic task ended with it",
    );
    await screenshot(user, 'admin-type-designer-moved');
  });
});
