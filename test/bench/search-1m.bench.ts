// Full-text search of the card list at 1,000,000 cards, Russian stemming.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx test/bench/search-1m.bench.ts
//
// Creates the database orbis_bench_search (migrated), loads BENCH_CARDS
// (1,000,000) purchase requests with one INSERT … generate_series — titles,
// suppliers and descriptions from Russian and English words in several
// forms ("Ноутбуки", "ноутбука", "Laptops"), about 7 in 10 cards Russian —
// with the search vector as the product writes it (the text of
// cardSearchText, lower-cased, through to_tsvector('russian', …); checked on
// a sample against cardSearchText itself), builds the GIN index of the
// migration after the load (as `create index` on a full table), then times
// the list page's search — CardService.list, the SQL the page runs, its
// count included (up to search.countUpTo, 1,000), no cache — for
// BENCH_QUERIES (200) queries: whole words in several forms, stems
// ("ноутбук" must find "Ноутбуки"), prefixes of the last word ("lapt",
// "ноут", "ко"), two words, rare words and phrases (some of two words each
// common and never together), card numbers. Beside it, the view's own
// statement alone (WHERE + ORDER BY, 50 rows: what the page ran for its rows
// before app/services/card-search-page.ts). Prints p50/p90/p95/p99/max per
// kind and overall, the machine and load average, EXPLAIN ANALYZE of the
// slowest query's statements; drops the database (BENCH_KEEP_DB=1 keeps it).
import os from 'node:os';
import { loadSettings } from '#app/config';
import { createContext, type AppContext } from '#app/context';
import { createLogger } from '#app/log';
import { buildListSql, parseListQuery } from '#app/services/card-list';
import { cardSearchText } from '#app/services/search';
import type { SessionUser } from '#app/services/users';
import { benchDbUrl, createBenchDatabase, dropBenchDatabase } from '#test/bench/bench-db';

const DB_NAME = 'orbis_bench_search';
const CARDS = Number(process.env.BENCH_CARDS ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const TARGET_P95_MS = 100;

const sqlArray = (words: string[]) => `array[${words.map((w) => `'${w.replace(/'/g, "''")}'`).join(',')}]`;

