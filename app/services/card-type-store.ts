// Card types in the database, versioned (issue 17 items 3, 4 and 5): every
// saved change is a new version; the type in use is its latest. The types of
// conf/cardtypes/ are imported on first start.
//
// What MUST hold:
// - A saved version is in use in every process of the installation (web,
//   workers, beat, a running command) within moments: the save's transaction
//   announces it (app/services/change-signals.ts) and each process reloads
//   the set and swaps it whole (CardTypes.replace); nothing keeps a type.
// - Nothing is saved that would not load: the whole set is built with the
//   new version (the same checks as a file at start), the roles it names must
//   exist, and the safety rules of app/services/card-type-changes.ts hold.
// - Saves of one installation are serialised (a transaction-scoped advisory
//   lock): two admins saving the same type, the second is told of the first
//   (a ConflictError with both versions) and nothing is lost.
// - A file of conf/cardtypes/ never overrides an edit made in the browser: it
//   is taken when its type is new, or when it changed and the type's latest
//   version is that file's earlier import.
import crypto from 'node:crypto';
import type { Database, Transaction } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import type { Logger } from '#app/log';
import { msg } from '#app/i18n/message';
import { rolesNamedBy } from '#app/services/card-type-roles';
import type { RightsReader } from '#app/services/roles';
import { CardTypeMoves, type MovePayload } from '#app/services/card-type-moves';
import type { CardCreation } from '#app/services/card-create';
import { elementOf } from '#app/services/card-type-draft';
import { impactOf, movesNeeded, unsafe, UnsafeChangeError } from '#app/services/card-type-changes';
import type { SaveOptions, SaveResult, TypeVersion, VersionSource } from '#app/services/card-type-version';
import { ROLES_CHANNEL } from '#app/services/roles';
import { buildCardTypes, CardTypeError, type CardType, type CardTypes, type CardTypeSource } from '#app/services/card-types';
import type { ChangeSignals } from '#app/services/change-signals';
import { ConflictError, NotFoundError, ValidationError } from '#app/services/errors';

export { UnsafeChangeError };

/** PostgreSQL's NOTIFY channel on which a saved version is announced (the payload: the type's name). */
export const TYPES_CHANNEL = 'orbis_card_types';

export type { SaveOptions, SaveResult, TypeVersion, VersionSource };

const hashOf = (raw: unknown) => crypto.createHash('sha256').update(JSON.stringify(raw)).digest('hex');
const missingTable = (err: unknown) =>
  (err as { code?: string }).code === '42P01' || (err as { parent?: { code?: string } }).parent?.code === '42P01';

export class CardTypeStore {
  private versions = new Map<string, number>();
  private loads = 0;
  private latestLoad: Promise<void> = Promise.resolve();
  /** False before `db upgrade` made the table: the files hold, as before types were stored. */
  private stored = false;

  constructor(
    private readonly db: Database,
    private readonly types: CardTypes,
    private readonly signals: ChangeSignals,
    private readonly jobs: Jobs,
    private readonly options: { defaultLocale: string; log?: Logger; cards: Pick<CardCreation, 'dueAt'>; rights?: RightsReader },
  ) {
    signals.on(TYPES_CHANNEL, () => this.load());
    this.moves = new CardTypeMoves(db, types, options.cards, (name, v) => (this.versionOf(name) < v ? this.load() : Promise.resolve()));
  }

  private readonly moves: CardTypeMoves;

  /** The job cardtypes.move_stages: moves the cards of removed stages (app/services/card-type-moves.ts). */
  moveCards(p: MovePayload, progress: (done: number, total: number) => Promise<void>): Promise<{ moved: number }> {
    return this.moves.run(p, progress);
  }

  /** The version of a type in use (0 while types come from files only). */
  versionOf(name: string): number {
    return this.versions.get(name) ?? 0;
  }

  get inDatabase(): boolean {
    return this.stored;
  }

  /** At start: imports the files (new types; changed files of types not edited since), then puts the latest versions in use. */
  async start(files: CardTypeSource[]): Promise<void> {
    try {
      await this.db.transaction(async (t) => {
        await this.lock(t);
        const latest = await this.latestRows(t);
        for (const f of files) await this.takeFile(f, latest, t);
      });
    } catch (err) {
      if (missingTable(err)) return;
      throw err;
    }
    await this.load();
  }

