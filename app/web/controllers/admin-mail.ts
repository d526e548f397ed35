// /admin/mail (superusers): the mailboxes Orbis reads, with their state,
// last poll, counts and the running poll's progress; add, edit (the password
// is never shown back: empty keeps it), remove, "fetch now"; and the refused
// mail with its reason, its raw download, "import anyway" and "discard".
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localize, localizeAll, msg } from '#app/i18n/message';
import { labelOf } from '#app/services/card-type-labels';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { PROCESSED, type MailboxInput, type MailboxSummary, type MapTo, type Processed } from '#app/services/mailboxes';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

const ONE = { id: id(msg('mailin.errors.notFound')) };
const REFUSED = { id: id(msg('mailin.errors.noRefused')) };

export type AdminMailDeps = Pick<Services, 'mailboxes' | 'mailImport' | 'cards' | 'jobs'>;

/** The form's fields as text, as typed (kept on a refusal). */
interface FormValues {
  name: string;
  host: string;
  port: string;
  tls: boolean;
  username: string;
  folder: string;
  processed: string;
  move_to: string;
  card_type: string;
  mapping: string;
  defaults: string;
  allowed_senders: string;
  max_mb: string;
  owner: string;
}

const EMPTY: FormValues = {
  name: '',
  host: '',
  port: '143',
  tls: false,
  username: '',
  folder: 'INBOX',
  processed: 'flag',
  move_to: '',
  card_type: '',
  mapping: '',
  defaults: '',
  allowed_senders: '',
  max_mb: '25',
  owner: '',
};

function lines(s: string): string[] {
  return s
    .split(/[\r\n,]+/)
    .map((l) => l.trim())
    .filter(Boolean);
}

function pairs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines(s)) {
    const i = l.indexOf('=');
    if (i > 0) out[l.slice(0, i).trim()] = l.slice(i + 1).trim();
    else out[l] = '';
  }
  return out;
}

function valuesOf(body: Record<string, unknown>): FormValues {
  const s = (k: keyof FormValues) => (typeof body[k] === 'string' ? (body[k] as string) : '').slice(0, 5000);
  return {
    ...(Object.fromEntries(Object.keys(EMPTY).map((k) => [k, s(k as keyof FormValues)])) as unknown as FormValues),
    tls: body.tls === 'on',
  };
}

function inputOf(v: FormValues, password: string): MailboxInput {
  return {
    name: v.name.trim(),
    host: v.host.trim(),
    port: /^\d{1,5}$/.test(v.port.trim()) ? Number(v.port.trim()) : NaN,
    tls: v.tls,
    username: v.username,
    password,
    folder: v.folder,
    processed: v.processed as Processed,
    move_to: v.move_to,
    card_type: v.card_type,
    mapping: pairs(v.mapping) as Record<string, MapTo>,
    defaults: pairs(v.defaults),
    allowed_senders: lines(v.allowed_senders),
    max_mb: /^\d{1,3}$/.test(v.max_mb.trim()) ? Number(v.max_mb.trim()) : NaN,
    owner: v.owner.trim(),
  };
}

function formOf(m: MailboxSummary): FormValues {
  return {
    name: m.name,
    host: m.host,
    port: String(m.port),
    tls: m.tls,
    username: m.username,
    folder: m.folder,
    processed: m.processed,
    move_to: m.move_to ?? '',
    card_type: m.card_type,
    mapping: Object.entries(m.mapping)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    defaults: Object.entries(m.defaults)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    allowed_senders: m.allowed_senders.join('\n'),
    max_mb: String(m.max_mb),
    owner: m.owner_email ?? '',
  };
}

