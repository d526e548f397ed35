// The card timeline as a Russian reader sees it: what happened in words of
// the catalog with Russian plurals ("Добавлено 2 файла", "5 файлов"), the
// transition and field labels of the card type in Russian, values in the
// Russian number format.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '#app/config';
import { createI18n } from '#app/i18n/i18n';
import type { CardHistory, HistoryEntry } from '#app/services/audit';
import { typeIn } from '#app/services/card-type-labels';
import { loadCardTypes } from '#app/services/card-types';
import { historyTimeline } from '#app/web/card-history';

const type = loadCardTypes(path.join(projectRoot, 'conf', 'cardtypes')).get('purchase_request')!;
const at = new Date('2026-12-05T18:45:00Z');

function entry(e: Partial<HistoryEntry>): HistoryEntry {
  return {
    version: 1,
    at,
    kind: 'created',
    transition: null,
    fromStage: null,
    toStage: null,
    userId: 1,
    userName: 'Мария',
    changes: [],
    source: null,
    ...e,
  };
}

function timeline(locale: string, entries: HistoryEntry[]) {
  const history: CardHistory = { entries, truncated: false, pending: false, failed: false, users: new Map(), cards: new Map() };
  return historyTimeline(typeIn(type, locale), history, { t: createI18n(projectRoot, 'en').t(locale), locale, timeZone: 'Europe/Moscow' });
}

const files = (n: number) =>
  entry({
    version: null,
    kind: 'attached',
    changes: [{ field: 'files', old: null, new: Array.from({ length: n }, (_, i) => `f${i}.jpg`) }],
  });

describe('card history in Russian', () => {
  it('says a card was imported and from which file', () => {
    const imported = entry({ source: 'import:orders.csv' });
    assert.equal(timeline('ru', [imported]).items[0].what, 'Импортирована из файла orders.csv');
    assert.equal(timeline('en', [imported]).items[0].what, 'Imported from orders.csv');
    assert.equal(timeline('en', [entry({})]).items[0].what, 'Created');
  });

  it('says what happened with Russian plurals', () => {
    assert.deepEqual(
      timeline('ru', [files(1), files(2), files(5), files(21)]).items.map((i) => i.what),
      ['Добавлен 1 файл', 'Добавлено 2 файла', 'Добавлено 5 файлов', 'Добавлен 21 файл'],
    );
    assert.deepEqual(
      timeline('en', [files(1), files(2)]).items.map((i) => i.what),
      ['Added a file', 'Added 2 files'],
      'English unchanged',
    );
  });

  it('names transitions, fields, stages and options in Russian, numbers in its format', () => {
    const [moved, created] = timeline('ru', [
      entry({
        version: 2,
        kind: 'transitioned',
        transition: 'submit',
        changes: [
          { field: 'stage', old: 'draft', new: 'approval' },
          { field: 'amount', old: 1234.5, new: 99.5 },
        ],
      }),
      entry({
        changes: [
          { field: 'category', old: null, new: 'it' },
          { field: 'urgent', old: null, new: true },
          { field: 'photos', old: null, new: ['a.jpg', 'b.jpg'] },
        ],
      }),
    ]).items;
    assert.equal(moved.what, 'Отправить на согласование');
    assert.deepEqual(moved.lines, [
      { label: 'Этап', old: 'Черновик', new: 'На согласовании' },
      { label: 'Сумма (EUR)', old: '1\u00a0234,50', new: '99,50' },
    ]);
    assert.equal(created.what, 'Создана');
    assert.deepEqual(created.lines, [
      { label: 'Категория', old: null, new: 'ИТ-оборудование' },
      { label: 'Срочно', old: null, new: 'Да' },
      { label: 'Фото и сканы', old: null, new: '2 файла' },
    ]);
  });
});
