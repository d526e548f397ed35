// Mail in against a real IMAP server (Debian's dovecot on a loopback port):
// a new mail becomes a complaint with the mapping (subject → title, sender →
// customer, text → details) and its attachment through the upload checks; a
// reply naming the card ([CC-000001]) becomes a comment on it — by the user
// who sent it when they may read the card, else by the mailbox's owner with
// the sender named; the same mail fetched twice (two copies, a poll after
// UIDVALIDITY changed) makes one card; imported mail is flagged on the
// server; the password is sealed, not stored in the clear.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dovecotMissing } from '#test/support/dovecot';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { complaints, compose, MAILBOX_PASSWORD, mailWorld, PNG } from '#test/support/mail-in';

const skip = dovecotMissing();

describe('mail in: cards and replies', { skip: skip ?? false }, () => {
  it('makes a card of a new mail, with its attachment, and flags the mail on the server', async () => {
    const w = await mailWorld();
    const raw = await compose({
      subject: 'Broken kettle',
      messageId: '<first-1@customer.example>',
      text: 'The kettle arrived broken.\nPlease refund.',
      attachments: [{ filename: 'photo.png', content: PNG, contentType: 'image/png' }],
    });
    await w.dovecot.append('complaints', [raw]);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.ok, r.total, r.imported, r.refused], [true, 1, 1, 0]);

    const [card, ...more] = await complaints(w.ctx);
    assert.equal(more.length, 0);
    assert.equal(card.title, 'Broken kettle');
    assert.equal(card.data.customer, 'Anna Petrova <anna@customer.example>');
    assert.equal(card.data.details, 'The kettle arrived broken.\nPlease refund.');
    assert.equal(card.data.channel, 'email');
    const media = await w.ctx.services.media.forCard(card.id);
    assert.deepEqual(
      media.map((m) => [m.original_name, m.type, m.size]),
      [['photo.png', 'image/png', PNG.length]],
    );
    const [msg] = await w.ctx.db.rows<{ state: string; card_id: number; server_done: boolean }>(
      'select state, card_id, server_done from mail_messages',
    );
    assert.deepEqual([msg.state, Number(msg.card_id), msg.server_done], ['imported', Number(card.id), true]);
    const [onServer] = await w.dovecot.list('complaints');
    assert.ok(onServer.flags.includes('\\Seen') && onServer.flags.includes('\\Flagged'), `flags ${onServer.flags.join(' ')}`);

    const [box] = await w.ctx.db.rows<{ password_sealed: string; state: string }>('select password_sealed, state from mailboxes');
    assert.equal(box.state, 'ok');
    assert.ok(!box.password_sealed.includes(MAILBOX_PASSWORD) && box.password_sealed.startsWith('v1.'), 'the password is sealed');
  });

  it('turns a reply naming the card into a comment: by the user who sent it, or by the owner naming a stranger', async () => {
    const w = await mailWorld();
    await w.dovecot.append('complaints', [
      await compose({ subject: 'Late delivery', messageId: '<late-1@customer.example>', text: 'Where is it?' }),
    ]);
    await w.ctx.services.mailPoll.poll(w.mailboxId);
    const [card] = await complaints(w.ctx);
    assert.equal(card.number, 'CC-000001');

    await w.dovecot.append('complaints', [
      await compose({
        from: 'Maria <MARIA@example.com>',
        subject: 'Re: [CC-000001] Late delivery',
        messageId: '<reply-maria@example.com>',
        text: 'We are on it.\n\nOn Mon, Anna wrote:\n> Where is it?\n',
      }),
      await compose({
        subject: 'RE: [CC-000001] Late delivery',
        messageId: '<reply-anna@customer.example>',
        text: 'Still nothing.',
        attachments: [{ filename: 'receipt.png', content: PNG }],
      }),
    ]);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.imported, r.refused], [2, 0]);
    assert.equal((await complaints(w.ctx)).length, 1, 'no new card for a reply');
    const comments = await w.ctx.db.rows<{ user_id: number; body: string }>(
      'select user_id, body from card_comments where card_id = $1 order by id',
      [card.id],
    );
    assert.deepEqual(
      comments.map((c) => [Number(c.user_id), c.body]),
      [
        [w.maria.id, 'We are on it.'],
        [w.root.id, '✉ Anna Petrova <anna@customer.example>:\n\nStill nothing.'],
      ],
    );
    const media = await w.ctx.services.media.forCard(card.id);
    assert.deepEqual(
      media.map((m) => m.original_name),
      ['receipt.png'],
    );
  });

  it('refuses a reply naming a card the mailbox’s owner may not read, and goes on with the next mail', async () => {
    const w = await mailWorld();
    // The owner becomes an operator, who reads only their own purchase requests; Maria's request is not theirs.
    const olga = await sessionUserFor(w.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga' });
    await w.ctx.db.exec('update mailboxes set owner_id = $2 where id = $1', [w.mailboxId, olga.id]);
    const request = await makePurchase(w.ctx, w.maria, { title: 'Chairs' });
    await w.dovecot.append('complaints', [
      await compose({ subject: `Re: [${request.number}] Chairs`, messageId: '<poison@customer.example>', text: 'Any news?' }),
      await compose({ subject: 'Broken chair', messageId: '<after-poison@customer.example>', text: 'It broke.' }),
    ]);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.imported, r.refused], [1, 1], 'refused, and the next mail imported');
    assert.deepEqual(
      (await complaints(w.ctx)).map((c) => c.title),
      ['Broken chair'],
    );
    const [box] = await w.ctx.db.rows<{ state: string }>('select state from mailboxes where id = $1', [w.mailboxId]);
    assert.notEqual(box.state, 'failing', 'the mailbox is not stuck on it');
    assert.equal((await w.ctx.db.rows('select 1 from card_comments where card_id = $1', [request.id])).length, 0);
  });

  it('makes one card of the same mail fetched twice: two copies, two polls, a renumbered folder', async () => {
    const w = await mailWorld();
    const raw = await compose({ subject: 'Twice', messageId: '<twice@customer.example>', text: 'once please' });
    await w.dovecot.append('complaints', [raw, raw]);
    const first = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([first.total, first.imported, first.seen], [2, 1, 1]);
    await w.ctx.services.mailPoll.poll(w.mailboxId);
    // As after a UIDVALIDITY change: every message is read again.
    await w.ctx.db.exec('update mailboxes set last_uid = 0, uid_validity = 1');
    const again = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([again.total, again.imported, again.seen], [2, 0, 2]);
    // Two polls at once: both run, the key decides.
    await w.ctx.db.exec('update mailboxes set last_uid = 0');
    await w.ctx.db.exec(`delete from mail_messages`);
    await Promise.all([
      w.ctx.services.mailImport.handle((await w.ctx.services.mailboxes.row(w.mailboxId))!, raw, null),
      w.ctx.services.mailImport.handle((await w.ctx.services.mailboxes.row(w.mailboxId))!, raw, null),
    ]);
    const cards = await complaints(w.ctx);
    assert.equal(cards.length, 2, 'one card before the rows were cleared, one after');
    assert.equal((await w.ctx.db.rows('select 1 from mail_messages')).length, 1);
  });
});
