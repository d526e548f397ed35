// A worker that has not yet heard of a version saved a moment ago (its
// listener slower than the job, or away) still records a change of a field
// that version added: the audit job reads the stored types when the change
// names a field it does not know (issue 17 item 4).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { job as auditCardChanged } from '#app/jobs/audit.card-changed';
import { createLogger } from '#app/log';
import { CardTypeStore } from '#app/services/card-type-store';
import { loadCardTypes } from '#app/services/card-types';
import { ChangeSignals } from '#app/services/change-signals';
import { projectRoot } from '#app/config';
import { testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { complaintInput, definitionOf, ensureTypeRoles } from '#test/support/cardtypes';

describe('the audit job and a version it has not heard of', () => {
  it('records the change of a field the saved version added', async () => {
    const { ctx } = await testContext();
    await ensureTypeRoles(ctx);
    // The worker's view: the types as they were, and a listener that hears nothing.
    const stale = loadCardTypes(path.join(projectRoot, 'conf', 'cardtypes'));
    const store = new CardTypeStore(ctx.db, stale, new ChangeSignals(ctx.db), ctx.services.jobs, {
      defaultLocale: 'en',
      cards: ctx.services.cards,
    });
    const { def, version } = await definitionOf(ctx, 'complaint');
    def.fields.push({ name: 'urgency', type: 'string', label: 'Urgency' });
    await ctx.services.cardTypeStore.save(def, { expected: version });
    assert.equal(stale.get('complaint')!.fieldMap.has('urgency'), false, 'the worker is behind');

    const owner = await sessionUserFor(ctx, 'owner@example.com', { roles: ['operator'] });
    const card = await ctx.services.cards.create(owner, 'complaint', complaintInput({ urgency: 'today' }));
    const handler = auditCardChanged.handler({ db: ctx.db, cards: { types: stale } as never, cardTypeStore: store });
    const noop = async () => undefined;
    await handler(
      {
        cardId: card.id,
        type: 'complaint',
        kind: 'created',
        userId: owner.id,
        at: new Date().toISOString(),
        version: card.version,
        before: null,
        after: card as unknown as Record<string, unknown>,
      },
      {
        id: 1,
        kind: 'audit.card_changed',
        attempt: 1,
        maxAttempts: 1,
        requestId: null,
        log: createLogger(ctx.settings),
        signal: new AbortController().signal,
        progress: noop,
      },
    );
    const [row] = await ctx.db.rows<{ changes: { field: string; new: unknown }[] }>('select changes from card_history where card_id = $1', [
      card.id,
    ]);
    assert.ok(
      row.changes.some((c) => c.field === 'urgency' && c.new === 'today'),
      `the new field's value is in the history: ${JSON.stringify(row.changes)}`,
    );
    assert.equal(stale.get('complaint')!.fieldMap.has('urgency'), true, 'and the worker now holds the version');
  });
});
