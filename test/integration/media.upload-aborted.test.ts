// A client that goes away in the middle of a file leaves nothing behind: the
// upload's temp file is removed and no media row is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makePurchase } from '#test/support/cards';
import { makeSessionUser, mediaApp, signedIn } from '#test/support/media';
import { eventually } from '#test/support/queue';

describe('an upload aborted mid-file', () => {
  it('removes its temp file and writes no media row', async () => {
    const app = await mediaApp('local', { worker: false });
    const olga = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, olga);
    const c = await signedIn(app, 'olga@example.com');
    const cardPath = `/cards/purchase_request/${card.id}`;
    const token = /name="_csrf" value="([^"]+)"/.exec((await c.get(cardPath)).text)![1];
    const boundary = 'orbis-test-boundary';
    const url = new URL(`${app.url}${cardPath}/attachments`);
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(10 * 1024 * 1024),
        'x-csrf-token': token,
        cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    req.on('error', () => undefined);
    req.write(`--${boundary}\r\ncontent-disposition: form-data; name="files"; filename="big.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`);
    req.write(Buffer.alloc(512 * 1024, 0xff));
    const tmp = path.join(app.mediaRoot, 'tmp');
    await eventually(() => fs.existsSync(tmp) && fs.readdirSync(tmp).length > 0, 10_000, 'the temp file to appear');
    req.destroy(); // the client goes away mid-file
    await eventually(() => fs.readdirSync(tmp).length === 0, 10_000, 'the temp file to be removed');
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from media');
    assert.equal(n, 0);
  });
});
