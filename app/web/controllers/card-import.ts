// The import page of a card type (/cards/:type/import): upload a CSV file,
// map its columns, see every row's problems, start the import as a job, watch
// its progress, read its result. Thin: parse, call CardImports
// (app/services/card-import-runs.ts), render.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localize, localizeAll } from '#app/i18n/message';
import type { Translate } from '#app/i18n/i18n';
import { CSV_MAX_BYTES } from '#app/services/card-import';
import { mapTargets, type CardImportRow } from '#app/services/card-import-runs';
import { typeIn } from '#app/services/card-type-labels';
import type { CardType } from '#app/services/card-types';
import { ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';
import { receiveFiles } from '#app/web/upload';

const TYPE = { type: 'text' } as const;
const IMPORT = { type: 'text', importId: id() } as const;
const PAGE_SIZE = 50;

export type CardImportDeps = Pick<Services, 'cardImports'>;

function urlOf(type: CardType, importId?: number): string {
  return `/cards/${type.name}/import${importId ? `/${importId}` : ''}`;
}

/** What the progress bar and its script show. */
function statusOf(row: CardImportRow, t: Translate) {
  const total = row.progress_total ?? row.total_rows;
  const done = row.state === 'done' ? total : (row.progress_current ?? 0);
  const percent = total ? Math.min(100, Math.floor((done / total) * 100)) : row.state === 'done' ? 100 : 0;
  return {
    state: row.state,
    done,
    total,
    percent,
    label: t('imports.progress', {
      done: done.toLocaleString('en').replace(/,/g, ' '),
      total: total.toLocaleString('en').replace(/,/g, ' '),
    }),
    final: row.state === 'done' || row.state === 'failed',
  };
}

export function cardImportController({ cardImports }: CardImportDeps) {
  async function page(
    req: Request,
    res: Response,
    type: CardType,
    row: CardImportRow,
    extra: { message?: string; errors?: Record<string, string>; status?: number } = {},
  ) {
    const shown = typeIn(type, req.locale);
    const labels = new Map<string, string>([
      ['title', req.t('cards.title')],
      ['assignee', req.t('cards.assignee')],
      ...shown.fields.map((f): [string, string] => [f.name, f.label]),
    ]);
    const columns = row.state === 'uploaded' ? await cardImports.columns(type, row) : null;
    const problems = (row.refused ?? []).map((p) => ({
      line: p.line,
      column: p.column,
      reason: p.text ? localize(req.t, p.text) : p.reason,
    }));
    const pages = Math.max(1, Math.ceil(problems.length / PAGE_SIZE));
    const pageNo = Math.min(pages, Math.max(1, Number.parseInt(String(req.query.page ?? '1'), 10) || 1));
    res.status(extra.status ?? 200).render('cards/import-run.njk', {
      type: shown,
      url: urlOf(type, row.id),
      row,
      checked: row.state === 'uploaded' && row.mapping !== null,
      columns: columns && {
        rows: columns.rows,
        items: columns.headers.map((h, i) => ({ header: h, to: columns.mapping[i] ?? '' })),
      },
      targets: mapTargets(type).map((name) => ({ name, label: labels.get(name) ?? name })),
      validRows: Math.max(0, row.total_rows - row.refused_rows),
      problems: problems.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE),
      keptProblems: problems.length,
      pageNo,
      pages,
      status: statusOf(row, req.t),
      message: extra.message,
      errors: extra.errors ?? {},
    });
  }

  return {
    /** GET /cards/:type/import — the upload form. */
    form: signedIn(TYPE, (req, res, { user, params }) => {
      const type = cardImports.typeToImport(user, params.type);
      res.render('cards/import.njk', { type: typeIn(type, req.locale), maxMB: CSV_MAX_BYTES / 1024 / 1024 });
    }),

    /** POST /cards/:type/import — multipart (`files`): the file kept, then its mapping page. */
    upload: signedIn(TYPE, async (req, res, { user, params }) => {
      // Permission first: nobody who may not import gets a byte onto the disk.
      const type = cardImports.typeToImport(user, params.type);
      const received = await receiveFiles(req, cardImports, CSV_MAX_BYTES);
      const importId = await cardImports.upload(user, type.name, received);
      if (req.xhr || req.accepts(['html', 'json']) === 'json') return res.status(201).json({ url: urlOf(type, importId) });
      res.redirect(303, urlOf(type, importId));
    }),

    /** GET /cards/:type/import/:importId — mapping and problems, progress, or the result. */
    show: signedIn(IMPORT, async (req, res, { user, params }) => {
      const { type, row } = await cardImports.get(user, params.type, params.importId);
      await page(req, res, type, row);
    }),

    /** GET /cards/:type/import/:importId/status — the progress bar's poll. */
    status: signedIn(IMPORT, async (req, res, { user, params }) => {
      const { row } = await cardImports.get(user, params.type, params.importId);
      res.setHeader('Cache-Control', 'no-store');
      res.json(statusOf(row, req.t));
    }),

    /** POST /cards/:type/import/:importId/check — the mapping (`column` per column, in order) kept; every row checked. */
    check: signedIn(IMPORT, async (req, res, { user, params }) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const raw = body.column;
      const columns = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => (typeof v === 'string' ? v : ''));
      try {
        await cardImports.check(user, params.type, params.importId, columns);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const { type, row } = await cardImports.get(user, params.type, params.importId);
        return page(req, res, type, row, { message: localize(req.t, err.text), errors: localizeAll(req.t, err.fieldTexts), status: 400 });
      }
      res.redirect(303, `/cards/${params.type}/import/${params.importId}#problems`);
    }),

    /** POST /cards/:type/import/:importId/start — `mode`: valid (the valid rows) or all (all or nothing). */
    start: signedIn(IMPORT, async (req, res, { user, params }) => {
      const mode = (req.body as Record<string, unknown> | undefined)?.mode;
      if (mode !== 'valid' && mode !== 'all') throw new ValidationError(req.t('imports.errors.mode'));
      await cardImports.start(user, params.type, params.importId, mode === 'all');
      flash(req, req.t('imports.flash.started'));
      res.redirect(303, `/cards/${params.type}/import/${params.importId}`);
    }),
  };
}
