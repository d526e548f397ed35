// Card history end to end, on both transports (the audit job goes through the
// real queue): every committed card change becomes exactly one card_history
// row with its field diffs; a rolled-back change enqueues nothing; a re-run
// of the same job does not double its row; the card page shows the timeline
// with labels and names (never ids), escaped.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FieldChange } from '#app/services/audit';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { createApp } from '#app/web/app';
import { formatDateTime } from '#app/web/render';
import { listen } from '#app/web/server';
import { job as auditCardChanged } from '#app/jobs/audit.card-changed';
import { jobDeps } from '#app/worker/start';
import { TestClient } from '#test/support/app';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { jobsHarness, type JobsHarness } from '#test/support/jobs';
import { AMQP_URL, eventually, transportAvailable, TRANSPORTS } from '#test/support/queue';

const PASSWORD = 'correct horse battery';

interface HistoryRow {
  version: number;
  at: Date;
  user_id: number | null;
  kind: string;
  transition: string | null;
  from_stage: string | null;
  to_stage: string | null;
  changes: FieldChange[];
  job_id: number | null;
}

for (const kind of TRANSPORTS) {
  describe(`card history on ${kind}`, () => {
    let h: JobsHarness;
    let operator: SessionUser;
    let approver: SessionUser;
    let manager: SessionUser;
    let admin: SessionUser;
    /** A later change hook fails the change of this card (a rollback after the audit hook ran). */
    let failChangeOf: number | null = null;

    before(async () => {
      if (kind === 'amqp' && !AMQP_URL) return; // each test skips (or fails in CI) with the reason
      h = await jobsHarness(kind);
      operator = await sessionUserFor(h.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
      approver = await sessionUserFor(h.ctx, 'anton@example.com', { roles: ['approver'], name: 'Anton Approver' });
      manager = await sessionUserFor(h.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
      admin = await sessionUserFor(h.ctx, 'root@example.com', { superuser: true, name: 'Root Admin' });
      // Registered after the audit hook (built with the context), so it runs after the job was enqueued.
      h.ctx.services.cards.onChange(async (change) => {
        if (change.card.id === failChangeOf) throw new Error('a later hook failed');
      });
      await h.start({ queues: ['audit', 'default'] });
    });

    const rows = (cardId: number) =>
      h.ctx.db.rows<HistoryRow>(
        'select version, at, user_id, kind, transition, from_stage, to_stage, changes, job_id from card_history where card_id = $1 order by version',
        [cardId],
      );
    const auditJobs = (cardId: number) =>
      h.ctx.db.rows<{ id: number; key: string; state: string; result: unknown; attempts: number }>(
        `select id, key, state, result, attempts from jobs where kind = 'audit.card_changed' and (payload->>'cardId')::bigint = $1 order by id`,
        [cardId],
      );
    const waitRows = (cardId: number, n: number) =>
      eventually(async () => (await rows(cardId)).length >= n, 10_000, `${n} history rows of card ${cardId}`);

    it('records one row per create, edit, transition, delete and restore, with the field diffs', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const card = await makePurchase(h.ctx, operator);
      await waitRows(card.id, 1);
      const [created] = await rows(card.id);
      assert.equal(created.kind, 'created');
      assert.equal(created.user_id, operator.id);
      assert.equal(created.at.toISOString(), card.updated_at.toISOString(), 'at is when the change happened, from the payload');
      // The initial values that are set (urgent=false and empty fields are not).
      assert.deepEqual(created.changes, [
        { field: 'title', old: null, new: 'Laptops' },
        { field: 'stage', old: null, new: 'draft' },
        { field: 'supplier', old: null, new: 'Bytecraft Ltd' },
        { field: 'amount', old: null, new: 1200.5 },
        { field: 'category', old: null, new: 'it' },
        { field: 'quantity', old: null, new: 2 },
      ]);

      const edited = await h.ctx.services.cards.update(
        operator,
        'purchase_request',
        card.id,
        purchaseInput({ version: '1', amount: '1300', category: 'office', approver: String(approver.id), assignee: String(manager.id) }),
      );
      await waitRows(card.id, 2);
      assert.deepEqual((await rows(card.id))[1].changes, [
        { field: 'assignee', old: null, new: manager.id },
        { field: 'amount', old: 1200.5, new: 1300 },
        { field: 'category', old: 'it', new: 'office' },
        { field: 'approver', old: null, new: approver.id },
      ]);

      const moved = await h.ctx.services.cards.transition(operator, 'purchase_request', card.id, 'submit', {
        version: String(edited.version),
      });
      await waitRows(card.id, 3);
      const tr = (await rows(card.id))[2];
      assert.equal(tr.kind, 'transitioned');
      assert.equal(tr.transition, 'submit');
      assert.equal(tr.from_stage, 'draft');
      assert.equal(tr.to_stage, 'approval');
      assert.deepEqual(tr.changes, [
        { field: 'stage', old: 'draft', new: 'approval' },
        { field: 'due_at', old: null, new: moved.due_at!.toISOString() },
      ]);

      await h.ctx.services.cards.remove(admin, 'purchase_request', card.id);
      await h.ctx.services.cards.restore(admin, 'purchase_request', card.id);
      await waitRows(card.id, 5);
      await h.ctx.publisher.drain();
      await new Promise((r) => setTimeout(r, 300)); // room for a doubled row to show up
      const all = await rows(card.id);
      assert.deepEqual(
        all.map((r) => [r.version, r.kind, r.user_id]),
        [
          [1, 'created', operator.id],
          [2, 'updated', operator.id],
          [3, 'transitioned', operator.id],
          [4, 'deleted', admin.id],
          [5, 'restored', admin.id],
        ],
      );
      assert.deepEqual(all[3].changes, []);
      const jobs = await auditJobs(card.id);
      assert.deepEqual(
        jobs.map((j) => j.key),
        [1, 2, 3, 4, 5].map((v) => `audit:card:${card.id}:v${v}`),
        'exactly one job per change',
      );
      assert.ok(jobs.every((j) => j.state === 'done'));
      assert.deepEqual(
        all.map((r) => r.job_id),
        jobs.map((j) => j.id),
      );
    });

    it('enqueues nothing for a change that rolls back', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const card = await makePurchase(h.ctx, operator);
      const cards = h.ctx.services.cards;
      await assert.rejects(cards.update(operator, 'purchase_request', card.id, purchaseInput({ version: '1', amount: 'lots' })), {
        name: 'ValidationError',
      });
      await assert.rejects(cards.update(operator, 'purchase_request', card.id, purchaseInput({ version: '9', amount: '5' })), {
        name: 'ConflictError',
      });
      failChangeOf = card.id;
      try {
        // The audit hook has inserted its job row when the later hook fails: it must roll back with the change.
        await assert.rejects(
          cards.update(operator, 'purchase_request', card.id, purchaseInput({ version: '1', amount: '7' })),
          /a later hook failed/,
        );
        await assert.rejects(
          cards.transition(operator, 'purchase_request', card.id, 'submit', { approver: String(approver.id) }),
          /a later hook failed/,
        );
      } finally {
        failChangeOf = null;
      }
      await waitRows(card.id, 1);
      await h.ctx.publisher.drain();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await h.ctx.services.cards.getForUser(operator, 'purchase_request', card.id)).version, 1);
      assert.deepEqual(
        (await auditJobs(card.id)).map((j) => j.key),
        [`audit:card:${card.id}:v1`],
      );
      assert.deepEqual(
        (await rows(card.id)).map((r) => r.version),
        [1],
      );
      // The same edit, committed this time, is recorded.
      await cards.update(operator, 'purchase_request', card.id, purchaseInput({ version: '1', amount: '7' }));
      await waitRows(card.id, 2);
      assert.deepEqual((await rows(card.id))[1].changes, [{ field: 'amount', old: 1200.5, new: 7 }]);
    });

    it('does not double the row when the same job runs again', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const card = await makePurchase(h.ctx, operator);
      await waitRows(card.id, 1);
      const [job] = await auditJobs(card.id);
      await eventually(async () => (await h.ctx.jobStore.get(job.id))?.state === 'done', 10_000, 'the audit job done');
      // Through the real queue: as after a crash between the insert and the job's completion.
      await h.ctx.db.exec(`update jobs set state = 'queued', result = null, finished_at = null where id = $1`, [job.id]);
      await h.ctx.publisher.publishNow('audit', [job.id]);
      const again = await eventually(
        async () => {
          const j = (await auditJobs(card.id))[0];
          return j.state === 'done' && j.result ? j : null;
        },
        10_000,
        'the re-published job done again',
      );
      assert.equal(again.attempts, job.attempts + 1, 'the handler ran a second time');
      assert.deepEqual(again.result, { recorded: false, changes: 6 });
      // And the handler called directly with the same payload.
      const stored = (await h.ctx.jobStore.get(job.id))!;
      const result = await auditCardChanged.handler(jobDeps(h.ctx))(stored.payload as never, {
        id: job.id,
        kind: 'audit.card_changed',
        attempt: 3,
        maxAttempts: 10,
        requestId: null,
        log: h.ctx.log,
        signal: new AbortController().signal,
        progress: async () => undefined,
      });
      assert.deepEqual(result, { recorded: false, changes: 6 });
      assert.equal((await rows(card.id)).length, 1);
    });

    it('shows the timeline on the card page: labels and names, not ids, escaped, pending until recorded', async (t) => {
      if (!transportAvailable(t, kind)) return;
      await h.ctx.db.exec(`update users set time_zone = 'America/New_York' where id = $1`, [operator.id]);
      const server = await listen(createApp(h.ctx), '127.0.0.1', 0);
      onCleanup(() => server.close(1000));
      const client = new TestClient(server.url);
      assert.equal((await client.login('olga@example.com', PASSWORD)).status, 303);

      const other = await makePurchase(h.ctx, operator, { title: 'Monitors' });
      const card = await makePurchase(h.ctx, operator);
      let v = (
        await h.ctx.services.cards.update(
          operator,
          'purchase_request',
          card.id,
          purchaseInput({
            version: '1',
            amount: '1300',
            category: 'office',
            supplier: '<b>Evil & Co</b>',
            approver: String(approver.id),
            assignee: String(manager.id),
          }),
        )
      ).version;
      v = (await h.ctx.services.cards.transition(operator, 'purchase_request', card.id, 'submit', { version: String(v) })).version;
      await waitRows(card.id, 3);
      const complaint = await h.ctx.services.cards.create(operator, 'complaint', {
        title: 'Late delivery',
        customer: 'ACME',
        channel: 'phone',
        severity: 'low',
        details: 'Two weeks late.',
        order: String(card.id),
      });
      await h.ctx.services.cards.update(operator, 'complaint', complaint.id, {
        version: '1',
        title: 'Late delivery',
        customer: 'ACME',
        channel: 'phone',
        severity: 'high',
        details: 'Two weeks late.',
        order: String(other.id),
      });
      await waitRows(complaint.id, 2);

      const page = await client.get(`/cards/purchase_request/${card.id}`);
      assert.equal(page.status, 200);
      const lines = historyLines(page.text);
      assert.deepEqual(lines.slice(0, 5), [
        // Newest first: the transition, then the edit.
        'Stage: Draft → Waiting for approval',
        `Due: — → ${formatDateTime((await reload(card)).due_at, 'America/New_York')}`,
        'Assignee: — → Maria Manager',
        'Supplier: Bytecraft Ltd → <b>Evil & Co</b>',
        'Amount (EUR): 1,200.50 → 1,300.00',
      ]);
      assert.deepEqual(lines.slice(5, 7), ['Category: IT equipment → Office supplies', 'Approver: — → Anton Approver']);
      assert.ok(lines.includes('Amount (EUR): 1,200.50'), 'created shows the initial values');
      const section = historySection(page.text);
      assert.match(section, /Submit for approval/);
      assert.match(section, /&lt;b&gt;Evil &amp; Co&lt;\/b&gt;/, 'typed HTML is escaped');
      assert.doesNotMatch(section, /<b>Evil/);
      const [newest] = await h.ctx.db.rows<{ at: Date }>('select at from card_history where card_id = $1 and version = 3', [card.id]);
      assert.ok(section.includes(`${formatDateTime(newest.at, 'America/New_York')} · Olga Operator`), 'when (viewer time zone) and who');
      assert.doesNotMatch(section, /history-pending/);

      const cPage = await client.get(`/cards/complaint/${complaint.id}`);
      assert.deepEqual(historyLines(cPage.text).slice(0, 2), [
        'Severity: Low → High',
        `Related purchase: ${card.number} → ${other.number}`,
      ]);

      // The latest version's job not run yet: the page says it is pending.
      const [job] = await h.ctx.db.rows<{ id: number }>('select id from jobs where key = $1', [`audit:card:${card.id}:v${v}`]);
      await h.ctx.db.exec(`update jobs set state = 'queued', run_after = now() + interval '1 hour', published_at = null where id = $1`, [
        job.id,
      ]);
      await h.ctx.db.exec('delete from card_history where card_id = $1 and version = $2', [card.id, v]);
      const pending = await client.get(`/cards/purchase_request/${card.id}`);
      assert.match(historySection(pending.text), /data-testid="history-pending"/);
      assert.equal(historyLines(pending.text)[0], 'Assignee: — → Maria Manager');
      // Due now: the relay publishes it, the worker records it, the note goes.
      await h.ctx.db.exec('update jobs set run_after = now() where id = $1', [job.id]);
      await waitRows(card.id, 3);
      const caughtUp = await client.get(`/cards/purchase_request/${card.id}`);
      assert.doesNotMatch(historySection(caughtUp.text), /history-pending/);
      assert.equal(historyLines(caughtUp.text)[0], 'Stage: Draft → Waiting for approval');
    });

    async function reload(card: Card): Promise<Card> {
      return h.ctx.services.cards.getForUser(admin, card.type, card.id);
    }
  });
}

function historySection(html: string): string {
  const start = html.indexOf('id="history"');
  assert.ok(start >= 0, 'the page has a history section');
  return html.slice(start, html.indexOf('</section>', start));
}

/** The timeline's change lines as text (tags stripped, entities decoded, spaces collapsed). */
function historyLines(html: string): string[] {
  return [...historySection(html).matchAll(/data-testid="history-line">([\s\S]*?)<\/li>/g)].map((m) =>
    m[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );
}
