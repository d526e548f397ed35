// Full-text search of cards in the installation's language. Each card's
// `search` vector is built with the text search configuration of the setting
// `search.language` (PostgreSQL's `russian` stems Cyrillic words with the
// Russian Snowball stemmer and Latin ones with the English one; `english`
// stems English; `simple` only lower-cases), and a query stems its words the
// same way, the last one as a prefix ("lapt" finds "Laptops", "ноутбук" finds
// "ноутбуки"). Changing the setting makes the vectors stale: the first worker
// (or in-process runner) that starts with the new setting enqueues one
// `search.rebuild` job, which rebuilds every card's vector in batches with
// progress on /admin/jobs. Until it ends, cards not yet rebuilt are found by
// the words both configurations stem alike.
import type { SearchLanguage } from '#app/config';
import type { Database, Transaction } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import type { FieldValue } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import type { CardType, CardTypes } from '#app/services/card-types';

/** The words a card is found by: its number, title and the type's search fields (each type's searchText: a select's value and label). */
export function cardSearchText(type: CardType, number: string, title: string, data: Record<string, FieldValue>): string {
  const parts = [number, title];
  for (const name of type.search) {
    const f = type.fieldMap.get(name)!;
    const v = data[name];
    if (v == null) continue;
    // Card types are checked at load: a search field's type has searchText.
    parts.push(fieldType(f).searchText!(f, v));
  }
  // Lower-cased here, not by PostgreSQL: a cluster made with LC_CTYPE=C (the
  // embedded one) does not lower-case Cyrillic, and the Snowball stemmers
  // expect lower case ("Ноутбуки" would stay "Ноутбук", never matching).
  return parts.join(' ').slice(0, 200_000).toLowerCase();
}

/**
 * The WHERE fragment of a list search for `q` (websearch syntax: "quoted
 * phrases", -excluded, or), its last word matched as a prefix unless it is
 * quoted, excluded or an operator; `add` binds a parameter and names it.
 */
export function searchCondition(query: string, language: SearchLanguage, add: (v: unknown) => string): string {
  const cfg = `${add(language)}::regconfig`;
  const exact = `c.number = upper(${add(query)})`;
  // Lower-cased as the vectors are (cardSearchText); websearch's `or` is an operator in any case.
  const q = query.toLowerCase();
  const m = /([\p{L}\p{N}_]+)$/u.exec(q);
  const before = m ? q.slice(0, m.index) : '';
  const quoted = (before.match(/"/g)?.length ?? 0) % 2 === 1;
  const negated = before.endsWith('-');
  if (!m || quoted || negated || /^or$/i.test(m[1])) {
    return `(c.search @@ websearch_to_tsquery(${cfg}, ${add(q)}) or ${exact})`;
  }
  // to_tsquery's own syntax for one quoted lexeme with a prefix mark; an empty
  // head (one word) or a stop word gives an empty query, which && ignores.
  const prefix = `'${m[1].replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`;
  return `(c.search @@ (websearch_to_tsquery(${cfg}, ${add(before)}) && to_tsquery(${cfg}, ${add(prefix)})) or ${exact})`;
}

interface StateRow {
  language: string;
  building: string | null;
  generation: number;
}

export class SearchIndex {
  constructor(
    private readonly db: Database,
    private readonly types: CardTypes,
    readonly language: SearchLanguage,
  ) {}

  /** The language the vectors were built with, and the one a running rebuild builds. */
  async state(): Promise<StateRow> {
    const [row] = await this.db.rows<StateRow>('select language, building, generation from search_state where id = 1');
    return row;
  }

  /**
   * When the vectors were built in another language than the setting's (and
   * no rebuild to it is under way), enqueues the rebuild: one job, however
   * many processes start at once (the row's update decides, in the job's
   * transaction). Resolves to the job id, or null when nothing was needed.
   */
  async ensureLanguage(jobs: Jobs): Promise<number | null> {
    return this.db.transaction(async (t: Transaction) => {
      const [row] = await this.db.rows<{ generation: number }>(
        `update search_state set building = $1, generation = generation + 1
          where id = 1 and language <> $1 and building is distinct from $1
          returning generation`,
        [this.language],
        t,
      );
      if (!row) return null;
      const job = await jobs.enqueue(
        'search.rebuild',
        { language: this.language, generation: row.generation },
        { transaction: t, key: `search.rebuild:${row.generation}` },
      );
      return job.id;
    });
  }

  /** Rebuilds every card's vector in `language`, in batches by id, then records the language (unless a newer rebuild began). */
  async rebuild(
    language: SearchLanguage,
    generation: number,
    progress: (done: number, total: number) => Promise<void>,
    batch = 1000,
  ): Promise<number> {
    const [{ total }] = await this.db.rows<{ total: number }>('select count(*)::int as total from cards');
    let last = 0;
    let done = 0;
    await progress(0, total);
    for (;;) {
      const rows = await this.db.rows<{ id: number; type: string; number: string; title: string; data: Record<string, FieldValue> }>(
        'select id, type, number, title, data from cards where id > $1 order by id limit $2',
        [last, batch],
      );
      if (!rows.length) break;
      const ids: number[] = [];
      const texts: string[] = [];
      for (const r of rows) {
        const type = this.types.get(r.type);
        ids.push(r.id);
        texts.push(type ? cardSearchText(type, r.number, r.title, r.data) : `${r.number} ${r.title}`);
      }
      await this.db.exec(
        `update cards c set search = to_tsvector($3::regconfig, v.text)
           from unnest($1::bigint[], $2::text[]) as v(id, text) where c.id = v.id`,
        [ids, texts, language],
      );
      last = rows[rows.length - 1].id;
      done += rows.length;
      await progress(done, Math.max(total, done));
    }
    await this.db.exec('update search_state set language = $1, building = null where id = 1 and generation = $2', [language, generation]);
    return done;
  }
}