  private async takeFile(f: CardTypeSource, latest: Map<string, TypeVersion>, t: Transaction): Promise<void> {
    const raw = f.raw as Record<string, unknown>;
    const cur = latest.get(String(raw.name));
    const hash = hashOf(raw);
    if (cur && (cur.file_hash === hash || cur.source !== 'file')) {
      if (cur.source !== 'file' && cur.file_hash !== hash && !(await this.fileSeen(cur.card_type, hash, t)))
        this.options.log?.warn(
          { type: cur.card_type, file: f.file, version: cur.version },
          'the card type file differs from the version edited in the browser, which is kept (`./manage.ts types import` applies a file)',
        );
      return;
    }
    const name = String(raw.name);
    if (cur) {
      // The set as stored (read once by start) with this file in its type's place.
      const before = this.build([...latest.values()]).find((x) => x.name === name)!;
      const after = this.build([...latest.values()].map((r) => (r.card_type === name ? { ...r, definition: raw } : r))).find(
        (x) => x.name === name,
      )!;
      const problems = unsafe(await impactOf(this.db, before, after, t), after, {});
      if (Object.keys(problems).length) {
        this.options.log?.warn(
          { type: name, file: f.file, problems },
          'the card type file changed in a way its cards do not allow; version kept',
        );
        return;
      }
    }
    const version = (cur?.version ?? 0) + 1;
    await this.insert(name, raw, { source: 'file', hash, comment: `${f.file}`, version }, t);
    // The next file is checked against the set with this one in it (a type it refers to may have just come in).
    latest.set(name, { ...(cur ?? ({} as TypeVersion)), card_type: name, version, definition: raw, source: 'file', file_hash: hash });
  }

  private async fileSeen(name: string, hash: string, t: Transaction): Promise<boolean> {
    return (
      (await this.db.rows('select 1 from card_type_versions where card_type = $1 and file_hash = $2 limit 1', [name, hash], t)).length > 0
    );
  }

  /** Reads the latest version of every type and puts the set in use (here; every process does on the signal). */
  load(): Promise<void> {
    // Two reads close together: only the one started last is applied (an older one finishing later must not win),
    // and an older one resolves when the newer has applied, so a save's own reload returns with its version in use.
    const run = this.loadOnce(++this.loads);
    this.latestLoad = run;
    return run;
  }

  private async loadOnce(n: number): Promise<void> {
    let rows: TypeVersion[];
    try {
      rows = [...(await this.latestRows()).values()];
    } catch (err) {
      if (missingTable(err)) return;
      throw err;
    }
    this.stored = true;
    if (!rows.length) return;
    const rights = await this.options.rights?.();
    if (n !== this.loads) return this.latestLoad;
    this.types.replace(this.build(rows), rights ?? undefined);
    this.versions = new Map(rows.map((r) => [r.card_type, r.version]));
  }

  private build(rows: Pick<TypeVersion, 'card_type' | 'definition'>[]): CardType[] {
    const sorted = [...rows].sort((a, b) => a.card_type.localeCompare(b.card_type));
    return buildCardTypes(
      sorted.map((r) => ({ file: `${r.card_type}.yaml`, raw: r.definition })),
      this.options.defaultLocale,
    );
  }

  private async latestRows(t?: Transaction | null): Promise<Map<string, TypeVersion>> {
    const rows = await this.db.rows<TypeVersion>(
      `select distinct on (v.card_type) v.*, u.display_name as author_name
         from card_type_versions v left join users u on u.id = v.author_id order by v.card_type, v.version desc`,
      [],
      t,
    );
    return new Map(rows.map((r) => [r.card_type, r]));
  }

  private lock(t: Transaction) {
    return this.db.exec(`select pg_advisory_xact_lock(hashtext('orbis-card-types:' || current_schema()))`, [], t);
  }

  private async insert(
    name: string,
    raw: unknown,
    v: { source: VersionSource; hash?: string; comment: string; version: number; authorId?: number | null },
    t: Transaction,
  ) {
    await this.db.exec(
      `insert into card_type_versions (card_type, version, definition, source, file_hash, comment, author_id) values ($1, $2, $3, $4, $5, $6, $7)`,
      [name, v.version, JSON.stringify(raw), v.source, v.hash ?? null, v.comment, v.authorId ?? null],
      t,
    );
    await this.signals.announce(TYPES_CHANNEL, name, t);
  }

  /** Every version of a type, newest first. */
  async history(name: string): Promise<TypeVersion[]> {
    const rows = await this.db.rows<TypeVersion>(
      `select v.*, u.display_name as author_name from card_type_versions v left join users u on u.id = v.author_id
        where v.card_type = $1 order by v.version desc`,
      [name],
    );
    if (!rows.length) throw new NotFoundError(msg('admin.types.notFound'));
    return rows;
  }

