// Files added to a card and removed from it are entries of its history: the
// upload's file names, the removed file's name, who and when. Written by the
// audit worker from a job enqueued with the media rows; a job run twice
// (at-least-once delivery) writes one entry. Before, attachments changed
// nothing in the history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { job as auditAttachmentsChanged } from '#app/jobs/audit.attachments-changed';
import { jobDeps } from '#app/worker/start';
import { onCleanup } from '#test/support/cleanup';
import { makePurchase } from '#test/support/cards';
import { fixture, makeSessionUser, mediaApp, signedIn, upload } from '#test/support/media';
import { eventually } from '#test/support/queue';

describe('attachments in the card history', () => {
  it('records an upload with its file names and a removal with the name, once each', async () => {
    const app = await mediaApp('local', { worker: false });
    const olga = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, olga, { title: 'Desks' });
    const runner = await startWorkers(app.ctx, { queues: ['audit'] });
    onCleanup(() => runner.stop(2000));
    const c = await signedIn(app, 'olga@example.com');
    const path = `/cards/purchase_request/${card.id}`;
    const up = await upload(c, path, [
      { name: 'front.jpg', data: await fixture('jpeg', 64, 48) },
      { name: 'back.png', data: await fixture('png', 64, 48), type: 'image/png' },
    ]);
    assert.equal(up.status, 201);
    const [front] = up.body.media!;
    const token = /data-csrf="([^"]+)"/.exec((await c.get(path)).text)![1];
    const removed = await c.request('POST', `${path}/attachments/${front.id}/delete`, undefined, {
      accept: 'application/json',
      'x-csrf-token': token,
    });
    assert.equal(removed.status, 200);
    assert.equal((await app.ctx.db.rows('select 1 from media where id = $1', [front.id])).length, 0);
    const again = await c.request('POST', `${path}/attachments/${front.id}/delete`, undefined, {
      accept: 'application/json',
      'x-csrf-token': token,
    });
    assert.equal(again.status, 404, 'removing it twice is a 404, not a second entry');

    const rows = await eventually(
      async () => {
        const r = await app.ctx.db.rows<{ kind: string; version: number | null; user_id: number; changes: unknown }>(
          `select kind, version, user_id, changes from card_history where card_id = $1 and version is null order by id`,
          [card.id],
        );
        return r.length === 2 ? r : null;
      },
      10_000,
      'two attachment entries',
    );
    assert.deepEqual(rows, [
      { kind: 'attached', version: null, user_id: olga.id, changes: [{ field: 'files', old: null, new: ['front.jpg', 'back.png'] }] },
      { kind: 'detached', version: null, user_id: olga.id, changes: [{ field: 'files', old: ['front.jpg'], new: null }] },
    ]);

    // At-least-once: the same job handled again records nothing more.
    const jobs = await app.ctx.db.rows<{ id: number; payload: never }>(
      `select id, payload from jobs where kind = 'audit.attachments_changed' order by id`,
    );
    assert.equal(jobs.length, 2);
    const handler = auditAttachmentsChanged.handler(jobDeps(app.ctx));
    for (const j of jobs) assert.deepEqual(await handler(j.payload, { id: j.id } as never), { recorded: false });
    assert.equal((await app.ctx.db.rows('select 1 from card_history where card_id = $1 and version is null', [card.id])).length, 2);

    // The card page's timeline, newest first.
    const page = (await c.get(path)).text;
    const items = [
      ...page.matchAll(
        /<li[^>]*data-kind="(\w+)"[\s\S]*?<div class="fw-semibold">([^<]*)<\/div>[\s\S]*?data-testid="history-line"><span[^>]*>([^<]*)<\/span> ([^<]*)<\/li>/g,
      ),
    ].map((m) => [m[1], m[2], m[3], m[4]]);
    assert.deepEqual(items.slice(0, 2), [
      ['detached', 'Removed a file', 'Removed:', 'front.jpg'],
      ['attached', 'Added 2 files', 'Added:', 'front.jpg, back.png'],
    ]);
  });
});