// Title heads: the same goods in several grammatical forms, as people type them.
const RU_HEADS = [
  'Ноутбуки',
  'Ноутбук',
  'Ноутбука',
  'Кресла',
  'Кресло',
  'Офисные кресла',
  'Принтер',
  'Принтеры',
  'Картриджи',
  'Картридж для принтера',
  'Мониторы',
  'Монитор',
  'Телефоны',
  'Столы',
  'Письменный стол',
  'Стулья',
  'Бумага',
  'Тонер',
  'Сервер',
  'Серверы',
  'Кофемашина',
  'Командировка',
  'Командировки',
  'Обучение',
  'Курсы',
  'Хостинг',
  'Лицензии',
  'Лицензия',
  'Наушники',
  'Клавиатуры',
  'Проектор',
  'Маршрутизатор',
  'Кабели',
  'Шкаф',
  'Доска',
  'Канцтовары',
  'Питьевая вода',
  'Уборка офиса',
  'Ремонт кондиционера',
  'Планшеты',
];
const RU_TAILS = [
  'для отдела продаж',
  'для бухгалтерии',
  'в переговорную',
  'для склада',
  'для новых сотрудников',
  'на замену сломанным',
  'для филиала в Казани',
  'для офиса в Москве',
  'для команды поддержки',
  'для юристов',
  'для дизайнеров',
  'в приёмную',
  'для производства',
  'для отдела кадров',
];
const EN_HEADS = [
  'Laptops',
  'Laptop',
  'Desk chairs',
  'Office chair',
  'Printer toner',
  'Printers',
  'Monitors',
  'Monitor',
  'Phones',
  'Standing desks',
  'Coffee machine',
  'Cloud hosting',
  'Conference travel',
  'Training course',
  'Licenses',
  'Headsets',
  'Keyboards',
  'Projector',
  'Router',
  'Cables',
];
const EN_TAILS = [
  'for the sales team',
  'for accounting',
  'for the meeting room',
  'for the warehouse',
  'for new hires',
  'to replace broken ones',
  'for the Kazan branch',
  'for the support team',
];
const SUPPLIERS = [
  'ООО «Ромашка»',
  'Ситилинк',
  'ДНС',
  'Комус',
  'Офисмаг',
  'Всё для офиса',
  'ТехноПарк',
  'Мебельная фабрика «Север»',
  'Чистый дом',
  'Аэрофлот',
  'Bytecraft Ltd',
  'Ergonomica Oy',
  'Inkwise',
  'Fly Fast',
  'Sitwell GmbH',
  'Northwind Traders',
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Supplies',
];
const CITIES = ['Москва', 'Казань', 'Новосибирск', 'Екатеринбург', 'Самара', 'Berlin', 'Helsinki', 'London', 'Riga', 'Tallinn'];
// Description words: a longer tail, so that some words are rare.
const WORDS = [
  'срочно',
  'согласовано',
  'директором',
  'бюджет',
  'квартала',
  'поставка',
  'доставка',
  'склад',
  'гарантия',
  'счёт',
  'оплата',
  'предоплата',
  'договор',
  'акт',
  'накладная',
  'возврат',
  'замена',
  'ремонт',
  'монтаж',
  'установка',
  'настройка',
  'обслуживание',
  'сотрудников',
  'руководителя',
  'проекта',
  'клиента',
  'заказчика',
  'подрядчика',
  'поставщика',
  'аренда',
  'офиса',
  'здания',
  'этажа',
  'кабинета',
  'переговорной',
  'кухни',
  'серверной',
  'лаборатории',
  'цеха',
  'магазина',
  'скидка',
  'тендер',
  'конкурс',
  'коммерческое',
  'предложение',
  'смета',
  'калькуляция',
  'спецификация',
  'резерв',
  'остатки',
  'urgent',
  'approved',
  'budget',
  'quarter',
  'delivery',
  'warranty',
  'invoice',
  'payment',
  'contract',
  'return',
  'replacement',
  'repair',
  'installation',
  'setup',
  'maintenance',
  'employees',
  'manager',
  'project',
  'customer',
  'vendor',
  'rental',
  'building',
  'floor',
  'kitchen',
  'server',
  'laboratory',
  'discount',
  'tender',
  'quote',
  'estimate',
];

const LOAD_CARDS = `
with s as (
  select g,
    case when g % 10 < 7
      then (${sqlArray(RU_HEADS)})[1 + floor(random() * ${RU_HEADS.length})::int] || ' ' || (${sqlArray(RU_TAILS)})[1 + floor(random() * ${RU_TAILS.length})::int]
      else (${sqlArray(EN_HEADS)})[1 + floor(random() * ${EN_HEADS.length})::int] || ' ' || (${sqlArray(EN_TAILS)})[1 + floor(random() * ${EN_TAILS.length})::int]
    end as title,
    (array['draft','approval','ordering','ordered','received','rejected'])[1 + (g * 7) % 6] as stage,
    (${sqlArray(SUPPLIERS)})[1 + floor(random() * ${SUPPLIERS.length})::int] || ', ' || (${sqlArray(CITIES)})[1 + floor(random() * ${CITIES.length})::int] as supplier,
    round((random() * 200000)::numeric, 2) as amount,
    (array['it','office','services','travel'])[1 + (g * 3) % 4] as category,
    now() - random() * interval '730 days' as updated_at,
    'PR-' || lpad(g::text, 7, '0') as number,
    (array['IT','HR','OP','SA','FN','LG'])[1 + g % 6] || '-' || lpad((g % 1000)::text, 3, '0') as cost_center,
    (${sqlArray(WORDS)})[1 + floor(random() * ${WORDS.length})::int] || ' ' || (${sqlArray(WORDS)})[1 + floor(random() * ${WORDS.length})::int] || ' ' ||
      (${sqlArray(WORDS)})[1 + floor(random() * ${WORDS.length})::int] || ' ' || (${sqlArray(WORDS)})[1 + floor(random() * ${WORDS.length})::int] as description
  from generate_series(1, $1::int) g
)
insert into cards (type, number, title, stage, assignee_id, owner_id, due_at, version, data, search, created_at, updated_at)
select 'purchase_request', number, title, stage,
  case when g % 5 = 0 then null else ($2::bigint[])[1 + g % cardinality($2::bigint[])] end,
  ($2::bigint[])[1 + g % cardinality($2::bigint[])],
  updated_at + interval '2 days',
  1,
  jsonb_build_object('supplier', supplier, 'amount', amount, 'category', category, 'quantity', 1 + g % 20,
    'needed_by', null, 'urgent', g % 9 = 0, 'approver', null, 'cost_center', cost_center, 'description', description),
  to_tsvector('russian', lower(number || ' ' || title || ' ' || supplier || ' ' || description || ' ' || cost_center)),
  updated_at - interval '3 days', updated_at
from s`;