  /** One version of a type (the latest without `version`). */
  async version(name: string, version?: number): Promise<TypeVersion> {
    const [row] = await this.db.rows<TypeVersion>(
      `select v.*, u.display_name as author_name from card_type_versions v left join users u on u.id = v.author_id
        where v.card_type = $1 and ($2::int is null or v.version = $2) order by v.version desc limit 1`,
      [name, version ?? null],
    );
    if (!row) throw new NotFoundError(msg('admin.types.notFound'));
    return row;
  }

  /**
   * Saves `raw` as the next version of its type (a new type when `expected`
   * is null), after every check; with `dryRun`, checks and answers what it
   * would do. Refusals: ValidationError (element → reason), ConflictError.
   */
  async save(raw: unknown, options: SaveOptions): Promise<SaveResult> {
    const name = (raw as { name?: unknown })?.name;
    // In the caller's transaction when given (several saves in one go), else in one of its own.
    const outer = options.transaction;
    const db = outer ? { transaction: <T>(fn: (t: Transaction) => Promise<T>) => fn(outer) } : this.db;
    return db
      .transaction(async (t) => {
        await this.lock(t);
        const all = await this.latestRows(t);
        const cur = typeof name === 'string' ? all.get(name) : undefined;
        if ((cur?.version ?? null) !== options.expected) {
          if (options.expected === null)
            throw new ValidationError(msg('admin.types.errors.exists', { name: String(name) }), {
              name: msg('admin.types.errors.exists', { name: String(name) }),
            });
          throw new ConflictError(msg('admin.types.errors.conflict', { version: cur?.version ?? 0 }), { stored: cur, input: raw });
        }
        let built: CardType[];
        try {
          const others = (options.alongside ?? []).map((d) => ({ card_type: String(d.name), definition: d }));
          built = this.build([
            ...[...all.values()].filter((r) => r.card_type !== name && !others.some((o) => o.card_type === r.card_type)),
            ...others,
            { card_type: String(name), definition: raw as Record<string, unknown> },
          ]);
        } catch (err) {
          if (!(err instanceof CardTypeError)) throw err;
          const [where, why] = elementOf(err.message);
          throw new ValidationError(msg('admin.types.errors.invalid', { where, why }), { [where]: why });
        }
        const after = built.find((x) => x.name === name)!;
        const before = cur ? this.build([...all.values()]).find((x) => x.name === name)! : null;
        // A role the version names anew must exist; one the type named already stays allowed (files name roles freely).
        const roles = new Set((await this.db.rows<{ name: string }>('select name from roles', [], t)).map((r) => r.name));
        for (const r of before ? rolesNamedBy({ all: [before] }) : []) roles.add(r);
        const unknown = rolesNamedBy({ all: [after] }).filter((r) => !roles.has(r));
        if (unknown.length) {
          const why = `no such role: ${unknown.join(', ')} (create it at /admin/roles)`;
          throw new ValidationError(msg('admin.types.errors.invalid', { where: 'roles', why }), { roles: why });
        }
        const impact = await impactOf(this.db, before, after, t);
        const problems = unsafe(impact, after, options.moves ?? {});
        if (Object.keys(problems).length) {
          const [where, why] = Object.entries(problems)[0];
          throw new UnsafeChangeError(msg('admin.types.errors.invalid', { where, why }), problems, impact);
        }
        const version = (cur?.version ?? 0) + 1;
        if (options.dryRun) return { version, impact, moveJob: null };
        const source = options.source ?? 'browser';
        await this.insert(after.name, raw, { source, comment: options.comment?.trim() ?? '', version, authorId: options.authorId }, t);
        if (options.resetRights && (await this.db.exec('delete from role_permissions where card_type = $1', [after.name], t)))
          await this.signals.announce(ROLES_CHANNEL, after.name, t);
        const moves = movesNeeded(impact, options.moves ?? {});
        let moveJob: number | null = null;
        if (Object.keys(moves).length) {
          const job = await this.jobs.enqueue(
            'cardtypes.move_stages',
            { type: after.name, version, moves, userId: options.authorId ?? null },
            { transaction: t, key: `cardtypes.move_stages:${after.name}:${version}` },
          );
          moveJob = job.id;
        }
        return { version, impact, moveJob };
      })
      .then(async (result) => {
        if (!options.dryRun && !outer) await this.load();
        return result;
      });
  }
}
