// Faces on uploaded photos, through HTTP and the real queue: the images.faces
// job runs after the thumbnails job of the same attachment (on the
// `recognition` queue), stores each face with its crop, and
// GET /media/:id/faces answers a reader of the card; crops and the JSON are
// 404 to anyone else. The same person in a second photo joins the first's
// group. Bad input (1×1, CMYK, 16-bit PNG, grey, a wide panorama) is done or
// failed with the reason; a failed thumbnail fails the faces with the cause.
// A job run twice (a worker killed mid-job runs it again) stores the faces
// once, keeping each face's id and person. Removing the attachment removes its faces and crops.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { bindJobs } from '#app/jobs/define';
import { jobDeps, startWorkers } from '#app/worker/start';
import type { TestClient } from '#test/support/app';
import { makePurchase } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { fixture, makeSessionUser, mediaApp, signedIn, upload, type MediaApp } from '#test/support/media';
import { eventually } from '#test/support/queue';
import { SAMPLES } from '#test/support/faces';

interface FacesJson {
  state: string;
  error?: string;
  faces: {
    id: number;
    box: { x: number; y: number; w: number; h: number };
    score: number;
    crop: string;
    person?: { id: number; status: string };
  }[];
}

describe('faces of uploaded photos (local transport)', () => {
  let app: MediaApp;
  let olga: TestClient;
  let oscar: TestClient;
  let cardPath: string;

  before(async () => {
    app = await mediaApp('local');
    const runner = await startWorkers(app.ctx, { queues: ['recognition'] });
    onCleanup(() => runner.stop(5000));
    const owner = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    await makeSessionUser(app.ctx, 'oscar@example.com', ['operator']); // operators read only their own cards
    const card = await makePurchase(app.ctx, owner);
    cardPath = `/cards/purchase_request/${card.id}`;
    olga = await signedIn(app, 'olga@example.com');
    oscar = await signedIn(app, 'oscar@example.com');
  });

  async function facesOf(c: TestClient, mediaId: number, ms = 60_000): Promise<FacesJson> {
    return eventually(
      async () => {
        const r = await c.get(`/media/${mediaId}/faces`);
        assert.equal(r.status, 200, r.text);
        const body = JSON.parse(r.text) as FacesJson;
        return body.state === 'done' || body.state === 'failed' ? body : null;
      },
      ms,
      `faces of media #${mediaId}`,
    );
  }

  async function uploadOne(name: string, data: Buffer): Promise<number> {
    const r = await upload(olga, cardPath, [{ name, data }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.media![0].id;
  }

  let sample1: number;
  let sample1Faces: FacesJson;

  it('finds the 3 faces of sample1 after its thumbnails, with crops, for a reader of the card only', async () => {
    sample1 = await uploadOne('sample1.jpg', await sharp(path.join(SAMPLES, 'sample1.jpg')).toBuffer());
    sample1Faces = await facesOf(olga, sample1);
    assert.equal(sample1Faces.state, 'done', sample1Faces.error);
    assert.equal(sample1Faces.faces.length, 3);
    const [thumbs] = await app.ctx.db.rows<{ finished_at: Date }>(
      "select finished_at from jobs where kind = 'images.process' and payload->>'mediaId' = $1",
      [String(sample1)],
    );
    const [faces] = await app.ctx.db.rows<{ started_at: Date; queue: string; depends_on: number[] }>(
      "select started_at, queue, depends_on from jobs where kind = 'images.faces' and payload->>'mediaId' = $1",
      [String(sample1)],
    );
    assert.equal(faces.queue, 'recognition');
    assert.equal(faces.depends_on.length, 1);
    assert.ok(faces.started_at >= thumbs.finished_at, 'the faces job ran after the thumbnails job');
    for (const f of sample1Faces.faces) {
      assert.ok(f.score >= 0.5);
      assert.ok(f.box.w > 50 && f.box.h > 50);
      const crop = await olga.get(f.crop);
      assert.equal(crop.status, 200);
      assert.equal(crop.headers.get('content-type'), 'image/webp');
      assert.equal((await oscar.get(f.crop)).status, 404, 'a crop is not served to a non-reader');
    }
    assert.equal((await oscar.get(`/media/${sample1}/faces`)).status, 404);
    // A face id of another attachment through this one's URL: 404.
    const other = await uploadOne('sample2.jpg', await sharp(path.join(SAMPLES, 'sample2.jpg')).toBuffer());
    const otherFaces = await facesOf(olga, other);
    assert.equal(otherFaces.faces.length, 3);
    assert.equal((await olga.get(`/media/${sample1}/faces/${otherFaces.faces[0].id}.webp`)).status, 404);
  });

  it('groups the same person in a second photo with the first', async () => {
    const target = sample1Faces.faces.reduce((a, b) => (a.box.x > b.box.x ? a : b));
    const sized = await sharp(path.join(SAMPLES, 'sample1.jpg')).resize({ width: 1600 }).png().toBuffer();
    const left = Math.max(0, Math.round(target.box.x - target.box.w));
    const top = Math.max(0, Math.round(target.box.y - target.box.h / 2));
    const side = Math.round(target.box.w * 3);
    const cut = await sharp(sized)
      .extract({ left, top, width: Math.min(side, 1600 - left), height: side })
      .resize({ width: 400 })
      .jpeg({ quality: 75 })
      .toBuffer();
    const second = await facesOf(olga, await uploadOne('cut.jpg', cut));
    assert.equal(second.faces.length, 1);
    const first = await facesOf(olga, sample1);
    const person = first.faces.find((f) => f.id === target.id)!.person;
    assert.ok(person, `the first photo's face is in a group: ${JSON.stringify(first.faces)}`);
    assert.equal(second.faces[0].person?.id, person.id);
    for (const f of first.faces) if (f.id !== target.id) assert.notEqual(f.person?.id, person.id, 'the others are not in that group');
  });

  it('handles a 1×1 image, a CMYK JPEG, a 16-bit PNG, a grey image and a wide panorama: done with 0 faces', async () => {
    const inputs: [string, Buffer][] = [
      [
        'one.png',
        await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
          .png()
          .toBuffer(),
      ],
      [
        'cmyk.jpg',
        await sharp(await fixture('jpeg', 640, 480))
          .toColourspace('cmyk')
          .jpeg()
          .toBuffer(),
      ],
      [
        'deep.png',
        await sharp(await fixture('png', 640, 480))
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
      ],
      [
        'grey.jpg',
        await sharp(await fixture('jpeg', 640, 480))
          .greyscale()
          .jpeg()
          .toBuffer(),
      ],
      [
        'panorama.jpg',
        await sharp({ create: { width: 12000, height: 500, channels: 3, background: '#3060a0' } })
          .jpeg()
          .toBuffer(),
      ],
    ];
    assert.equal((await sharp(inputs[1][1]).metadata()).space, 'cmyk');
    assert.equal((await sharp(inputs[2][1]).metadata()).depth, 'ushort');
    for (const [name, data] of inputs) {
      const f = await facesOf(olga, await uploadOne(name, data));
      assert.deepEqual([f.state, f.faces.length], ['done', 0], `${name}: ${f.error}`);
    }
  });

  it('fails the faces of a photo whose thumbnails failed, with the cause', async () => {
    const whole = await fixture('jpeg', 1200, 900);
    const f = await facesOf(olga, await uploadOne('cut.jpg', whole.subarray(0, Math.floor(whole.length / 2))));
    assert.equal(f.state, 'failed');
    assert.match(f.error ?? '', /thumbnails failed: .*cannot be read/);
  });

  it('stores the faces once when the job runs again (a worker killed mid-job), also when two runs overlap', async () => {
    const handler = bindJobs(app.ctx.jobDefinitions, jobDeps(app.ctx)).get('images.faces')!.handler;
    const job = {
      id: 0,
      kind: 'images.faces',
      attempt: 2,
      maxAttempts: 3,
      requestId: null,
      log: app.ctx.log,
      signal: new AbortController().signal,
      progress: async () => {},
    };
    await app.ctx.db.exec("update faces set status = 'confirmed' where person_id is not null and media_id = $1", [sample1]);
    const before = await facesOf(olga, sample1);
    await handler({ mediaId: sample1 }, job);
    await Promise.all([handler({ mediaId: sample1 }, job), handler({ mediaId: sample1 }, job)]);
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from faces where media_id = $1', [sample1]);
    assert.equal(n, 3);
    const f = await facesOf(olga, sample1);
    assert.equal(f.faces.length, 3);
    // Found again: the same rows (crop URLs keep working) and the person an operator confirmed.
    assert.deepEqual(
      f.faces.map((x) => [x.id, x.person?.id, x.person?.status]),
      before.faces.map((x) => [x.id, x.person?.id, x.person?.status]),
    );
    assert.ok(f.faces.some((x) => x.person));
  });

  it('removes the faces and crops with the attachment', async () => {
    const before = await facesOf(olga, sample1);
    const token = /data-csrf="([^"]+)"/.exec((await olga.get(cardPath)).text)![1];
    const r = await olga.request('POST', `${cardPath}/attachments/${sample1}/delete`, undefined, {
      accept: 'application/json',
      'x-csrf-token': token,
    });
    assert.equal(r.status, 200, r.text);
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from faces where media_id = $1', [sample1]);
    assert.equal(n, 0);
    assert.equal((await olga.get(before.faces[0].crop)).status, 404);
    assert.equal((await olga.get(`/media/${sample1}/faces`)).status, 404);
  });
});
