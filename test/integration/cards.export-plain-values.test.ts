// The CSV export is machine-readable (a later import must read it back):
// a header of field names, every declared field and the common columns,
// plain values (numbers with a dot, ISO 8601 times with the user's offset,
// true/false, option values, emails, card numbers, media ids), RFC 4180
// quoting, a BOM, formulas neutralised reversibly. Before, it wrote the list
// columns only, as display text ("12,000.00", "05 Dec 2026, 21:46").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

/** RFC 4180, strictly: quoted cells with doubled quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((cell += '"'), (i += 2));
      else if (ch === '"') ((quoted = false), i++);
      else ((cell += ch), i++);
    } else if (ch === '"' && cell === '') ((quoted = true), i++);
    else if (ch === ',') (row.push(cell), (cell = ''), i++);
    else if (ch === '\r' && text[i + 1] === '\n') (row.push(cell), rows.push(row), (row = []), (cell = ''), (i += 2));
    else {
      assert.ok(ch !== '"' && ch !== '\n' && ch !== '\r', `a bare ${JSON.stringify(ch)} outside quotes at ${i}`);
      ((cell += ch), i++);
    }
  }
  assert.equal(cell + row.join(''), '', 'the file ends with CRLF');
  return rows;
}

describe('CSV export', () => {
  it('writes plain values of every field, with field names as the header', async () => {
    const app = await startTestApp();
    const made = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager', 'approver'], name: 'Maria Manager' });
    await app.ctx.db.exec(`update users set time_zone = 'Europe/Amsterdam' where id = $1`, [made.id]);
    const maria = { ...made, timeZone: 'Europe/Amsterdam' }; // types her times in her zone too
    const pr = await makePurchase(app.ctx, maria, {
      title: '=cmd|"/c calc"',
      supplier: 'Müller, "Büro" GmbH',
      amount: '12000',
      category: 'office',
      quantity: '3',
      needed_by: '2026-12-24',
      urgent: 'on',
      approver: String(maria.id),
      description: 'two\nlines',
    });
    await app.ctx.db.exec(
      `insert into media (card_id, field, original_name, type, size, sha256, state, created_by) values
      ($1, 'photos', 'a.jpg', 'image/jpeg', 1, repeat('a', 64), 'ready', $2), ($1, 'photos', 'b.jpg', 'image/jpeg', 1, repeat('b', 64), 'ready', $2),
      ($1, null, 'loose.pdf', 'application/pdf', 1, repeat('c', 64), 'ready', $2)`,
      [pr.id, maria.id],
    );
    const media = await app.ctx.db.rows<{ id: number }>(`select id from media where card_id = $1 and field = 'photos' order by id`, [
      pr.id,
    ]);
    await app.ctx.db.exec(
      `update cards set created_at = '2026-07-01T08:30:00Z', updated_at = '2026-12-05T20:46:00Z', due_at = '2026-12-06T10:00:00.5Z' where id = $1`,
      [pr.id],
    );
    const complaint = await app.ctx.services.cards.create(maria, 'complaint', {
      title: 'Late delivery',
      customer: '-5 stars',
      channel: 'web',
      severity: 'high',
      received_at: '2026-03-29T02:30',
      order: String(pr.id),
      refund: '19.90',
      details: "'@it was late",
    });

    const c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
    const res = await fetch(`${app.url}/cards/purchase_request/export.csv`, { headers: { cookie: c.cookieHeader() } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 BOM, for Excel');
    const [header, row, ...rest] = parseCsv(bytes.subarray(3).toString('utf8'));
    assert.equal(rest.length, 0);
    assert.deepEqual(header, [
      'number',
      'title',
      'stage',
      'assignee',
      'owner',
      'due_at',
      'created_at',
      'updated_at',
      'supplier',
      'amount',
      'category',
      'quantity',
      'needed_by',
      'urgent',
      'approver',
      'cost_center',
      'description',
      'photos',
    ]);
    assert.deepEqual(Object.fromEntries(header.map((h, i) => [h, row[i]])), {
      number: pr.number,
      title: `'=cmd|"/c calc"`,
      stage: 'draft',
      assignee: '',
      owner: 'maria@example.com',
      due_at: '2026-12-06T11:00:00+01:00',
      created_at: '2026-07-01T10:30:00+02:00',
      updated_at: '2026-12-05T21:46:00+01:00',
      supplier: 'Müller, "Büro" GmbH',
      amount: '12000',
      category: 'office',
      quantity: '3',
      needed_by: '2026-12-24',
      urgent: 'true',
      approver: 'maria@example.com',
      cost_center: '',
      description: 'two\nlines',
      photos: media.map((m) => m.id).join(' '),
    });

    const other = parseCsv((await c.get('/cards/complaint/export.csv')).text); // fetch's text() drops the BOM;
    const got = Object.fromEntries(other[0].map((h, i) => [h, other[1][i]]));
    assert.equal(got.number, complaint.number);
    assert.equal(got.customer, `'-5 stars`, 'text starting with - is neutralised');
    assert.equal(got.refund, '19.9', 'a decimal as a plain number');
    assert.equal(got.details, "''@it was late", 'a quote before a formula character gets one more (an import removes one)');
    assert.equal(got.received_at, '2026-03-29T03:30:00+02:00', 'a time skipped by DST moved forward, with its offset');
    assert.equal(got.order, pr.number, 'a reference as the card number');
    assert.equal(got.severity, 'high');
    assert.equal(got.evidence, '', 'an images field with no files');
  });
});
