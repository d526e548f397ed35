// The import page's imports (/cards/:type/import): an uploaded CSV file kept
// in a private folder (settings.varDir/imports, not the media root) until its
// job ends; its column mapping (prefilled by a column's name or label, else
// by the mapping last started for the type); every row checked before the
// start; the `cards.import` job that imports it as the uploader.
//
// What MUST hold:
// - only a user who may create cards of the type uploads, checks and starts,
//   and only their own upload; the job checks again, as that user;
// - a job run twice imports nothing twice: each batch's last line is written
//   in the batch's own transaction (done_line), a run resumes after it, and
//   a finished import is not run again;
// - the file is removed when the import ends (done or failed) or is dropped.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import type { Jobs } from '#app/jobs/index';
import { msg } from '#app/i18n/message';
import { CardImportError, checkRows, COMMON_TARGETS, mapColumns, readCsv, type Mapping, type RowProblem } from '#app/services/card-import';
import { importRows } from '#app/services/card-import-rows';
import type { CardService } from '#app/services/cards';
import type { CardType } from '#app/services/card-types';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { can } from '#app/services/permissions';
import type { ReceivedFile } from '#app/services/media';
import type { SessionUser, UserService } from '#app/services/users';

/** Problems kept with an import (the page pages through them); the count is kept whole. */
const KEPT_PROBLEMS = 10_000;

/** Another copy of the same import's job got there first: this copy stops, writing nothing (the other finishes). */
export class ImportRunOverlap extends Error {}

export type ImportState = 'uploaded' | 'queued' | 'running' | 'done' | 'failed';

export interface CardImportRow {
  id: number;
  card_type: string;
  user_id: number;
  file_name: string;
  file_path: string | null;
  file_size: number;
  state: ImportState;
  mapping: Mapping | null;
  all_or_nothing: boolean;
  job_id: number | null;
  total_rows: number;
  done_line: number;
  created_cards: number;
  refused: RowProblem[];
  refused_rows: number;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  progress_current: number | null;
  progress_total: number | null;
}

