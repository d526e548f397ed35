// /admin/types over HTTP (issue 17 item 3): the designer's refusals name the
// element and its line and keep the draft (never a 500 for what was sent);
// a dry run writes nothing; a save is a version with its author and comment,
// in use at once; two admins saving on the same version: the second gets the
// conflict page with both versions; versions are viewable and restorable;
// superusers only, CSRF on every form, output escaped.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';

describe('/admin/types', () => {
  let app: TestApp;
  let admin: TestClient;
  let other: TestClient;
  let complaint: string;
  const versions = async () =>
    (await app.ctx.db.rows<{ n: number }>(`select count(*)::int as n from card_type_versions where card_type = 'complaint'`))[0].n;

  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'root@example.com', { superuser: true, name: 'Root' });
    await makeUser(app.ctx, 'boss@example.com', { superuser: true, name: 'Boss' });
    admin = app.client();
    other = app.client();
    assert.equal((await admin.login('root@example.com', PASSWORD)).status, 303);
    assert.equal((await other.login('boss@example.com', PASSWORD)).status, 303);
    const page = await admin.get('/admin/types/complaint');
    assert.equal(page.status, 200);
    complaint = /<textarea[^>]*id="definition"[^>]*>([\s\S]*?)<\/textarea>/
      .exec(page.text)![1]
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'");
  });

  it('lists the types with the version in use (the files imported as version 1)', async () => {
    const list = await admin.get('/admin/types');
    assert.match(list.text, /<tr data-type="complaint">[\s\S]*?Complaints[\s\S]*?<code>CC<\/code>[\s\S]*?>1</);
    assert.match(list.text, /<tr data-type="purchase_request">/);
  });

  it('refuses what cannot work at its element and line, keeps the draft, saves nothing', async () => {
    const cases: [string, RegExp][] = [
      ['', /definition<\/code>: the file must hold a mapping/],
      ['name: [unclosed', /invalid YAML/],
      [
        complaint.replace('type: select', 'type: colour'),
        /line \d+<\/a> · <code>field channel<\/code>: type &quot;colour&quot; is not one of/,
      ],
      [complaint.replace('to: closed', 'to: archived'), /<code>transition close<\/code>: to: unknown stage &quot;archived&quot;/],
      [
        complaint.replace('sla: P3D', 'sla: three days'),
        /<code>stage investigating<\/code>: sla &quot;three days&quot; is not an ISO-8601 duration/,
      ],
      [complaint.replace(', roles: [ manager ] }', ', roles: [ ghost ] }'), /<code>roles<\/code>: no such role: ghost/],
      [complaint.replace('name: refund', 'name: customer'), /<code>field customer<\/code>: the name is already used/],
      [complaint.replace('prefix: CC', 'prefix: PR'), /<code>prefix<\/code>: already used by the card type purchase_request/],
      [complaint.replace('name: complaint', 'name: grievance'), /the name cannot change/],
    ];
    for (const [definition, problem] of cases) {
      const r = await admin.post(
        '/admin/types/complaint',
        { definition, expected: '1', action: 'save' },
        { from: '/admin/types/complaint' },
      );
      assert.equal(r.status, 400, `refused: ${problem}`);
      assert.match(r.text, problem);
      const kept = definition.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;');
      assert.ok(r.text.includes(`${kept}</textarea>`), `the draft is kept for ${problem}`);
    }
    assert.equal(await versions(), 1, 'nothing saved');
    // Shapes no form sends: still an answer, not a 500.
    const odd = await admin.post(
      '/admin/types/new',
      { definition: '- 1\n- 2', expected: 'x', 'move.__proto__': 'a' },
      { from: '/admin/types/new' },
    );
    assert.equal(odd.status, 400);
    const preview = await admin.post(
      '/admin/types/preview',
      { definition: 'name: <script>', name: 'complaint' },
      { from: '/admin/types/complaint' },
    );
    assert.equal(preview.status, 200);
    assert.match(preview.text, /data-ok="no"/);
    assert.doesNotMatch(preview.text, /<script>/, 'escaped');
  });

  it('a dry run writes nothing; a save is a version in use at once, with its author, comment and diff', async () => {
    const relabelled = complaint.replace('{ en: Customer, ru: Клиент }', '{ en: Client, ru: Клиент }');
    const check = await admin.post(
      '/admin/types/complaint',
      { definition: relabelled, expected: '1', action: 'check' },
      { from: '/admin/types/complaint' },
    );
    assert.equal(check.status, 200, /data-problem[^<]*<[^\n]*/.exec(check.text)?.[0]);
    assert.match(check.text, /data-diff="changed"[\s\S]*?field customer\.label\.en[\s\S]*?Customer[\s\S]*?Client/);
    assert.match(check.text, /No card is touched\./);
    assert.equal(await versions(), 1);
    const save = await admin.post(
      '/admin/types/complaint',
      { definition: relabelled, expected: '1', action: 'save', comment: 'Client, not <b>customer</b>' },
      { from: '/admin/types/complaint' },
    );
    assert.equal(save.status, 303);
    assert.equal(await versions(), 2);
    assert.equal(app.ctx.services.cards.types.get('complaint')!.fieldMap.get('customer')!.label, 'Client', 'in use at once');
    const form = await admin.get('/cards/complaint/new');
    assert.match(form.text, /for="f-customer">Client/);
    const page = await admin.get('/admin/types/complaint');
    assert.match(page.text, /<tr data-version="2">[\s\S]*?Root[\s\S]*?designer[\s\S]*?Client, not &lt;b&gt;customer&lt;\/b&gt;/);
    const v2 = await admin.get('/admin/types/complaint/versions/2');
    assert.match(v2.text, /field customer\.label\.en/);
    assert.equal((await admin.get('/admin/types/complaint/versions/99')).status, 404);
    assert.equal((await admin.get('/admin/types/nothing')).status, 404);
  });

  it('two admins on the same version: the second gets the conflict page with both versions, nothing lost', async () => {
    const current = await app.ctx.services.cardTypeStore.version('complaint');
    const mine = complaint.replace('{ en: Channel, ru: Канал }', '{ en: Source, ru: Канал }');
    const theirs = complaint.replace('{ en: Severity, ru: Важность }', '{ en: Priority, ru: Важность }');
    const first = await other.post(
      '/admin/types/complaint',
      { definition: theirs, expected: String(current.version), action: 'save' },
      { from: '/admin/types/complaint' },
    );
    assert.equal(first.status, 303);
    const second = await admin.post(
      '/admin/types/complaint',
      { definition: mine, expected: String(current.version), action: 'save' },
      { from: '/admin/types/complaint' },
    );
    assert.equal(second.status, 409);
    assert.match(second.text, /Someone saved version \d+ \(Boss\) while you were editing/);
    assert.match(second.text, /data-testid="their-version">[\s\S]*?Priority/);
    assert.ok(second.text.includes('{ en: Source, ru: Канал }'), 'my draft is kept');
    assert.match(second.text, new RegExp(`name="expected" value="${current.version + 1}"`), 'saving again follows their version');
  });

  it('restores an older version through the designer', async () => {
    const r = await admin.get('/admin/types/complaint/versions/1/restore');
    assert.equal(r.status, 200);
    assert.match(r.text, /value="Restored from version 1"/);
    assert.match(r.text, /\{ en: Customer, ru: Клиент \}|en: Customer/);
  });

  it('is for superusers only, and every form needs its CSRF token', async () => {
    await makeUser(app.ctx, 'op@example.com', { roles: ['operator'] });
    const op = app.client();
    await op.login('op@example.com', PASSWORD);
    assert.equal((await op.get('/admin/types')).status, 403);
    assert.equal(
      (await op.post('/admin/types/complaint', { definition: complaint, expected: '1', action: 'save' }, { from: '/' })).status,
      403,
    );
    assert.equal((await admin.post('/admin/types/complaint', { definition: complaint, action: 'save' }, { csrf: false })).status, 403);
    assert.equal((await admin.post('/admin/types/preview', { definition: complaint }, { csrf: false })).status, 403);
  });
});