type Kind = 'word' | 'stem' | 'prefix' | 'two words' | 'rare' | 'number';

/** Queries by kind; `finds` is a title word the results must include (the stemming checks). */
const QUERY_SET: { q: string; kind: Kind; finds?: RegExp }[] = [
  ...[
    'ноутбуки',
    'кресла',
    'принтер',
    'мониторы',
    'телефоны',
    'бумага',
    'сервер',
    'кофемашина',
    'обучение',
    'лицензии',
    'наушники',
    'проектор',
    'шкаф',
    'канцтовары',
    'планшеты',
  ].map((q) => ({ q, kind: 'word' as const })),
  ...['laptops', 'printers', 'monitors', 'phones', 'headsets', 'keyboards', 'router', 'cables', 'licenses', 'projector'].map((q) => ({
    q,
    kind: 'word' as const,
  })),
  { q: 'ноутбук', kind: 'stem', finds: /Ноутбуки/ },
  { q: 'ноутбуков', kind: 'stem', finds: /Ноутбук/ },
  { q: 'кресло', kind: 'stem', finds: /Кресла/ },
  { q: 'принтеров', kind: 'stem', finds: /Принтер/ },
  { q: 'монитор', kind: 'stem', finds: /Мониторы/ },
  { q: 'командировку', kind: 'stem', finds: /Командировк/ },
  { q: 'лицензию', kind: 'stem', finds: /Лиценз/ },
  { q: 'бухгалтерия', kind: 'stem', finds: /бухгалтерии/ },
  { q: 'склады', kind: 'stem', finds: /склад/ },
  { q: 'казань', kind: 'stem', finds: /Казани/ },
  { q: 'laptop', kind: 'stem', finds: /Laptops/ },
  { q: 'chairs', kind: 'stem', finds: /chair/ },
  { q: 'licence', kind: 'stem' },
  { q: 'hosting', kind: 'stem', finds: /hosting/ },
  ...['ноут', 'крес', 'прин', 'мони', 'кофе', 'канц', 'курс', 'серв', 'маршр', 'lapt', 'prin', 'head', 'keyb', 'proj', 'сотр', 'ко'].map(
    (q) => ({
      q,
      kind: 'prefix' as const,
    }),
  ),
  ...[
    'ноутбуки прод',
    'кресла переговор',
    'принтеры бухг',
    'мониторы дизайн',
    'laptops sales',
    'printer acc',
    'сервер серверн',
    'обучение сотрудник',
    'ремонт кондиц',
    'бумага скл',
  ].map((q) => ({ q, kind: 'two words' as const })),
  ...[
    'ромашка',
    'ergonomica',
    'тендер',
    'калькуляция',
    'лаборатории',
    'tender',
    'новосибирск',
    'helsinki',
    '"коммерческое предложение"',
    'смета -срочно',
    // Each word common, never together (English goods have English tails): estimated at ~1,500 cards, 0 found.
    'laptops бухгалтерии',
    'ноутбуки warehouse',
  ].map((q) => ({
    q,
    kind: 'rare' as const,
  })),
  ...['PR-0000042', 'pr-0123456', 'PR-0999999', 'IT-042', 'hr-500'].map((q) => ({ q, kind: 'number' as const })),
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `n=${s.length} p50=${percentile(s, 50).toFixed(1)} p90=${percentile(s, 90).toFixed(1)} p95=${percentile(s, 95).toFixed(1)} p99=${percentile(s, 99).toFixed(1)} max=${s.at(-1)!.toFixed(1)} ms`;
}

