// The translation lookups of one list page (34 calls, as logged from the
// purchase-request list: 29 without parameters, a plural, three with
// parameters and the browser's catalog as an object), through i18next's own
// fixed `t` and through Orbis's (app/i18n/i18n.ts, which remembers answers
// that cannot change), side by side in one run. Every page here repeats the
// same parameters, Orbis's best case: a real list's count changes with its
// filter, and each new count is one i18next call.
//
//   npx tsx test/bench/i18n-lookups.bench.ts
import os from 'node:os';
import path from 'node:path';
import i18next from 'i18next';
import { createI18n, readCatalogs } from '#app/i18n/i18n';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PAGE: [string, Record<string, unknown>?][] = [
  ...['nav.notifications', 'nav.notifications', 'nav.tasks', 'nav.signOut', 'nav.menu', 'nav.dashboard'].map((k) => [k] as [string]),
  ...['cards.list.any', 'cards.list.any', 'cards.list.any', 'cards.stage', 'cards.list.yes', 'cards.list.no', 'cards.list.to'].map(
    (k) => [k] as [string],
  ),
  ...['cards.list.search', 'cards.list.reset', 'cards.list.previous', 'cards.list.pages', 'cards.list.nobody'].map((k) => [k] as [string]),
  ...Array.from({ length: 11 }, () => ['cards.list.any'] as [string]),
  ['js', { returnObjects: true }],
  ['cards.newOf', { type: 'Purchase request' }],
  ['cards.list.total', { count: 100000 }],
  ['cards.list.searchHint', { example: 'PR-000123' }],
  ['cards.list.pageOf', { page: 1, pages: 2000 }],
];

const catalogs = readCatalogs(path.join(ROOT, 'locales'));
const bare = i18next.createInstance();
await bare.init({
  initAsync: false,
  lng: 'ru',
  fallbackLng: 'en',
  resources: Object.fromEntries(Object.entries(catalogs).map(([l, c]) => [l, { translation: c }])),
  interpolation: { escapeValue: false },
  returnNull: false,
});
const contestants = {
  'i18next getFixedT': bare.getFixedT('ru') as unknown as (k: string, p?: object) => unknown,
  Orbis: createI18n(ROOT, 'en').t('ru'),
};

const PAGES = Number(process.env.BENCH_PAGES ?? 20_000);
console.log(
  `# ${os.cpus().length} cores, Node ${process.version}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`| t | µs per page (${PAGE.length} lookups) | pages/s |\n|---|---|---|`);
const results: Record<string, number> = {};
for (let round = 0; round < 3; round++) {
  for (const [name, t] of Object.entries(contestants)) {
    const start = process.hrtime.bigint();
    for (let p = 0; p < PAGES; p++) for (const [key, params] of PAGE) t(key, params);
    const us = Number(process.hrtime.bigint() - start) / 1000 / PAGES;
    results[name] = Math.min(results[name] ?? Infinity, us);
  }
}
for (const [name, us] of Object.entries(results)) console.log(`| ${name} | ${us.toFixed(1)} | ${Math.round(1e6 / us)} |`);
console.log(
  `Orbis ÷ i18next time: ${(results.Orbis / results['i18next getFixedT']).toFixed(2)} (best of 3 rounds each; ${os.loadavg()[0].toFixed(1)} load after)`,
);
