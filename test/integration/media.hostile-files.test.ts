// Hostile files and hostile URLs: a decompression bomb, a truncated JPEG,
// HTML named .jpg, an SVG with a script, an MVG `url(` payload and an empty
// file are each refused at upload (400 naming the reason, nothing left on
// disk, no row) or marked failed by the worker with the reason — within 10 s
// and with the worker process under 512 MB. Media of a card the user may not
// read, and path tricks in media URLs, are 404; production hands the file to
// nginx (X-Accel-Redirect, no body).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { before, describe, it } from 'node:test';
import { originalRel } from '#app/services/media-files';
import type { TestClient } from '#test/support/app';
import { makePurchase } from '#test/support/cards';
import { fixture, makeSessionUser, mediaApp, settled, signedIn, upload, type MediaApp } from '#test/support/media';
import { AMQP_URL, eventually, transportAvailable, TRANSPORTS } from '#test/support/queue';

const MB = 1024 * 1024;

/** A PNG that claims 30000×30000 (900 megapixels) in a few hundred bytes. */
function bombPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30000, 0);
  ihdr.writeUInt32BE(30000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const idat = zlib.deflateSync(Buffer.alloc(30001 * 64)); // the first rows of zeros; the rest would inflate to 900 MB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

for (const kind of TRANSPORTS) {
  describe(`hostile media on ${kind}`, () => {
    let app: MediaApp;
    let olga: TestClient;
    let oscar: TestClient;
    let cardPath: string;

    before(async () => {
      if (kind === 'amqp' && !AMQP_URL) return;
      app = await mediaApp(kind);
      const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
      await makeSessionUser(app.ctx, 'oscar@example.com', ['operator']); // operators read only their own cards
      cardPath = `/cards/purchase_request/${(await makePurchase(app.ctx, owner)).id}`;
      olga = await signedIn(app, 'olga@example.com');
      oscar = await signedIn(app, 'oscar@example.com');
    });

    const nothingStored = async () => {
      assert.equal((await app.ctx.db.rows('select id from media')).length, 0, 'no media row');
      const tmp = path.join(app.mediaRoot, 'tmp');
      assert.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], [], 'no temp file');
      assert.equal(
        fs.existsSync(path.join(app.mediaRoot, 'originals'))
          ? fs.readdirSync(path.join(app.mediaRoot, 'originals'), { recursive: true }).length
          : 0,
        0,
        'no original',
      );
    };

    const refused: Array<[string, () => Buffer | Promise<Buffer>, RegExp]> = [
      ['bomb.png', bombPng, /30000×30000 pixels, more than the 100 megapixels/],
      [
        'page.jpg',
        () => Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>'),
        /HTML files are refused/,
      ],
      [
        'logo.svg',
        () => Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        /SVG images are refused/,
      ],
      [
        'draw.jpg',
        () =>
          Buffer.from(
            'push graphic-context\nviewbox 0 0 640 480\nfill \'url(https://example.com/image.jpg"|ls "-la)\'\npop graphic-context\n',
          ),
        /drawing scripts \(MVG\/MSL\/XML\) are refused/,
      ],
      ['empty.jpg', () => Buffer.alloc(0), /the file is empty/],
    ];
    for (const [name, make, reason] of refused) {
      it(`refuses ${name} at upload with the reason, leaving nothing behind`, async (t) => {
        if (!transportAvailable(t, kind)) return;
        const started = Date.now();
        const r = await upload(olga, cardPath, [{ name, data: await make() }]);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.match(r.body.error ?? '', reason);
        assert.match(r.body.fields?.[name] ?? '', reason);
        assert.ok(Date.now() - started < 10_000);
        await nothingStored();
      });
    }

    it('refuses a whole request when one of its files is refused (nothing half-written)', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const r = await upload(olga, cardPath, [
        { name: 'fine.png', data: await fixture('png') },
        { name: 'bad.jpg', data: Buffer.from('<html></html>') },
      ]);
      assert.equal(r.status, 400);
      assert.match(r.body.error ?? '', /bad\.jpg: HTML files are refused/);
      await nothingStored();
    });

    it('marks a truncated JPEG failed with the reason, once (no retries), within 10 s and 512 MB', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const whole = await fixture('jpeg', 1200, 900);
      const r = await upload(olga, cardPath, [{ name: 'cut.jpg', data: whole.subarray(0, Math.floor(whole.length / 2)) }]);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const started = Date.now();
      const row = await settled(app.ctx, r.body.media![0].id, 10_000);
      assert.ok(Date.now() - started < 10_000);
      assert.equal(row.state, 'failed');
      assert.match(row.error ?? '', /cannot be read/);
      // The handler marks the media failed before the worker records the
      // job's outcome: wait for the job row too, then check it ran once.
      const job = await eventually(
        async () => {
          const [j] = await app.ctx.db.rows<{ state: string; attempts: number }>(
            "select state, attempts from jobs where kind = 'images.process' and payload->>'mediaId' = $1",
            [String(row.id)],
          );
          return j && j.state !== 'running' && j.state !== 'queued' ? j : null;
        },
        10_000,
        'the job to finish',
      );
      assert.deepEqual([job.state, job.attempts], ['failed', 1]);
      assert.ok(process.memoryUsage().rss < 512 * MB, `rss ${Math.round(process.memoryUsage().rss / MB)} MB`);
      const page = await olga.get(cardPath);
      assert.match(page.text, /cannot be read/, 'the reason is on the card');
      await app.ctx.db.exec('delete from media');
    });

    it('serves media only to users who may read the card, and 404s path tricks', async (t) => {
      if (!transportAvailable(t, kind)) return;
      const r = await upload(olga, cardPath, [{ name: 'ok.png', data: await fixture('png', 200, 100) }]);
      const id = r.body.media![0].id;
      await settled(app.ctx, id);
      const mine = await olga.get(`/media/${id}/original`);
      assert.equal(mine.status, 200);
      assert.equal(mine.headers.get('content-type'), 'image/png');
      assert.match(mine.headers.get('content-disposition') ?? '', /^attachment; filename="ok.png"/);
      assert.equal(mine.headers.get('x-content-type-options'), 'nosniff');
      for (const v of ['original', '160.webp', '640.jpg']) assert.equal((await oscar.get(`/media/${id}/${v}`)).status, 404, v);
      assert.equal((await oscar.get(`${cardPath}/attachments.json`)).status, 404);
      const tricks = [
        `/media/${id}/..%2F..%2F..%2Fetc%2Fpasswd`,
        `/media/${id}/%2e%2e%2f%2e%2e%2fpackage.json`,
        `/media/%2e%2e/original`,
        `/media/${id}/%2Fetc%2Fpasswd`,
        `/media/${id}/original%00`,
        `/media/${id}/640.webp%2F..%2F..`,
        `/media/0${id}/original`,
        `/media/${id}/320.webp`,
        `/media/-1/original`,
        `/media/${id}/original/..`,
        '/media/..%2F..%2Fetc/passwd',
      ];
      for (const p of tricks) assert.equal((await olga.get(p)).status, 404, p);
    });
  });
}

