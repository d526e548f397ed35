// Mail Orbis refuses, and hostile mail, against a real dovecot: a sender the
// mailbox does not allow is refused with the reason, listed on /admin/mail,
// its raw mail downloadable, "import anyway" makes its card and "discard"
// drops it — and refused mail stays on the server while imported mail is
// deleted (processed = delete). A 40 MB mail is refused from its size with
// only its headers read; NUL bytes, broken MIME, KOI8-R and Windows-1251
// encoded-word subjects, an attachment named ../../etc/passwd. (The mail
// bomb is mail.bomb-in-batches.test.ts.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { readMail } from '#app/services/mail-message';
import { serveContext, signedIn } from '#test/support/admin';
import { dovecotMissing } from '#test/support/dovecot';
import { complaints, compose, mailWorld, PNG } from '#test/support/mail-in';

const skip = dovecotMissing();

function walk(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('mail in: refused and hostile mail', { skip: skip ?? false }, () => {
  it('lists a refused mail with its reason and raw bytes; import anyway, discard; only imported mail leaves the server', async () => {
    const w = await mailWorld({ mailbox: { allowed_senders: ['@customer.example'], processed: 'delete' } });
    const stranger = await compose({
      from: 'spam@elsewhere.example',
      subject: 'Cheap watches',
      messageId: '<spam-1@elsewhere.example>',
      text: 'buy',
    });
    const stranger2 = await compose({
      from: 'bob@elsewhere.example',
      subject: 'Real complaint',
      messageId: '<bob-1@elsewhere.example>',
      text: 'my order',
    });
    const allowed = await compose({ subject: 'Allowed', messageId: '<ok-1@customer.example>', text: 'fine' });
    await w.dovecot.append('complaints', [stranger, stranger2, allowed]);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.imported, r.refused], [1, 2]);
    assert.deepEqual(
      (await w.dovecot.list('complaints')).map((m) => m.messageId),
      ['<spam-1@elsewhere.example>', '<bob-1@elsewhere.example>'],
      'the imported mail was deleted, the refused ones stay',
    );

    const app = await serveContext(w.ctx);
    const admin = await signedIn(w.ctx, app.url, 'admin@example.com');
    const page = await admin.get('/admin/mail');
    assert.equal(page.status, 200);
    assert.match(page.text, /the sender spam@elsewhere\.example is not allowed by this mailbox/);
    assert.match(page.text, /Cheap watches/);
    const refused = await w.ctx.services.mailboxes.refused();
    const spam = refused.find((x) => x.subject === 'Cheap watches')!;
    const bob = refused.find((x) => x.subject === 'Real complaint')!;
    const raw = await admin.get(`/admin/mail/refused/${spam.id}/raw`);
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('content-type'), 'message/rfc822');
    assert.equal(raw.text, stranger.toString('utf8'));

    const operator = await signedIn(w.ctx, app.url, 'op@example.com', { superuser: false, roles: ['operator'] });
    assert.equal((await operator.get('/admin/mail')).status, 403);
    assert.equal((await operator.get(`/admin/mail/refused/${spam.id}/raw`)).status, 403);
    assert.equal((await admin.post(`/admin/mail/refused/${bob.id}/import`, {}, { csrf: false })).status, 403, 'CSRF');

    const imported = await admin.post(`/admin/mail/refused/${bob.id}/import`, {}, { from: '/admin/mail' });
    assert.equal(imported.status, 303);
    assert.deepEqual(
      (await complaints(w.ctx)).map((c) => c.title),
      ['Allowed', 'Real complaint'],
    );
    const discarded = await admin.post(`/admin/mail/refused/${spam.id}/discard`, {}, { from: '/admin/mail' });
    assert.equal(discarded.status, 303);
    assert.equal((await w.ctx.services.mailboxes.refused()).length, 0);
    assert.ok(!fs.existsSync(w.ctx.services.mailboxes.rawPath(spam.raw_sha256!)), 'the discarded bytes are gone');
    assert.equal((await admin.get(`/admin/mail/refused/${spam.id}/raw`)).status, 404);
    // A discarded mail is not imported by a later poll either.
    await w.ctx.db.exec('update mailboxes set last_uid = 0');
    assert.equal((await w.ctx.services.mailPoll.poll(w.mailboxId)).imported, 0);
  });

  it('refuses a 40 MB mail from its size, reading only its headers', async () => {
    const w = await mailWorld({ mailbox: { max_mb: 25 } });
    const big = await compose({
      subject: 'Huge scan',
      messageId: '<huge@customer.example>',
      text: 'see attached',
      attachments: [{ filename: 'scan.bin', content: Buffer.alloc(30 * 1024 * 1024, 7) }],
    });
    assert.ok(big.length > 40 * 1024 * 1024, `${big.length} bytes`);
    await w.dovecot.append('complaints', [big]);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.refused, r.imported], [1, 0]);
    const [x] = await w.ctx.services.mailboxes.refused();
    assert.match(x.reason, /^the mail is 4[0-3] MB, more than the 25 MB this mailbox takes; only its headers were read$/);
    assert.equal(x.subject, 'Huge scan');
    const kept = fs.readFileSync(w.ctx.services.mailboxes.rawPath(x.raw_sha256!));
    assert.ok(
      kept.length < 4096 && /Message-ID: <huge@customer\.example>/i.test(kept.toString()),
      `${kept.length} bytes kept: the headers`,
    );
    assert.equal((await complaints(w.ctx)).length, 0);
  });

  it('imports NUL bytes, broken MIME and Cyrillic encoded-word subjects right, refuses a mail without a sender', async () => {
    const w = await mailWorld();
    const koi = iconv.encode('Жалоба на доставку', 'koi8-r').toString('base64');
    const cp = iconv.encode('Счёт №5 неверен', 'win1251').toString('base64');
    const mails = [
      `From: a@customer.example\r\nMessage-ID: <nul@x>\r\nSubject: with\u0000nul\r\n\r\nbody\u0000text\r\n`,
      `From: a@customer.example\r\nMessage-ID: <koi@x>\r\nSubject: =?KOI8-R?B?${koi}?=\r\n\r\nтекст\r\n`,
      `From: a@customer.example\r\nMessage-ID: <cp@x>\r\nSubject: =?windows-1251?B?${cp}?=\r\n\r\nтекст\r\n`,
      `From: a@customer.example\r\nMessage-ID: <broken@x>\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="zz"\r\nthis header line has no colon\r\n\r\n--zz\r\nContent-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nreadable part=ZZ=\r\n`,
      `this is not a mail at all\r\n`,
    ];
    await w.dovecot.append(
      'complaints',
      mails.map((m) => Buffer.from(m, 'utf8')),
    );
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.total, r.refused], [5, 1]);
    const cards = await complaints(w.ctx);
    assert.deepEqual(
      cards.map((c) => [c.title, c.data.details]),
      [
        // dovecot itself sends a stored NUL as 0x80 (IMAP has no NUL outside BINARY); nothing NUL reaches the database.
        ['with\ufffdnul', 'body\ufffdtext'],
        ['Жалоба на доставку', 'текст'],
        ['Счёт №5 неверен', 'текст'],
        ['broken', 'readable part=ZZ'],
      ],
    );
    const [refused] = await w.ctx.services.mailboxes.refused();
    assert.equal(refused.reason, 'the mail has no sender (From), or is not a mail');
    // A server that passes NUL bytes on: the reader drops them.
    const read = await readMail(Buffer.from(mails[0], 'utf8'), { domain: 'orbis.example', prefixes: ['CC'] });
    assert.deepEqual([read.subject, read.text], ['withnul', 'bodytext']);
  });

  it('stores an attachment named ../../etc/passwd inside the media folder, and refuses one the upload checks refuse', async () => {
    const w = await mailWorld();
    const passwdBefore = fs.readFileSync('/etc/passwd');
    await w.dovecot.append('complaints', [
      await compose({
        subject: 'Sneaky',
        messageId: '<sneaky@x>',
        text: 'x',
        attachments: [{ filename: '../../etc/passwd', content: PNG }],
      }),
      await compose({
        subject: 'Sneakier',
        messageId: '<sneakier@x>',
        text: 'x',
        attachments: [{ filename: '../../etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' }],
      }),
    ]);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.imported, r.refused], [1, 1]);
    const [card] = await complaints(w.ctx);
    const [m] = await w.ctx.services.media.forCard(card.id);
    assert.equal(m.original_name, 'passwd');
    const stored = w.ctx.services.media.files.abs(`originals/${m.sha256.slice(0, 2)}/${m.sha256.slice(2, 4)}/${m.sha256}`);
    assert.ok(stored.startsWith(path.resolve(w.mediaRoot) + path.sep) && fs.existsSync(stored));
    assert.deepEqual(fs.readFileSync('/etc/passwd'), passwdBefore);
    for (const f of walk(w.mediaRoot)) assert.ok(!f.includes('etc'), f);
    const [refused] = await w.ctx.services.mailboxes.refused();
    assert.match(refused.reason, /^an attachment was refused: passwd: the file is not a recognised image or document/);
  });
});
