import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import i18next from 'i18next';
import { checkCatalogs, readSources } from '#app/i18n/check';
import { createI18n, readCatalogs } from '#app/i18n/i18n';
import { manage, ROOT } from '#test/support/cli';

describe('language catalogs', () => {
  it('ships every language complete: `./manage.ts i18n check` exits 0', async () => {
    const r = await manage(['i18n', 'check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^en: complete$/m);
    assert.match(r.stdout, /^ru: complete$/m);
    const report = checkCatalogs(readCatalogs(path.join(ROOT, 'locales')), 'en', readSources(ROOT));
    assert.ok(report.ok);
  });

  it('finds a missing key, a missing Russian plural form, a broken and an unknown placeholder', () => {
    const report = checkCatalogs(
      {
        en: { a: { b: 'B' }, cards_one: '{{count}} card', cards_other: '{{count}} cards', hi: 'Hello {{name}}', bye: 'Bye {{name}}' },
        ru: {
          cards_one: '{{count}} карточка',
          cards_few: '{{count}} карточки',
          cards_other: '{{count}} карточки',
          hi: 'Привет {{name}',
          bye: 'Пока {{who}}',
          extra: 'x',
        },
      },
      'en',
    );
    assert.equal(report.ok, false);
    const ru = report.languages.find((l) => l.locale === 'ru')!;
    assert.deepEqual(ru.missing.sort(), ['a.b', 'cards_many']);
    assert.ok(
      ru.placeholders.some((p) => p.startsWith('hi: a broken placeholder')),
      ru.placeholders.join('; '),
    );
    assert.ok(
      ru.placeholders.some((p) => p === 'bye: {{name}} missing, {{who}} unknown'),
      ru.placeholders.join('; '),
    );
    assert.deepEqual(ru.stray, ['extra']);
    const en = report.languages.find((l) => l.locale === 'en')!;
    assert.deepEqual([en.missing, en.placeholders, en.stray], [[], [], []]);
  });

  it('lists keys that no source names, and accepts keys declared by an i18n-keys prefix', () => {
    const report = checkCatalogs({ en: { used: 'U', unused: 'N', stage: { draft: 'Draft' } } }, 'en', `t('used') // i18n-keys: stage.*`);
    assert.deepEqual(report.unused, ['unused']);
  });
});

describe('choosing the language', () => {
  const i18n = createI18n(ROOT, 'en');

  it('follows Accept-Language by quality, a region falls back to its language, unknown ones to the default', () => {
    assert.equal(i18n.negotiate('ru-RU,ru;q=0.9,en;q=0.8'), 'ru');
    assert.equal(i18n.negotiate('de-DE, ru;q=0.5, en;q=0.4'), 'ru');
    assert.equal(i18n.negotiate('en;q=0.2, ru;q=0.9'), 'ru');
    assert.equal(i18n.negotiate('ru;q=0, en'), 'en');
    assert.equal(i18n.negotiate('de, fr'), 'en');
    assert.equal(i18n.negotiate('*'), 'en');
    assert.equal(i18n.negotiate(';;;,,=q'), 'en');
    assert.equal(i18n.negotiate(undefined), 'en');
  });

  it("prefers the user's own language while it ships, then the browser's", () => {
    assert.equal(i18n.resolve('ru', 'en'), 'ru');
    assert.equal(i18n.resolve('xx', 'ru'), 'ru', 'a language no longer shipped falls back');
    assert.equal(i18n.resolve(null, 'de'), 'en');
  });

  it('has three Russian plural forms and the default language answers an unshipped one', () => {
    const ru = i18n.t('ru');
    assert.deepEqual(
      [1, 2, 5, 21, 22, 25, 11].map((n) => ru('nav.unread', { count: n })),
      [
        '1 непрочитанное',
        '2 непрочитанных',
        '5 непрочитанных',
        '21 непрочитанное',
        '22 непрочитанных',
        '25 непрочитанных',
        '11 непрочитанных',
      ],
    );
    assert.equal(i18n.t('xx')('nav.tasks'), 'Tasks');
    assert.equal(i18n.nativeName('ru'), 'Русский');
  });

  it('answers a remembered lookup as i18next would, and shares the browser catalog frozen', () => {
    // The same calls, in an order that repeats each, against a fresh i18next of the same catalogs:
    // a remembered answer must not leak across plural counts, parameters or languages.
    const fresh = i18next.createInstance();
    void fresh.init({
      initAsync: false,
      lng: 'en',
      fallbackLng: 'en',
      resources: Object.fromEntries(Object.entries(readCatalogs(path.join(ROOT, 'locales'))).map(([l, c]) => [l, { translation: c }])),
      interpolation: { escapeValue: false },
      returnNull: false,
    });
    const calls: [string, Record<string, unknown>?][] = [
      ['nav.tasks'],
      ['nav.unread', { count: 1 }],
      ['nav.unread', { count: 2 }],
      ['nav.unread', { count: 5 }],
      ['nav.unread', { count: 21 }],
      ['tasks.flash.created', { title: 'A' }],
      ['tasks.flash.created', { title: 'B' }],
      ['tasks.flash.created', { title: 7 }],
    ];
    for (const lang of ['ru', 'en', 'ru']) {
      const t = i18n.t(lang);
      const reference = fresh.getFixedT(lang);
      for (const [key, params] of [...calls, ...calls])
        assert.equal(t(key, params), reference(key, params), `${lang} ${key} ${JSON.stringify(params)}`);
    }
    const ru = i18n.t('ru');
    assert.equal(ru('nav.unread', { count: 2 }), '2 непрочитанных');
    const js = ru('js', { returnObjects: true }) as unknown as Record<string, unknown>;
    assert.equal(typeof js, 'object');
    assert.ok(Object.keys(js).length > 0);
    assert.equal(ru('js', { returnObjects: true }), js, 'one object per language');
    assert.ok(Object.isFrozen(js), 'a shared catalog is frozen: one page cannot change the next one’s');
    assert.throws(() => {
      'use strict';
      (js as Record<string, unknown>).extra = 1;
    });
    assert.notEqual(i18n.t('en')('js', { returnObjects: true }), js);
  });
});