describe('media in production', () => {
  it('answers with X-Accel-Redirect to /lib/media/ and no body', async () => {
    const app = await mediaApp('local', {
      env: { NODE_ENV: 'production', SECRET_KEY: 'a-production-secret-of-length', ORBIS_PUBLIC_URL: 'http://localhost' },
    });
    const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const cardPath = `/cards/purchase_request/${(await makePurchase(app.ctx, owner)).id}`;
    const c = await signedIn(app, 'olga@example.com');
    const r = await upload(c, cardPath, [{ name: 'p.png', data: await fixture('png', 200, 100) }]);
    assert.equal(r.status, 201);
    const row = await settled(app.ctx, r.body.media![0].id);
    const original = await c.get(`/media/${row.id}/original`);
    assert.equal(original.status, 200);
    assert.equal(original.headers.get('x-accel-redirect'), `/lib/media/${originalRel(row.sha256)}`);
    assert.equal(original.text, '');
    assert.equal(original.headers.get('content-type'), 'image/png');
    const thumb = await c.get(`/media/${row.id}/160.jpg`);
    assert.match(thumb.headers.get('x-accel-redirect') ?? '', /^\/lib\/media\/thumbs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}-v1-160\.jpg$/);
    assert.equal(thumb.text, '');
  });
});
