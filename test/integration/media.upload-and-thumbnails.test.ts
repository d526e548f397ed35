// Uploads through HTTP, processed by the images worker through the real queue
// (both transports): JPEG, PNG, WebP, TIFF and BMP get six thumbnails; an
// EXIF orientation 6 photo comes out turned upright; the same bytes uploaded
// twice are one file on disk (two media rows); metadata is stored.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { originalRel, thumbRel, THUMB_FORMATS, THUMB_WIDTHS, THUMBS_VERSION } from '#app/services/media-files';
import { makePurchase } from '#test/support/cards';
import { bmpFixture, fixture, makeSessionUser, mediaApp, settled, signedIn, twoColour, upload, type MediaApp } from '#test/support/media';
import { AMQP_URL, transportAvailable, TRANSPORTS } from '#test/support/queue';
import type { TestClient } from '#test/support/app';

for (const kind of TRANSPORTS) {
  describe(`media upload and thumbnails on ${kind}`, () => {
    let app: MediaApp;
    let c: TestClient;
    let cardPath: string;

    before(async () => {
      if (kind === 'amqp' && !AMQP_URL) return;
      app = await mediaApp(kind);
      const olga = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
      const card = await makePurchase(app.ctx, olga);
      cardPath = `/cards/purchase_request/${card.id}`;
      c = await signedIn(app, 'olga@example.com');
    });

    it('makes 160/640/1600 WebP and JPEG thumbnails of JPEG, PNG, WebP, TIFF and BMP, never upscaled', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const files = [
        { name: 'a.jpg', data: await fixture('jpeg', 2000, 1000) },
        { name: 'b.png', data: await fixture('png') },
        { name: 'c.webp', data: await fixture('webp') },
        { name: 'd.tiff', data: await fixture('tiff') },
        { name: 'e.bmp', data: bmpFixture(300, 200) },
      ];
      const r = await upload(c, cardPath, files);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.media!.length, 5);
      const types = ['image/jpeg', 'image/png', 'image/webp', 'image/tiff', 'image/bmp'];
      for (const [i, m] of r.body.media!.entries()) {
        const row = await settled(app.ctx, m.id);
        assert.equal(row.state, 'ready', `${files[i].name}: ${row.error}`);
        assert.equal(row.type, types[i]);
        assert.equal(row.thumbs_version, THUMBS_VERSION);
        assert.match(row.dominant_color ?? '', /^#[0-9a-f]{6}$/);
        for (const w of THUMB_WIDTHS) {
          for (const f of THUMB_FORMATS) {
            const meta = await sharp(path.join(app.mediaRoot, thumbRel(row.sha256, THUMBS_VERSION, w, f))).metadata();
            assert.equal(meta.format, f === 'jpg' ? 'jpeg' : 'webp');
            assert.equal(meta.width, Math.min(w, row.width!), `${files[i].name} ${w}.${f}`);
            assert.equal(meta.exif, undefined, 'metadata stripped');
          }
        }
        const served = await c.get(`/media/${m.id}/640.webp`);
        assert.equal(served.status, 200);
        assert.equal(served.headers.get('content-type'), 'image/webp');
        assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(served.headers.get('cache-control'), 'private, max-age=31536000, immutable');
      }
      const bmp = await settled(app.ctx, r.body.media![4].id);
      assert.deepEqual([bmp.width, bmp.height], [300, 200]);
    });

    it('turns an EXIF orientation 6 photo upright and stores its metadata', async (t) => {
      if (!transportAvailable(t, kind)) return;
      // Stored 400×300, red left / blue right; orientation 6 means "rotate 90° clockwise to view":
      // upright it is 300×400 with red on top.
      const data = await twoColour(400, 300)
        .jpeg()
        .withExif({ IFD0: { Make: 'Orbis', Model: 'Orbis TestCam 1', DateTime: '2024:05:06 14:03:22' } })
        .toBuffer();
      const rotated = await sharp(data).withMetadata({ orientation: 6 }).keepExif().jpeg().toBuffer();
      assert.equal((await sharp(rotated).metadata()).orientation, 6);
      const r = await upload(c, cardPath, [{ name: 'rotated.jpg', data: rotated }]);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const row = await settled(app.ctx, r.body.media![0].id);
      assert.equal(row.state, 'ready', row.error ?? '');
      assert.deepEqual([row.width, row.height], [300, 400]);
      assert.equal(row.metadata.camera, 'Orbis TestCam 1');
      assert.equal(row.metadata.takenAt, '2024-05-06T14:03:22');
      assert.equal(row.metadata.orientation, 6);
      const thumb = path.join(app.mediaRoot, thumbRel(row.sha256, THUMBS_VERSION, 160, 'jpg'));
      const { data: px, info } = await sharp(thumb).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height], [160, 213]);
      const at = (x: number, y: number) => [...px.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
      const [tr, tg, tb] = at(5, 5); // top-left corner: red when upright
      assert.ok(tr > 200 && tg < 60 && tb < 60, `top-left is red, got ${[tr, tg, tb]}`);
      const [br, bg, bb] = at(info.width - 5, info.height - 5); // bottom-right: blue
      assert.ok(bb > 200 && br < 60 && bg < 60, `bottom-right is blue, got ${[br, bg, bb]}`);
    });

    it('stores the same bytes once: two media rows, one original on disk', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const data = await fixture('png', 321, 123);
      const first = await upload(c, cardPath, [{ name: 'same.png', data }]);
      const second = await upload(c, cardPath, [{ name: 'same-again.png', data }]);
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      const a = await settled(app.ctx, first.body.media![0].id);
      const b = await settled(app.ctx, second.body.media![0].id);
      assert.notEqual(a.id, b.id);
      assert.equal(a.sha256, b.sha256);
      assert.equal(b.state, 'ready');
      assert.deepEqual([b.width, b.height], [321, 123]);
      const dir = path.dirname(path.join(app.mediaRoot, originalRel(a.sha256)));
      assert.deepEqual(
        fs.readdirSync(dir).filter((f) => f.startsWith(a.sha256)),
        [a.sha256],
      );
      assert.deepEqual(fs.readdirSync(path.join(app.mediaRoot, 'tmp')), [], 'no temp file left');
    });
  });
}