export class CardImports {
  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly users: UserService,
    private readonly jobs: Jobs,
    private readonly dir: string,
  ) {}

  /** The type, when the user may create its cards (403 otherwise; 404 for a type they cannot read). */
  typeToImport(user: SessionUser, typeName: string): CardType {
    const type = this.cards.typeFor(user, typeName);
    if (!can(user, type, 'create')) throw new ForbiddenError(msg('cards.errors.mayNotCreate', { types: type.plural.toLowerCase() }));
    return type;
  }

  /** A fresh path in the private folder (the upload streams into it). */
  async tempPath(): Promise<string> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    return path.join(this.dir, `${Date.now()}-${crypto.randomBytes(12).toString('hex')}.csv`);
  }

  /** Keeps a received file as a new import (the file must read as CSV with a header); its id. */
  async upload(user: SessionUser, typeName: string, files: ReceivedFile[]): Promise<number> {
    const drop = () => Promise.all(files.map((f) => fs.promises.rm(f.tempFile, { force: true })));
    try {
      const type = this.typeToImport(user, typeName);
      const file = files[0];
      if (!file || (!file.size && !file.name))
        throw new ValidationError(msg('imports.errors.noFile'), { files: msg('imports.errors.chooseFile') });
      if (file.truncated) throw new ValidationError(msg('imports.errors.tooLarge'), { files: msg('imports.errors.tooLargeField') });
      try {
        readCsv(await fs.promises.readFile(file.tempFile));
      } catch (err) {
        if (!(err instanceof CardImportError)) throw err;
        throw new ValidationError(msg('imports.errors.unreadable', { why: err.message }), { files: msg('imports.errors.unreadableField') });
      }
      for (const extra of files.slice(1)) await fs.promises.rm(extra.tempFile, { force: true });
      const [row] = await this.db.rows<{ id: number }>(
        `insert into card_imports (card_type, user_id, file_name, file_path, file_size) values ($1, $2, $3, $4, $5) returning id`,
        [type.name, user.id, path.basename(file.name).slice(0, 200) || 'import.csv', file.tempFile, file.size],
      );
      await this.dropAbandoned();
      return Number(row.id);
    } catch (err) {
      await drop();
      throw err;
    }
  }

  /** Uploads never started within a day end as failed, their files removed (run on each upload). */
  private async dropAbandoned(): Promise<void> {
    const stale = await this.db.rows<{ id: number }>(
      `select id from card_imports where state = 'uploaded' and created_at < now() - interval '1 day' limit 100`,
    );
    for (const { id } of stale) await this.fail(Number(id), 'not started within a day');
  }

  /** The user's own import of the type (404 for anyone else's). */
  async get(user: SessionUser, typeName: string, id: number): Promise<{ type: CardType; row: CardImportRow }> {
    const type = this.typeToImport(user, typeName);
    const [row] = await this.db.rows<CardImportRow>(
      `select i.*, j.progress_current, j.progress_total from card_imports i left join jobs j on j.id = i.job_id
        where i.id = $1 and i.card_type = $2 and (i.user_id = $3 or $4)`,
      [id, type.name, user.id, user.isSuperuser],
    );
    if (!row) throw new NotFoundError(msg('imports.errors.noImport'));
    return { type, row };
  }

  /** The file's columns and where each goes: the import's own mapping, else by name or label, else the type's saved one. */
  async columns(type: CardType, row: CardImportRow): Promise<{ headers: string[]; mapping: Mapping; rows: number }> {
    const table = readCsv(await this.bytes(row));
    if (row.mapping && row.mapping.length === table.headers.length)
      return { headers: table.headers, mapping: row.mapping, rows: table.rows.length };
    const byName = mapColumns(type, table.headers);
    const [saved] = await this.db.rows<{ mapping: Record<string, string | null> }>(
      'select mapping from card_import_mappings where card_type = $1',
      [type.name],
    );
    const mapping = byName.map((to, i) => {
      const s = saved?.mapping[table.headers[i]];
      return to ?? (s && isTarget(type, s) ? s : null);
    });
    return { headers: table.headers, mapping, rows: table.rows.length };
  }

  /** Checks every row with `columns` (column index → target, '' for none), keeping the mapping and the problems on the import. */
  async check(user: SessionUser, typeName: string, id: number, columns: string[]): Promise<void> {
    const { type, row } = await this.get(user, typeName, id);
    if (row.state !== 'uploaded') throw new ValidationError(msg('imports.errors.started'));
    const table = readCsv(await this.bytes(row));
    const mapping: Mapping = table.headers.map((_, i) => {
      const to = (columns[i] ?? '').trim();
      return to && isTarget(type, to) ? to : null;
    });
    if (!mapping.includes('title'))
      throw new ValidationError(msg('imports.errors.noTitle'), { mapping: msg('imports.errors.noTitleField') });
    const rows = await checkRows({ db: this.db, services: { cards: this.cards } }, type, table, mapping, user);
    const problems = rows.flatMap((r) => ('problems' in r ? r.problems : []));
    await this.db.exec(
      `update card_imports set mapping = $2, total_rows = $3, refused = $4, refused_rows = $5 where id = $1 and state = 'uploaded'`,
      [
        id,
        JSON.stringify(mapping),
        rows.length,
        JSON.stringify(problems.slice(0, KEPT_PROBLEMS)),
        rows.filter((r) => 'problems' in r).length,
      ],
    );
  }

  /** Starts the checked import as a job; the mapping becomes the type's saved one. */
  async start(user: SessionUser, typeName: string, id: number, allOrNothing: boolean): Promise<void> {
    const { type, row } = await this.get(user, typeName, id);
    if (row.state !== 'uploaded') throw new ValidationError(msg('imports.errors.started'));
    if (!row.mapping) throw new ValidationError(msg('imports.errors.checkFirst'));
    const headers = readCsv(await this.bytes(row)).headers;
    const saved = Object.fromEntries(headers.map((h, i) => [h, row.mapping![i] ?? null]));
    await this.db.transaction(async (t) => {
      const { id: jobId } = await this.jobs.enqueue('cards.import', { importId: id }, { transaction: t, key: `card-import:${id}` });
      // Two starts at once (a double submit, a second tab): the second finds it started and changes nothing.
      const started = await this.db.exec(
        `update card_imports set state = 'queued', all_or_nothing = $2, job_id = $3 where id = $1 and state = 'uploaded'`,
        [id, allOrNothing, jobId],
        t,
      );
      if (started !== 1) throw new ValidationError(msg('imports.errors.started'));
      await this.db.exec(
        `insert into card_import_mappings (card_type, mapping, updated_by) values ($1, $2, $3)
         on conflict (card_type) do update set mapping = excluded.mapping, updated_by = excluded.updated_by, updated_at = now()`,
        [type.name, JSON.stringify(saved), user.id],
        t,
      );
    });
  }

  /**
   * The job's work: imports as the uploader, resuming after the last batch
   * written; a finished import is left as it is. Throws CardImportError when
   * the import cannot run (the uploader may no longer create such cards).
   */
  async run(id: number, progress: (done: number, total: number) => Promise<void>): Promise<{ created: number; refusedRows: number }> {
    const [row] = await this.db.rows<CardImportRow>('select * from card_imports where id = $1', [id]);
    if (!row) throw new CardImportError(`no import #${id}`);
    if (row.state === 'done' || row.state === 'failed') return { created: row.created_cards, refusedRows: row.refused_rows };
    const user = await this.users.sessionUser(row.user_id);
    const type = this.cards.types.get(row.card_type);
    if (!user || !type || !can(user, type, 'create')) throw new CardImportError('the uploader may no longer create cards of this type');
    await this.db.exec(`update card_imports set state = 'running' where id = $1`, [id]);
    const table = readCsv(await this.bytes(row));
    const deps = { db: this.db, services: { cards: this.cards } };
    const rows = await checkRows(deps, type, table, row.mapping ?? [], user);
    let last = 0;
    const r = await importRows(
      deps,
      type,
      user,
      rows,
      { fileName: row.file_name, allOrNothing: row.all_or_nothing, afterLine: row.done_line },
      {
        progress: async (done, total) => {
          if (Date.now() - last > 500 || done === total) await progress(done, total).then(() => (last = Date.now()));
        },
        committed: async (t, line, created) => {
          // Only forward: a second copy of the job running at once (a stalled worker's job taken again) finds
          // the batch written by the first and rolls its own back, so no row is imported twice.
          const moved = await this.db.exec(
            'update card_imports set done_line = $2, created_cards = created_cards + $3 where id = $1 and done_line < $2',
            [id, line, created],
            t,
          );
          if (moved !== 1) throw new ImportRunOverlap(`import #${id}: line ${line} was already imported by another run`);
        },
      },
    );
    const refusedRows = new Set(r.refused.map((p) => p.line)).size;
    const [done] = await this.db.rows<{ created_cards: number }>(
      `update card_imports set state = 'done', total_rows = $2, refused = $3, refused_rows = $4, finished_at = now(), file_path = null
        where id = $1 returning created_cards`,
      [id, rows.length, JSON.stringify(r.refused.slice(0, KEPT_PROBLEMS)), refusedRows],
    );
    await this.removeFile(row);
    return { created: done.created_cards, refusedRows };
  }

  /** The import failed for good (the job's last attempt, or a reason retrying cannot change): kept with the reason, its file removed. */
  async fail(id: number, reason: string): Promise<void> {
    const [row] = await this.db.rows<CardImportRow>(
      `update card_imports set state = 'failed', error = $2, finished_at = now() where id = $1 and state <> 'done' returning *`,
      [id, reason.slice(0, 1000)],
    );
    if (row) await this.removeFile(row);
    await this.db.exec('update card_imports set file_path = null where id = $1', [id]);
  }

  private async bytes(row: CardImportRow): Promise<Buffer> {
    if (!row.file_path) throw new ValidationError(msg('imports.errors.fileGone'));
    return fs.promises.readFile(row.file_path).catch(() => {
      throw new ValidationError(msg('imports.errors.fileGone'));
    });
  }

  private async removeFile(row: CardImportRow): Promise<void> {
    if (row.file_path) await fs.promises.rm(row.file_path, { force: true });
  }
}

/** What a column may fill, in the type's order: the title, the assignee, the fields (not files). */
export function mapTargets(type: CardType): string[] {
  return [...COMMON_TARGETS, ...type.fields.filter((f) => !fieldType(f).holdsFiles).map((f) => f.name)];
}

function isTarget(type: CardType, to: string): boolean {
  return mapTargets(type).includes(to);
}