export function adminMailController({ mailboxes, mailImport, cards, jobs }: AdminMailDeps) {
  const cardTypes = (req: Request) => cards.types.all.map((t) => ({ name: t.name, label: labelOf(t, req.locale, 'plural') }));

  async function renderList(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    res.status(status).render('mail/list.njk', {
      mailboxes: await mailboxes.list(),
      refused: await mailboxes.refused(),
      cardTypes: cardTypes(req),
      processedChoices: PROCESSED,
      values: EMPTY,
      errors: {},
      ...extra,
    });
  }

  async function renderEdit(req: Request, res: Response, status: number, mailbox: MailboxSummary, extra: Record<string, unknown>) {
    res.status(status).render('mail/edit.njk', {
      mailbox,
      cardTypes: cardTypes(req),
      processedChoices: PROCESSED,
      values: formOf(mailbox),
      errors: {},
      ...extra,
    });
  }

  const refusal = (req: Request, err: ValidationError, values: FormValues) => ({
    values,
    errors: localizeAll(req.t, err.fieldTexts),
    message: localize(req.t, err.text),
  });

  return {
    list: signedIn(async (req, res) => renderList(req, res, 200, {})),

    /** The table's live state (progress of a running poll), for the page's script. */
    poll: signedIn(async (req, res) => {
      res.json({
        mailboxes: (await mailboxes.list()).map((m) => ({
          id: m.id,
          polling: m.progress_total !== null && m.progress_done !== null && m.progress_done < m.progress_total,
          progress: req.t('mailin.progress', { done: m.progress_done ?? 0, total: m.progress_total ?? 0 }),
          counts: req.t('mailin.countLine', { imported: m.imported, refused: m.refused, ignored: m.ignored }),
        })),
      });
    }),

    create: signedIn(async (req, res) => {
      const body = req.body as Record<string, unknown>;
      const values = valuesOf(body);
      try {
        await mailboxes.create(inputOf(values, typeof body.password === 'string' ? body.password : ''));
        flash(req, req.t('mailin.flash.added', { name: values.name.trim() }), 'info');
        res.redirect(303, '/admin/mail');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderList(req, res, 400, refusal(req, err, values));
      }
    }),

    edit: signedIn(ONE, async (req, res, { params }) => renderEdit(req, res, 200, await mailboxes.get(params.id), {})),

    update: signedIn(ONE, async (req, res, { params }) => {
      const mailbox = await mailboxes.get(params.id);
      const body = req.body as Record<string, unknown>;
      const values = valuesOf(body);
      try {
        await mailboxes.update(mailbox.id, inputOf(values, typeof body.password === 'string' ? body.password : ''));
        flash(req, req.t('mailin.flash.saved', { name: values.name.trim() }), 'info');
        res.redirect(303, '/admin/mail');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderEdit(req, res, 400, mailbox, refusal(req, err, values));
      }
    }),

    remove: signedIn(ONE, async (req, res, { params }) => {
      const m = await mailboxes.get(params.id);
      await mailboxes.remove(m.id);
      flash(req, req.t('mailin.flash.removed', { name: m.name }), 'info');
      res.redirect(303, '/admin/mail');
    }),

    fetchNow: signedIn(ONE, async (req, res, { params }) => {
      const m = await mailboxes.get(params.id);
      await jobs.enqueue('mail.fetch', { mailboxId: m.id });
      flash(req, req.t('mailin.flash.fetching', { name: m.name }), 'info');
      res.redirect(303, '/admin/mail');
    }),

    raw: signedIn(REFUSED, async (_req, res, { params }) => {
      const raw = await mailboxes.raw(params.id);
      if (!raw) throw new NotFoundError(msg('mailin.errors.notKept'));
      res
        .status(200)
        .set('content-type', 'message/rfc822')
        .set('content-disposition', `attachment; filename="refused-${params.id}.eml"`)
        .set('x-content-type-options', 'nosniff')
        .send(raw);
    }),

    importAnyway: signedIn(REFUSED, async (req, res, { params }) => {
      try {
        const o = await mailImport.importRefused(params.id);
        flash(req, o.kind === 'imported' ? req.t('mailin.flash.imported', { card: o.card }) : req.t('mailin.flash.already'), 'info');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, localize(req.t, err.text), 'danger');
      }
      res.redirect(303, '/admin/mail');
    }),

    discard: signedIn(REFUSED, async (req, res, { params }) => {
      await mailboxes.discard(params.id);
      flash(req, req.t('mailin.flash.discarded'), 'info');
      res.redirect(303, '/admin/mail');
    }),
  };
}
