// The card list's rows are built as HTML outside nunjucks (listRowsHtml in
// app/web/card-display.ts). They must be exactly what the template loop they
// replaced rendered with autoescape on — same markup, same escaping — so the
// old loop is rendered here beside them on awkward values.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import nunjucks from 'nunjucks';
import { loadCardTypes } from '#app/services/card-types';
import type { ListedCard } from '#app/services/cards';
import { projectRoot } from '#app/config';
import { createI18n } from '#app/i18n/i18n';
import { columnText, listRowsHtml } from '#app/web/card-display';
import { escapeHtml } from '#app/web/render';

/** English: what these rows and labels read as for the default reader. */
const english = createI18n(projectRoot, 'en').t('en');

const types = loadCardTypes(path.resolve(import.meta.dirname, '..', '..', 'conf', 'cardtypes'));
const env = new nunjucks.Environment(null, { autoescape: true });

// The template loop as it was in cards/list.njk before the rows were built in code.
const LOOP = nunjucks.compile(
  `{% for row in rows %}<tr>{% for cell in row.cells %}<td{% if cell.wrap %} class="wrap"{% endif %}>{% if cell.show == 'link' %}<a href="{{ row.href }}">{{ cell.text }}</a>{% elif cell.show == 'stage' %}<span class="badge rounded-pill {% if row.final %}text-bg-secondary{% else %}text-bg-primary{% endif %}" data-testid="stage">{{ cell.text }}</span>{% else %}{{ cell.text }}{% endif %}</td>{% endfor %}</tr>\n{% endfor %}`,
  env,
);

const AWKWARD = [
  '<script>alert(1)</script>',
  `"double" and 'single'`,
  'a & b &amp; c',
  'back\\slash',
  '</td></tr><tr>',
  'Ünïcödé · 東京',
  '',
  '{{ 7*7 }}',
];

function card(i: number, title: string, supplier: string, stage: string): ListedCard {
  return {
    id: 100 + i,
    number: `PR-${String(100 + i).padStart(6, '0')}`,
    title,
    stage,
    data: { supplier, amount: 1234.5 + i, category: 'it' },
    updated_at: new Date(Date.UTC(2026, 10, 24, 12, i)),
    assignee_name: i % 2 ? `Name ${AWKWARD[i % AWKWARD.length]}` : null,
  };
}

describe('list rows built outside the template', () => {
  it('escape exactly as nunjucks autoescape does', () => {
    for (const text of AWKWARD) assert.equal(escapeHtml(text), env.renderString('{{ v }}', { v: text }), text);
  });

  it('render the same markup as the template loop they replaced', () => {
    const type = types.get('purchase_request')!;
    const stages = ['draft', 'approval', 'received', 'rejected', 'no-such-stage'];
    const cards = AWKWARD.map((text, i) => card(i, text, AWKWARD[(i + 3) % AWKWARD.length], stages[i % stages.length]));
    const maps = { users: new Map<number, string>(), cards: new Map() };
    const tz = 'Europe/Berlin';
    const rows = cards.map((c) => ({
      href: `/cards/${type.name}/${c.id}`,
      final: Boolean(type.stageMap.get(c.stage)?.final),
      cells: type.columns.map((col) => ({
        text: columnText(type, col, c, maps, { t: english, locale: 'en', timeZone: tz }),
        show: col === 'number' || col === 'title' ? 'link' : col === 'stage' ? 'stage' : 'text',
        wrap: col === 'title',
      })),
    }));
    const built = listRowsHtml(type, cards, maps, { t: english, locale: 'en', timeZone: tz }).toString();
    assert.equal(built, LOOP.render({ rows }));
    // and the checks that matter whatever the template said:
    assert.ok(!built.includes('<script>'));
    assert.ok(built.includes('&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;'));
    assert.equal(built.split('\n').length - 1, cards.length);
    assert.match(built, /text-bg-secondary" data-testid="stage">Received</);
  });

  it('is empty for no cards', () => {
    assert.equal(
      listRowsHtml(
        types.get('purchase_request')!,
        [],
        { users: new Map(), cards: new Map() },
        { t: english, locale: 'en', timeZone: 'UTC' },
      ).toString(),
      '',
    );
  });
});
