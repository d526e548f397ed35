// /admin/webhooks: the webhooks (make one — its secret shown once, on the
// answer to the form, never stored in the clear nor put in a flash or a
// redirect —, disable/enable, delete) and /admin/webhooks/:id, one webhook's
// deliveries with their request, answer and attempts, and "redeliver".
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localize, localizeAll, msg } from '#app/i18n/message';
import { labelOf } from '#app/services/card-type-labels';
import { ValidationError } from '#app/services/errors';
import { WEBHOOK_EVENTS, type WebhookInput } from '#app/services/webhooks';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

const ONE = { id: id(msg('webhooks.errors.notFound')) };
const DELIVERY = { id: id(msg('webhooks.errors.notFound')), delivery: id(msg('webhooks.errors.noDelivery')) };

export type AdminWebhooksDeps = Pick<Services, 'webhooks' | 'cards'>;

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value ? [value] : [];
}

export function adminWebhooksController({ webhooks, cards }: AdminWebhooksDeps) {
  /** Card type name → its plural label in the reader's language. */
  const typeLabels = (req: Request) => Object.fromEntries(cards.types.all.map((t) => [t.name, labelOf(t, req.locale, 'plural')]));

  async function renderList(req: Request, res: Response, status: number, extra: Record<string, unknown>) {
    res.status(status).render('webhooks/list.njk', {
      webhooks: await webhooks.list(),
      events: WEBHOOK_EVENTS,
      cardTypes: cards.types.all.map((t) => ({ name: t.name, label: labelOf(t, req.locale, 'plural') })),
      typeLabels: typeLabels(req),
      values: { url: '', card_type: '', events: [] },
      errors: {},
      created: null,
      ...extra,
    });
  }

  return {
    list: signedIn(async (req, res) => renderList(req, res, 200, {})),

    create: signedIn(async (req, res, { user }) => {
      const b = req.body as Record<string, unknown>;
      const values: WebhookInput = { url: String(b.url ?? ''), card_type: String(b.card_type ?? ''), events: listOf(b.events) };
      try {
        const created = await webhooks.create(values, user);
        await renderList(req, res, 201, { created });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderList(req, res, 400, { values, errors: localizeAll(req.t, err.fieldTexts), message: localize(req.t, err.text) });
      }
    }),

    show: signedIn(ONE, async (req, res, { params }) => {
      const webhook = await webhooks.get(params.id);
      res.render('webhooks/show.njk', { webhook, deliveries: await webhooks.deliveries(webhook.id), typeLabels: typeLabels(req) });
    }),

    setEnabled: signedIn(ONE, async (req, res, { params }) => {
      const enabled = (req.body as Record<string, unknown>).enabled === 'on';
      await webhooks.setEnabled(params.id, enabled);
      flash(req, req.t(enabled ? 'webhooks.flash.enabled' : 'webhooks.flash.disabled'), 'info');
      res.redirect(303, '/admin/webhooks');
    }),

    remove: signedIn(ONE, async (req, res, { params }) => {
      await webhooks.remove(params.id);
      flash(req, req.t('webhooks.flash.deleted'), 'info');
      res.redirect(303, '/admin/webhooks');
    }),

    redeliver: signedIn(DELIVERY, async (req, res, { params }) => {
      await webhooks.redeliver(params.id, params.delivery);
      flash(req, req.t('webhooks.flash.redelivered'), 'info');
      res.redirect(303, `/admin/webhooks/${params.id}`);
    }),
  };
}
