// An image whose processing took the worker down more than once is refused
// with the reason on its card, instead of showing "processing" forever once
// the sweeper gives up on the job.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { job as imagesProcess } from '#app/jobs/images.process';
import { jobDeps } from '#app/worker/start';
import { PermanentJobError, type JobContext } from '#app/queue/kind';
import { makePurchase } from '#test/support/cards';
import { fixture, makeSessionUser, mediaApp, mediaRow, settled, signedIn, upload } from '#test/support/media';

function jobContext(attempt: number, log: JobContext['log']): JobContext {
  return {
    id: 0,
    kind: 'images.process',
    attempt,
    maxAttempts: 5,
    requestId: null,
    log,
    signal: new AbortController().signal,
    progress: async () => undefined,
  };
}

describe('images.process after a worker died mid-render', () => {
  it('retries after one death, refuses the file after the second', async () => {
    const app = await mediaApp('local');
    const olga = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, olga);
    const c = await signedIn(app, 'olga@example.com');
    const r = await upload(c, `/cards/purchase_request/${card.id}`, [{ name: 'a.jpg', data: await fixture('jpeg', 640, 480) }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const id = r.body.media![0].id;
    const done = await settled(app.ctx, id);
    assert.equal(done.state, 'ready');
    const [{ payload }] = await app.ctx.db.rows<{ payload: { mediaId: number; thumbsVersion: number } }>(
      `select payload from jobs where kind = 'images.process' and payload->>'mediaId' = $1`,
      [String(id)],
    );
    const handler = imagesProcess.handler(jobDeps(app.ctx));

    // The row as a killed attempt leaves it: `processing`, not ready.
    await app.ctx.db.exec(`update media set state = 'processing', thumbs_version = 0 where id = $1`, [id]);
    const second = await handler(payload, jobContext(2, app.ctx.log));
    assert.ok(second && typeof second === 'object' && 'width' in second, 'one death: the file is processed again');
    assert.equal((await mediaRow(app.ctx, id)).state, 'ready');

    await app.ctx.db.exec(`update media set state = 'processing', thumbs_version = 0 where id = $1`, [id]);
    await assert.rejects(handler(payload, jobContext(3, app.ctx.log)), PermanentJobError);
    const refused = await mediaRow(app.ctx, id);
    assert.equal(refused.state, 'failed');
    assert.match(refused.error ?? '', /worker stopped while processing this file, more than once/);
  });
});
