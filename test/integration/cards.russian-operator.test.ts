// A Russian-speaking operator (users.locale = 'ru') reads the card pages in
// Russian: the pages' words from the catalogs, the card type's labels from
// its YAML, field errors and service messages in Russian, numbers with a
// decimal comma — and types a decimal comma, while the stored value and the
// CSV keep a dot. English readers are unchanged (the other card tests).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';
import { literalsIn } from '#test/support/literals';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TEMPLATES = [
  ...fs.readdirSync(path.join(ROOT, 'app/web/templates/cards')).map((f) => `app/web/templates/cards/${f}`),
  'app/web/templates/macros/form.njk',
  'app/web/templates/dashboard.njk',
];

/** English texts of these pages that must not reach a Russian reader. */
const ENGLISH = [
  'Purchase requests',
  'Export CSV',
  'Assignee',
  'Draft',
  'IT equipment',
  'Amount (EUR)',
  'Submit for approval',
  'History',
  'Attachments',
  'Cancel',
  'Some fields need attention',
];

function noEnglish(html: string, page: string) {
  for (const s of ENGLISH)
    assert.ok(!html.includes(`>${s}<`) && !html.includes(`>${s}.<`), `${page}: English "${s}" shown to a Russian reader`);
}

describe('cards: a Russian-speaking operator', () => {
  let app: TestApp;
  let ctx: AppContext;
  let manager: SessionUser;
  let approver: SessionUser;
  let c: TestClient;
  let cardId: number;
  before(async () => {
    app = await startTestApp();
    ctx = app.ctx;
    manager = await sessionUserFor(ctx, 'manager@example.com', { roles: ['manager'], name: 'Мария Морозова' });
    approver = await sessionUserFor(ctx, 'approver@example.com', { roles: ['approver'], name: 'Антон Антонов' });
    await ctx.db.exec("update users set locale = 'ru' where id = $1", [manager.id]);
    cardId = (await makePurchase(ctx, manager, { title: 'Ноутбуки', amount: '1234.5' })).id;
    c = app.client();
    await c.login('manager@example.com', 'correct horse battery');
  });
  after(() => app.close());

  it('reads the card list in Russian, with the labels of the YAML and a decimal comma', async () => {
    const page = await c.get('/cards/purchase_request');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1 class="h3 m-0">Заявки на закупку<\/h1>/);
    assert.match(page.text, />Выгрузить в CSV</);
    assert.match(page.text, />Новая карточка: заявка на закупку</);
    assert.match(page.text, /data-testid="total">1 карточка</);
    assert.match(page.text, /data-testid="stage">Черновик</, 'stage label from the YAML');
    assert.match(page.text, /<td>ИТ-оборудование<\/td>/, 'option label from the YAML');
    assert.match(page.text, /<td>1\u00a0234,50<\/td>/, 'the amount in the Russian number format');
    assert.match(page.text, />Сумма \(EUR\)</, 'field label as a column heading');
    assert.match(page.text, />Номер</);
    noEnglish(page.text, 'list');
  });

  it('reads a card in Russian: fields, stage, transitions, history', async () => {
    const page = await c.get(`/cards/purchase_request/${cardId}`);
    assert.equal(page.status, 200);
    for (const s of [
      '>Исполнитель<',
      '>Владелец<',
      '>Категория<',
      '>ИТ-оборудование<',
      '>Версия 1<',
      '>Комментарии и история<',
      '>Вложения<',
      '>Задачи<',
      '>Отправить на согласование<',
      '>Изменить<',
      '>Удалить<',
      '>Создана<',
    ])
      assert.ok(page.text.includes(s), `card page shows ${s}`);
    assert.match(page.text, /data-field="amount">1\u00a0234,50</);
    noEnglish(page.text, 'card');
    const csv = await c.get('/cards/purchase_request/export.csv');
    assert.match(csv.text, /^\uFEFF?number,/, 'the CSV header stays field names');
    assert.ok(csv.text.includes(',1234.5,'), 'the CSV keeps a dot');
  });

  it('shows a new-card form with Russian field errors and takes a decimal comma', async () => {
    const bad = await c.post('/cards/purchase_request', purchaseInput({ title: 'Кресла', amount: 'двенадцать', cost_center: 'x' }), {
      from: '/cards/purchase_request/new',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /<h1 class="h3 mb-3">Новая карточка: заявка на закупку<\/h1>/);
    assert.match(bad.text, /data-testid="form-message">Проверьте отмеченные поля.</);
    assert.match(bad.text, /data-field-error="amount">нужно число, например 1234,50</);
    assert.match(
      bad.text,
      /data-field-error="cost_center">Две латинские буквы, дефис и три цифры, например IT-210.</,
      'a format error is the help line in Russian',
    );
    assert.match(bad.text, /<label class="form-label" for="f-amount">Сумма \(EUR\)/);
    noEnglish(bad.text, 'new form');
    const good = await c.post('/cards/purchase_request', purchaseInput({ title: 'Кресла', amount: '1 234,75' }), {
      from: '/cards/purchase_request/new',
    });
    assert.equal(good.status, 303, 'a decimal comma is accepted from a Russian reader');
    const id = Number(/(\d+)$/.exec(good.location!)![1]);
    const stored = await ctx.services.cards.getForUser(manager, 'purchase_request', id);
    assert.equal(stored.data.amount, 1234.75, 'stored as a number');
    const edit = await c.get(`/cards/purchase_request/${id}/edit`);
    assert.match(edit.text, /name="amount" value="1234,75"/, 'the form shows the comma it takes back');
  });

  it('shows the transition page and its errors in Russian', async () => {
    const page = await c.get(`/cards/purchase_request/${cardId}/transition?name=submit`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1 class="h4">Отправить на согласование: PR-\d{6} Ноутбуки<\/h1>/);
    assert.match(page.text, /Из этапа\s*<span[^>]*>Черновик<\/span>\s*в этап\s*<span[^>]*>На согласовании<\/span>/);
    assert.match(page.text, /срок нового этапа: <span data-testid="stage-sla" title="P2D">2 дня<\/span>/);
    assert.match(page.text, />Подтвердить: Отправить на согласование</);
    assert.match(page.text, />Согласующий</);
    noEnglish(page.text, 'transition');
    const bad = await c.post(
      `/cards/purchase_request/${cardId}/transition`,
      { transition: 'submit', version: '1', amount: '99,5', supplier: 'ООО «Норд»', approver: '' },
      { from: `/cards/purchase_request/${cardId}/transition?name=submit` },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-testid="form-message">Заполните то, что нужно для перехода «Отправить на согласование»\.</);
    assert.match(bad.text, /data-field-error="approver">обязательное поле</);
    const bare = await c.post(
      `/cards/purchase_request/${cardId}/transition`,
      { transition: 'submit', version: '1' },
      { from: `/cards/purchase_request/${cardId}/transition?name=submit` },
    );
    assert.equal(bare.status, 400);
    assert.match(
      bare.text,
      /data-field-error="approver">нужно для перехода «отправить на согласование»</,
      'the transition named in Russian inside a field error',
    );
    const ok = await c.post(
      `/cards/purchase_request/${cardId}/transition`,
      { transition: 'submit', version: '1', amount: '99,5', supplier: 'ООО «Норд»', approver: String(approver.id) },
      { from: `/cards/purchase_request/${cardId}/transition?name=submit` },
    );
    assert.equal(ok.status, 303);
    const card = await c.get(ok.location!);
    assert.match(card.text, /Карточка PR-\d{6} переведена на этап «На согласовании»\./);
    assert.match(card.text, /data-testid="stage">На согласовании</);
  });

  it('leaves no literal in the card templates', () => {
    const found = TEMPLATES.flatMap((f) => literalsIn(fs.readFileSync(path.join(ROOT, f), 'utf8')).map((l) => `${f}:${l.line}: ${l.text}`));
    assert.deepEqual(found, []);
  });
});