async function load(ctx: AppContext): Promise<SessionUser> {
  await ctx.services.users.ensureRole('manager');
  const manager = await ctx.services.users.create({
    email: 'manager@example.com',
    password: 'correct horse battery',
    roles: ['manager'],
    displayName: 'Мария Морозова',
  });
  const others: number[] = [manager.id];
  await ctx.services.users.ensureRole('operator');
  for (let i = 1; i <= 20; i++)
    others.push(
      (
        await ctx.services.users.create({
          email: `op${i}@example.com`,
          password: 'correct horse battery',
          roles: ['operator'],
          displayName: `Оператор ${i}`,
        })
      ).id,
    );
  await ctx.db.exec(`update search_state set language = 'russian', building = null where id = 1`);
  let started = Date.now();
  // The product's GIN index, built once on the full table (an insert of 1M rows through it would take far longer).
  await ctx.db.exec('drop index cards_search_idx');
  await ctx.db.exec(LOAD_CARDS, [CARDS, others]);
  await ctx.db.exec(`insert into card_counters (type, last_number) values ('purchase_request', $1)`, [CARDS]);
  console.log(`# loaded ${CARDS} cards in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  started = Date.now();
  await ctx.db.exec('create index cards_search_idx on cards using gin (search)');
  await ctx.db.exec('vacuum analyze cards');
  console.log(`# search index built and table analysed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // The vectors are the product's: the same text as cardSearchText, stemmed the same way.
  const type = ctx.services.cards.types.get('purchase_request')!;
  const sample = await ctx.db.rows<{ number: string; title: string; data: Record<string, string>; search: string }>(
    'select number, title, data, search::text as search from cards where id % $1 = 0 limit 200',
    [Math.max(1, Math.floor(CARDS / 200))],
  );
  for (const r of sample) {
    const [{ v }] = await ctx.db.rows<{ v: string }>(`select to_tsvector('russian', $1)::text as v`, [
      cardSearchText(type, r.number, r.title, r.data),
    ]);
    if (v !== r.search) throw new Error(`card ${r.number}: the loaded vector differs from the product's\n${r.search}\n${v}`);
  }
  console.log(`# ${sample.length} sampled vectors equal the product's (cardSearchText + to_tsvector('russian'))`);
  return (await ctx.services.users.sessionUser(manager.id))!;
}

async function main() {
  // BENCH_REUSE=1: measure a database an earlier run kept (BENCH_KEEP_DB=1), e.g. after an index change.
  const reuse = process.env.BENCH_REUSE === '1';
  const url = reuse ? benchDbUrl(DB_NAME) : await createBenchDatabase(DB_NAME);
  const { AMQP_URL: _broker, MEMCACHED_SERVERS: _cache, ...env } = process.env;
  const settings = loadSettings({
    env: {
      ...env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      ORBIS_SEARCH_LANGUAGE: 'russian',
      SECRET_KEY: 'bench-secret-key-0123456789',
      LOG_LEVEL: 'silent',
    },
  });
  const ctx = await createContext(settings, { log: createLogger(settings) });
  try {
    const reused = async () => {
      const [{ id }] = await ctx.db.rows<{ id: number }>(`select id from users where email = 'manager@example.com'`);
      return (await ctx.services.users.sessionUser(id))!;
    };
    const user = reuse ? await reused() : await load(ctx);
    const type = ctx.services.cards.types.get('purchase_request')!;
    const run = async (q: string) => {
      const started = process.hrtime.bigint();
      const result = await ctx.services.cards.list(user, type.name, parseListQuery(type, { q }));
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
    };
    // The view's own statement alone (its WHERE and ORDER BY, 50 rows), as the page read its rows
    // before it looked the matches up through the full-text index first: to see what that saves.
    const rowsOnly = async (q: string) => {
      const built = buildListSql(type, user, parseListQuery(type, { q }), user.timeZone, 'russian');
      const started = process.hrtime.bigint();
      await ctx.db.rows(`select c.id from cards c where ${built.where} order by ${built.orderBy} limit 50`, built.params);
      return { rowsMs: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    // The stems must find their forms; every query runs once to warm the caches.
    for (const { q, finds } of QUERY_SET) {
      await run(q);
      if (!finds) continue;
      const built = buildListSql(type, user, parseListQuery(type, { q }), user.timeZone, 'russian');
      const [hit] = await ctx.db.rows(
        `select 1 from cards c where ${built.where} and c.title ~ ${`$${built.whereParams.length + 1}`} limit 1`,
        [...built.whereParams, finds.source],
      );
      if (!hit) throw new Error(`"${q}" did not find ${finds}`);
    }
    console.log(`# ${QUERY_SET.length} distinct queries, each checked once; stems find their forms`);
    const byKind = new Map<string, number[]>();
    const all: { q: string; ms: number; total: number; capped: boolean; rowsMs: number }[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const { q, kind } = QUERY_SET[(i * 37) % QUERY_SET.length];
      const { ms, result } = await run(q);
      all.push({ q, ms, total: result.total, capped: result.capped, ...(await rowsOnly(q)) });
      byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
    }
    const loadAverage = os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
    console.log(
      `# ${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0].model} · ${Math.round(os.totalmem() / 2 ** 30)} GB · load average ${loadAverage}`,
    );
    for (const [kind, ms] of byKind) console.log(`${kind.padEnd(10)} ${summary(ms)}`);
    const overall = summary(all.map((a) => a.ms));
    console.log(`${'all'.padEnd(10)} ${overall}`);
    console.log(`${'the view statement alone'} ${summary(all.map((a) => a.rowsMs))}`);
    const shown = (a: { total: number; capped: boolean }) => (a.capped ? `more than ${a.total}` : String(a.total));
    const slowRows = [...all].sort((a, b) => b.rowsMs - a.rowsMs).slice(0, 3);
    for (const s of slowRows) console.log(`# slow view statement: "${s.q}" ${s.rowsMs.toFixed(1)} ms, ${shown(s)} cards`);
    const slowest = [...all].sort((a, b) => b.ms - a.ms).slice(0, 5);
    for (const s of slowest) console.log(`# slow: "${s.q}" ${s.ms.toFixed(1)} ms, ${shown(s)} cards`);
    const p95 = percentile(
      all.map((a) => a.ms).sort((a, b) => a - b),
      95,
    );
    console.log(
      p95 <= TARGET_P95_MS
        ? `# p95 ${p95.toFixed(1)} ms: target (≤ ${TARGET_P95_MS} ms) met`
        : `# p95 ${p95.toFixed(1)} ms: target (≤ ${TARGET_P95_MS} ms) NOT met`,
    );
    if (process.env.BENCH_EXPLAIN !== '0') {
      // The slowest page's lookup of its matches (with the settings the page gives it), and the view statement.
      const q = slowest[0].q;
      const built = buildListSql(type, user, parseListQuery(type, { q }), user.timeZone, 'russian');
      await ctx.db.transaction(async (t) => {
        await ctx.db.rows("select set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)", [], t);
        const plan = await ctx.db.rows<{ 'QUERY PLAN': string }>(
          `explain (analyze, buffers) select c.id from cards c where ${built.where} limit 1001`,
          built.whereParams,
          t,
        );
        console.log(`# EXPLAIN ANALYZE of the lookup for "${q}"\n${plan.map((p) => p['QUERY PLAN']).join('\n')}`);
      });
      const plan = await ctx.db.rows<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) select c.id from cards c where ${built.where} order by ${built.orderBy} limit 51`,
        built.params,
      );
      console.log(`# EXPLAIN ANALYZE of the view statement for "${q}"\n${plan.map((p) => p['QUERY PLAN']).join('\n')}`);
    }
  } finally {
    await ctx.close();
    if (!process.env.BENCH_KEEP_DB) await dropBenchDatabase(DB_NAME);
  }
}

await main();
