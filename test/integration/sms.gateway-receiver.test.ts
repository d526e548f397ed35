// SMS out, against a gateway receiver on 127.0.0.1 (a small HTTP server in
// the test) and real workers: an SMS arrives with the right number, text and
// token; a 500 is retried until the gateway answers success; a burst within
// sms.minutesBetween is gathered into ONE next SMS ("and 3 more updates");
// a long text is cut at a word with the card's absolute link kept whole; bad
// phone numbers are refused with the field's message and the input kept
// (My account, and an administrator's user page); no
// SMS unless the user chose it (nor to a disabled user).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { NoticeKind } from '#app/services/notifications';
import { startWorkers } from '#app/worker/start';
import { startTestApp, testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { startReceiver, type Receiver } from '#test/support/http-receiver';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';

const PUBLIC = 'https://orbis.example.com';

function gatewaySettings(gw: Receiver, extra: Record<string, unknown> = {}) {
  return {
    server: { publicUrl: PUBLIC },
    jobs: FAST_JOBS,
    notifications: { gatherSeconds: 1 },
    sms: {
      minutesBetween: 10,
      gateway: {
        url: `${gw.url}/v1/messages?route={to_digits}`,
        method: 'POST',
        auth: 'bearer',
        token: 'sms-token-secret',
        format: 'json',
        body: { to: '{to}', text: '{text}', from: 'Orbis' },
        successStatus: '200-299',
        successBody: '"status":\\s*"ok"',
        allowAddresses: '127.0.0.1',
        timeoutSeconds: 5,
      },
      ...extra,
    },
  };
}

async function withSms(ctx: AppContext, userId: number, phone: string | null, kinds: NoticeKind[]) {
  await ctx.db.exec('update users set phone = $2 where id = $1', [userId, phone]);
  await ctx.services.notifications.setPreferences(userId, Object.fromEntries(kinds.map((k) => [`sms:${k}`, 'on'])));
}

async function start(ctx: AppContext) {
  const runner = await startWorkers(ctx);
  onCleanup(() => runner.stop(2000));
}

const smsOf = (r: Receiver) => r.received.map((q) => JSON.parse(q.body.toString()) as { to: string; text: string; from: string });

describe('SMS out through the HTTP gateway', () => {
  it('sends an SMS to the number with the text, the token and the link', async () => {
    const gw = await startReceiver();
    const { ctx } = await testContext({}, gatewaySettings(gw));
    const ann = await sessionUserFor(ctx, 'ann@example.com');
    await withSms(ctx, ann.id, '+79123456789', ['reminder']);
    await start(ctx);
    await ctx.services.notifications.notify({ userId: ann.id, kind: 'reminder', key: 'r1', title: 'Reminder: call back', url: '/tasks/7' });
    await eventually(() => gw.received.length === 1, 10_000, 'the SMS at the gateway');
    const [req] = gw.received;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/v1/messages?route=79123456789');
    assert.equal(req.headers.authorization, 'Bearer sms-token-secret');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(smsOf(gw), [{ to: '+79123456789', text: `Reminder: call back ${PUBLIC}/tasks/7`, from: 'Orbis' }]);
    const [n] = await ctx.db.rows<{ state: string; mail_state: string }>(
      'select s.state, n.mail_state from notifications n join notification_sms s on s.notification_id = n.id where n.key = $1',
      ['r1'],
    );
    assert.deepEqual(n, { state: 'sent', mail_state: 'sent' }, 'by SMS and, as chosen, by mail too');
  });

  it('retries after the gateway answers 500, and a success body that does not match', async () => {
    const gw = await startReceiver();
    // A 500 whose body would match successBody (the status alone refuses it), then a 200 whose body does not.
    gw.answers.push({ status: 500, body: '{"status":"ok"}' }, { status: 200, body: '{"status":"queue full"}' });
    const { ctx } = await testContext({}, gatewaySettings(gw));
    const ann = await sessionUserFor(ctx, 'ann@example.com');
    await withSms(ctx, ann.id, '+12025550143', ['task.assigned']);
    await start(ctx);
    await ctx.services.notifications.notify({ userId: ann.id, kind: 'task.assigned', key: 'a1', title: 'Task: sign the order' });
    await eventually(
      async () => (await ctx.db.rows(`select 1 from jobs where kind = 'sms.send' and state = 'done'`)).length > 0,
      15_000,
      'the SMS job done',
    );
    const [job] = await ctx.db.rows<{ state: string; attempts: number }>(`select state, attempts from jobs where kind = 'sms.send'`);
    assert.deepEqual(job, { state: 'done', attempts: 3 });
    assert.equal(gw.received.length, 3, 'the same SMS three times: 500, a body without "ok", then ok');
    assert.deepEqual(new Set(gw.received.map((r) => r.body.toString())).size, 1);
    assert.equal(smsOf(gw)[2].text, 'Task: sign the order');
  });

  it('gathers a burst within sms.minutesBetween into the next SMS', async () => {
    const gw = await startReceiver();
    const { ctx } = await testContext({}, gatewaySettings(gw));
    const ann = await sessionUserFor(ctx, 'ann@example.com');
    await withSms(ctx, ann.id, '+79123456789', ['card.commented']);
    await start(ctx);
    const notify = (i: number) =>
      ctx.services.notifications.notify({ userId: ann.id, kind: 'card.commented', key: `c${i}`, title: `Comment ${i}`, url: '/cards/x/1' });
    await notify(1);
    await eventually(() => gw.received.length === 1, 10_000, 'the first SMS');
    for (let i = 2; i <= 5; i++) await notify(i);
    // The dispatcher runs (after the gather window), finds the last SMS too recent and waits for the interval's end.
    const deferredJobs = () =>
      ctx.db.rows<{ run_after: Date }>(
        `select run_after from jobs where kind = 'notifications.sms' and key like 'notify-sms:%:after:%' and state = 'queued'`,
      );
    await eventually(async () => (await deferredJobs()).length > 0, 10_000, 'the dispatcher deferred');
    const [deferred] = await deferredJobs();
    const [{ sent_at }] = await ctx.db.rows<{ sent_at: Date }>('select sent_at from sms_throttle where user_id = $1', [ann.id]);
    assert.equal(deferred.run_after.getTime(), sent_at.getTime() + 10 * 60_000, 'at the end of the interval');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(gw.received.length, 1, 'no second SMS within the interval');
    // Ten minutes later (the dispatcher given that clock): one SMS carries the four.
    const r = await ctx.services.noticeSms.dispatch(ann.id, new Date(sent_at.getTime() + 10 * 60_000));
    assert.deepEqual(r, { sms: 1, notices: 4, dropped: 0, deferredUntil: null });
    await eventually(() => gw.received.length === 2, 10_000, 'the gathered SMS');
    assert.equal(smsOf(gw)[1].text, `Comment 5 and 3 more updates ${PUBLIC}/cards/x/1`);
  });

  it('cuts a long text at a word and keeps the link whole', async () => {
    const gw = await startReceiver();
    const { ctx } = await testContext({}, gatewaySettings(gw, { maxLength: 160 }));
    const ann = await sessionUserFor(ctx, 'ann@example.com');
    await withSms(ctx, ann.id, '+79123456789', ['card.mentioned']);
    await start(ctx);
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    await ctx.services.notifications.notify({
      userId: ann.id,
      kind: 'card.mentioned',
      key: 'm1',
      title: 'Mentioned on PR-000123',
      body: words,
      url: '/cards/purchase_request/123',
    });
    await eventually(() => gw.received.length === 1, 10_000, 'the SMS');
    const { text } = smsOf(gw)[0];
    const link = `${PUBLIC}/cards/purchase_request/123`;
    assert.ok(Array.from(text).length <= 160, `${Array.from(text).length} characters`);
    assert.ok(text.endsWith(`… ${link}`), text);
    const head = text.slice(0, -(link.length + 2));
    assert.ok(`Mentioned on PR-000123: ${words}`.startsWith(head), 'a prefix of the text');
    assert.match(head, /word\d+$/, 'ends with a whole word');
    assert.ok(`Mentioned on PR-000123: ${words} `.startsWith(`${head} `), 'cut at a space, not inside a word');
    assert.ok(Array.from(text).length > 140, 'the room is used');
  });

  it('sends nothing unless the user chose SMS for the kind, has a number and is active', async () => {
    const gw = await startReceiver();
    const { ctx } = await testContext({}, gatewaySettings(gw));
    const chose = await sessionUserFor(ctx, 'chose@example.com');
    const notChosen = await sessionUserFor(ctx, 'not-chosen@example.com');
    const noPhone = await sessionUserFor(ctx, 'no-phone@example.com');
    const gone = await sessionUserFor(ctx, 'gone@example.com');
    await withSms(ctx, chose.id, '+79123456789', ['reminder']);
    await withSms(ctx, notChosen.id, '+79123456780', ['card.commented']); // another kind
    await withSms(ctx, noPhone.id, null, ['reminder']);
    await withSms(ctx, gone.id, '+79123456781', ['reminder']);
    for (const u of [chose, notChosen, noPhone, gone])
      await ctx.services.notifications.notify({ userId: u.id, kind: 'reminder', key: `r${u.id}`, title: 'Reminder' });
    // Disabled after the notice was written, before its SMS went: dropped.
    await ctx.services.users.setActive(gone.id, false);
    const states = () =>
      ctx.db
        .rows<{ email: string; state: string | null }>(
          'select u.email, s.state from notifications n join users u on u.id = n.user_id left join notification_sms s on s.notification_id = n.id',
        )
        .then((rows) => Object.fromEntries(rows.map((r) => [r.email, r.state])));
    assert.deepEqual(await states(), {
      'chose@example.com': 'pending',
      'gone@example.com': 'pending',
      'no-phone@example.com': null,
      'not-chosen@example.com': null,
    });
    await start(ctx);
    await eventually(async () => !Object.values(await states()).includes('pending'), 10_000, 'no SMS pending');
    assert.equal((await states())['gone@example.com'], 'dropped');
    await eventually(() => gw.received.length >= 1, 10_000, 'the one SMS');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      smsOf(gw).map((s) => s.to),
      ['+79123456789'],
    );
  });

  it('refuses a bad phone number on My account with the message and the input kept; a good one is saved in E.164', async () => {
    const gw = await startReceiver();
    // Signed in over plain http: the public URL is not https here (secure cookies would not be set).
    const app = await startTestApp({}, { ...gatewaySettings(gw), server: { publicUrl: null } });
    const ann = await sessionUserFor(app.ctx, 'ann@example.com', { name: 'Ann' });
    const c = app.client();
    await c.login('ann@example.com', 'correct horse battery');
    const profile = (phone: string) =>
      c.post('/account/profile', { display_name: 'Ann', time_zone: 'UTC', locale: '', phone }, { from: '/account' });
    const escape = (v: string) => v.replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (const [typed, message] of [
      ['12345', 'write the number in international form, starting with + and the country code (you typed 12345)'],
      ['+1 555', '+1 555 is not a valid phone number'],
      ['+7 912 <b>', 'write the number in international form, starting with + and the country code (you typed +7 912 &lt;b&gt;)'],
    ]) {
      const r = await profile(typed);
      assert.equal(r.status, 400, typed);
      assert.ok(r.text.includes(`data-field-error="phone">${message}</div>`), `the field's message for ${typed}`);
      assert.ok(r.text.includes(`name="phone" value="${escape(typed)}"`), `the input kept: ${typed}`);
    }
    const [before] = await app.ctx.db.rows<{ phone: string | null }>('select phone from users where id = $1', [ann.id]);
    assert.equal(before.phone, null, 'nothing saved');
    assert.equal((await profile('+7 (912) 345-67-89')).status, 303);
    const [after] = await app.ctx.db.rows<{ phone: string | null }>('select phone from users where id = $1', [ann.id]);
    assert.equal(after.phone, '+79123456789');
    const page = await c.get('/notifications/preferences');
    assert.match(page.text, /SMS go to \+79123456789/);
    assert.match(page.text, /name="sms:reminder"/);

    // An administrator sets it on the user's page, with the same checks.
    await sessionUserFor(app.ctx, 'root@example.com', { superuser: true });
    const admin = app.client();
    await admin.login('root@example.com', 'correct horse battery');
    const refused = await admin.post(`/admin/users/${ann.id}/phone`, { phone: '+1 555' }, { from: `/admin/users/${ann.id}` });
    assert.equal(refused.status, 400);
    assert.ok(refused.text.includes('data-field-error="phone">+1 555 is not a valid phone number</div>'));
    assert.ok(refused.text.includes('name="phone" value="+1 555"'), 'the input kept');
    assert.equal(
      (await admin.post(`/admin/users/${ann.id}/phone`, { phone: '+1 202 555 0143' }, { from: `/admin/users/${ann.id}` })).status,
      303,
    );
    const [byAdmin] = await app.ctx.db.rows<{ phone: string | null }>('select phone from users where id = $1', [ann.id]);
    assert.equal(byAdmin.phone, '+12025550143');
    assert.equal(
      (await c.post(`/admin/users/${ann.id}/phone`, { phone: '+79123456789' }, { from: '/account' })).status,
      403,
      'not for a user',
    );
  });
});
