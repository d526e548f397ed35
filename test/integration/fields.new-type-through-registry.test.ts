// A field type added through the registry alone — one object, no other file
// of the application touched — works everywhere a built-in one does: the new
// card form (its control, its message on bad input with the input kept), the
// list (cell text, sort, filter), the CSV export, the card's history and
// full-text search. Its YAML options are its own: others are refused at load.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { FieldType } from '#app/fields/field-type';
import { registerFieldType } from '#app/fields/registry';
import { defineFieldType, empty } from '#app/fields/shared';
import { startWorkers } from '#app/worker/start';
import { z } from 'zod';
import { CardTypeError, parseCardType } from '#app/services/card-types';
import { startTestApp, makeUser, type TestApp, type TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';

const WORDS = ['', 'onestar', 'twostar', 'threestar', 'fourstar', 'fivestar'];
const outOf = (def: { max?: number }) => def.max ?? 5;

/** A rating of 1 to `out_of` (default 5) stars. */
const ratingField: FieldType = defineFieldType({
  name: 'rating',
  yaml: {
    options: {
      out_of(def, raw, { fail }) {
        if (!Number.isInteger(raw) || (raw as number) < 1 || (raw as number) > 5) fail('out_of must be a whole number from 1 to 5');
        def.max = raw as number;
      },
    },
    check() {},
    checkTypes() {},
  },
  holdsFiles: false,
  link: null,
  parseForm(def, s) {
    if (s === '') return empty(def);
    const n = Number(s);
    return Number.isInteger(n) && n >= 1 && n <= outOf(def) ? { value: n } : { error: `Give 1 to ${outOf(def)} stars.` };
  },
  localInput: (_def, s) => s,
  parseImport(def, s) {
    return this.parseForm(def, s, { timeZone: 'UTC' });
  },
  fromStored: (json) => (typeof json === 'number' ? json : null),
  toStored: (v) => v,
  control: (def) => ({ name: 'input', inputType: 'number', inputMode: 'numeric', min: 1, max: outOf(def) }),
  formValue: (_def, v) => (v == null ? '' : String(v)),
  display: (def, v) => `${v} of ${outOf(def)}`,
  listCell: (def, v) => '★'.repeat(Number(v)) + '☆'.repeat(outOf(def) - Number(v)),
  historyText: (def, v) => `${v} of ${outOf(def)}`,
  sortSql: (expr) => `${expr}::int`,
  filter: {
    params: [''],
    where: (_def, _suffix, value, expr, q) =>
      /^[1-5]$/.test(value) ? { sql: `${expr}::int >= ${q.bind(Number(value))}` } : { problem: `no rating ${value}` },
    control: (def) => ({
      name: 'choice',
      options: Array.from({ length: outOf(def) }, (_, i) => ({ value: String(i + 1), label: `${i + 1}+` })),
    }),
  },
  searchText: (_def, v) => WORDS[Number(v)],
  csvValue: (_def, v) => (v == null ? '' : String(v)),
  // In the REST API: a whole number of stars.
  api: { schema: (def) => z.number().int().min(1).max(outOf(def)), formText: (_def, v) => (v == null ? '' : String(v)) },
});

const REVIEW = {
  name: 'review',
  label: 'Review',
  prefix: 'RV',
  fields: [
    { name: 'stars', type: 'rating', label: 'Stars', required: true, out_of: 5 },
    { name: 'note', type: 'string', label: 'Note' },
  ],
  list: { columns: ['number', 'title', 'stars', 'updated_at'], filters: ['stars'] },
  search: ['stars'],
  process: { stages: [{ name: 'open', label: 'Open' }] },
  permissions: { manager: { read: 'all', create: 'all', update: 'all', delete: 'all', transition: 'all' } },
};

describe('a field type registered through the registry alone', () => {
  let app: TestApp;
  let c: TestClient;
  before(async () => {
    registerFieldType(ratingField);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-rating-'));
    onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'review.yaml'), JSON.stringify(REVIEW));
    app = await startTestApp({ ORBIS_CARDTYPES_DIR: dir }, { jobs: FAST_JOBS });
    const runner = await startWorkers(app.ctx, { queues: ['audit'] });
    onCleanup(() => runner.stop(2000));
    await makeUser(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    c = app.client();
    await c.login('maria@example.com', 'correct horse battery');
  });

  const titles = (html: string) => [...html.matchAll(/<td class="wrap"><a href="\/cards\/review\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
  const create = async (title: string, stars: string) => c.post('/cards/review', { title, stars }, { from: '/cards/review/new' });

  it('refuses an option the type does not take, naming the ones it does', () => {
    const bad = { ...REVIEW, fields: [{ name: 'stars', type: 'rating', label: 'Stars', colour: 'gold' }] };
    assert.throws(
      () => parseCardType('/x/review.yaml', bad),
      (err: Error) =>
        err instanceof CardTypeError &&
        err.message ===
          'review.yaml: card type review: field stars: a rating field takes no option "colour" (it takes out_of besides name, type, label, required, help, archived)',
    );
    const six = { ...REVIEW, fields: [{ name: 'stars', type: 'rating', label: 'Stars', out_of: 6 }] };
    assert.throws(() => parseCardType('/x/review.yaml', six), /field stars: out_of must be a whole number from 1 to 5$/);
  });

  it('renders its control on the new-card form and gives its message on bad input, keeping the input', async () => {
    const form = await c.get('/cards/review/new');
    assert.equal(form.status, 200);
    assert.match(
      form.text,
      /<input class="form-control" type="number" id="f-stars" name="stars" value="" inputmode="numeric" min="1" max="5">/,
    );
    const bad = await create('Too many', '7');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<div class="invalid-feedback" data-field-error="stars">Give 1 to 5 stars\.<\/div>/);
    assert.match(bad.text, /<input class="form-control is-invalid" type="number" id="f-stars" name="stars" value="7"/);
    assert.equal((await app.ctx.db.rows('select 1 from cards where type = $1', ['review'])).length, 0);
  });

  it('shows, sorts, filters, exports, records and finds the value as the type says', async () => {
    for (const [title, stars] of [
      ['Alpha', '4'],
      ['Beta', '2'],
      ['Gamma', '5'],
    ])
      assert.equal((await create(title, stars)).status, 303);

    const list = await c.get('/cards/review');
    assert.match(list.text, /<a href="\/cards\/review\/\d+">Alpha<\/a><\/td><td>★★★★☆<\/td>/);
    assert.match(list.text, /<option value="4">4\+<\/option>/);
    assert.deepEqual(titles((await c.get('/cards/review?sort=stars')).text), ['Beta', 'Alpha', 'Gamma']);
    assert.deepEqual(titles((await c.get('/cards/review?sort=-stars')).text), ['Gamma', 'Alpha', 'Beta']);
    assert.deepEqual(titles((await c.get('/cards/review?stars=4&sort=title')).text), ['Alpha', 'Gamma']);

    const csv = await c.get('/cards/review/export.csv?sort=title');
    const lines = csv.text
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    assert.deepEqual(lines[0].split(','), [
      'number',
      'title',
      'stage',
      'assignee',
      'owner',
      'due_at',
      'created_at',
      'updated_at',
      'stars',
      'note',
    ]);
    assert.deepEqual(
      lines.slice(1).map((l) => [l.split(',')[1], l.split(',')[8]]),
      [
        ['Alpha', '4'],
        ['Beta', '2'],
        ['Gamma', '5'],
      ],
    );

    const [alpha] = await app.ctx.db.rows<{ id: number; version: number }>(
      "select id, version from cards where type = 'review' and title = 'Alpha'",
    );
    const edit = await c.get(`/cards/review/${alpha.id}/edit`);
    assert.match(edit.text, /name="stars" value="4"/);
    const saved = await c.post(
      `/cards/review/${alpha.id}/edit`,
      { title: 'Alpha', stars: '3', version: String(alpha.version) },
      { from: `/cards/review/${alpha.id}/edit` },
    );
    assert.equal(saved.status, 303);

    let page = '';
    for (let i = 0; i < 100 && !/Stars: 4 of 5 → 3 of 5/.test(page); i++) {
      page = historyText((await c.get(`/cards/review/${alpha.id}`)).text);
      if (!/Stars: 4 of 5 → 3 of 5/.test(page)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(page, /Stars: 4 of 5 → 3 of 5/);
    assert.match(page, /Stars: 4 of 5(?! →)/, 'the creation entry shows the first value');

    assert.deepEqual(titles((await c.get('/cards/review?q=threestar')).text), ['Alpha']);
    assert.deepEqual(titles((await c.get('/cards/review?q=fivestar')).text), ['Gamma']);
    assert.deepEqual(titles((await c.get('/cards/review?q=fourstar')).text), []);
  });
});

/** The history section's text, tags stripped and spaces collapsed. */
function historyText(html: string): string {
  const start = html.indexOf('id="history"');
  assert.ok(start >= 0, 'the page has a history section');
  return html
    .slice(start, html.indexOf('</section>', start))
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}
