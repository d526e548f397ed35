// The CPU of the field-type code on the two hot paths, in one process, no
// database: a list page's 50 rows (listRowsHtml over purchase_request's 8
// columns) and a card save's form parsing and search text. Run it in two
// checkouts to compare (A/B on the same machine):
//
//   npx tsx test/bench/fields-hot-path.bench.ts
import path from 'node:path';
import { loadCardTypes } from '#app/services/card-types';
import { parseCardForm } from '#app/services/card-fields';
import { cardSearchText } from '#app/services/search';
import type { ListedCard } from '#app/services/cards';
import { projectRoot } from '#app/config';
import { createI18n } from '#app/i18n/i18n';
import { listRowsHtml } from '#app/web/card-display';

const types = loadCardTypes(path.join(projectRoot, 'conf', 'cardtypes'));
const type = types.get('purchase_request')!;
const reader = { t: createI18n(projectRoot, 'en').t('en'), locale: 'en', timeZone: 'Europe/Berlin' };
const maps = { users: new Map<number, string>(), cards: new Map() };
const rows: ListedCard[] = Array.from({ length: 50 }, (_, i) => ({
  id: i + 1,
  number: `PR-${String(i + 1).padStart(6, '0')}`,
  title: `Laptops for the ${i}th team`,
  stage: 'approval',
  data: { supplier: 'Bytecraft Ltd', amount: 1234.5 + i, category: 'it' },
  updated_at: new Date(Date.UTC(2026, 10, 24, 12, i)),
  assignee_name: i % 2 ? 'Maria Manager' : null,
}));
const input = {
  title: 'Laptops',
  supplier: 'Bytecraft Ltd',
  amount: '1200.50',
  category: 'it',
  quantity: '2',
  urgent: 'on',
  needed_by: '2026-12-20',
  description: 'Two laptops for the new team.',
  cost_center: 'CC-1234',
};

function measure(name: string, n: number, fn: () => unknown) {
  for (let i = 0; i < n / 10; i++) fn();
  const best: number[] = [];
  for (let round = 0; round < 9; round++) {
    // CPU time, not wall time: other processes on the machine take turns on the cores.
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(t0);
    best.push((used.user + used.system) / n);
  }
  best.sort((a, b) => a - b);
  console.log(`${name}: ${best[0].toFixed(2)} µs (best of 9), median ${best[4].toFixed(2)} µs`);
}

measure('list page rows (50 × 8 cells)', 2000, () => listRowsHtml(type, rows, maps, reader));
measure('card save: form + search text', 20000, () => {
  const p = parseCardForm(type, input, 'Europe/Berlin');
  return cardSearchText(type, 'PR-000001', p.title, p.data);
});
